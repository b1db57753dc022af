import Foundation
import XCTest

/// Helpers for the real-runtime end-to-end tests (`RuntimeTests`): finding `python3` / `node`
/// the way lambda-sim does, copying handler fixtures into a sandbox, and reading `--log-type
/// Tail` output.
enum RuntimeTools {
    static let handlersRoot = LambdaSimBinary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/handlers")

    /// `name` (or the override variable's value) found on the test process's PATH.
    static func find(_ name: String, override variable: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        let wanted = environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? name
        if wanted.contains("/") { return FileManager.default.isExecutableFile(atPath: wanted) ? wanted : nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(wanted)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func requirePython() throws {
        guard find("python3", override: "LAMBDA_SIM_PYTHON") != nil else {
            throw XCTSkip("python3 is not installed (not on PATH, LAMBDA_SIM_PYTHON unset): skipping the Python runtime test")
        }
    }

    static func requireNode() throws {
        guard find("node", override: "LAMBDA_SIM_NODE") != nil else {
            throw XCTSkip("node is not installed (not on PATH, LAMBDA_SIM_NODE unset): skipping the Node.js runtime test")
        }
    }

    /// The interpreter overrides of the test process, passed on to every run (the sandbox's
    /// environment is otherwise scrubbed).
    static var interpreterEnvironment: [String: String] {
        var env: [String: String] = [:]
        for name in ["LAMBDA_SIM_PYTHON", "LAMBDA_SIM_NODE"] {
            if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { env[name] = value }
        }
        return env
    }
}

extension Sandbox {
    /// A sandbox for runtime tests: the standard fixtures plus the interpreter overrides.
    static func runtime() throws -> Sandbox {
        let sandbox = try Sandbox.reference()
        sandbox.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        return sandbox
    }

    /// Copies `Fixtures/handlers/<fixture>` into the sandbox (so nothing, not even
    /// `__pycache__`, is written into the source tree) and returns its path there.
    @discardableResult
    func copyHandlers(_ fixture: String, to name: String? = nil) throws -> String {
        let source = RuntimeTools.handlersRoot.appendingPathComponent(fixture)
        let target = path(name ?? fixture)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source.path, toPath: target)
        return target
    }

    /// `create-function` for a real runtime with code from a copied fixture directory.
    func createFunction(_ name: String, runtime: String, handler: String, code: String, extra: [String] = []) throws {
        let arguments = ["create-function", "--function-name", name, "--runtime", runtime, "--role", Sandbox.referenceRole,
                         "--handler", handler, "--code-path", path(code)] + extra
        let result = try run(arguments)
        if result.exitCode != 0 {
            XCTFail("create-function \(name) exited \(result.exitCode): \(result.stderrText)")
            throw ProcessRunnerError(description: "setup failed")
        }
    }

    /// One sync invoke; returns the run, the outfile bytes and the decoded `LogResult`.
    func invokeWithTail(_ name: String, payload: String? = nil, extra: [String] = [],
                        environment: [String: String] = [:]) throws -> (result: ProcessResult, outfile: [UInt8], log: String)
    {
        var arguments = ["invoke", "--function-name", name, "--log-type", "Tail"]
        if let payload { arguments += ["--payload", payload] }
        arguments += extra + ["out.json"]
        let result = try run(arguments, environment: environment)
        let summary = try? JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
        let logResult = summary?["LogResult"] as? String ?? ""
        let log = Data(base64Encoded: logResult).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return (result, read("out.json") ?? [], log)
    }
}

extension String {
    /// The log's lines without START, END and REPORT (the function's own output).
    var functionLines: [String] {
        split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter {
            !$0.isEmpty && !$0.hasPrefix("START RequestId: ") && !$0.hasPrefix("END RequestId: ")
                && !$0.hasPrefix("REPORT RequestId: ")
        }
    }

    func matches(_ pattern: String) -> Bool {
        range(of: pattern, options: .regularExpression) != nil
    }
}

/// The JSON object in `bytes`, or a test failure.
func jsonObject(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
        XCTFail("not a JSON object: \(String(decoding: bytes, as: UTF8.self))", file: file, line: line)
        return [:]
    }
    return object
}

/// The `RequestId` of a log's START line.
func startRequestId(_ log: String) -> String? {
    guard let line = log.split(separator: "\n").first(where: { $0.hasPrefix("START RequestId: ") }) else { return nil }
    return line.dropFirst("START RequestId: ".count).split(separator: " ").first.map(String.init)
}
