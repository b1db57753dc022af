import XCTest

/// Reference aws-cli-v1-observed.md §5: payload handling. The reference's simple backend echoed
/// the request body; a builtin `echo` function does the same, so the outfile shows the bytes
/// sent. Every sync call also prints `ExecutedVersion`, as real AWS does (§14 #2).
final class GoldenPayloadTests: XCTestCase {
    private func echo(_ name: String, _ arguments: [String], outfile: String? = "out.json", stdin: [UInt8]? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try s.assertGolden(GoldenCase(name, arguments, outfile: outfile, stdin: stdin), file: file, line: line)
    }

    // 20-payload-inline: outfile identical; ExecutedVersion added (§14 #2).
    func test20PayloadInline() throws {
        try echo("20-payload-inline", ["invoke", "--function-name", "my-fn", "--payload", #"{"a":1}"#, "out.json"])
    }

    // 21-payload-file: outfile identical; ExecutedVersion added (§14 #2).
    func test21PayloadFile() throws {
        try echo("21-payload-file", ["invoke", "--function-name", "my-fn", "--payload", "file://x.json", "out.json"])
    }

    // 22-payload-fileb: outfile identical; ExecutedVersion added (§14 #2).
    func test22PayloadFileb() throws {
        try echo("22-payload-fileb", ["invoke", "--function-name", "my-fn", "--payload", "fileb://x.json", "out.json"])
    }

    // 23-payload-file-utf8: outfile identical (UTF-8 and the trailing newline kept); ExecutedVersion added (§14 #2).
    func test23PayloadFileUTF8() throws {
        try echo("23-payload-file-utf8", ["invoke", "--function-name", "my-fn", "--payload", "file://y.json", "out.json"])
    }

    // 28-payload-inline-utf8: outfile identical; ExecutedVersion added (§14 #2).
    func test28PayloadInlineUTF8() throws {
        try echo("28-payload-inline-utf8", ["invoke", "--function-name", "my-fn", "--payload", #"{"s":"é"}"#, "out.json"])
    }

    // 57-positional-first: outfile identical (whitespace kept byte for byte); ExecutedVersion added (§14 #2).
    func test57PositionalFirst() throws {
        try echo("57-positional-first", ["invoke", "out.json", "--function-name", "my-fn", "--payload", #"{ "a" : 1 }"#])
    }

    // 58-equals-syntax: outfile identical; ExecutedVersion added (§14 #2).
    func test58EqualsSyntax() throws {
        try echo("58-equals-syntax", ["invoke", "--function-name=my-fn", #"--payload={"a":1}"#, "out.json"])
    }

    // 56-payload-stdin: outfile identical (stdin bytes with their newline); ExecutedVersion added (§14 #2).
    func test56PayloadStdin() throws {
        try echo("56-payload-stdin", ["invoke", "--function-name", "my-fn", "--payload", "file:///dev/stdin", "out.json"],
                 stdin: Array("{\"from\":\"stdin\"}\n".utf8))
    }

    // 24-payload-invalid-json: moto accepted it; AWS answers 400 InvalidRequestContentException "Could not parse request body into json: …", exit 255, outfile not created (§14 #6).
    func test24PayloadInvalidJSON() throws {
        try echo("24-payload-invalid-json", ["invoke", "--function-name", "my-fn", "--payload", "not json", "out.json"])
    }

    // 27-payload-empty: the empty body reaches echo as `{}` (moto substituted its canned string); ExecutedVersion added (§14 #2).
    func test27PayloadEmpty() throws {
        try echo("27-payload-empty", ["invoke", "--function-name", "my-fn", "--payload", "", "out.json"])
    }

    // 26-payload-missing-file: identical to the reference (client-side error, exit 255).
    func test26PayloadMissingFile() throws {
        try echo("26-payload-missing-file",
                 ["invoke", "--function-name", "my-fn", "--payload", "file://nope.json", "out.json"])
    }

    // 29b-payload-file-binary: identical to the reference (file:// must decode as text).
    func test29bPayloadFileBinary() throws {
        try echo("29b-payload-file-binary", ["invoke", "--function-name", "my-fn", "--payload", "file://bin.dat", "out.json"])
    }

    // 29-payload-fileb-binary: moto crashed with a 500 (retried 4 times); AWS rejects the non-JSON bytes with 400 InvalidRequestContentException, exit 255 (§14 #5).
    func test29PayloadFilebBinary() throws {
        try echo("29-payload-fileb-binary", ["invoke", "--function-name", "my-fn", "--payload", "fileb://bin.dat", "out.json"])
    }

    // 25-cli-binary-format: v1 does not know the flag: same "Unknown options" text and exit 255; the banner names lambda-sim and drops the `usage: \r<v2 advert>` line.
    func test25CLIBinaryFormat() throws {
        try echo("25-cli-binary-format", ["invoke", "--function-name", "my-fn", "--cli-binary-format", "raw-in-base64-out",
                                          "--payload", #"{"a":1}"#, "out.json"])
    }

    // 94-v2-debug-payload: identical stderr warnings and outfile; ExecutedVersion added (§14 #2).
    func test94V2DebugPayload() throws {
        try echo("94-v2-debug-payload", ["invoke", "--function-name", "my-fn", "--payload", #"{"a":1}"#, "--v2-debug", "out.json"])
    }

    // 59-client-context: echo `{}` instead of moto's canned text; ExecutedVersion added (§14 #2).
    func test59ClientContext() throws {
        try echo("59-client-context", ["invoke", "--function-name", "my-fn", "--client-context", "eyJjdXN0b20iOnt9fQ==", "out.json"])
    }
}
