import Foundation
import LambdaSimJSON
import XCTest

/// `get-account-settings`, the account limit setting and the unreserved pool (docs/concurrency.md).
final class AccountSettingsTests: XCTestCase {
    private func settings(_ s: Sandbox) throws -> JSON {
        let r = try s.run(["get-account-settings"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        return try JSONParser.parse(r.stdoutText)
    }

    // AWS's defaults, printed in the model's order; a reservation comes off the unreserved pool.
    func testDefaultsAndAReservation() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        let r = try s.run(["get-account-settings"])
        XCTAssertEqual(r.stdoutText, """
            {
                "AccountLimit": {
                    "TotalCodeSize": 80530636800,
                    "CodeSizeUnzipped": 262144000,
                    "CodeSizeZipped": 52428800,
                    "ConcurrentExecutions": 1000,
                    "UnreservedConcurrentExecutions": 1000
                },
                "AccountUsage": {
                    "TotalCodeSize": 0,
                    "FunctionCount": 1
                }
            }

            """)
        try s.setup("put-function-concurrency", "--function-name", "f", "--reserved-concurrent-executions", "300")
        XCTAssertEqual(try settings(s)["AccountLimit"]?["UnreservedConcurrentExecutions"]?.intValue, 700)
        // 100 must stay unreserved.
        try s.setup("create-function", "--function-name", "g", "--runtime", "builtin", "--handler", "echo")
        let refused = try s.run(["put-function-concurrency", "--function-name", "g", "--reserved-concurrent-executions", "601"])
        XCTAssertEqual(refused.exitCode, 254)
        XCTAssertEqual(refused.stderrText,
                       "\nAn error occurred (InvalidParameterValueException) when calling the PutFunctionConcurrency operation: Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].\n")
        try s.setup("put-function-concurrency", "--function-name", "g", "--reserved-concurrent-executions", "600")
        XCTAssertEqual(try settings(s)["AccountLimit"]?["UnreservedConcurrentExecutions"]?.intValue, 100)
        try s.setup("delete-function-concurrency", "--function-name", "f")
        XCTAssertEqual(try settings(s)["AccountLimit"]?["UnreservedConcurrentExecutions"]?.intValue, 400)
        XCTAssertEqual(try settings(s)["AccountUsage"]?["FunctionCount"]?.intValue, 2)
    }

    // `state reset --account-concurrency N` sets the limit (a quota increase or a small pool);
    // bad values are refused with exit 252 and the state is left as it was.
    func testTheAccountLimitSetting() throws {
        let s = try Sandbox()
        try s.setup("state", "reset", "--clock", "manual", "--start", Sandbox.fixedStart, "--account-concurrency", "5000")
        XCTAssertEqual(try settings(s)["AccountLimit"]?["ConcurrentExecutions"]?.intValue, 5000)
        XCTAssertEqual(try settings(s)["AccountLimit"]?["UnreservedConcurrentExecutions"]?.intValue, 5000)
        let bad = try s.run(["state", "reset", "--account-concurrency", "0"])
        XCTAssertEqual(bad.exitCode, 252)
        XCTAssertEqual(bad.stderrText, "\nError parsing parameter '--account-concurrency': must be an integer from 1 to 10000000: 0\n")
        XCTAssertEqual(try settings(s)["AccountLimit"]?["ConcurrentExecutions"]?.intValue, 5000)
        let shown = try JSONParser.parse(try s.run(["state", "show"]).stdoutText)
        XCTAssertEqual(shown["accountConcurrency"]?.intValue, 5000)
    }

    // A scenario's "accountConcurrency": with a pool of 1 the second Event attempt is throttled
    // (ConcurrentInvocationLimitExceeded) at +0 and runs at +1 s, after the first one's 1 s.
    func testAScenarioAccountPoolThrottlesAsyncAttempts() throws {
        let s = try Sandbox()
        let scenario = LambdaSimBinary.packageRoot.path + "/examples/scenarios/account-pool-throttle.json"
        let r = try s.run(["simulate", "--scenario", scenario, "--format", "json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        let lines = try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let steps = lines.map { "\($0["time"]?.stringValue ?? "") \($0["event"]?.stringValue ?? "") \($0["attempt"]?.intValue ?? 0)" }
        XCTAssertEqual(steps, ["2026-01-01T00:00:00.000Z enqueue 0", "2026-01-01T00:00:00.000Z enqueue 0",
                               "2026-01-01T00:00:00.000Z invoke 1", "2026-01-01T00:00:00.000Z throttle 0",
                               "2026-01-01T00:00:01.000Z invoke 1"])
        XCTAssertTrue(lines[3]["reason"]?.stringValue?.contains("ConcurrentInvocationLimitExceeded") ?? false)
        XCTAssertEqual(lines[3]["errorType"]?.stringValue, "TooManyRequestsException")
    }
}
