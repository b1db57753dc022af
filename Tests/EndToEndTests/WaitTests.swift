import Foundation
import XCTest

/// `wait` (the AWS CLI's `aws lambda wait`) with botocore's waiter definitions: golden cases on
/// the manual clock (attempts do not sleep there), and a wall-clock wait that ends when another
/// command creates the function.
final class WaitTests: XCTestCase {
    func testGoldenWaiters() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.setup("publish-version", "--function-name", "my-fn")
        let cases: [(String, [String], CLIDialect)] = [
            ("W01-wait-function-active-v2", ["wait", "function-active-v2", "--function-name", "my-fn"], .v2),
            ("W02-wait-function-exists-missing", ["wait", "function-exists", "--function-name", "nope"], .v2),
            ("W03-wait-function-active-v2-missing", ["lambda", "wait", "function-active-v2", "--function-name", "nope"], .v2),
            ("W04-wait-published-version-active", ["wait", "published-version-active", "--function-name", "my-fn", "--qualifier", "1"], .v2),
            ("W05-wait-function-updated-v2", ["wait", "function-updated-v2", "--function-name", "my-fn"], .v2),
            ("W06-wait-unknown-waiter", ["wait", "function-activ", "--function-name", "my-fn"], .v2),
            ("W07-wait-missing-function-name", ["wait", "function-exists"], .v2),
            ("W08-wait-function-exists-missing-v1", ["wait", "function-exists", "--function-name", "nope"], .v1),
        ]
        for (name, arguments, dialect) in cases {
            try s.assertGolden(GoldenCase(name, arguments, dialect: dialect))
        }
    }

    /// Wall clock: `wait function-exists` polls once a second and succeeds once another command
    /// has created the function.
    func testWallClockWaitEndsWhenTheFunctionAppears() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("create-function", "--function-name", "first", "--runtime", "builtin", "--handler", "echo")
        let started = Date()
        final class Box: @unchecked Sendable { var result: ProcessResult? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let spec = s.spec(["wait", "function-exists", "--function-name", "later"])
        DispatchQueue.global().async {
            box.result = try? ProcessRunner.run(spec)
            done.signal()
        }
        usleep(1_500_000)
        try s.setup("create-function", "--function-name", "later", "--runtime", "builtin", "--handler", "echo")
        done.wait()
        let result = try XCTUnwrap(box.result)
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(elapsed, 1.5, "the waiter polled until the function existed")
        XCTAssertLessThan(elapsed, 15, "the waiter stopped soon after the function existed")
    }
}
