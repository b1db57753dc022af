import XCTest

/// Choosing the state file (DESIGN.md "aws-CLI global options": `--state PATH` /
/// `LAMBDA_SIM_STATE`, default `~/.lambda-sim/state.json`).
final class StateFileTests: XCTestCase {
    // A script that exports LAMBDA_SIM_STATE="${SOMETHING_UNSET}" gets the default state file,
    // not the working directory (which failed with "Not a directory" and left a .lock there).
    func testEmptyLambdaSimStateMeansTheDefault() throws {
        let s = try Sandbox()
        let empty = ["LAMBDA_SIM_STATE": ""]
        let path = try s.run(["state", "path"], environment: empty)
        XCTAssertEqual(path.exitCode, 0, path.stderrText)
        XCTAssertEqual(path.stdoutText, s.directory + "/.lambda-sim/state.json\n")
        let created = try s.run(["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo"],
                                environment: empty)
        XCTAssertEqual(created.exitCode, 0, created.stderrText)
        XCTAssertTrue(s.exists(".lambda-sim/state.json"))
        XCTAssertFalse(s.exists(".lock"))
    }
}
