import Foundation
import LambdaSimJSON
import XCTest

/// Complete timelines (issue 11, item 2): synchronous invokes are `invoke` lines with source
/// `sync`, every line carries its cause, `--show-payloads`, `partial` batches with the failed
/// ids, participants labelled by what they are, and `simulate --history [--since]` replaying what
/// already ran. Golden files in Fixtures/timelines/ (manual clock, fixed seed: exact bytes);
/// re-record with RECORD_GOLDEN=1 and review the diff.
final class TimelineTests: XCTestCase {
    static let start = "2026-01-01T00:00:00Z"

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .manual(start: Self.start)
        s.environment["LAMBDA_SIM_SEED"] = "11"
        return s
    }

    func golden(_ name: String, _ actual: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = LambdaSimBinary.packageRoot.path + "/Tests/EndToEndTests/Fixtures/timelines/" + name
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            XCTFail("recorded \(name)", file: file, line: line)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(actual, expected, name, file: file, line: line)
    }

    /// A sync success, a sync function error and an Event invoke that fails, is retried once and is discarded.
    func playMixed(_ s: Sandbox) throws {
        try s.setup("create-function", "--function-name", "greet", "--runtime", "builtin", "--handler", "echo")
        try s.setup("create-function", "--function-name", "charge", "--runtime", "builtin", "--handler", "fail:CardDeclined:card declined")
        try s.setup("invoke", "--function-name", "greet", "--cli-binary-format", "raw-in-base64-out", "--payload", #"{"name": "Ada"}"#, "out.json")
        let failed = try s.run(["invoke", "--function-name", "charge", "--cli-binary-format", "raw-in-base64-out",
                                "--payload", #"{"amount": 12}"#, "err.json"])
        XCTAssertEqual(failed.exitCode, 0, failed.stderrText)
        try s.setup("put-function-event-invoke-config", "--function-name", "charge", "--maximum-retry-attempts", "1")
        try s.setup("invoke", "--function-name", "charge", "--invocation-type", "Event", "--cli-binary-format", "raw-in-base64-out",
                    "--payload", #"{"amount": 30}"#, "out.json")
    }

    // Sync invokes appear in the next simulate as `invoke … sync`, with their cause, the payloads and the error type.
    func testSyncInvokesAppearWithCauseAndPayloads() throws {
        let s = try sandbox()
        try playMixed(s)
        let r = try s.run(["simulate", "--explain", "--show-payloads"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertEqual(r.stderrText, "")
        try golden("mixed.timeline", r.stdoutText)
        // A second simulate has nothing new: stdout stays empty, stderr says so with the time.
        let again = try s.run(["simulate"])
        XCTAssertEqual(again.stdout, [])
        XCTAssertEqual(again.stderrText, "lambda-sim simulate: nothing was due; the simulated time is 2026-01-01T00:01:00.001Z (manual clock). simulate --history shows what already ran.\n")
    }

    // After the work ran, --history replays it: the Mermaid diagram names caller, async queue and function.
    func testHistoryReplaysAsMermaidAndJSON() throws {
        let s = try sandbox()
        try playMixed(s)
        XCTAssertEqual(try s.run(["simulate"]).exitCode, 0)
        let mermaid = try s.run(["simulate", "--history", "--format", "mermaid"])
        XCTAssertEqual(mermaid.exitCode, 0, mermaid.stderrText)
        try golden("mixed.mermaid", mermaid.stdoutText)
        let json = try s.run(["simulate", "--history", "--format", "json", "--show-payloads"])
        let lines = json.stdoutText.split(separator: "\n").map { try? JSONParser.parse(bytes: Array($0.utf8)) }
        let sync = lines.compactMap { $0 }.filter { $0["source"]?.stringValue == "sync" }
        XCTAssertEqual(sync.map { $0["function"]?.stringValue }, ["greet", "charge"])
        XCTAssertEqual(sync.map { $0["result"]?.stringValue }, ["success", "error"])
        XCTAssertEqual(sync[1]["errorType"]?.stringValue, "CardDeclined")
        XCTAssertEqual(sync[0]["payload"]?.stringValue, #"{"name": "Ada"}"#)
        XCTAssertTrue(lines.allSatisfy { ($0?["cause"]?.stringValue ?? "").isEmpty == false }, "every line carries its cause")
        // --since keeps the later steps only (the retry at +60 s and the discard); a duration counts back from now.
        let since = try s.run(["simulate", "--history", "--since", "2026-01-01T00:00:30Z"])
        XCTAssertEqual(since.stdoutText.split(separator: "\n").count, 2, since.stdoutText)
        XCTAssertTrue(since.stdoutText.contains("attempt 2  error CardDeclined  <- retry 1 of 1"), since.stdoutText)
        let recent = try s.run(["simulate", "--history", "--since", "10s"])
        XCTAssertEqual(recent.stdoutText, since.stdoutText)
        // --history runs nothing and combines with no run option.
        let bad = try s.run(["simulate", "--history", "--for", "5m"])
        XCTAssertEqual(bad.exitCode, 252)
        XCTAssertEqual(try s.run(["simulate", "--since", "5m"]).exitCode, 252)
    }

    // A partial batch response prints as `partial` with the failed ids; the mapping's lane is its SQS poller.
    func testPartialBatchAndPollerLane() throws {
        let s = try sandbox()
        let scenario = LambdaSimBinary.packageRoot.path + "/examples/scenarios/sqs-partial-batch.json"
        let text = try s.run(["simulate", "--scenario", scenario, "--show-payloads"])
        XCTAssertEqual(text.exitCode, 0, text.stderrText)
        try golden("sqs-partial-batch.timeline", text.stdoutText)
        let mermaid = try s.run(["simulate", "--scenario", scenario, "--format", "mermaid"])
        try golden("sqs-partial-batch.mermaid", mermaid.stdoutText)
        let json = try s.run(["simulate", "--scenario", scenario, "--format", "json"])
        let invokes = json.stdoutText.split(separator: "\n").compactMap { try? JSONParser.parse(bytes: Array($0.utf8)) }
            .filter { $0["event"]?.stringValue == "invoke" }
        XCTAssertEqual(invokes.map { $0["result"]?.stringValue }, ["partial", "partial"])
        XCTAssertEqual(invokes.map { $0["failedItems"]?.arrayValue?.count }, [1, 1])
    }

    // Wall clock: a sync invoke and the background's async attempt both reach simulate and the history.
    func testWallModeSyncInvokesReachSimulateAndHistory() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("create-function", "--function-name", "greet", "--runtime", "builtin", "--handler", "echo")
        try s.setup("invoke", "--function-name", "greet", "out.json")
        try s.setup("invoke", "--function-name", "greet", "--invocation-type", "Event", "out.json")
        let deadline = Date().addingTimeInterval(20)
        var history = ""
        while Date() < deadline {
            history = try s.run(["simulate", "--history", "--format", "json"]).stdoutText
            if history.contains(#""source":"async","attempt":1"#) { break }
            usleep(100_000)
        }
        XCTAssertTrue(history.contains(#""source":"sync","result":"success","cause":"lambda-sim invoke""#), history)
        XCTAssertTrue(history.contains(#""source":"async","attempt":1,"result":"success""#), history)
        let shown = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(shown.exitCode, 0, shown.stderrText)
        XCTAssertTrue(shown.stdoutText.contains(#""source":"sync""#), shown.stdoutText)
        XCTAssertTrue(shown.stdoutText.contains(#""event":"invoke","function":"greet","requestId""#), shown.stdoutText)
    }

    // Under serve, a synchronous invoke through the Invoke API and one through a function URL are
    // recorded with their causes; simulate --history shows both.
    func testServeAndFunctionURLInvokesAreRecordedWithTheirCauses() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        let url = try s.setup("create-function-url-config", "--function-name", "f", "--auth-type", "NONE")
        try s.setup("add-permission", "--function-name", "f", "--statement-id", "url", "--action", "lambda:InvokeFunctionUrl",
                    "--principal", "*", "--function-url-auth-type", "NONE")
        let functionURL = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(url.stdout)) as? [String: Any])?["FunctionUrl"] as? String)
        let urlId = String(functionURL.dropFirst("https://".count).prefix { $0 != "." })
        let server = try ServeProcess(s)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        let api = try RawHTTP.request(port: server.port, method: "POST", path: "/2015-03-31/functions/f/invocations",
                                      body: Array(#"{"via":"api"}"#.utf8))
        XCTAssertEqual(api.status, 200, api.text)
        let viaURL = try RawHTTP.request(port: server.port, method: "GET", path: "/lambda-url/\(urlId)/")
        XCTAssertEqual(viaURL.status, 200, viaURL.text)
        let history = try s.run(["simulate", "--history", "--format", "json", "--show-payloads"])
        let sync = history.stdoutText.split(separator: "\n").compactMap { try? JSONParser.parse(bytes: Array($0.utf8)) }
            .filter { $0["source"]?.stringValue == "sync" }
        XCTAssertEqual(sync.map { $0["cause"]?.stringValue }, ["Invoke API (serve)", "function URL (serve)"], history.stdoutText)
        XCTAssertEqual(sync.first?["payload"]?.stringValue, #"{"via":"api"}"#)
        XCTAssertTrue(sync.allSatisfy { $0["result"]?.stringValue == "success" && $0["function"]?.stringValue == "f" })
    }
}
