import XCTest

/// `logs`: each invocation's lines stay together, and a function that does not exist is an error.
final class LogsTests: XCTestCase {
    func testInvocationsInTheSameMillisecondStayTogether() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        // The manual clock stands still: both invocations start at the same simulated instant.
        for _ in 0..<2 { try s.setup("invoke", "--function-name", "f", "out.json") }
        let logs = try s.run(["logs", "--function-name", "f"])
        XCTAssertEqual(logs.exitCode, 0, logs.stderrText)
        let kinds = logs.stdoutText.split(separator: "\n").map { line -> String in
            let text = line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            return String(text.prefix { $0 != " " })
        }
        XCTAssertEqual(kinds, ["START", "END", "REPORT", "START", "END", "REPORT"])
    }

    func testUnknownFunctionIsAnError() throws {
        let s = try Sandbox()
        let logs = try s.run(["logs", "--function-name", "nope"])
        XCTAssertEqual(logs.exitCode, 255)
        XCTAssertEqual(logs.stdoutText, "")
        XCTAssertEqual(logs.stderrText,
                       "\nlambda-sim logs: Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope\n")
    }
}
