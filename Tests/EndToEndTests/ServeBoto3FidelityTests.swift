import Foundation
import XCTest

/// Issue 14 through `serve` with an SDK: boto3 scripts under `Fixtures/boto3/` drive the built
/// binary's `serve` and check the answers an SDK test would see (codes, statuses, shapes). Each
/// script prints its failed checks and exits non-zero on any. Skips when boto3 is not installed.
final class ServeBoto3FidelityTests: XCTestCase {
    static let scripts = LambdaSimBinary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/boto3")

    /// A `python3` that can import boto3, or a skip.
    static func boto3Python() throws -> String {
        guard let python = RuntimeTools.find("python3", override: "LAMBDA_SIM_PYTHON") else {
            throw XCTSkip("python3 is not installed: skipping the boto3-through-serve test")
        }
        let probe = try ProcessRunner.run(ProcessSpec(executable: python, arguments: ["-c", "import boto3"],
                                                      environment: scriptEnvironment(home: NSTemporaryDirectory()),
                                                      workingDirectory: NSTemporaryDirectory(), stdin: nil))
        guard probe.exitCode == 0 else { throw XCTSkip("boto3 is not importable by \(python): skipping the boto3-through-serve test") }
        return python
    }

    static func scriptEnvironment(home: String) -> [String: String] {
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": home, "LANG": "C.UTF-8", "TZ": "UTC",
            "AWS_CONFIG_FILE": home + "/no-aws-config", "AWS_SHARED_CREDENTIALS_FILE": home + "/no-aws-credentials",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1",
        ]
        for name in ["PYENV_ROOT", "PYENV_VERSION"] {
            if let value = ProcessInfo.processInfo.environment[name] { env[name] = value }
        }
        return env
    }

    /// Runs `Fixtures/boto3/<script>` against a fresh `serve` with `arguments` after the endpoint.
    func runScript(_ script: String, arguments: [String] = [], sandbox prepared: Sandbox? = nil,
                   file: StaticString = #filePath, line: UInt = #line) throws
    {
        let python = try Self.boto3Python()
        let sandbox = try prepared ?? Sandbox.reference()
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log, file: file, line: line) }
        let result = try ProcessRunner.run(ProcessSpec(
            executable: python, arguments: [Self.scripts.appendingPathComponent(script).path, server.endpoint] + arguments,
            environment: Self.scriptEnvironment(home: sandbox.directory), workingDirectory: sandbox.directory, stdin: nil))
        XCTAssertEqual(result.exitCode, 0, "\(script):\n\(result.stdoutText)\(result.stderrText)\nserve log:\n\(server.log)",
                       file: file, line: line)
        XCTAssertTrue(result.stdoutText.hasPrefix("ok "), result.stdoutText, file: file, line: line)
    }

    func testControlPlaneAnswersAsAWSThroughServe() throws {
        let sandbox = try Sandbox.reference()
        try runScript("control_plane.py", arguments: [sandbox.path("fn.zip")], sandbox: sandbox)
    }

    func testLayersThroughServe() throws {
        let sandbox = try Sandbox.reference()
        try sandbox.write("layer.zip", LayersTests.layerZip)
        try sandbox.write("app.zip", LayersTests.appZip)
        try runScript("layers.py", arguments: [sandbox.path("layer.zip"), sandbox.path("app.zip")], sandbox: sandbox)
    }

    /// Issue 14's "Done when": boto3 writes to a DynamoDB table through `serve` (wall clock) and
    /// serve's background runner invokes the table's stream mapping; Kinesis likewise.
    func testDynamoDBStreamMappingInvokesTheFunctionThroughServe() throws {
        try RuntimeTools.requirePython()
        let sandbox = try Sandbox()
        sandbox.clock = .wall
        sandbox.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        try sandbox.write("app.zip", StoredZip.archive([("app.py", Array("""
            import json
            import os


            def handler(event, context):
                with open(os.environ["RECORD_FILE"], "a") as f:
                    f.write(json.dumps(event) + "\\n")
                return {"batchItemFailures": []}

            """.utf8))]))
        try runScript("dynamodb_stream.py", arguments: [sandbox.path("app.zip"), sandbox.path("records.jsonl")], sandbox: sandbox)
    }
}
