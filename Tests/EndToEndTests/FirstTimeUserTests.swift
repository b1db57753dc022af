import Foundation
import XCTest

/// Issue 14's first-time-user findings, each checked against the real AWS CLI: a bare command
/// line is a usage error, `file:///dev/stdin` reads a pipe, `--cli-input-json` carries an
/// invoke payload, and an unset HOME falls back to the password database as Python does.
final class FirstTimeUserTests: XCTestCase {
    func testGoldenFirstTimeUserCases() throws {
        let s = try Sandbox.reference()
        try s.createBuiltin("e")
        let cases: [GoldenCase] = [
            GoldenCase("U01-bare-command-line", [], dialect: .v1),
            GoldenCase("U02-bare-command-line-v2", [], dialect: .v2),
            GoldenCase("U03-service-without-operation-v2", ["sqs"], dialect: .v2),
            GoldenCase("U04-payload-from-dev-stdin", ["invoke", "--function-name", "e", "--payload", "file:///dev/stdin", "out.json"],
                       outfile: "out.json", stdin: Array(#"{"from":"stdin"}"#.utf8)),
            GoldenCase("U05-cli-input-json-payload", ["invoke", "--cli-input-json", #"{"FunctionName": "e", "Payload": "{\"k\":1}"}"#, "out.json"],
                       outfile: "out.json"),
            GoldenCase("U06-cli-input-json-payload-base64", ["invoke", "--cli-binary-format", "base64", "--cli-input-json",
                                                             #"{"FunctionName": "e", "Payload": "eyJrIjoyfQ=="}"#, "out6.json"],
                       dialect: .v2, outfile: "out6.json"),
        ]
        for golden in cases {
            try s.assertGolden(golden)
        }
    }

    /// With HOME unset the state lives under the user's home from the password database (not `//.lambda-sim`).
    func testUnsetHomeUsesThePasswordDatabase() throws {
        let s = try Sandbox()
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { throw XCTSkip("no password database entry") }
        let home = String(cString: dir)
        var environment = s.processEnvironment()
        environment["HOME"] = nil
        environment["LAMBDA_SIM_STATE"] = nil
        let result = try ProcessRunner.run(ProcessSpec(executable: s.binary, arguments: ["state", "path"], environment: environment,
                                                       workingDirectory: s.directory, stdin: nil))
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, (home == "/" ? "" : home) + "/.lambda-sim/state.json\n")
    }

    /// `invoke help` lists the values of --invocation-type and --log-type (the model's help text alone
    /// is "Choose from the following options.").
    func testHelpListsEnumValues() throws {
        let s = try Sandbox()
        let result = try s.run(["invoke", "help"])
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertTrue(result.stdoutText.contains("""
              --invocation-type
                  Choose from the following options.
                  Possible values: Event | RequestResponse | DryRun

            """), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains("      Possible values: None | Tail\n"), result.stdoutText)
    }
}
