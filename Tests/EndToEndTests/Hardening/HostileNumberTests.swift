import XCTest

/// Out-of-range numbers and impossible dates, on the command line, in the environment, in
/// scenario files and in hand-edited state and side files: each is one error line with a
/// documented exit code (252 command line, 253 configuration, 255 other), never a trap.
final class HostileNumberTests: XCTestCase {
    /// The message lines of stderr (the AWS CLI frames messages with blank lines).
    static func messageLines(_ result: ProcessResult) -> [Substring] {
        result.stderrText.split(separator: "\n", omittingEmptySubsequences: true)
    }

    func assertOneLineError(_ result: ProcessResult, status: Int32, contains text: String, note: String = "",
                            file: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(result.exitCode, status, note + " " + result.stderrText, file: file, line: line)
        let lines = Self.messageLines(result)
        XCTAssertEqual(lines.count, 1, "stderr: \(result.stderrText)", file: file, line: line)
        XCTAssertTrue(result.stderrText.contains(text), "stderr: \(result.stderrText)", file: file, line: line)
    }

    func testOutOfRangeNumbersOnTheCommandLineAreUsageErrors() throws {
        let s = try Sandbox()
        let cases: [([String], String)] = [
            (["simulate", "--until", "NaN"], "--until"),
            (["simulate", "--until", "inf"], "--until"),
            (["simulate", "--until", "1e300"], "--until"),
            (["simulate", "--until", "9223372036854775"], "--until"),
            (["simulate", "--until", "2026-99-99"], "--until"),
            (["simulate", "--until", "2026-02-30T00:00:00Z"], "--until"),
            (["simulate", "--until", "2026-01-01T24:00:00Z"], "--until"),
            (["simulate", "--until", "2026-01-01T00:61:00Z"], "--until"),
            (["simulate", "--for", "9223372036854775807s"], "--for"),
            (["simulate", "--for", "106751991167d"], "--for"),
            (["simulate", "--for", "nan"], "--for"),
            (["simulate", "--for", "-5s"], "--for"),
            (["logs", "--since", "9223372036854775807s"], "--since"),
            (["logs", "--since", "infs"], "--since"),
            (["state", "reset", "--start", "NaN"], "--start"),
            (["state", "reset", "--start", "2026-13-01"], "--start"),
        ]
        for (argv, option) in cases {
            let result = try s.run(argv)
            assertOneLineError(result, status: 252, contains: option)
        }
        // Nothing above touched the clock: an impossible date used to roll it to 2034.
        XCTAssertFalse(s.exists("state.json"))
    }

    func testALeapDayIsAcceptedAndAnImpossibleOneIsNot() throws {
        let s = try Sandbox()
        XCTAssertEqual(try s.run(["simulate", "--until", "2028-02-29T00:00:00Z"]).exitCode, 0)
        assertOneLineError(try s.run(["simulate", "--until", "2029-02-29T00:00:00Z"]), status: 252, contains: "--until")
    }

    func testAnUnusableStartInTheEnvironmentIsAConfigurationError() throws {
        let s = try Sandbox()
        for start in ["NaN", "inf", "1e300", "2026-99-99"] {
            assertOneLineError(try s.run(["simulate", "--for", "1s"], environment: ["LAMBDA_SIM_START": start]),
                               status: 253, contains: "LAMBDA_SIM_START")
            assertOneLineError(try s.run(["list-functions"], environment: ["LAMBDA_SIM_START": start, "LAMBDA_SIM_CLOCK": "wall"]),
                               status: 253, contains: "LAMBDA_SIM_START")
        }
    }

    func testAScenarioWithAnUnusableStartIsRefused() throws {
        let s = try Sandbox()
        for start in ["NaN", "1e300", "2026-02-31"] {
            try s.write("sc.json", #"{"start": "\#(start)", "steps": []}"#)
            assertOneLineError(try s.run(["simulate", "--scenario", "sc.json"]), status: 255, contains: "'start'")
        }
        try s.write("sc.json", #"{"steps": [], "simulate": {"for": "106751991167d"}}"#)
        assertOneLineError(try s.run(["simulate", "--scenario", "sc.json"]), status: 255, contains: "not a duration")
    }

    /// Time fields of a hand-edited state file (the clock offset, an event source mapping's
    /// batching window, a configuration's LastModified, a function's lastModifiedMs): the file
    /// is reported and left as it is, whatever the command.
    func testAStateFileWithAnExtremeNumberIsReportedAndNotRewritten() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("create-event-source-mapping", "--function-name", "f", "--event-source-arn",
                    "arn:aws:sqs:us-east-1:123456789012:q")
        try s.setup("put-function-event-invoke-config", "--function-name", "f", "--maximum-retry-attempts", "1")
        // A function's record has its own file (docs/state.md): the commands that read it report it.
        let functionFile = "functions/us-east-1/f.json"
        for key in ["offsetMs", "MaximumBatchingWindowInSeconds", "LastModified", "lastModifiedMs"] {
            // LastModified (the event invoke config's) is in the function's file, the others in state.json.
            let file = key == "LastModified" ? functionFile : "state.json"
            let original = try XCTUnwrap(s.read(file))
            let text = String(decoding: original, as: UTF8.self)
            for value in ["9223372036854775807", "-9223372036854775808", "1e300", "1000000000000001"] {
                let pattern = try NSRegularExpression(pattern: "\"\(key)\" : -?[0-9]+")
                let range = try XCTUnwrap(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))?.range)
                let edited = (text as NSString).replacingCharacters(in: range, with: "\"\(key)\" : \(value)")
                try s.writeHoldingTheStateLock(file, edited)
                let commands = file == functionFile
                    ? [["list-functions"], ["invoke", "--function-name", "f", "/dev/null"],
                       ["get-function-event-invoke-config", "--function-name", "f"]]
                    : [["list-functions"], ["simulate", "--for", "1m"], ["invoke", "--function-name", "f", "/dev/null"],
                       ["list-event-source-mappings"], ["get-function-event-invoke-config", "--function-name", "f"]]
                for argv in commands {
                    let result = try s.run(argv)
                    assertOneLineError(result, status: 255, contains: "out of range", note: "\(key)=\(value) \(argv)")
                    XCTAssertEqual(s.read(file), Array(edited.utf8), "\(argv) rewrote \(file)")
                }
            }
            try s.writeHoldingTheStateLock(file, String(decoding: original, as: UTF8.self))
        }
    }

    /// A queue journal line with an extreme time is skipped like a line that does not parse.
    func testAQueueJournalLineWithAnExtremeTimeIsSkipped() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("sqs", "send-message", "--queue-url", "q", "--message-body", "kept")
        try s.setup("sqs", "send-message", "--queue-url", "q", "--message-body", "edited")
        let journal = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: s.path("sqs")).first)
        let text = String(decoding: try XCTUnwrap(s.read("sqs/" + journal)), as: UTF8.self)
        let lines = text.split(separator: "\n").map { line -> String in
            guard line.contains("\"edited\"") else { return String(line) }
            return line.replacingOccurrences(of: #""sentTimestamp":[0-9]+"#, with: #""sentTimestamp":-9223372036854775808"#,
                                             options: .regularExpression)
        }
        try s.write("sqs/" + journal, lines.joined(separator: "\n") + "\n")
        let received = try s.run(["sqs", "receive-message", "--queue-url", "q", "--max-number-of-messages", "10"])
        XCTAssertEqual(received.exitCode, 0, received.stderrText)
        XCTAssertTrue(received.stdoutText.contains("kept"))
        XCTAssertFalse(received.stdoutText.contains("edited"))
    }
}
