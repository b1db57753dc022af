import XCTest

/// Reference aws-cli-v1-observed.md §9 (service errors) and §10 (outfile handling).
final class GoldenServiceErrorTests: XCTestCase {
    private func run(_ name: String, _ arguments: [String], outfile: String? = "out.json", python: Bool = false,
                     file: StaticString = #filePath, line: UInt = #line) throws -> Sandbox
    {
        let s = try Sandbox.reference()
        if python { try s.createPython() } else { try s.createBuiltin() }
        try s.assertGolden(GoldenCase(name, arguments, outfile: outfile), file: file, line: line)
        return s
    }

    // MARK: §9 service errors

    // 44-unknown-function: moto's simple backend never looked the function up; AWS answers 404 Function not found (§14 #1), as L20.
    func test44UnknownFunction() throws {
        _ = try run("44-unknown-function", ["invoke", "--function-name", "no-such-fn", "out.json"])
    }

    // L20-unknown-function: identical to the reference (exit 255, outfile not created).
    func testL20UnknownFunction() throws {
        _ = try run("L20-unknown-function", ["invoke", "--function-name", "no-such-fn", "out.json"], python: true)
    }

    // L21-unknown-function-arn: identical to the reference.
    func testL21UnknownFunctionArn() throws {
        _ = try run("L21-unknown-function-arn",
                    ["invoke", "--function-name", "arn:aws:lambda:us-east-1:123456789012:function:no-such-fn", "out.json"],
                    python: true)
    }

    // L30-unknown-function-text: identical to the reference (errors do not depend on --output).
    func testL30UnknownFunctionText() throws {
        _ = try run("L30-unknown-function-text", ["--output", "text", "invoke", "--function-name", "no-such-fn", "out.json"],
                    python: true)
    }

    // L35-error-keeps-existing-outfile: identical to the reference (existing.json keeps its 49 bytes).
    func testL35ErrorKeepsExistingOutfile() throws {
        _ = try run("L35-error-keeps-existing-outfile", ["invoke", "--function-name", "no-such-fn", "existing.json"],
                    outfile: "existing.json", python: true)
    }

    // MARK: §10 outfile handling

    // 47-outfile-nonexistent-dir: identical to the reference (the function ran, then the open failed; exit 255).
    func test47OutfileNonexistentDir() throws {
        _ = try run("47-outfile-nonexistent-dir", ["invoke", "--function-name", "my-fn", "nodir/out.json"],
                    outfile: "nodir/out.json")
    }

    // 55-outfile-is-directory: identical to the reference ([Errno 21], exit 255); the directory is left unchanged.
    func test55OutfileIsDirectory() throws {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try FileManager.default.createDirectory(atPath: s.path("adir"), withIntermediateDirectories: false)
        try s.assertGolden(GoldenCase("55-outfile-is-directory", ["invoke", "--function-name", "my-fn", "adir"]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: s.path("adir")), [])
    }

    // 54-outfile-overwrite: existing.json truncated and replaced by echo's `{}` (moto's canned text); ExecutedVersion added (§14 #2).
    func test54OutfileOverwrite() throws {
        _ = try run("54-outfile-overwrite", ["invoke", "--function-name", "my-fn", "existing.json"], outfile: "existing.json")
    }

    // 48-outfile-dash: `-` is a file name; echo `{}` in it; ExecutedVersion added (§14 #2).
    func test48OutfileDash() throws {
        _ = try run("48-outfile-dash", ["invoke", "--function-name", "my-fn", "-"], outfile: "-")
    }

    // 49-outfile-dev-stdout: stdout is a pipe (as `| cat`): the payload (echo `{}`) then the summary; ExecutedVersion added (§14 #2).
    func test49OutfileDevStdout() throws {
        _ = try run("49-outfile-dev-stdout", ["invoke", "--function-name", "my-fn", "/dev/stdout"], outfile: nil)
    }

    // 53-dev-stdout-with-payload: stdout is a pipe: `{"a":1}` then the summary; ExecutedVersion added (§14 #2).
    func test53DevStdoutWithPayload() throws {
        _ = try run("53-dev-stdout-with-payload", ["invoke", "--function-name", "my-fn", "--payload", #"{"a":1}"#, "/dev/stdout"],
                    outfile: nil)
    }
}
