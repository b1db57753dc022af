import XCTest

/// Reference aws-cli-v1-observed.md §7: function errors and handler return values, with the
/// reference's real Python handlers (`fn.zip`). The request id inside the error document and
/// the handler's directory in the stack trace are normalised (`<uuid>`, `<task-root>`).
final class GoldenFunctionErrorTests: XCTestCase {
    private func python(_ name: String, function: String, handler: String, _ arguments: [String],
                        normalize: Normalizer.Options = [.logDurations],
                        file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createPython(function, handler: handler)
        try s.assertGolden(GoldenCase(name, arguments, outfile: "out.json", normalize: normalize), file: file, line: line)
    }

    // L15-function-error: identical to the reference (200, FunctionError Unhandled, exit 0, error JSON in the outfile).
    func testL15FunctionError() throws {
        try python("L15-function-error", function: "boom-fn", handler: "handler.boom",
                   ["invoke", "--function-name", "boom-fn", "out.json"])
    }

    // L16-function-error-tail: LogResult shown decoded; real AWS indents the traceback in the log with U+00A0 and adds `Init Duration` on a cold start (reference notes under L34), which the emulator did not.
    func testL16FunctionErrorTail() throws {
        try python("L16-function-error-tail", function: "boom-fn", handler: "handler.boom",
                   ["invoke", "--function-name", "boom-fn", "--log-type", "Tail", "out.json"])
    }

    // L34-tail-decoded: stdout base64-decoded by the harness (the reference piped it to `base64 -d`); AWS's U+00A0 traceback indent and cold-start `Init Duration`, not the emulator's text.
    func testL34TailDecoded() throws {
        try python("L34-tail-decoded", function: "boom-fn", handler: "handler.boom",
                   ["invoke", "--function-name", "boom-fn", "--log-type", "Tail", "--query", "LogResult", "--output", "text",
                    "out.json"],
                   normalize: [.logDurations, .base64Stdout])
    }

    // L17-return-string: identical to the reference.
    func testL17ReturnString() throws {
        try python("L17-return-string", function: "text-fn", handler: "handler.text",
                   ["invoke", "--function-name", "text-fn", "out.json"])
    }

    // L18-return-none: identical to the reference (`null`).
    func testL18ReturnNone() throws {
        try python("L18-return-none", function: "none-fn", handler: "handler.none",
                   ["invoke", "--function-name", "none-fn", "out.json"])
    }

    // L19-return-unicode: identical to the reference (Python's json.dumps \u escapes).
    func testL19ReturnUnicode() throws {
        try python("L19-return-unicode", function: "unicode-fn", handler: "handler.unicode",
                   ["invoke", "--function-name", "unicode-fn", "out.json"])
    }
}
