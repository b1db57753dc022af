import XCTest

/// A few reference cases again in lambda-sim's default dialect, AWS CLI v2 (no
/// `LAMBDA_SIM_CLI_VERSION`): exit 252 for command-line errors (usage banner, then a blank line
/// before `lambda-sim: error:`), 254 for service errors, 0 for success; v2-only options and
/// ISO 8601 timestamps. The reference has no v2 capture, so these follow its "Known v2
/// differences" and DESIGN.md.
final class GoldenV2DialectTests: XCTestCase {
    private func echo(_ name: String, _ arguments: [String], outfile: String? = "out.json",
                      file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try s.assertGolden(GoldenCase(name, arguments, dialect: .v2, outfile: outfile), file: file, line: line)
    }

    // 10-invoke-default in v2: same bytes as v1 (echo `{}`, ExecutedVersion), exit 0.
    func test10InvokeDefaultV2() throws {
        try echo("10-invoke-default-v2", ["invoke", "--function-name", "my-fn", "out.json"])
    }

    // 40-missing-function-name in v2: banner, a blank line, `lambda-sim: error: …`, exit 252.
    func test40MissingFunctionNameV2() throws {
        try echo("40-missing-function-name-v2", ["invoke", "out.json"])
    }

    // 43-unknown-option in v2: "Unknown options" after the banner, exit 252.
    func test43UnknownOptionV2() throws {
        try echo("43-unknown-option-v2", ["invoke", "--function-name", "my-fn", "--bogus-flag", "1", "out.json"])
    }

    // 51-empty-function-name in v2: parameter validation is a command-line error, exit 252.
    func test51EmptyFunctionNameV2() throws {
        try echo("51-empty-function-name-v2", ["invoke", "--function-name", "", "out.json"])
    }

    // 44-unknown-function in v2: the service error text is the same, exit 254.
    func test44UnknownFunctionV2() throws {
        try echo("44-unknown-function-v2", ["invoke", "--function-name", "no-such-fn", "out.json"])
    }

    // 25-cli-binary-format in v2: the option exists, so the raw payload is sent and echoed, exit 0.
    func test25CLIBinaryFormatV2() throws {
        try echo("25-cli-binary-format-v2", ["invoke", "--function-name", "my-fn", "--cli-binary-format", "raw-in-base64-out",
                                             "--payload", #"{"a":1}"#, "out.json"])
    }

    // 20-payload-inline in v2 with `--cli-binary-format base64`: the payload is base64 of `{"a":1}`.
    func test20PayloadBase64V2() throws {
        try echo("20-payload-base64-v2", ["invoke", "--function-name", "my-fn", "--cli-binary-format", "base64",
                                          "--payload", "eyJhIjoxfQ==", "out.json"])
    }

    // 94-v2-debug-payload in v2: `--v2-debug` is a v1 option, so v2 reports it unknown, exit 252.
    func test94V2DebugPayloadV2() throws {
        try echo("94-v2-debug-payload-v2", ["invoke", "--function-name", "my-fn", "--payload", #"{"a":1}"#, "--v2-debug", "out.json"])
    }

    // 62-output-yaml in v2: yaml exists in v2, exit 0.
    func test62OutputYAMLV2() throws {
        try echo("62-output-yaml-v2", ["--output", "yaml", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // 95b-feic-iso8601-timestamps in v2: ISO 8601 in the local zone is v2's default, no config file needed.
    func test95bFEICISO8601TimestampsV2() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.setup("sqs", "create-queue", "--queue-name", "my-queue")
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1",
                    "--maximum-event-age-in-seconds", "3600", "--destination-config", GoldenNeighbourTests.bothDestinations)
        s.timeZone = "America/New_York"
        try s.assertGolden(GoldenCase("95b-feic-iso8601-timestamps-v2",
                                      ["get-function-event-invoke-config", "--function-name", "my-fn"], dialect: .v2))
    }
}
