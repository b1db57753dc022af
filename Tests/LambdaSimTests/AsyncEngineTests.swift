import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// Engine-level tests of the async scheduler's pieces: the queue file format, the priority
/// queue, the record builder, the fast log lines, and a simulate run on a private state.
final class AsyncEngineTests: XCTestCase {
    static let start: SimInstant = 1_767_225_600_000

    func function(_ name: String = "fn") -> FunctionVersion {
        FunctionVersion(name: name, region: "us-east-1", version: "$LATEST", runtime: "builtin", role: "r", handler: "echo",
                        description: "", timeout: 3, memorySize: 256, environment: nil, codeSha256: "", codeSize: 0,
                        lastModifiedMs: 0, revisionId: "rev", deadLetterTargetArn: nil, tracingMode: "PassThrough", layers: [],
                        architectures: ["x86_64"], ephemeralStorage: 512, packageType: "Zip", code: nil, extras: nil)
    }

    // The fast log line is byte for byte what FunctionLogs.append would write for Engine.logText.
    func testLogLinesMatchEngineLogText() throws {
        let outputs = [
            InvocationOutput(payload: [], durationMs: 1, initDurationMs: 0.5, maxMemoryUsedMB: 32),
            InvocationOutput(payload: [], errorType: "Error", log: "[ERROR] Error: tab\there \"quoted\" é\n", durationMs: 12.345,
                             maxMemoryUsedMB: 64),
            InvocationOutput(payload: [], errorType: "Sandbox.Timedout", log: "2026-01-01T00:00:03.000Z id Task timed out\n",
                             durationMs: 3000, initDurationMs: 120.25, maxMemoryUsedMB: 32, timedOut: true),
        ]
        for output in outputs {
            var fast = LogBatch()
            fast.add(function: function(), requestId: "req-1", startMs: 42, output: output)
            var reference = LogBatch()
            reference.add(function: function(), requestId: "req-1", startMs: 42,
                          text: Engine.logText(requestId: "req-1", version: "$LATEST", output: output, memorySize: 256))
            XCTAssertEqual(String(decoding: fast.pending["us-east-1/fn"] ?? [], as: UTF8.self),
                           String(decoding: reference.pending["us-east-1/fn"] ?? [], as: UTF8.self))
            // And FunctionLogs reads it back.
            let line = try JSONParser.parse(bytes: (fast.pending["us-east-1/fn"] ?? []).dropLast())
            XCTAssertEqual(line["text"]?.stringValue,
                           Engine.logText(requestId: "req-1", version: "$LATEST", output: output, memorySize: 256))
        }
    }

    func testQueueFileRoundTrip() throws {
        var a = QueuedEvent(requestId: "id-1", functionKey: "us-east-1/fn", qualifier: "live", executedVersion: "3",
                            payload: Array("{\"a\":\t\"x\\\\y\"\n}".utf8), enqueuedMs: 5, dueMs: 60_005, source: "invoke",
                            depth: 2, sequence: 9)
        a.attempts = 1
        a.throttles = 4
        a.last = LastAttempt(startMs: 5, endMs: 6, executedVersion: "3", errorType: "Boom", timedOut: false,
                             response: Array("{\"errorMessage\": \"line\\nbreak\"}\r\n".utf8))
        var b = QueuedEvent(requestId: "id-2", functionKey: "us-east-1/fn", qualifier: "$LATEST", executedVersion: "$LATEST",
                            payload: [], enqueuedMs: 1, dueMs: 2, source: "sns", sequence: 10)
        b.running = true
        b.last = LastAttempt(startMs: 1, endMs: 2, executedVersion: "$LATEST", errorType: nil, timedOut: true, response: [])
        let directory = NSTemporaryDirectory() + "lambda-sim-async-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = AsyncQueueFile(stateDirectory: directory)
        try file.write([a, b], storeId: "store")
        XCTAssertEqual(try file.load(storeId: "store"), [a, b])
        XCTAssertEqual(try file.load(storeId: "other"), [], "a file of another state is ignored")
    }

