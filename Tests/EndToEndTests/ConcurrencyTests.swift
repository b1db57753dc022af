import LambdaSimJSON
import XCTest

/// Many `lambda-sim` processes changing one state file at once never lose an update
/// (DESIGN.md "State": an exclusive lock around every read-modify-write).
final class ConcurrencyTests: XCTestCase {
    static let processes = 20

    // 20 concurrent create-function processes on one state file: list-functions finds all 20.
    func testConcurrentCreateFunctionsLoseNothing() throws {
        let s = try Sandbox()
        let commands = (1...Self.processes).map { i in
            ["create-function", "--function-name", "fn-\(i)", "--runtime", "builtin", "--handler", "echo"]
        }
        let results = try s.runConcurrently(commands)
        for (i, result) in results.enumerated() {
            XCTAssertEqual(result.exitCode, 0, "create-function fn-\(i + 1): \(result.stderrText)")
        }
        let listed = try s.run(["list-functions", "--query", "Functions[].FunctionName", "--output", "json"])
        XCTAssertEqual(listed.exitCode, 0, listed.stderrText)
        let names = try JSONParser.parse(listed.stdoutText).arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(Set(names), Set((1...Self.processes).map { "fn-\($0)" }),
                       "list-functions after \(Self.processes) concurrent creates")
        XCTAssertEqual(names.count, Self.processes)
    }

    // 20 concurrent `invoke --invocation-type Event` on one function: the state's asyncQueue holds 20 events
    // (manual clock, so nothing runs them in between).
    func testConcurrentEventInvokesAreAllQueued() throws {
        let s = try Sandbox()
        try s.createBuiltin()
        let commands = (1...Self.processes).map { i in
            ["invoke", "--function-name", "my-fn", "--invocation-type", "Event", "--payload", #"{"n":\#(i)}"#, "out-\(i).json"]
        }
        let results = try s.runConcurrently(commands)
        for (i, result) in results.enumerated() {
            XCTAssertEqual(result.exitCode, 0, "invoke \(i + 1): \(result.stderrText)")
        }
        let shown = try s.run(["state", "show"])
        XCTAssertEqual(shown.exitCode, 0, shown.stderrText)
        let queue = try JSONParser.parse(shown.stdoutText)["asyncQueue"]?.arrayValue
        XCTAssertEqual(queue?.count, Self.processes, "asyncQueue length after \(Self.processes) concurrent Event invokes")
        let payloads = Set(queue?.compactMap { $0["payload"]?.stringValue } ?? [])
        XCTAssertEqual(payloads, Set((1...Self.processes).map { #"{"n":\#($0)}"# }))
    }
}
