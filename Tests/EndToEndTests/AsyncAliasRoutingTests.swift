import Foundation
import LambdaSimJSON
import XCTest

/// Weighted alias routing for asynchronous events: each attempt of an event queued on an alias
/// with `AdditionalVersionWeights` picks its version from the run's seeded generator. Built
/// binary, private sandbox, manual clock, builtin handlers.
final class AsyncAliasRoutingTests: XCTestCase {
    static let start = "2026-01-01T00:00:00Z"
    static let account = "123456789012"

    /// Version 1 echoes, version 2 (the 0.5 weight) fails with CanaryError: the timeline shows
    /// which version each attempt ran on.
    static let scenario = """
        {
          "start": "2026-01-01T00:00:00Z",
          "seed": 3,
          "steps": [
            ["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo"],
            ["publish-version", "--function-name", "f"],
            {"simulate": "1s"},
            ["update-function-configuration", "--function-name", "f", "--handler", "fail:CanaryError:v2"],
            ["publish-version", "--function-name", "f"],
            ["create-alias", "--function-name", "f", "--name", "live", "--function-version", "1",
             "--routing-config", "AdditionalVersionWeights={2=0.5}"],
            ["put-function-event-invoke-config", "--function-name", "f", "--qualifier", "live", "--maximum-retry-attempts", "0"],
            {"enqueue": {"function": "f", "payload": {"n": 1}, "count": 40, "qualifier": "live"}}
          ]
        }
        """

    // 40 events on an alias weighted 0.5 over two versions: both versions run, and the same
    // scenario and seed print the same bytes.
    func testWeightedAliasRoutesAsyncAttemptsDeterministically() throws {
        let s = try Sandbox()
        s.clock = .manual(start: Self.start)
        let path = s.directory + "/weighted.json"
        try Self.scenario.write(toFile: path, atomically: true, encoding: .utf8)
        let a = try s.run(["simulate", "--scenario", path, "--format", "json"])
        let b = try s.run(["simulate", "--scenario", path, "--format", "json"])
        XCTAssertEqual(a.exitCode, 0, a.stderrText)
        XCTAssertEqual(a.stdout, b.stdout, "same scenario and seed, same bytes")
        let steps = try a.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let invokes = steps.filter { $0["event"] == "invoke" }
        XCTAssertEqual(invokes.count, 40)
        let canary = invokes.filter { $0["errorType"]?.stringValue == "CanaryError" }.count
        let primary = invokes.filter { $0["result"]?.stringValue == "success" }.count
        XCTAssertEqual(canary + primary, 40)
        XCTAssertGreaterThan(canary, 5, "version 2 attempted")
        XCTAssertGreaterThan(primary, 5, "version 1 attempted")
        let other = try s.run(["simulate", "--scenario", path, "--format", "json", "--seed", "4"])
        XCTAssertNotEqual(a.stdout, other.stdout)
    }

    // The chosen version is the one in the attempt's log (`Version:`) and in the record's
    // responseContext.executedVersion.
    func testExecutedVersionFollowsTheRoutedVersion() throws {
        let s = try Sandbox()
        s.clock = .manual(start: Self.start)
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        try s.setup("publish-version", "--function-name", "f")
        try s.setup("simulate", "--for", "1s")
        try s.setup("update-function-configuration", "--function-name", "f", "--handler", "sleep:2")
        try s.setup("publish-version", "--function-name", "f")
        try s.setup("create-alias", "--function-name", "f", "--name", "live", "--function-version", "1",
                    "--routing-config", "AdditionalVersionWeights={2=0.5}")
        try s.setup("sqs", "create-queue", "--queue-name", "done")
        try s.setup("put-destination", "--function-name", "f", "--qualifier", "live",
                    "--on-success", "arn:aws:sqs:us-east-1:\(Self.account):done")
        for n in 0..<10 {
            try s.setup("invoke", "--function-name", "f", "--qualifier", "live", "--invocation-type", "Event",
                        "--payload", #"{"n": \#(n)}"#, "out.json")
        }
        let r = try s.run(["simulate", "--seed", "11"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        let logs = try s.run(["logs", "--function-name", "f"])
        XCTAssertEqual(logs.exitCode, 0, logs.stderrText)
        var logVersions: [String: String] = [:]
        for l in logs.stdoutText.split(separator: "\n") where l.contains(" START RequestId: ") {
            let words = l.split(separator: " ")
            if let id = words.firstIndex(of: "RequestId:"), let v = words.firstIndex(of: "Version:"), v + 1 < words.count {
                logVersions[String(words[id + 1])] = String(words[v + 1])
            }
        }
        XCTAssertEqual(logVersions.count, 10)
        XCTAssertEqual(Set(logVersions.values), ["1", "2"])
        let q = try s.run(["sqs", "receive-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/\(Self.account)/done",
                           "--max-number-of-messages", "10"])
        XCTAssertEqual(q.exitCode, 0, q.stderrText)
        let messages = try JSONParser.parse(q.stdoutText)["Messages"]?.arrayValue ?? []
        XCTAssertEqual(messages.count, 10)
        for m in messages {
            let record = try JSONParser.parse(m["Body"]?.stringValue ?? "")
            let id = record["requestContext"]?["requestId"]?.stringValue ?? ""
            XCTAssertEqual(record["responseContext"]?["executedVersion"]?.stringValue, logVersions[id], id)
            XCTAssertEqual(record["requestContext"]?["functionArn"]?.stringValue,
                           "arn:aws:lambda:us-east-1:\(Self.account):function:f:live")
        }
    }
}
