import LambdaSimJSON
import XCTest

/// Lambda layers through the built binary: the nine layer commands with the AWS CLI's output
/// (golden cases `Y…`), `--layers` on functions with AWS's checks, and a real Python handler
/// importing a module that only its layer provides (AWS's `/opt/python`).
final class LayersTests: XCTestCase {
    static let layerArn = "arn:aws:lambda:us-east-1:123456789012:layer:my-layer"

    /// `python/layerlib.py` (what AWS extracts to /opt/python) and `bin/layer-tool` (/opt/bin).
    static let layerZip = StoredZip.archive([
        ("python/layerlib.py", Array("VALUE = \"from the layer\"\n".utf8)),
        ("bin/layer-tool", Array("#!/bin/sh\necho tool\n".utf8)),
    ])

    /// A handler that only works when the layer's module is importable.
    static let appZip = StoredZip.archive([
        ("app.py", Array("""
            import os
            import layerlib


            def handler(event, context):
                return {"value": layerlib.VALUE,
                        "module": layerlib.__file__.endswith("/python/layerlib.py"),
                        "pythonpath": os.environ.get("PYTHONPATH", "").endswith("/python")}

            """.utf8)),
    ])

    private func sandbox() throws -> Sandbox {
        let s = try Sandbox.reference()
        try s.write("layer.zip", Self.layerZip)
        try s.write("app.zip", Self.appZip)
        return s
    }

    static let publish = ["publish-layer-version", "--layer-name", "my-layer", "--description", "My Python layer",
                          "--license-info", "MIT", "--compatible-runtimes", "python3.12", "python3.13",
                          "--compatible-architectures", "x86_64", "--zip-file", "fileb://layer.zip"]

    private func publish(_ s: Sandbox, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try s.run(Self.publish)
        XCTAssertEqual(result.exitCode, 0, result.stderrText, file: file, line: line)
    }

    func testGoldenLayerCommands() throws {
        let s = try sandbox()
        let cases: [(String, [String])] = [
            ("Y01-publish-layer-version", Self.publish),
            ("Y02-publish-layer-version-zip-not-fileb", ["publish-layer-version", "--layer-name", "my-layer", "--zip-file", "file://x.json"]),
            ("Y03-publish-layer-version-not-a-zip", ["publish-layer-version", "--layer-name", "my-layer", "--zip-file", "fileb://x.json"]),
            ("Y04-get-layer-version", ["get-layer-version", "--layer-name", "my-layer", "--version-number", "1"]),
            ("Y05-get-layer-version-by-arn", ["get-layer-version-by-arn", "--arn", Self.layerArn + ":1"]),
            ("Y06-get-layer-version-missing", ["get-layer-version", "--layer-name", "my-layer", "--version-number", "7"]),
            ("Y07-list-layers", ["list-layers", "--compatible-runtime", "python3.12"]),
            ("Y08-list-layer-versions", ["list-layer-versions", "--layer-name", Self.layerArn]),
            ("Y09-add-layer-version-permission", ["add-layer-version-permission", "--layer-name", "my-layer", "--version-number", "1",
                                                   "--statement-id", "xaccount", "--action", "lambda:GetLayerVersion",
                                                   "--principal", "210987654321"]),
            ("Y10-get-layer-version-policy", ["get-layer-version-policy", "--layer-name", "my-layer", "--version-number", "1"]),
            ("Y11-remove-layer-version-permission", ["remove-layer-version-permission", "--layer-name", "my-layer",
                                                      "--version-number", "1", "--statement-id", "xaccount"]),
            ("Y12-create-function-with-layer", ["create-function", "--function-name", "with-layer", "--runtime", "python3.12",
                                                "--role", Sandbox.referenceRole, "--handler", "app.handler",
                                                "--zip-file", "fileb://app.zip", "--layers", Self.layerArn + ":1"]),
            ("Y13-update-function-configuration-missing-layer", ["update-function-configuration", "--function-name", "with-layer",
                                                                 "--layers", Self.layerArn + ":2"]),
            ("Y14-update-function-configuration-same-layer-twice", ["update-function-configuration", "--function-name", "with-layer",
                                                                    "--layers", Self.layerArn + ":1", Self.layerArn + ":2"]),
            ("Y15-get-layer-version-bad-name", ["get-layer-version", "--layer-name", "../x", "--version-number", "1"]),
            ("Y16-delete-layer-version", ["delete-layer-version", "--layer-name", "my-layer", "--version-number", "1"]),
            ("Y17-list-layer-versions-after-delete", ["list-layer-versions", "--layer-name", "my-layer"]),
        ]
        for (name, arguments) in cases {
            try s.assertGolden(GoldenCase(name, arguments))
        }
    }

    /// A Python handler imports a module that only its layer provides; the layer's content stays
    /// with the function after the layer version is deleted (AWS keeps a copy for functions using it).
    func testPythonHandlerImportsFromItsLayer() throws {
        let s = try sandbox()
        try publish(s)
        try s.setup("create-function", "--function-name", "uses-layer", "--runtime", "python3.12", "--role", Sandbox.referenceRole,
                    "--handler", "app.handler", "--zip-file", "fileb://app.zip", "--layers", Self.layerArn + ":1")
        let expected = #"{"value": "from the layer", "module": true, "pythonpath": true}"#
        let first = try s.run(["invoke", "--function-name", "uses-layer", "out.json"])
        XCTAssertEqual(first.exitCode, 0, first.stderrText)
        XCTAssertEqual(s.read("out.json").map { String(decoding: $0, as: UTF8.self) }, expected, first.stdoutText)

        // Without the layer the import fails, as on AWS.
        try s.setup("create-function", "--function-name", "no-layer", "--runtime", "python3.12", "--role", Sandbox.referenceRole,
                    "--handler", "app.handler", "--zip-file", "fileb://app.zip")
        let missing = try s.run(["invoke", "--function-name", "no-layer", "missing.json"])
        XCTAssertEqual(missing.exitCode, 0, missing.stderrText)
        XCTAssertTrue(missing.stdoutText.contains("\"FunctionError\": \"Unhandled\""), missing.stdoutText)
        let error = s.read("missing.json").map { String(decoding: $0, as: UTF8.self) } ?? ""
        XCTAssertTrue(error.contains("No module named 'layerlib'"), error)

        try s.setup("delete-layer-version", "--layer-name", "my-layer", "--version-number", "1")
        try s.setup("update-function-configuration", "--function-name", "uses-layer", "--timeout", "5")
        let again = try s.run(["invoke", "--function-name", "uses-layer", "again.json"])
        XCTAssertEqual(again.exitCode, 0, again.stderrText)
        XCTAssertEqual(s.read("again.json").map { String(decoding: $0, as: UTF8.self) }, expected)
    }

    /// AWS's limits on `--layers`: at most five.
    func testAtMostFiveLayers() throws {
        let s = try sandbox()
        try publish(s)
        let arns = (1...6).map { "arn:aws:lambda:us-east-1:123456789012:layer:l\($0):1" }
        let result = try s.run(["create-function", "--function-name", "six", "--runtime", "python3.12", "--role", Sandbox.referenceRole,
                                "--handler", "app.handler", "--zip-file", "fileb://app.zip", "--layers"] + arns)
        XCTAssertEqual(result.exitCode, 254)
        XCTAssertEqual(result.stderrText,
                       "\nAn error occurred (InvalidParameterValueException) when calling the CreateFunction operation: Cannot reference more than 5 layers.\n")
    }
}
