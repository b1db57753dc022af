import Foundation
import XCTest

@testable import LambdaSim

/// The Mermaid diagram names each lane by what it is: an event source mapping's steps run on the
/// mapping's poller, not on the asynchronous invocation queue.
final class TimelineMermaidTests: XCTestCase {
    let t: SimInstant = 1_767_225_600_000
    let uuid = "a1b2c3d4-0000-4000-8000-000000000001"

    func testMappingStepsGetAPollerLaneAndNoAsyncQueue() {
        let entries = [
            TimelineEntry(timeMs: t, event: .poll, function: "fn", requestId: "", source: uuid,
                          why: .eventSource(reason: "r", detail: "1 message")),
            TimelineEntry(timeMs: t, event: .invoke, function: "fn", requestId: "req-0001-abcd", source: uuid,
                          attempt: 1, result: "success", why: .recorded(reason: "r", detail: "batch")),
        ]
        let text = String(decoding: TimelineFormat.mermaid(entries), as: UTF8.self)
        XCTAssertEqual(text, """
            sequenceDiagram
                participant P0 as Event source poller a1b2c3d4
                participant P1 as Function fn
                Note over P0: 2026-01-01 (UTC)
                Note over P0: 00:00:00.000 poll fn: 1 message
                P0->>P1: 00:00:00.000 batch req-0001
                P1-->>P0: success

            """)
        XCTAssertFalse(text.contains("async queue"))
    }

    func testAsyncEntriesKeepTheQueueLane() {
        let entries = [
            TimelineEntry(timeMs: t, event: .invoke, function: "fn", requestId: "req-0002-abcd",
                          attempt: 1, result: "success", why: .recorded(reason: "r", detail: "d")),
        ]
        let text = String(decoding: TimelineFormat.mermaid(entries), as: UTF8.self)
        XCTAssertTrue(text.contains("participant Q as Lambda async queue"))
        XCTAssertTrue(text.contains("Q->>P1: 00:00:00.000 attempt 1 req-0002"))
    }
}
