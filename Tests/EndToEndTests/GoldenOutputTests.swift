import XCTest

/// Reference aws-cli-v1-observed.md §11: output formats and `--query`.
final class GoldenOutputTests: XCTestCase {
    private func echo(_ name: String, _ arguments: [String], outfile: String? = "out.json",
                      file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try s.assertGolden(GoldenCase(name, arguments, outfile: outfile), file: file, line: line)
    }

    private func python(_ name: String, _ arguments: [String], boom: Bool = false, normalize: Normalizer.Options = [.logDurations],
                        file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        if boom { try s.createPython("boom-fn", handler: "handler.boom") } else { try s.createPython() }
        try s.assertGolden(GoldenCase(name, arguments, outfile: "out.json", normalize: normalize), file: file, line: line)
    }

    // 65-output-json-explicit: echo `{}` instead of moto's canned text; ExecutedVersion added (§14 #2).
    func test65OutputJSONExplicit() throws {
        try echo("65-output-json-explicit", ["invoke", "--function-name", "my-fn", "--output", "json", "out.json"])
    }

    // 60-output-text: with AWS's ExecutedVersion the text line is `$LATEST\t200` (as L38), not `200` (§14 #2).
    func test60OutputText() throws {
        try echo("60-output-text", ["--output", "text", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // L38-output-text-ok: identical to the reference.
    func testL38OutputTextOK() throws {
        try python("L38-output-text-ok", ["--output", "text", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // L27-output-text-error: identical to the reference.
    func testL27OutputTextError() throws {
        try python("L27-output-text-error", ["--output", "text", "invoke", "--function-name", "boom-fn", "out.json"], boom: true)
    }

    // 61-output-table: with AWS's ExecutedVersion there are two keys, so the table has L39's header-row layout (§14 #2).
    func test61OutputTable() throws {
        try echo("61-output-table", ["--output", "table", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // L39-output-table-ok: identical to the reference.
    func testL39OutputTableOK() throws {
        try python("L39-output-table-ok", ["--output", "table", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // L28-output-table-error: the LogResult cell is shown decoded and runs of spaces/dashes collapsed (its width follows the log's measured durations); AWS's log text (U+00A0 traceback indent, Init Duration) as in L16.
    func testL28OutputTableError() throws {
        try python("L28-output-table-error",
                   ["--output", "table", "invoke", "--function-name", "boom-fn", "--log-type", "Tail", "out.json"],
                   boom: true, normalize: [.logDurations, .base64Tokens, .collapseTableRuns])
    }

    // 62-output-yaml: lambda-sim banner, otherwise identical (v1 has no yaml: exit 2).
    func test62OutputYAML() throws {
        try echo("62-output-yaml", ["--output", "yaml", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // 69-output-yaml-stream: lambda-sim banner, otherwise identical (exit 2).
    func test69OutputYAMLStream() throws {
        try echo("69-output-yaml-stream", ["--output", "yaml-stream", "invoke", "--function-name", "my-fn", "out.json"])
    }

    // 68-output-invalid: lambda-sim banner, otherwise identical (exit 2).
    func test68OutputInvalid() throws {
        try echo("68-output-invalid", ["invoke", "--function-name", "my-fn", "--output", "xml", "out.json"])
    }

    // 63-query-statuscode: stdout identical; outfile is echo's `{}`.
    func test63QueryStatusCode() throws {
        try echo("63-query-statuscode", ["invoke", "--function-name", "my-fn", "--query", "StatusCode", "out.json"])
    }

    // 64-query-text: stdout identical; outfile is echo's `{}`.
    func test64QueryText() throws {
        try echo("64-query-text", ["invoke", "--function-name", "my-fn", "--query", "StatusCode", "--output", "text", "out.json"])
    }

    // L37-query-executed-version-json: identical to the reference.
    func testL37QueryExecutedVersionJSON() throws {
        try python("L37-query-executed-version-json", ["invoke", "--function-name", "my-fn", "--query", "ExecutedVersion", "out.json"])
    }

    // 66-query-missing-key: stdout identical (`null`); outfile is echo's `{}`.
    func test66QueryMissingKey() throws {
        try echo("66-query-missing-key", ["invoke", "--function-name", "my-fn", "--query", "FunctionError", "out.json"])
    }

    // 66b-query-missing-key-text: stdout identical (`None`); outfile is echo's `{}`.
    func test66bQueryMissingKeyText() throws {
        try echo("66b-query-missing-key-text",
                 ["invoke", "--function-name", "my-fn", "--query", "FunctionError", "--output", "text", "out.json"])
    }

    // L29-query-functionerror: identical to the reference.
    func testL29QueryFunctionError() throws {
        try python("L29-query-functionerror",
                   ["invoke", "--function-name", "boom-fn", "--query", "FunctionError", "--output", "text", "out.json"], boom: true)
    }

    // L40-query-multi: identical to the reference.
    func testL40QueryMulti() throws {
        try python("L40-query-multi", ["invoke", "--function-name", "boom-fn", "--query", "[StatusCode,FunctionError]", "out.json"],
                   boom: true)
    }

    // L41-query-hash: identical to the reference.
    func testL41QueryHash() throws {
        try python("L41-query-hash",
                   ["invoke", "--function-name", "boom-fn", "--query", "{s:StatusCode,e:FunctionError}", "--output", "text", "out.json"],
                   boom: true)
    }

    // 67-query-invalid: identical to the reference (checked before the call; exit 255, outfile not created).
    func test67QueryInvalid() throws {
        try echo("67-query-invalid", ["invoke", "--function-name", "my-fn", "--query", "[[", "out.json"])
    }
}
