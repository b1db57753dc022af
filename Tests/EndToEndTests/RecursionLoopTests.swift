import Foundation
import LambdaSimJSON
import XCTest

/// Recursive loop detection end to end, in wall mode under `serve`: a Python function whose
/// boto3 client sends each message back to the queue that triggers it. botocore passes the
/// function's trace header (with its `Lineage`) as `X-Amzn-Trace-Id`, SQS keeps it as the
/// message's `AWSTraceHeader`, and Lambda stops the 17th invocation of the chain.
final class RecursionLoopTests: XCTestCase {
    static let account = "123456789012"

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .wall
        s.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        return s
    }

    func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(200_000)
        }
        return try condition()
    }

    func starts(_ s: Sandbox, _ function: String) throws -> Int {
        try s.run(["logs", "--function-name", function]).stdoutText.components(separatedBy: "START RequestId:").count - 1
    }

    func visible(_ s: Sandbox, _ queue: String) throws -> Int {
        let r = try s.run(["sqs", "get-queue-attributes", "--queue-url", "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(queue)",
                           "--attribute-names", "ApproximateNumberOfMessages", "--query", "Attributes.ApproximateNumberOfMessages",
                           "--output", "text"])
        return Int(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// A function `name` looping through queue `name`-q (its dead-letter queue `name`-dlq after one
    /// receive); the handler sends the count it received plus one until `limit`.
    func makeLoop(_ s: Sandbox, _ name: String, endpoint: String, limit: Int) throws {
        let python = ProcessInfo.processInfo.environment["LAMBDA_SIM_PYTHON"] ?? "python3"
        let check = try ProcessRunner.run(ProcessSpec(executable: "/usr/bin/env", arguments: [python, "-c", "import boto3"],
                                                      environment: ProcessInfo.processInfo.environment, workingDirectory: "/", stdin: nil))
        guard check.exitCode == 0 else { throw XCTSkip("boto3 is not installed") }
        try FileManager.default.createDirectory(atPath: s.path("code-\(name)"), withIntermediateDirectories: true)
        try s.write("code-\(name)/app.py", """
            import os, boto3
            sqs = boto3.client("sqs", endpoint_url=os.environ["SIM_ENDPOINT"], region_name="us-east-1")
            def handler(event, context):
                for record in event["Records"]:
                    n = int(record["body"])
                    if n < \(limit):
                        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=str(n + 1))
                return {}
            """)
        let url = "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(name)-q"
        try s.setup("sqs", "create-queue", "--queue-name", "\(name)-dlq")
        try s.setup("sqs", "create-queue", "--queue-name", "\(name)-q", "--attributes",
                    #"{"VisibilityTimeout":"1","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:\#(Self.account):\#(name)-dlq\",\"maxReceiveCount\":\"1\"}"}"#)
        try s.setup("create-function", "--function-name", name, "--runtime", "python3.12", "--handler", "app.handler",
                    "--code-path", s.path("code-\(name)"), "--environment",
                    #"{"Variables":{"SIM_ENDPOINT":"\#(endpoint)","QUEUE_URL":"\#(url)"}}"#)
    }

    func mapAndStart(_ s: Sandbox, _ name: String) throws {
        try s.setup("create-event-source-mapping", "--function-name", name, "--batch-size", "1",
                    "--event-source-arn", "arn:aws:sqs:us-east-1:\(Self.account):\(name)-q")
        try s.setup("sqs", "send-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(name)-q",
                    "--message-body", "1")
    }

    func testALoopThroughItsOwnQueueStopsAtTheSeventeenthInvocationUnderServe() throws {
        let s = try sandbox()
        let server = try ServeProcess(s)
        defer { server.stop() }
        try makeLoop(s, "loop", endpoint: server.endpoint, limit: 40)
        try mapAndStart(s, "loop")
        // The 17th message of the chain is not invoked: it returns to the queue and is redriven.
        XCTAssertTrue(try eventually(90) { try visible(s, "loop-dlq") == 1 }, server.log)
        XCTAssertEqual(try starts(s, "loop"), 16)
        let dead = try s.run(["sqs", "receive-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/\(Self.account)/loop-dlq",
                              "--query", "Messages[0].Body", "--output", "text"])
        XCTAssertEqual(dead.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "17")
        // The timeline says why, once.
        let history = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(history.exitCode, 0, history.stderrText)
        let lines = history.stdoutText.split(separator: "\n")
        let stopped = lines.filter { $0.contains(#""event":"recursion-stopped""#) }
        XCTAssertEqual(stopped.count, 1, history.stdoutText)
        XCTAssertTrue(stopped.first?.contains("already invoked the function 16 times") ?? false, history.stdoutText)
        XCTAssertTrue(stopped.first?.contains("RecursiveInvocationException") ?? false, history.stdoutText)
        XCTAssertEqual(lines.filter { $0.contains(#""event":"invoke""#) && $0.contains(#""function":"loop""#) }.count, 16)

        // Allow: the same loop runs to the handler's own limit.
        try makeLoop(s, "allowed", endpoint: server.endpoint, limit: 20)
        let put = try s.run(["put-function-recursion-config", "--function-name", "allowed", "--recursive-loop", "Allow"])
        XCTAssertEqual(put.exitCode, 0, put.stderrText)
        try mapAndStart(s, "allowed")
        XCTAssertTrue(try eventually(90) { try starts(s, "allowed") >= 20 }, server.log)
        usleep(2_500_000)
        XCTAssertEqual(try starts(s, "allowed"), 20)
        XCTAssertEqual(try visible(s, "allowed-dlq"), 0)
    }
}