    func testPriorityQueueOrdersByTimeThenOrder() {
        var queue = PriorityQueue<ScheduledItem>()
        let items = [(5, 1), (1, 2), (5, 0), (3, 7), (1, 1), (9, 3)].map { ScheduledItem(timeMs: Int64($0.0), order: Int64($0.1), index: 0) }
        for item in items { queue.push(item) }
        var popped: [(Int64, Int64)] = []
        while let item = queue.pop() { popped.append((item.timeMs, item.order)) }
        XCTAssertEqual(popped.map(\.0), [1, 1, 3, 5, 5, 9])
        XCTAssertEqual(popped.map(\.1), [1, 2, 7, 0, 1, 3])
        let heapified = PriorityQueue(items)
        XCTAssertEqual(heapified.first?.timeMs, 1)
    }

    func testRecordsEmbedCompactJSON() {
        let last = LastAttempt(startMs: 0, endMs: 1, executedVersion: "$LATEST", errorType: nil, timedOut: false,
                               response: Array("plain text".utf8))
        let record = AsyncRecords.invocationRecord(timestampMs: Self.start, requestId: "r", functionArn: "arn:fn:$LATEST",
                                                   condition: "Success", approximateInvokeCount: 1,
                                                   payload: Array("{ \"a\" : [1, 2.5e3, \"x y\"] ,\n \"b\": null }".utf8), last: last)
        XCTAssertEqual(String(decoding: record, as: UTF8.self),
                       #"{"version":"1.0","timestamp":"2026-01-01T00:00:00.000Z","requestContext":{"requestId":"r","functionArn":"arn:fn:$LATEST","condition":"Success","approximateInvokeCount":1},"requestPayload":{"a":[1,2.5e3,"x y"],"b":null},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":"plain text"}"#)
        var bad = JSONCompactor(Array("{\"a\":}".utf8))
        XCTAssertNil(bad.run())
        var trailing = JSONCompactor(Array("[1] x".utf8))
        XCTAssertNil(trailing.run())
    }

    func testS3KeyLayout() {
        XCTAssertEqual(AsyncScheduler.s3Key(function: "fn", at: Self.start + 3_723_004, uuid: "u"),
                       "aws/lambda/async/fn/2026/01/01/2026-01-01T01.02.03-u")
    }

    // A run on a private state: the default policy's three attempts and the clock at the end.
    func testSimulateRunsTheDefaultPolicy() throws {
        let directory = NSTemporaryDirectory() + "lambda-sim-async-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = Engine(settings: EngineSettings(region: "us-east-1", statePath: directory + "/state.json",
                                                     initialClock: ClockState(mode: .manual, nowMs: Self.start), seed: 3))
        _ = try engine.perform("CreateFunction", JSONObject([
            ("FunctionName", "fails"), ("Runtime", "builtin"), ("Handler", "fail"), ("Role", "arn:aws:iam::123456789012:role/r"),
        ]))
        _ = try engine.invoke(InvokeRequest(functionName: "fails", invocationType: "Event", payload: Array("{}".utf8)))
        let idle = try engine.simulate(SimulationOptions(horizon: .idle))
        XCTAssertEqual(idle.timeline.filter { $0.event == .invoke }.map(\.timeMs), [Self.start, Self.start + 60_000, Self.start + 180_000])
        XCTAssertEqual(idle.attempts, 3)
        XCTAssertEqual(idle.endMs, Self.start + 180_001)
        let state = try engine.store.read()
        XCTAssertEqual(state.asyncQueue.count, 0)
        XCTAssertEqual(state.asyncState?.pending, 0)
        XCTAssertNil(state.asyncState?.lease)
        XCTAssertEqual(try engine.simulate(SimulationOptions(horizon: .idle)).timeline, [])
    }
}
