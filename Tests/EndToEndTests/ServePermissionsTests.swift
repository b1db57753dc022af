import Foundation
import XCTest

/// IAM, STS and Lambda's policy operations through `serve`, driven by boto3 (skipped when
/// python3 or boto3 is missing): the SDK must get AWS's shapes back.
final class ServePermissionsTests: XCTestCase {
    static let script = #"""
import json, sys, boto3
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
iam = boto3.client("iam", **kw)
sts = boto3.client("sts", **kw)
lam = boto3.client("lambda", **kw)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
out = {}
role = iam.create_role(RoleName="sdk-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
out["roleArn"] = role["Arn"]
out["createDateType"] = type(role["CreateDate"]).__name__
out["trust"] = role["AssumeRolePolicyDocument"]
iam.attach_role_policy(RoleName="sdk-role", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
out["attached"] = iam.list_attached_role_policies(RoleName="sdk-role")["AttachedPolicies"]
out["getRoleTrust"] = iam.get_role(RoleName="sdk-role")["Role"]["AssumeRolePolicyDocument"]
try:
    iam.get_role(RoleName="missing")
except iam.exceptions.NoSuchEntityException as e:
    out["missing"] = e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]
out["caller"] = sts.get_caller_identity()["Arn"]
stmt = lam.add_permission(FunctionName="sdk-fn", StatementId="sns", Action="lambda:InvokeFunction",
                          Principal="sns.amazonaws.com", SourceArn="arn:aws:sns:us-east-1:123456789012:t")["Statement"]
out["statement"] = json.loads(stmt)
policy = lam.get_policy(FunctionName="sdk-fn")
out["policy"] = json.loads(policy["Policy"])
out["hasRevision"] = bool(policy["RevisionId"])
lam.remove_permission(FunctionName="sdk-fn", StatementId="sns")
try:
    lam.get_policy(FunctionName="sdk-fn")
except lam.exceptions.ResourceNotFoundException as e:
    out["noPolicy"] = e.response["Error"]["Message"]
print(json.dumps(out, sort_keys=True))
"""#

    static let snsScript = #"""
import sys, time, boto3
endpoint, step = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
topic = "arn:aws:sns:us-east-1:123456789012:t"
if step == "grant":
    boto3.client("lambda", **kw).add_permission(FunctionName="f", StatementId="sns", Action="lambda:InvokeFunction",
                                                Principal="sns.amazonaws.com", SourceArn=topic)
boto3.client("sns", **kw).publish(TopicArn=topic, Message=step)
"""#

    /// Strict mode under `serve` (wall clock, background runner): a publish through the SDK is
    /// refused until the function's policy allows SNS, then delivered in the background.
    func testSNSDeliveryThroughServeNeedsThePermission() throws {
        let python = try Self.python()
        let sandbox = try Sandbox()
        sandbox.clock = .wall
        try sandbox.setup("state", "reset", "--iam", "strict")
        try sandbox.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document",
                          #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        try sandbox.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                          "--role", "arn:aws:iam::123456789012:role/r")
        try sandbox.setup("sns", "create-topic", "--name", "t")
        try sandbox.setup("sns", "subscribe", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:t", "--protocol", "lambda",
                          "--notification-endpoint", "arn:aws:lambda:us-east-1:123456789012:function:f")
        try sandbox.write("sns.py", Self.snsScript)
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        func step(_ name: String) throws {
            let r = try ProcessRunner.run(ProcessSpec(executable: python, arguments: [sandbox.path("sns.py"), server.endpoint, name],
                                                      environment: Self.pythonEnvironment(sandbox), workingDirectory: sandbox.directory,
                                                      stdin: nil))
            XCTAssertEqual(r.exitCode, 0, r.stderrText + "\n" + server.log)
        }
        func logs() throws -> String { try sandbox.run(["logs", "--function-name", "f"]).stdoutText }
        try step("denied")
        // The background runner would have invoked within a second or two; give it five.
        Thread.sleep(forTimeInterval: 5)
        let before = try logs()
        XCTAssertFalse(before.contains("START"), before)
        try step("grant")
        var delivered = false
        for _ in 0..<100 where !delivered {
            delivered = try logs().contains("START")
            if !delivered { Thread.sleep(forTimeInterval: 0.1) }
        }
        XCTAssertTrue(delivered, "the permitted delivery never ran: \(server.log)")
        let denied = try sandbox.run(["simulate", "--format", "json"]).stdoutText
        XCTAssertTrue(denied.contains(#""event":"denied""#), denied)
    }

    /// Strict mode: a public (`NONE`) function URL answers 403 until the function's policy grants
    /// `lambda:InvokeFunctionUrl` to `*`, as AWS requires.
    func testPublicFunctionURLNeedsTheResourcePolicyInStrictMode() throws {
        let sandbox = try Sandbox()
        sandbox.clock = .wall
        try sandbox.setup("state", "reset", "--iam", "strict")
        try sandbox.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document",
                          #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        try sandbox.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                          "--role", "arn:aws:iam::123456789012:role/r")
        let url = try sandbox.setup("create-function-url-config", "--function-name", "f", "--auth-type", "NONE")
        let functionURL = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(url.stdout)) as? [String: Any])?["FunctionUrl"] as? String)
        let urlId = String(functionURL.dropFirst("https://".count).prefix { $0 != "." })
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        let refused = try RawHTTP.request(port: server.port, method: "GET", path: "/lambda-url/\(urlId)/")
        XCTAssertEqual(refused.status, 403, refused.text)
        XCTAssertEqual(refused.text, #"{"Message":"Forbidden"}"#)
        try sandbox.setup("add-permission", "--function-name", "f", "--statement-id", "url", "--action", "lambda:InvokeFunctionUrl",
                          "--principal", "*", "--function-url-auth-type", "NONE")
        let allowed = try RawHTTP.request(port: server.port, method: "GET", path: "/lambda-url/\(urlId)/")
        XCTAssertEqual(allowed.status, 200, allowed.text)
    }

    static func python() throws -> String {
        guard let python = RuntimeTools.find("python3", override: "LAMBDA_SIM_PYTHON") else {
            throw XCTSkip("python3 is not installed: skipping the boto3 serve test")
        }
        let probe = try ProcessRunner.run(ProcessSpec(executable: python, arguments: ["-c", "import boto3"],
                                                      environment: ProcessInfo.processInfo.environment,
                                                      workingDirectory: NSTemporaryDirectory(), stdin: nil))
        if probe.exitCode != 0 { throw XCTSkip("boto3 is not installed: skipping the boto3 serve test") }
        return python
    }

    static func pythonEnvironment(_ sandbox: Sandbox) -> [String: String] {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": sandbox.directory,
                   "AWS_CONFIG_FILE": sandbox.path("none"), "AWS_SHARED_CREDENTIALS_FILE": sandbox.path("none"),
                   "AWS_EC2_METADATA_DISABLED": "true"]
        for name in ["PYENV_ROOT", "PYENV_VERSION"] {
            if let value = ProcessInfo.processInfo.environment[name] { env[name] = value }
        }
        return env
    }

    func testBoto3CreatesARoleAttachesAPolicyAndReadsAFunctionPolicy() throws {
        guard let python = RuntimeTools.find("python3", override: "LAMBDA_SIM_PYTHON") else {
            throw XCTSkip("python3 is not installed: skipping the boto3 serve test")
        }
        let probe = try ProcessRunner.run(ProcessSpec(executable: python, arguments: ["-c", "import boto3"],
                                                      environment: ProcessInfo.processInfo.environment,
                                                      workingDirectory: NSTemporaryDirectory(), stdin: nil))
        if probe.exitCode != 0 { throw XCTSkip("boto3 is not installed: skipping the boto3 serve test") }

        let sandbox = try Sandbox()
        try sandbox.setup("create-function", "--function-name", "sdk-fn", "--runtime", "builtin", "--handler", "echo")
        try sandbox.write("sdk.py", Self.script)
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": sandbox.directory,
                   "AWS_CONFIG_FILE": sandbox.path("none"), "AWS_SHARED_CREDENTIALS_FILE": sandbox.path("none"),
                   "AWS_EC2_METADATA_DISABLED": "true"]
        for name in ["PYENV_ROOT", "PYENV_VERSION"] {
            if let value = ProcessInfo.processInfo.environment[name] { env[name] = value }
        }
        let result = try ProcessRunner.run(ProcessSpec(executable: python, arguments: [sandbox.path("sdk.py"), server.endpoint],
                                                       environment: env, workingDirectory: sandbox.directory, stdin: nil))
        XCTAssertEqual(result.exitCode, 0, result.stderrText + "\n" + server.log)
        let out = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any], result.stdoutText)
        XCTAssertEqual(out["roleArn"] as? String, "arn:aws:iam::123456789012:role/sdk-role")
        XCTAssertEqual(out["createDateType"] as? String, "datetime")
        let trust = out["trust"] as? [String: Any]
        XCTAssertEqual(trust?["Version"] as? String, "2012-10-17", "the trust policy decodes into a dict")
        XCTAssertEqual((out["getRoleTrust"] as? [String: Any])?["Version"] as? String, "2012-10-17")
        XCTAssertEqual((out["attached"] as? [[String: Any]])?.first?["PolicyName"] as? String, "AWSLambdaBasicExecutionRole")
        XCTAssertEqual(out["missing"] as? String, "NoSuchEntity: The role with name missing cannot be found.")
        XCTAssertEqual(out["caller"] as? String, "arn:aws:iam::123456789012:root")
        let statement = out["statement"] as? [String: Any]
        XCTAssertEqual(statement?["Principal"] as? [String: String], ["Service": "sns.amazonaws.com"])
        XCTAssertEqual(statement?["Condition"] as? [String: [String: String]],
                       ["ArnLike": ["AWS:SourceArn": "arn:aws:sns:us-east-1:123456789012:t"]])
        let policy = out["policy"] as? [String: Any]
        XCTAssertEqual(policy?["Id"] as? String, "default")
        XCTAssertEqual((policy?["Statement"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual(out["hasRevision"] as? Bool, true)
        XCTAssertEqual(out["noPolicy"] as? String, "The resource you requested does not exist.")
    }
}
