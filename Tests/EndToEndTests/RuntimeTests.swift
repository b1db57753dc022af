import Foundation
import XCTest

/// Real function code through the built binary: Python and Node.js handlers under the bootstraps
/// lambda-sim ships, and `provided` bash bootstraps, all speaking the Lambda Runtime API
/// (issue 4). Each test runs in its own sandbox; the Python and Node tests skip, with a
/// message, only where `python3` or `node` is missing.
final class RuntimeTests: XCTestCase {
    static let summaryOK = "{\n    \"StatusCode\": 200,\n    \"ExecutedVersion\": \"$LATEST\"\n}\n"
    static let summaryError = "{\n    \"StatusCode\": 200,\n    \"FunctionError\": \"Unhandled\",\n    \"ExecutedVersion\": \"$LATEST\"\n}\n"
    static let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    static let iso = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

    // MARK: - Python

    func testPythonSuccessPrintsBetweenStartAndEnd() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("py", runtime: "python3.12", handler: "app.handler", code: "fn")
        let (result, outfile, log) = try s.invokeWithTail("py", payload: #"{"a":1}"#)
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self), #"{"ok": true, "event": {"a": 1}}"#)
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.count, 5, log)
        guard lines.count == 5, let id = startRequestId(log) else { return }
        XCTAssertEqual(lines[0], "START RequestId: \(id) Version: $LATEST")
        XCTAssertEqual(lines[1], "hello from handler")
        XCTAssertEqual(lines[2], "END RequestId: \(id)")
        XCTAssertTrue(lines[3].matches(
            "^REPORT RequestId: \(id)\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9]+\\.[0-9]{2} ms\t$"),
            lines[3])
        XCTAssertEqual(lines[4], "")
        // Max Memory Used is measured: a Python process needs several MB.
        let used = lines[3].components(separatedBy: "Max Memory Used: ")[1].prefix { $0.isNumber }
        XCTAssertGreaterThan(Int(used) ?? 0, 3)
    }

    /// `--code-path` code is used in place: an edit takes effect at the next invoke even when
    /// it keeps the file's size and lands in the same second (a `__pycache__` written by the
    /// first invoke would hide it), and nothing is written into the user's directory.
    func testPythonCodePathEditTakesEffectAndNoPycacheIsWritten() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.write("src/app.py", "def handler(event, context):\n    return 'v1'\n")
        try s.createFunction("py", runtime: "python3.12", handler: "app.handler", code: "src")
        let first = try s.run(["invoke", "--function-name", "py", "out.json"])
        XCTAssertEqual(first.exitCode, 0, first.stderrText)
        XCTAssertEqual(s.read("out.json").map { String(decoding: $0, as: UTF8.self) }, #""v1""#)
        try s.write("src/app.py", "def handler(event, context):\n    return 'v2'\n")
        let second = try s.run(["invoke", "--function-name", "py", "out.json"])
        XCTAssertEqual(second.exitCode, 0, second.stderrText)
        XCTAssertEqual(s.read("out.json").map { String(decoding: $0, as: UTF8.self) }, #""v2""#)
        XCTAssertFalse(s.exists("src/__pycache__"), "the runtime wrote bytecode into the code directory")
    }

    func testPythonReturnsStringNoneAndNonASCII() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        for (handler, expected) in [("text", "\"plain string\""), ("none", "null"), ("unicode", #"{"msg": "h\u00e9llo \u2713"}"#)] {
            try s.createFunction(handler, runtime: "python3.12", handler: "app.\(handler)", code: "fn")
            let result = try s.run(["invoke", "--function-name", handler, "out.json"], environment: ["LAMBDA_SIM_CLI_VERSION": "1"])
            XCTAssertEqual(result.exitCode, 0, result.stderrText)
            XCTAssertEqual(result.stdoutText, Self.summaryOK, handler)
            XCTAssertEqual(result.stderrText, "", handler)
            // Reference cases L17, L18, L19: the bytes Python's json.dumps writes.
            XCTAssertEqual(s.read("out.json"), Array(expected.utf8), handler)
        }
    }

    /// Reference case L15 with the reference's own handler.py (in fn.zip): the outfile is the
    /// AWS error document byte for byte, apart from the request id and the code directory.
    func testPythonExceptionOutfileMatchesAWSBytes() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.createPython("boom-fn", handler: "handler.boom")
        let result = try s.run(["invoke", "--function-name", "boom-fn", "out.json"], environment: ["LAMBDA_SIM_CLI_VERSION": "1"])
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(result.stdoutText, Self.summaryError)
        XCTAssertEqual(result.stderrText, "")
        let actual = String(decoding: s.read("out.json") ?? [], as: UTF8.self)
        let reference = #"{"errorMessage": "something went wrong", "errorType": "ValueError", "requestId": "45854762-0cee-4958-8374-406ae25c591f", "stackTrace": ["  File \"/var/task/handler.py\", line 9, in boom\n    raise ValueError(\"something went wrong\")\n"]}"#
        guard let idRange = actual.range(of: "\"requestId\": \"\(Self.uuid)\"", options: .regularExpression),
            let pathStart = actual.range(of: #"File \""#), let pathEnd = actual.range(of: #"/handler.py\""#)
        else {
            return XCTFail("unexpected outfile: \(actual)")
        }
        let requestId = String(actual[idRange].dropFirst("\"requestId\": \"".count).dropLast())
        let codeDirectory = String(actual[pathStart.upperBound..<pathEnd.lowerBound])
        XCTAssertTrue(codeDirectory.hasPrefix(s.directory + "/"), codeDirectory)
        let expected = reference.replacingOccurrences(of: "45854762-0cee-4958-8374-406ae25c591f", with: requestId)
            .replacingOccurrences(of: "/var/task", with: codeDirectory)
        XCTAssertEqual(actual, expected)
    }

    /// Reference cases L16 / L34, as real AWS writes them: the traceback lines indent with U+00A0.
    func testPythonExceptionTailDecodesToAWSLogLines() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.createPython("boom-fn", handler: "handler.boom")
        let (result, outfile, log) = try s.invokeWithTail("boom-fn")
        XCTAssertEqual(result.exitCode, 0)
        let document = jsonObject(outfile)
        XCTAssertEqual(document["errorType"] as? String, "ValueError")
        guard let id = startRequestId(log) else { return XCTFail(log) }
        XCTAssertEqual(document["requestId"] as? String, id)
        let nbsp = "\u{00A0}"
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 8, log)
        guard lines.count == 8 else { return }
        XCTAssertEqual(lines[0], "START RequestId: \(id) Version: $LATEST")
        XCTAssertEqual(lines[1], "about to fail")
        XCTAssertEqual(lines[2], "[ERROR] ValueError: something went wrong")
        XCTAssertEqual(lines[3], "Traceback (most recent call last):")
        XCTAssertTrue(lines[4].hasPrefix("\(nbsp)\(nbsp)File \"\(s.directory)/"), lines[4])
        XCTAssertTrue(lines[4].hasSuffix("/handler.py\", line 9, in boom"), lines[4])
        XCTAssertEqual(lines[5], "\(nbsp)\(nbsp)\(nbsp)\(nbsp)raise ValueError(\"something went wrong\")")
        XCTAssertEqual(lines[6], "END RequestId: \(id)")
        XCTAssertTrue(lines[7].hasPrefix("REPORT RequestId: \(id)\tDuration: "), lines[7])
    }

    func testPythonInitFaults() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.copyHandlers("python-import-error", to: "import-error")
        try s.copyHandlers("python-syntax-error", to: "syntax-error")
        try s.createFunction("import-error", runtime: "python3.11", handler: "app.handler", code: "import-error")
        try s.createFunction("no-module", runtime: "python3.11", handler: "nothere.handler", code: "fn")
        try s.createFunction("syntax-error", runtime: "python3.13", handler: "app.handler", code: "syntax-error")
        try s.createFunction("missing-handler", runtime: "python3.12", handler: "app.nope", code: "fn")
        try s.createFunction("malformed", runtime: "python3.12", handler: "app", code: "fn")
        let cases: [(String, String)] = [
            ("import-error", #"{"errorMessage": "Unable to import module 'app': No module named 'module_that_does_not_exist'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}"#),
            ("no-module", #"{"errorMessage": "Unable to import module 'nothere': No module named 'nothere'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}"#),
            ("missing-handler", #"{"errorMessage": "Handler 'nope' missing on module 'app'", "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}"#),
            ("malformed", #"{"errorMessage": "Bad handler 'app': not enough values to unpack (expected 2, got 1)", "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}"#),
        ]
        for (name, expected) in cases {
            let (result, outfile, log) = try s.invokeWithTail(name)
            XCTAssertEqual(result.exitCode, 0, name)
            XCTAssertEqual(String(decoding: outfile, as: UTF8.self), expected, name)
            let type = (jsonObject(outfile)["errorType"] as? String) ?? "?"
            XCTAssertTrue(log.functionLines.first?.hasPrefix("[ERROR] \(type): ") ?? false, log)
            XCTAssertEqual(log.functionLines.dropFirst().first, "Traceback (most recent call last):", log)
            // The failed environment is not reused: the next invoke initialises again.
            let again = try s.invokeWithTail(name)
            XCTAssertTrue(again.log.contains("\tInit Duration: "), again.log)
        }
        let syntax = try s.invokeWithTail("syntax-error")
        let document = jsonObject(syntax.outfile)
        XCTAssertEqual(document["errorType"] as? String, "Runtime.UserCodeSyntaxError")
        XCTAssertEqual(document["requestId"] as? String, "")
        XCTAssertTrue((document["errorMessage"] as? String ?? "").hasPrefix("Syntax error in module 'app': "), "\(document)")
        let trace = document["stackTrace"] as? [String] ?? []
        XCTAssertEqual(trace.count, 1)
        XCTAssertTrue(trace.first?.hasPrefix("  File \"\(s.directory)/syntax-error/app.py\" Line 2\n") ?? false, "\(trace)")
    }

    func testPythonTimeoutKillsTheProcessAndReportsElapsedSeconds() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("sleepy", runtime: "python3.12", handler: "app.sleepy", code: "fn", extra: ["--timeout", "1"])
        let started = Date()
        let (result, outfile, log) = try s.invokeWithTail("sleepy")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the 30 s sleep was not cut short")
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertTrue(result.stdoutText.contains("\"FunctionError\": \"Unhandled\""))
        guard let id = startRequestId(log) else { return XCTFail(log) }
        let document = String(decoding: outfile, as: UTF8.self)
        XCTAssertTrue(document.matches(
            "^\\{\"errorType\":\"Sandbox\\.Timedout\",\"errorMessage\":\"RequestId: \(id) Error: Task timed out after 1\\.[0-9]{2} seconds\"\\}$"),
            document)
        XCTAssertEqual(log.functionLines.first, "going to sleep")
        XCTAssertTrue(log.functionLines.dropFirst().first?.matches("^\(Self.iso) \(id) Task timed out after 1\\.[0-9]{2} seconds$") ?? false, log)
    }

    func testPythonCrashIsRuntimeExitError() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("crash", runtime: "python3.12", handler: "app.crash", code: "fn")
        let (result, outfile, log) = try s.invokeWithTail("crash")
        XCTAssertEqual(result.exitCode, 0)
        guard let id = startRequestId(log) else { return XCTFail(log) }
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self),
                       #"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: \#(id) Error: Runtime exited with error: exit status 3"}"#)
        XCTAssertEqual(log.functionLines, ["crashing now", "RequestId: \(id) Error: Runtime exited with error: exit status 3", "Runtime.ExitError"])
    }

    func testPythonOversizedResponseIsResponseSizeTooLarge() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("big", runtime: "python3.12", handler: "app.big", code: "fn")
        let result = try s.run(["invoke", "--function-name", "big", "out.json"])
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertTrue(result.stdoutText.contains("\"FunctionError\": \"Unhandled\""), result.stdoutText)
        XCTAssertEqual(String(decoding: s.read("out.json") ?? [], as: UTF8.self),
                       #"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#)
    }

    func testPythonContextAttributes() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("ctx", runtime: "python3.12", handler: "app.context_info", code: "fn",
                             extra: ["--memory-size", "256", "--timeout", "7"])
        let clientContext = Data(#"{"custom":{"k":"v"},"env":{"e":"1"},"client":{"app_title":"demo"}}"#.utf8).base64EncodedString()
        let (result, outfile, log) = try s.invokeWithTail("ctx", extra: ["--client-context", clientContext])
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        let context = jsonObject(outfile)
        XCTAssertEqual(context["aws_request_id"] as? String, startRequestId(log))
        XCTAssertEqual(context["function_name"] as? String, "ctx")
        XCTAssertEqual(context["function_version"] as? String, "$LATEST")
        XCTAssertEqual(context["invoked_function_arn"] as? String, "arn:aws:lambda:us-east-1:123456789012:function:ctx")
        XCTAssertEqual(context["memory_limit_in_mb"] as? String, "256", "memory_limit_in_mb is a string, as on AWS")
        XCTAssertEqual(context["log_group_name"] as? String, "/aws/lambda/ctx")
        XCTAssertTrue((context["log_stream_name"] as? String ?? "").matches(#"^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$"#))
        let identity = context["identity"] as? [Any] ?? []
        XCTAssertTrue(identity.count == 2 && identity.allSatisfy { $0 is NSNull }, "\(identity)")
        let client = context["client_context"] as? [String: Any]
        XCTAssertEqual(client?["custom"] as? [String: String], ["k": "v"])
        XCTAssertEqual(client?["env"] as? [String: String], ["e": "1"])
        XCTAssertEqual(client?["client"] as? String, "demo")
        let remaining = context["remaining"] as? Int ?? -1
        XCTAssertTrue((5000...7000).contains(remaining), "remaining \(remaining)")

        // Invoked through an alias, the ARN is qualified as invoked.
        try s.setup("publish-version", "--function-name", "ctx")
        try s.setup("create-alias", "--function-name", "ctx", "--name", "live", "--function-version", "1")
        let viaAlias = try s.invokeWithTail("ctx:live")
        XCTAssertEqual(jsonObject(viaAlias.outfile)["invoked_function_arn"] as? String,
                       "arn:aws:lambda:us-east-1:123456789012:function:ctx:live")
        XCTAssertEqual(jsonObject(viaAlias.outfile)["function_version"] as? String, "1")
    }

    func testPythonSeesOnlyItsOwnEnvironment() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("env", runtime: "python3.12", handler: "app.environment", code: "fn",
                             extra: ["--environment", "Variables={MY_SETTING=configured}"])
        setenv("LAMBDA_SIM_TEST_SECRET", "from-the-test-process", 1)
        defer { unsetenv("LAMBDA_SIM_TEST_SECRET") }
        let callerSecrets = [
            "LAMBDA_SIM_TEST_SECRET": "from-the-caller", "AWS_ACCESS_KEY_ID": "AKIAREALCALLERKEY",
            "AWS_SECRET_ACCESS_KEY": "real-caller-secret", "AWS_SESSION_TOKEN": "real-caller-token",
        ]
        let (result, outfile, _) = try s.invokeWithTail("env", environment: callerSecrets)
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        let env = jsonObject(outfile) as? [String: String] ?? [:]
        XCTAssertNil(env["LAMBDA_SIM_TEST_SECRET"])
        XCTAssertNil(env["HOME"])
        XCTAssertNil(env["LAMBDA_SIM_STATE"])
        for (name, value) in callerSecrets { XCTAssertNotEqual(env[name], value, name) }
        XCTAssertNotNil(env["AWS_ACCESS_KEY_ID"], "a function with a role gets (placeholder) credentials")
        XCTAssertEqual(env["MY_SETTING"], "configured")
        XCTAssertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], "env")
        XCTAssertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        XCTAssertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128")
        XCTAssertEqual(env["_HANDLER"], "app.environment")
        XCTAssertEqual(env["LAMBDA_TASK_ROOT"], s.path("fn"))
        XCTAssertEqual(env["AWS_REGION"], "us-east-1")
        XCTAssertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12")
        XCTAssertEqual(env["TZ"], "UTC")
        XCTAssertTrue(env["AWS_LAMBDA_RUNTIME_API"]?.matches("^127\\.0\\.0\\.1:[0-9]+$") ?? false)
    }

    func testPythonLoggingAndPrintLines() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("logs", runtime: "python3.12", handler: "app.logs", code: "fn")
        let (_, outfile, log) = try s.invokeWithTail("logs")
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self), "\"logged\"")
        guard let id = startRequestId(log) else { return XCTFail(log) }
        let lines = log.functionLines
        XCTAssertEqual(lines.count, 3, log)
        guard lines.count == 3 else { return }
        XCTAssertTrue(lines[0].matches("^\\[INFO\\]\t\(Self.iso)\t\(id)\tinfo line 1$"), lines[0])
        XCTAssertTrue(lines[1].matches("^\\[WARNING\\]\t\(Self.iso)\t\(id)\twarning line$"), lines[1])
        XCTAssertEqual(lines[2], "plain print")
    }

    func testPythonHandlerInSubdirectory() throws {
        try RuntimeTools.requirePython()
        let s = try Sandbox.runtime()
        try s.copyHandlers("python", to: "fn")
        try s.createFunction("nested", runtime: "python3.12", handler: "src/pkg/nested.handler", code: "fn")
        let (_, outfile, _) = try s.invokeWithTail("nested", payload: #"{"x":[1,2]}"#)
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self), #"{"nested": true, "event": {"x": [1, 2]}}"#)
    }

    /// Reference §6: the 4 KB limit is measured on the compact JSON of the map (4096 bytes pass,
    /// 4097 fail), reserved keys and the key pattern are refused with AWS's messages.
    func testEnvironmentValidation() throws {
        let s = try Sandbox.runtime()
        try s.createBuiltin("fn")
        let fits = String(repeating: "x", count: 4080)  // {"LARGE_VAR":"…"} is 4096 bytes
        let update = ["update-function-configuration", "--function-name", "fn", "--environment"]
        XCTAssertEqual(try s.run(update + [#"{"Variables":{"LARGE_VAR":"\#(fits)"}}"#]).exitCode, 0)
        let tooBig = try s.run(update + [#"{"Variables":{"LARGE_VAR":"\#(fits)y"}}"#])
        XCTAssertEqual(tooBig.exitCode, 254)
        XCTAssertEqual(tooBig.stderrText, """

            An error occurred (InvalidParameterValueException) when calling the UpdateFunctionConfiguration operation: \
            Lambda was unable to configure your environment variables because the environment variables you have provided \
            exceeded the 4KB limit. String measured: {"LARGE_VAR":"\(fits)y"}

            """)
        let reserved = try s.run(update + ["Variables={AWS_REGION=eu-west-1,OK_KEY=1}"])
        XCTAssertEqual(reserved.exitCode, 254)
        XCTAssertTrue(reserved.stderrText.hasSuffix(
            "contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION\n"),
            reserved.stderrText)
        let badKey = try s.run(update + ["Variables={1BAD=x}"])
        XCTAssertEqual(badKey.exitCode, 254)
        XCTAssertTrue(badKey.stderrText.contains(
            "(ValidationException) when calling the UpdateFunctionConfiguration operation: 1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"),
            badKey.stderrText)
    }

    // MARK: - Node.js

    func testNodeAsyncHandlerAndConsoleLines() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox.runtime()
        try s.copyHandlers("node", to: "fn")
        try s.createFunction("node", runtime: "nodejs20.x", handler: "index.handler", code: "fn")
        let (result, outfile, log) = try s.invokeWithTail("node", payload: #"{"a":1}"#, environment: ["LAMBDA_SIM_CLI_VERSION": "1"])
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self), #"{"ok":true,"event":{"a":1}}"#)
        guard let id = startRequestId(log) else { return XCTFail(log) }
        XCTAssertEqual(log.functionLines.count, 1, log)
        XCTAssertTrue(log.functionLines.first?.matches("^\(Self.iso)\t\(id)\tINFO\thello from node \\{ n: 1 \\}$") ?? false, log)
        XCTAssertTrue(log.contains("\tInit Duration: "), log)
    }

    func testNodeCallbackStyles() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox.runtime()
        try s.copyHandlers("node", to: "fn")
        let cases: [(String, String)] = [
            ("callback", #"{"via":"callback"}"#), ("noWait", #""did not wait""#), ("succeed", #"{"via":"succeed"}"#),
            ("syncNoReturn", "null"), ("nested.deeper", #""nested handler""#), ("unicode", #"{"msg":"héllo ✓"}"#),
            // awslambda.streamifyResponse: a plain invoke returns the whole streamed body.
            ("streaming", "part one, part two"),
        ]
        for (handler, expected) in cases {
            let name = "n-" + handler.replacingOccurrences(of: ".", with: "-")
            try s.createFunction(name, runtime: "nodejs22.x", handler: "index.\(handler)", code: "fn", extra: ["--timeout", "3"])
            let started = Date()
            let (result, outfile, log) = try s.invokeWithTail(name)
            XCTAssertEqual(result.exitCode, 0, handler)
            XCTAssertEqual(String(decoding: outfile, as: UTF8.self), expected, handler)
            XCTAssertFalse(result.stdoutText.contains("FunctionError"), handler)
            if handler == "callback" {
                // callbackWaitsForEmptyEventLoop: the pending timer ran before the response.
                XCTAssertTrue(log.contains("\tINFO\ttimer ran before the response"), log)
            }
            if handler == "noWait" {
                XCTAssertLessThan(Date().timeIntervalSince(started), 3, "callbackWaitsForEmptyEventLoop = false must not wait for the timer")
            }
        }
    }

    func testNodeErrorShapes() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox.runtime()
        try s.copyHandlers("node", to: "fn")
        try s.createFunction("boom", runtime: "nodejs20.x", handler: "index.boom", code: "fn")
        try s.createFunction("fail", runtime: "nodejs20.x", handler: "index.fail", code: "fn")
        try s.createFunction("string", runtime: "nodejs20.x", handler: "index.throwString", code: "fn")
        try s.createFunction("crash", runtime: "nodejs20.x", handler: "index.crash", code: "fn")

        let boom = try s.invokeWithTail("boom")
        XCTAssertEqual(boom.result.stdoutText.contains("\"FunctionError\": \"Unhandled\""), true)
        let text = String(decoding: boom.outfile, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"errorType":"Error","errorMessage":"node went wrong","trace":["Error: node went wrong","    at "#), text)
        XCTAssertFalse(text.contains("requestId"))
        guard let id = startRequestId(boom.log) else { return XCTFail(boom.log) }
        XCTAssertTrue(boom.log.functionLines.first?.matches(
            "^\(Self.iso)\t\(id)\tERROR\tInvoke Error \t\\{\"errorType\":\"Error\",\"errorMessage\":\"node went wrong\",\"stack\":\\[\"Error: node went wrong\",") ?? false,
            boom.log)

        let fail = jsonObject(try s.invokeWithTail("fail").outfile)
        XCTAssertEqual(fail["errorType"] as? String, "TypeError")
        XCTAssertEqual(fail["errorMessage"] as? String, "failed via context")

        XCTAssertEqual(String(decoding: try s.invokeWithTail("string").outfile, as: UTF8.self),
                       #"{"errorType":"string","errorMessage":"just a string","trace":[]}"#)

        let crash = try s.invokeWithTail("crash")
        guard let crashId = startRequestId(crash.log) else { return XCTFail(crash.log) }
        XCTAssertEqual(String(decoding: crash.outfile, as: UTF8.self),
                       #"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: \#(crashId) Error: Runtime exited with error: exit status 7"}"#)
    }

    func testNodeInitFaultsAndESModules() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox.runtime()
        try s.copyHandlers("node", to: "fn")
        try s.copyHandlers("node-esm", to: "esm")
        try s.createFunction("esm", runtime: "nodejs22.x", handler: "app.handler", code: "esm")
        try s.createFunction("missing", runtime: "nodejs22.x", handler: "index.missing", code: "fn")
        try s.createFunction("no-module", runtime: "nodejs22.x", handler: "nothere.handler", code: "fn")
        try s.createFunction("malformed", runtime: "nodejs22.x", handler: "index", code: "fn")

        XCTAssertEqual(String(decoding: try s.invokeWithTail("esm", payload: #"{"k":true}"#).outfile, as: UTF8.self),
                       #"{"esm":true,"event":{"k":true}}"#)

        let missing = try s.invokeWithTail("missing")
        let missingDoc = jsonObject(missing.outfile)
        XCTAssertEqual(missingDoc["errorType"] as? String, "Runtime.HandlerNotFound")
        XCTAssertEqual(missingDoc["errorMessage"] as? String, "index.missing is undefined or not exported")
        XCTAssertEqual((missingDoc["trace"] as? [String])?.first, "Runtime.HandlerNotFound: index.missing is undefined or not exported")
        XCTAssertTrue(missing.log.functionLines.first?.matches(
            "^\(Self.iso)\tundefined\tERROR\tUncaught Exception \t\\{\"errorType\":\"Runtime.HandlerNotFound\"") ?? false, missing.log)

        let noModule = jsonObject(try s.invokeWithTail("no-module").outfile)
        XCTAssertEqual(noModule["errorType"] as? String, "Runtime.ImportModuleError")
        XCTAssertTrue((noModule["errorMessage"] as? String ?? "").hasPrefix("Error: Cannot find module 'nothere'\nRequire stack:"), "\(noModule)")

        let malformed = jsonObject(try s.invokeWithTail("malformed").outfile)
        XCTAssertEqual(malformed["errorType"] as? String, "Runtime.MalformedHandlerName")
        XCTAssertEqual(malformed["errorMessage"] as? String, "Bad handler")
    }

    func testNodeContextAttributes() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox.runtime()
        try s.copyHandlers("node", to: "fn")
        try s.createFunction("ctx", runtime: "nodejs20.x", handler: "index.context", code: "fn", extra: ["--memory-size", "512"])
        let clientContext = Data(#"{"custom":{"k":"v"}}"#.utf8).base64EncodedString()
        let (_, outfile, log) = try s.invokeWithTail("ctx", extra: ["--client-context", clientContext])
        let context = jsonObject(outfile)
        XCTAssertEqual(context["awsRequestId"] as? String, startRequestId(log))
        XCTAssertEqual(context["functionName"] as? String, "ctx")
        XCTAssertEqual(context["functionVersion"] as? String, "$LATEST")
        XCTAssertEqual(context["invokedFunctionArn"] as? String, "arn:aws:lambda:us-east-1:123456789012:function:ctx")
        XCTAssertEqual(context["memoryLimitInMB"] as? String, "512")
        XCTAssertEqual(context["logGroupName"] as? String, "/aws/lambda/ctx")
        XCTAssertEqual(context["callbackWaitsForEmptyEventLoop"] as? Bool, true)
        XCTAssertEqual((context["clientContext"] as? [String: Any])?["custom"] as? [String: String], ["k": "v"])
        XCTAssertEqual(context["hasDone"] as? Bool, true)
        let remaining = context["remaining"] as? Int ?? -1
        XCTAssertTrue((1000...3000).contains(remaining), "remaining \(remaining)")
    }

    func testNodeSeesOnlyItsOwnEnvironment() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox.runtime()
        try s.copyHandlers("node", to: "fn")
        try s.createFunction("env", runtime: "nodejs20.x", handler: "index.environment", code: "fn",
                             extra: ["--environment", "Variables={NODE_SETTING=yes}"])
        let (_, outfile, _) = try s.invokeWithTail("env", environment: ["LAMBDA_SIM_TEST_SECRET": "x", "AWS_SECRET_ACCESS_KEY": "real"])
        let env = jsonObject(outfile) as? [String: String] ?? [:]
        XCTAssertNil(env["LAMBDA_SIM_TEST_SECRET"])
        XCTAssertNotEqual(env["AWS_SECRET_ACCESS_KEY"], "real")
        XCTAssertEqual(env["NODE_SETTING"], "yes")
        XCTAssertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_nodejs20.x")
        XCTAssertEqual(env["_HANDLER"], "index.environment")
    }

    // MARK: - provided

    // README: "`--runtime exec --handler ./fn.sh` runs any executable" — with no --code-path,
    // the handler is the file in the working directory, used in place.
    func testExecHandlerInTheWorkingDirectoryNeedsNoCodePath() throws {
        let s = try Sandbox()
        try s.write("fn.sh", "#!/bin/sh\nread ev\necho \"got $ev\" >&2\necho \"{\\\"echo\\\": $ev}\"\n")
        XCTAssertEqual(chmod(s.path("fn.sh"), 0o755), 0)
        try s.setup("create-function", "--function-name", "ex", "--runtime", "exec", "--handler", "./fn.sh")
        let result = try s.run(["invoke", "--function-name", "ex", "--payload", #"{"k":2}"#, "out.json"])
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, Self.summaryOK)
        XCTAssertEqual(s.read("out.json").map { String(decoding: $0, as: UTF8.self) }, #"{"echo": {"k":2}}"# + "\n")
    }

    func testProvidedBashBootstrap() throws {
        let s = try Sandbox.runtime()
        try s.copyHandlers("provided", to: "fn")
        try s.createFunction("custom", runtime: "provided.al2023", handler: "unused", code: "fn")
        let (result, outfile, log) = try s.invokeWithTail("custom", payload: #"{"a":"é"}"#, environment: ["LAMBDA_SIM_CLI_VERSION": "1"])
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertFalse(result.stdoutText.contains("FunctionError"))
        guard let id = startRequestId(log) else { return XCTFail(log) }
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self), #"{"echo":{"a":"é"},"requestId":"\#(id)"}"#)
        XCTAssertEqual(log.functionLines, ["bootstrap starting in \(s.path("fn"))", #"got event {"a":"é"}"#])
        XCTAssertTrue(log.contains("\tInit Duration: "))
    }

    func testProvidedErrorIsForwardedVerbatimAndExitIsExitError() throws {
        let s = try Sandbox.runtime()
        try s.copyHandlers("provided", to: "fn")
        try s.createFunction("custom", runtime: "provided.al2", handler: "unused", code: "fn")
        let failed = try s.invokeWithTail("custom", payload: #"{"fail":true}"#)
        XCTAssertTrue(failed.result.stdoutText.contains("\"FunctionError\": \"Unhandled\""))
        XCTAssertEqual(String(decoding: failed.outfile, as: UTF8.self), #"{"errorMessage":"bash says no","errorType":"BashError"}"#)

        let exited = try s.invokeWithTail("custom", payload: #"{"exit":true}"#)
        guard let id = startRequestId(exited.log) else { return XCTFail(exited.log) }
        XCTAssertEqual(String(decoding: exited.outfile, as: UTF8.self),
                       #"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: \#(id) Error: Runtime exited with error: exit status 4"}"#)
    }

    func testProvidedMissingOrNonExecutableBootstrap() throws {
        let s = try Sandbox.runtime()
        try FileManager.default.createDirectory(atPath: s.path("empty"), withIntermediateDirectories: true)
        try s.createFunction("nobootstrap", runtime: "provided.al2023", handler: "x", code: "empty")
        let missing = try s.invokeWithTail("nobootstrap")
        guard let id = startRequestId(missing.log) else { return XCTFail(missing.log) }
        XCTAssertEqual(String(decoding: missing.outfile, as: UTF8.self),
                       #"{"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId: \#(id) Error: Couldn't find valid bootstrap(s): [\#(s.path("empty"))/bootstrap /opt/bootstrap]"}"#)

        try s.write("empty/bootstrap", "#!/bin/sh\nexit 0\n")
        let notExecutable = try s.invokeWithTail("nobootstrap")
        XCTAssertTrue(String(decoding: notExecutable.outfile, as: UTF8.self)
            .hasSuffix(#"Error: fork/exec \#(s.path("empty"))/bootstrap: permission denied"}"#),
            String(decoding: notExecutable.outfile, as: UTF8.self))
    }

    /// A custom runtime in the style of AWS's shell tutorial, with curl (skipped without curl).
    func testProvidedCurlBootstrap() throws {
        guard RuntimeTools.find("curl", override: "LAMBDA_SIM_TEST_CURL") != nil else {
            throw XCTSkip("curl is not installed: skipping the curl-based custom runtime test")
        }
        let s = try Sandbox.runtime()
        try s.copyHandlers("provided-curl", to: "fn")
        try s.createFunction("curl", runtime: "provided.al2", handler: "function.handler", code: "fn")
        let (result, outfile, log) = try s.invokeWithTail("curl", payload: #"{"x":1}"#)
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        XCTAssertEqual(String(decoding: outfile, as: UTF8.self), #"{"shell": true, "received": {"x":1}}"#)
        XCTAssertEqual(log.functionLines.first, #"handling {"x":1}"#)
    }
}
