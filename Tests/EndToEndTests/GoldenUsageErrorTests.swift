import XCTest

/// Reference aws-cli-v1-observed.md §8: argument and usage errors (no request sent), and the
/// enum checks that real AWS does server-side. Usage banners name lambda-sim, and the v1 CLI's
/// `usage: \r<v2 advert>\n\n` first line is not printed (a terminal showed only the advert).
final class GoldenUsageErrorTests: XCTestCase {
    private func echo(_ name: String, _ arguments: [String], outfile: String? = "out.json",
                      file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try s.assertGolden(GoldenCase(name, arguments, outfile: outfile), file: file, line: line)
    }

    // 40-missing-function-name: lambda-sim banner, otherwise identical (exit 2).
    func test40MissingFunctionName() throws {
        try echo("40-missing-function-name", ["invoke", "out.json"])
    }

    // 41-missing-outfile: lambda-sim banner, otherwise identical (exit 2).
    func test41MissingOutfile() throws {
        try echo("41-missing-outfile", ["invoke", "--function-name", "my-fn"], outfile: nil)
    }

    // 42-missing-both: lambda-sim banner, otherwise identical (exit 2).
    func test42MissingBoth() throws {
        try echo("42-missing-both", ["invoke"], outfile: nil)
    }

    // 44b-option-missing-value: lambda-sim banner, otherwise identical (exit 2).
    func test44bOptionMissingValue() throws {
        try echo("44b-option-missing-value", ["invoke", "--function-name", "my-fn", "out.json", "--invocation-type"])
    }

    // 43-unknown-option: lambda-sim banner, otherwise identical (exit 255, `1` taken as the outfile).
    func test43UnknownOption() throws {
        try echo("43-unknown-option", ["invoke", "--function-name", "my-fn", "--bogus-flag", "1", "out.json"])
    }

    // 50-extra-positional: lambda-sim banner, otherwise identical (exit 255); neither file is written.
    func test50ExtraPositional() throws {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try s.assertGolden(GoldenCase("50-extra-positional", ["invoke", "--function-name", "my-fn", "out.json", "extra.json"],
                                      outfile: "out.json"))
        XCTAssertFalse(s.exists("extra.json"), "extra.json must not be created")
    }

    // 44c-operation-typo: lambda-sim banner; the "valid choices" table lists lambda-sim's commands (it implements a subset of Lambda's operations, plus its own), in the same two-column layout.
    func test44cOperationTypo() throws {
        try echo("44c-operation-typo", ["lambda", "invok", "--function-name", "my-fn", "out.json"])
    }

    // 51-empty-function-name: identical to the reference (botocore's min-length check, exit 255).
    func test51EmptyFunctionName() throws {
        try echo("51-empty-function-name", ["invoke", "--function-name", "", "out.json"])
    }

    // 52-function-name-too-long: moto accepted any name; AWS rejects a 300-character name (over the 256 of the model) with a 400 ValidationException, exit 255 (§14 #1).
    func test52FunctionNameTooLong() throws {
        try echo("52-function-name-too-long",
                 ["invoke", "--function-name", String(repeating: "a", count: 300), "out.json"])
    }

    // 45-invalid-invocation-type: moto treated it as RequestResponse; AWS rejects the enum with a 400 ValidationException, exit 255 (§14 #1).
    func test45InvalidInvocationType() throws {
        try echo("45-invalid-invocation-type", ["invoke", "--function-name", "my-fn", "--invocation-type", "Bogus", "out.json"])
    }

    // 46-invalid-log-type: moto ignored it; AWS rejects the enum with a 400 ValidationException, exit 255 (§14 #1).
    func test46InvalidLogType() throws {
        try echo("46-invalid-log-type", ["invoke", "--function-name", "my-fn", "--log-type", "Bogus", "out.json"])
    }
}
