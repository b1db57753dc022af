import Foundation
import LambdaSimJSON
import XCTest

/// IAM, resource-based policies, tags and the permission checks, through the built binary in a
/// private sandbox (manual clock at `Sandbox.fixedStart` unless a test says otherwise).
final class PermissionsTests: XCTestCase {
    static let trustLambda = #"{"Version": "2012-10-17","Statement": [{ "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#
    static let trustEC2 = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    static let account = "123456789012"
    static let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/MyQueue"
    static let queueArn = "arn:aws:sqs:us-east-1:123456789012:MyQueue"

    func json(_ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        XCTAssertEqual(result.exitCode, 0, "stderr: \(result.stderrText)", file: file, line: line)
        return try JSONParser.parse(result.stdoutText)
    }

    func assertServiceError(_ result: ProcessResult, _ code: String, _ operation: String, _ message: String,
                            file: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(result.exitCode, 254, file: file, line: line)
        XCTAssertEqual(result.stdoutText, "", file: file, line: line)
        XCTAssertEqual(result.stderrText, "\nAn error occurred (\(code)) when calling the \(operation) operation: \(message)\n",
                       file: file, line: line)
    }

    func strictSandbox() throws -> Sandbox {
        let s = try Sandbox()
        try s.setup("state", "reset", "--clock", "manual", "--start", Sandbox.fixedStart, "--iam", "strict")
        return s
    }

    // MARK: - Tutorials, pasted unchanged

    /// "Using Lambda with the AWS CLI" (Lambda developer guide): role, managed policy, function,
    /// invoke, clean-up.
    func testGettingStartedGuide() throws {
        try RuntimeTools.requireNode()
        let s = try Sandbox()
        s.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        let handler = "exports.handler = async function(event, context) {\n  console.log(\"EVENT: \" + JSON.stringify(event))\n  return context.logStreamName\n}\n"
        try s.write("function.zip", StoredZip.archive([("index.js", Array(handler.utf8))]))

        let created = try s.run(["iam", "create-role", "--role-name", "lambda-ex", "--assume-role-policy-document", Self.trustLambda])
        let role = try json(created)["Role"]
        let roleId = try XCTUnwrap(role?["RoleId"]?.stringValue)
        XCTAssertTrue(roleId.hasPrefix("AROA") && roleId.count == 21, roleId)
        XCTAssertEqual(created.stdoutText, """
            {
                "Role": {
                    "Path": "/",
                    "RoleName": "lambda-ex",
                    "RoleId": "\(roleId)",
                    "Arn": "arn:aws:iam::123456789012:role/lambda-ex",
                    "CreateDate": "2026-11-22T19:58:59+00:00",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {
                                    "Service": "lambda.amazonaws.com"
                                },
                                "Action": "sts:AssumeRole"
                            }
                        ]
                    }
                }
            }

            """)
        let attached = try s.run(["iam", "attach-role-policy", "--role-name", "lambda-ex", "--policy-arn",
                                  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])
        XCTAssertEqual(attached.exitCode, 0, attached.stderrText)
        XCTAssertEqual(attached.stdoutText, "")

        let function = try json(try s.run(["lambda", "create-function", "--function-name", "my-function", "--zip-file",
                                           "fileb://function.zip", "--handler", "index.handler", "--runtime", "nodejs22.x",
                                           "--role", "arn:aws:iam::123456789012:role/lambda-ex"]))
        XCTAssertEqual(function["Role"], "arn:aws:iam::123456789012:role/lambda-ex")
        let invoked = try json(try s.run(["lambda", "invoke", "--function-name", "my-function", "out", "--log-type", "Tail"]))
        XCTAssertEqual(invoked["StatusCode"], 200)
        XCTAssertNil(invoked["FunctionError"])

        // Clean-up as the guide does it: a role with an attached policy cannot be deleted first.
        let conflict = try s.run(["iam", "delete-role", "--role-name", "lambda-ex"])
        assertServiceError(conflict, "DeleteConflict", "DeleteRole", "Cannot delete entity, must detach all policies first.")
        try s.setup("iam", "detach-role-policy", "--role-name", "lambda-ex", "--policy-arn",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        try s.setup("lambda", "delete-function", "--function-name", "my-function")
        try s.setup("iam", "delete-role", "--role-name", "lambda-ex")
        assertServiceError(try s.run(["iam", "get-role", "--role-name", "lambda-ex"]), "NoSuchEntity", "GetRole",
                           "The role with name lambda-ex cannot be found.")
    }

    /// "Tutorial: Using Lambda with Amazon SQS": the execution role with
    /// AWSLambdaSQSQueueExecutionRole, the Node.js function, a test invoke with the tutorial's
    /// event, the queue, the mapping (batch size 10), a test message; in strict mode, so every
    /// permission the tutorial sets up is needed.
    func testSQSTutorialInStrictMode() throws {
        try RuntimeTools.requireNode()
        let s = try strictSandbox()
        s.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        let handler = "exports.handler = async function(event, context) {\n  event.Records.forEach(record => {\n    const { body } = record;\n    console.log(body);\n  });\n  return {};\n}\n"
        try s.write("function.zip", StoredZip.archive([("index.js", Array(handler.utf8))]))
        try s.write("trust-policy.json", Self.trustLambda)
        try s.write("input.json", #"{"Records": [{"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...", "body": "test", "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183", "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"}, "messageAttributes": {}, "md5OfBody": "098f6bcd4621d373cade4e832627b4f6", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:my-queue", "awsRegion": "us-east-1"}]}"#)
        try s.setup("iam", "create-role", "--role-name", "lambda-sqs-role", "--assume-role-policy-document", "file://trust-policy.json")
        try s.setup("iam", "attach-role-policy", "--role-name", "lambda-sqs-role", "--policy-arn",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
        try s.setup("lambda", "create-function", "--function-name", "ProcessSQSRecord", "--zip-file", "fileb://function.zip",
                    "--handler", "index.handler", "--runtime", "nodejs22.x", "--role", "arn:aws:iam::123456789012:role/lambda-sqs-role")
        let invoked = try s.run(["lambda", "invoke", "--function-name", "ProcessSQSRecord", "--payload", "file://input.json", "out",
                                 "--cli-binary-format", "raw-in-base64-out"])
        XCTAssertEqual(try json(invoked)["StatusCode"], 200)
        XCTAssertEqual(s.read("out"), Array("{}".utf8))
        let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/my-queue"
        let queueArn = "arn:aws:sqs:us-east-1:123456789012:my-queue"
        try s.setup("sqs", "create-queue", "--queue-name", "my-queue")
        let mapping = try json(try s.run(["lambda", "create-event-source-mapping", "--function-name", "ProcessSQSRecord",
                                          "--batch-size", "10", "--event-source-arn", queueArn]))
        XCTAssertEqual(mapping["EventSourceArn"]?.stringValue, queueArn)
        XCTAssertEqual(mapping["BatchSize"], 10)
        let listed = try json(try s.run(["lambda", "list-event-source-mappings", "--function-name", "ProcessSQSRecord",
                                         "--event-source-arn", queueArn]))
        XCTAssertEqual(listed["EventSourceMappings"]?.arrayValue?.count, 1)
        try s.setup("sqs", "send-message", "--queue-url", queueURL, "--message-body", "test")
        let timeline = try s.run(["simulate", "--for", "1m", "--format", "json"])
        XCTAssertEqual(timeline.exitCode, 0, timeline.stderrText)
        let invokes = timeline.stdoutText.split(separator: "\n").filter { $0.contains(#""event":"invoke""#) && $0.contains(#""records":1"#) }
        XCTAssertEqual(invokes.count, 1, timeline.stdoutText)
        XCTAssertTrue(try s.run(["logs", "--function-name", "ProcessSQSRecord"]).stdoutText.contains("\ttest\n"))
    }

    /// "Tutorial: Using AWS Lambda with Amazon Simple Notification Service", single account:
    /// the topic, the Node.js function, add-permission for sns.amazonaws.com, the lambda
    /// subscription, a publish of message.txt with the subject Test; in strict mode the
    /// publish reaches the function only because of the add-permission step.
    func testSNSTutorialInStrictMode() throws {
        try RuntimeTools.requireNode()
        let s = try strictSandbox()
        s.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        let handler = "exports.handler = async (event, context) => {\n  for (const record of event.Records) {\n    await processMessageAsync(record);\n  }\n  console.info(\"done\");\n};\n\nasync function processMessageAsync(record) {\n  try {\n    const message = JSON.stringify(record.Sns.Message);\n    console.log(`Processed message ${message}`);\n    await Promise.resolve(1); //Placeholder for actual async work\n  } catch (err) {\n    console.error(\"An error occurred\");\n    throw err;\n  }\n}\n"
        try s.write("function.zip", StoredZip.archive([("index.js", Array(handler.utf8))]))
        try s.write("trust-policy.json", Self.trustLambda)
        try s.write("message.txt", "Hello from SNS!\n")
        let topic = try json(try s.run(["sns", "create-topic", "--name", "sns-topic-for-lambda"]))
        XCTAssertEqual(topic["TopicArn"], "arn:aws:sns:us-east-1:123456789012:sns-topic-for-lambda")
        try s.setup("iam", "create-role", "--role-name", "lambda-role", "--assume-role-policy-document", "file://trust-policy.json")
        try s.setup("iam", "attach-role-policy", "--role-name", "lambda-role", "--policy-arn",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        try s.setup("lambda", "create-function", "--function-name", "Function-With-SNS", "--zip-file", "fileb://function.zip",
                    "--handler", "index.handler", "--runtime", "nodejs22.x", "--role", "arn:aws:iam::123456789012:role/lambda-role")
        let subscribe = ["sns", "subscribe", "--protocol", "lambda", "--region", "us-east-1", "--topic-arn",
                         "arn:aws:sns:us-east-1:123456789012:sns-topic-for-lambda", "--notification-endpoint",
                         "arn:aws:lambda:us-east-1:123456789012:function:Function-With-SNS"]
        let publish = ["sns", "publish", "--message", "file://message.txt", "--subject", "Test", "--topic-arn",
                       "arn:aws:sns:us-east-1:123456789012:sns-topic-for-lambda"]
        // Before the permission step: SNS may not invoke the function.
        XCTAssertEqual(try s.run(subscribe).exitCode, 0)
        XCTAssertEqual(try s.run(publish).exitCode, 0)
        var timeline = try s.run(["simulate", "--for", "1m", "--format", "json"])
        XCTAssertTrue(timeline.stdoutText.contains(#""event":"denied""#), timeline.stdoutText)
        XCTAssertFalse(timeline.stdoutText.contains(#""event":"invoke""#), timeline.stdoutText)
        let permission = try s.run(["lambda", "add-permission", "--function-name", "Function-With-SNS", "--source-arn",
                                    "arn:aws:sns:us-east-1:123456789012:sns-topic-for-lambda", "--statement-id", "function-with-sns",
                                    "--action", "lambda:InvokeFunction", "--principal", "sns.amazonaws.com"])
        XCTAssertEqual(permission.exitCode, 0, permission.stderrText)
        let published = try json(try s.run(publish))
        XCTAssertNotNil(published["MessageId"]?.stringValue)
        timeline = try s.run(["simulate", "--for", "1m", "--format", "json"])
        let invokes = timeline.stdoutText.split(separator: "\n").filter { $0.contains(#""event":"invoke""#) }
        XCTAssertEqual(invokes.count, 1, timeline.stdoutText)
        XCTAssertTrue(invokes.first?.contains(#""result":"success""#) ?? false, timeline.stdoutText)
        let logs = try s.run(["logs", "--function-name", "Function-With-SNS"]).stdoutText
        XCTAssertTrue(logs.contains("Processed message \"Hello from SNS!\\n\""), logs)
        XCTAssertTrue(logs.contains("\tdone\n"), logs)
    }

    // MARK: - Enforcement: execution role trust

    func testCreateFunctionNeedsARoleLambdaCanAssume() throws {
        let s = try Sandbox()
        try s.setup("iam", "create-role", "--role-name", "ec2-role", "--assume-role-policy-document", Self.trustEC2)
        let refused = try s.run(["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                                 "--role", "arn:aws:iam::123456789012:role/ec2-role"])
        assertServiceError(refused, "InvalidParameterValueException", "CreateFunction",
                           "The role defined for the function cannot be assumed by Lambda.")
        assertServiceError(try s.run(["get-function", "--function-name", "f"]), "ResourceNotFoundException", "GetFunction",
                           "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f")
        // The same role trusting Lambda: accepted.
        try s.setup("iam", "update-assume-role-policy", "--role-name", "ec2-role", "--policy-document", Self.trustLambda)
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/ec2-role")
    }

    func testUnknownRoleIsAcceptedByDefaultAndRefusedInStrictMode() throws {
        let permissive = try Sandbox()
        try permissive.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                             "--role", "arn:aws:iam::123456789012:role/never-created")
        let strict = try strictSandbox()
        let refused = try strict.run(["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                                      "--role", "arn:aws:iam::123456789012:role/never-created"])
        assertServiceError(refused, "InvalidParameterValueException", "CreateFunction",
                           "The role defined for the function cannot be assumed by Lambda.")
        assertServiceError(try strict.run(["get-function", "--function-name", "f"]), "ResourceNotFoundException", "GetFunction",
                           "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f")
    }

    // MARK: - Enforcement: event source mapping role

    func testEventSourceMappingNeedsTheQueueActions() throws {
        let s = try Sandbox()
        try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/r")
        try s.setup("sqs", "create-queue", "--queue-name", "MyQueue")
        let refused = try s.run(["create-event-source-mapping", "--function-name", "f", "--event-source-arn", Self.queueArn])
        assertServiceError(refused, "InvalidParameterValueException", "CreateEventSourceMapping",
                           "The provided execution role does not have permissions to call ReceiveMessage on SQS")
        XCTAssertEqual(try json(try s.run(["list-event-source-mappings"]))["EventSourceMappings"], [])
        // ReceiveMessage alone is not enough: DeleteMessage is next.
        try s.setup("iam", "put-role-policy", "--role-name", "r", "--policy-name", "recv", "--policy-document",
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:*:*:MyQueue"}]}"#)
        assertServiceError(try s.run(["create-event-source-mapping", "--function-name", "f", "--event-source-arn", Self.queueArn]),
                           "InvalidParameterValueException", "CreateEventSourceMapping",
                           "The provided execution role does not have permissions to call DeleteMessage on SQS")
        try s.setup("iam", "attach-role-policy", "--role-name", "r", "--policy-arn",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
        try s.setup("create-event-source-mapping", "--function-name", "f", "--event-source-arn", Self.queueArn)
        XCTAssertEqual(try json(try s.run(["list-event-source-mappings"]))["EventSourceMappings"]?.arrayValue?.count, 1)
    }

    /// The role loses the queue's actions after the mapping was created: the poller stops (one
    /// `denied` line, the message stays) until the permission is back; in both clock modes.
    func testPollerStopsWhileTheRoleLacksTheQueueActions() throws {
        for clock in [Sandbox.Clock.manual(start: Sandbox.fixedStart), .wall] {
            let s = try Sandbox()
            s.clock = clock
            let policy = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
            try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
            try s.setup("iam", "attach-role-policy", "--role-name", "r", "--policy-arn", policy)
            try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                        "--role", "arn:aws:iam::123456789012:role/r")
            try s.setup("sqs", "create-queue", "--queue-name", "MyQueue")
            try s.setup("create-event-source-mapping", "--function-name", "f", "--event-source-arn", Self.queueArn)
            try s.setup("iam", "detach-role-policy", "--role-name", "r", "--policy-arn", policy)
            try s.setup("sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "waiting")
            let timeline = try s.run(["simulate", "--for", "1m", "--format", "json"]).stdoutText
            if case .manual = clock {
                XCTAssertTrue(timeline.contains(#""event":"denied""#), timeline)
                XCTAssertFalse(timeline.contains(#""event":"invoke""#), timeline)
            }
            let count = try s.run(["sqs", "get-queue-attributes", "--queue-url", Self.queueURL, "--attribute-names",
                                   "ApproximateNumberOfMessages", "--query", "Attributes.ApproximateNumberOfMessages", "--output", "text"])
            XCTAssertEqual(count.stdoutText, "1\n", "\(clock): the message waits")
            try s.setup("iam", "attach-role-policy", "--role-name", "r", "--policy-arn", policy)
            try s.setup("simulate", "--for", "1m")
            var logs = ""
            for _ in 0..<50 where !logs.contains("START") {
                logs = try s.run(["logs", "--function-name", "f"]).stdoutText
                if !logs.contains("START") { usleep(100_000) }
            }
            XCTAssertTrue(logs.contains("START"), "\(clock): polled once allowed again")
        }
    }

    func testDynamoDBStreamMappingNeedsTheStreamActions() throws {
        let s = try Sandbox()
        try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/r")
        let table = try json(try s.run(["dynamodb", "create-table", "--table-name", "tbl", "--attribute-definitions",
                                        "AttributeName=k,AttributeType=S", "--key-schema", "AttributeName=k,KeyType=HASH",
                                        "--billing-mode", "PAY_PER_REQUEST", "--stream-specification",
                                        "StreamEnabled=true,StreamViewType=NEW_IMAGE"]))
        let stream = try XCTUnwrap(table["TableDescription"]?["LatestStreamArn"]?.stringValue)
        let refused = try s.run(["create-event-source-mapping", "--function-name", "f", "--event-source-arn", stream,
                                 "--starting-position", "LATEST"])
        assertServiceError(refused, "InvalidParameterValueException", "CreateEventSourceMapping",
                           "Cannot access stream \(stream). Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
        try s.setup("iam", "attach-role-policy", "--role-name", "r", "--policy-arn",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole")
        try s.setup("create-event-source-mapping", "--function-name", "f", "--event-source-arn", stream, "--starting-position", "LATEST")
    }

    // MARK: - Enforcement: destinations and dead-letter queues

    func testDestinationsAndDeadLetterQueueNeedTheRoleActions() throws {
        let s = try Sandbox()
        try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
        try s.setup("sqs", "create-queue", "--queue-name", "MyQueue")
        let dlq = try s.run(["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                             "--role", "arn:aws:iam::123456789012:role/r", "--dead-letter-config", "TargetArn=" + Self.queueArn])
        assertServiceError(dlq, "InvalidParameterValueException", "CreateFunction",
                           "The provided execution role does not have permissions to call SendMessage on SQS")
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/r")
        let destination = try s.run(["put-function-event-invoke-config", "--function-name", "f", "--destination-config",
                                     #"{"OnFailure":{"Destination":"\#(Self.queueArn)"}}"#])
        assertServiceError(destination, "InvalidParameterValueException", "PutFunctionEventInvokeConfig",
                           "The function execution role does not have permissions to call SendMessage on \(Self.queueArn)")
        XCTAssertEqual(try s.run(["get-function-event-invoke-config", "--function-name", "f"]).exitCode, 254)
        try s.setup("iam", "put-role-policy", "--role-name", "r", "--policy-name", "send", "--policy-document",
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#)
        try s.setup("put-function-event-invoke-config", "--function-name", "f", "--destination-config",
                    #"{"OnFailure":{"Destination":"\#(Self.queueArn)"}}"#)
        try s.setup("update-function-configuration", "--function-name", "f", "--dead-letter-config", "TargetArn=" + Self.queueArn)
    }

    /// A destination whose permission was revoked after it was configured: the delivery fails
    /// (AccessDeniedException on the `destination` line) and nothing reaches the queue; in both
    /// clock modes.
    func testDestinationDeliveryFailsWhenTheRoleLostThePermission() throws {
        for clock in [Sandbox.Clock.manual(start: Sandbox.fixedStart), .wall] {
            let s = try Sandbox()
            s.clock = clock
            try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
            try s.setup("iam", "put-role-policy", "--role-name", "r", "--policy-name", "send", "--policy-document",
                        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#)
            try s.setup("sqs", "create-queue", "--queue-name", "MyQueue")
            try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                        "--role", "arn:aws:iam::123456789012:role/r")
            try s.setup("put-function-event-invoke-config", "--function-name", "f", "--destination-config",
                        #"{"OnSuccess":{"Destination":"\#(Self.queueArn)"}}"#)
            try s.setup("iam", "delete-role-policy", "--role-name", "r", "--policy-name", "send")
            try s.setup("invoke", "--function-name", "f", "--invocation-type", "Event", "/dev/null")
            let timeline = try s.run(["simulate", "--for", "1m", "--format", "json"])
            XCTAssertEqual(timeline.exitCode, 0, timeline.stderrText)
            let destination = timeline.stdoutText.split(separator: "\n").first { $0.contains(#""event":"destination""#) }
            if case .manual = clock {
                XCTAssertTrue(destination?.contains(#""errorType":"AccessDeniedException""#) ?? false, timeline.stdoutText)
            }
            let received = try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL])
            XCTAssertEqual(received.stdoutText, "", "\(clock): nothing was delivered")
            // Granted again: the next one is delivered.
            try s.setup("iam", "put-role-policy", "--role-name", "r", "--policy-name", "send", "--policy-document",
                        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#)
            try s.setup("invoke", "--function-name", "f", "--invocation-type", "Event", "/dev/null")
            try s.setup("simulate", "--for", "1m")
            var body = ""
            for _ in 0..<50 where body.isEmpty {
                body = try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL]).stdoutText
                if body.isEmpty { usleep(100_000) }
            }
            XCTAssertTrue(body.contains("responsePayload"), "\(clock): \(body)")
        }
    }

    // MARK: - Enforcement: service principals (SNS)

    func testSNSNeedsTheFunctionsResourcePolicyInStrictMode() throws {
        let s = try strictSandbox()
        try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/r")
        let topic = "arn:aws:sns:us-east-1:123456789012:t"
        try s.setup("sns", "create-topic", "--name", "t")
        try s.setup("sns", "subscribe", "--topic-arn", topic, "--protocol", "lambda", "--notification-endpoint",
                    "arn:aws:lambda:us-east-1:123456789012:function:f")
        try s.setup("sns", "publish", "--topic-arn", topic, "--message", "one")
        let denied = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(denied.exitCode, 0, denied.stderrText)
        XCTAssertTrue(denied.stdoutText.contains(#""event":"denied""#), denied.stdoutText)
        XCTAssertFalse(denied.stdoutText.contains(#""event":"invoke""#), denied.stdoutText)
        let explained = try s.run(["simulate"])
        XCTAssertEqual(explained.stdoutText, "", "a denial is shown once")

        // A permission for another topic does not help; one for this topic does.
        try s.setup("add-permission", "--function-name", "f", "--statement-id", "other", "--action", "lambda:InvokeFunction",
                    "--principal", "sns.amazonaws.com", "--source-arn", "arn:aws:sns:us-east-1:123456789012:other")
        try s.setup("sns", "publish", "--topic-arn", topic, "--message", "two")
        XCTAssertTrue(try s.run(["simulate", "--format", "json"]).stdoutText.contains(#""event":"denied""#))
        try s.setup("add-permission", "--function-name", "f", "--statement-id", "sns", "--action", "lambda:InvokeFunction",
                    "--principal", "sns.amazonaws.com", "--source-arn", topic)
        try s.setup("sns", "publish", "--topic-arn", topic, "--message", "three")
        let allowed = try s.run(["simulate", "--format", "json"]).stdoutText
        XCTAssertFalse(allowed.contains(#""event":"denied""#), allowed)
        XCTAssertTrue(allowed.contains(#""event":"invoke""#), allowed)
    }

    /// The default mode delivers as before; in wall mode a denial keeps the background from
    /// invoking the function.
    func testSNSDeliveryDeniedInWallMode() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("state", "reset", "--iam", "strict")
        try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/r")
        let topic = "arn:aws:sns:us-east-1:123456789012:t"
        try s.setup("sns", "create-topic", "--name", "t")
        try s.setup("sns", "subscribe", "--topic-arn", topic, "--protocol", "lambda", "--notification-endpoint",
                    "arn:aws:lambda:us-east-1:123456789012:function:f")
        try s.setup("sns", "publish", "--topic-arn", topic, "--message", "denied")
        try s.setup("simulate", "--for", "1m")
        XCTAssertFalse(try s.run(["logs", "--function-name", "f"]).stdoutText.contains("START"))
        try s.setup("add-permission", "--function-name", "f", "--statement-id", "sns", "--action", "lambda:InvokeFunction",
                    "--principal", "sns.amazonaws.com", "--source-arn", topic)
        try s.setup("sns", "publish", "--topic-arn", topic, "--message", "allowed")
        try s.setup("simulate", "--for", "1m")
        XCTAssertTrue(try s.run(["logs", "--function-name", "f"]).stdoutText.contains("START"))
    }

    // MARK: - Enforcement: callers

    func testDryRunAnswersAccessDeniedForACallerWithoutPermission() throws {
        let s = try Sandbox()
        try s.write(".aws/config", "[profile alice]\nregion = us-east-1\n")
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        try s.setup("iam", "create-user", "--user-name", "alice")
        try s.write("out.json", "untouched")
        let alice = ["AWS_PROFILE": "alice"]
        for type in ["DryRun", "RequestResponse", "Event"] {
            let refused = try s.run(["invoke", "--function-name", "f", "--invocation-type", type, "out.json"], environment: alice)
            assertServiceError(refused, "AccessDeniedException", "Invoke",
                               "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:f because no identity-based policy allows the lambda:InvokeFunction action")
        }
        XCTAssertEqual(s.read("out.json"), Array("untouched".utf8))
        // Nothing ran or was queued; each refusal is a `denied` line.
        let lines = try s.run(["simulate", "--format", "json"]).stdoutText.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.allSatisfy { $0.contains(#""event":"denied""#) }, lines.joined(separator: "\n"))
        let identity = try json(try s.run(["sts", "get-caller-identity"], environment: alice))
        XCTAssertEqual(identity["Arn"], "arn:aws:iam::123456789012:user/alice")

        try s.setup("iam", "put-user-policy", "--user-name", "alice", "--policy-name", "invoke", "--policy-document",
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:*:*:function:f"}]}"#)
        let allowed = try s.run(["invoke", "--function-name", "f", "--invocation-type", "DryRun", "out.json"], environment: alice)
        XCTAssertEqual(allowed.exitCode, 0, allowed.stderrText)
        XCTAssertEqual(allowed.stdoutText, "{\n    \"StatusCode\": 204\n}\n")
        // Other operations are checked too, with their own action.
        assertServiceError(try s.run(["get-function", "--function-name", "f"], environment: alice), "AccessDeniedException",
                           "GetFunction",
                           "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:f because no identity-based policy allows the lambda:GetFunction action")
        // An explicit deny wins over the allow.
        try s.setup("iam", "put-user-policy", "--user-name", "alice", "--policy-name", "deny", "--policy-document",
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:Invoke*","Resource":"*"}]}"#)
        assertServiceError(try s.run(["invoke", "--function-name", "f", "--invocation-type", "DryRun", "out.json"], environment: alice),
                           "AccessDeniedException", "Invoke",
                           "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:f with an explicit deny in an identity-based policy")
    }

    func testProfileRoleArnIsTheCaller() throws {
        let s = try Sandbox()
        try s.write(".aws/config", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nrole_session_name = me\n")
        try s.setup("iam", "create-role", "--role-name", "dev", "--assume-role-policy-document",
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#)
        let identity = try json(try s.run(["sts", "get-caller-identity"], environment: ["AWS_PROFILE": "dev"]))
        XCTAssertEqual(identity["Arn"], "arn:aws:sts::123456789012:assumed-role/dev/me")
        XCTAssertTrue(identity["UserId"]?.stringValue?.hasSuffix(":me") ?? false)
        try s.setup("iam", "attach-role-policy", "--role-name", "dev", "--policy-arn", "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess")
        XCTAssertEqual(try s.run(["list-functions"], environment: ["AWS_PROFILE": "dev"]).exitCode, 0)
        let refused = try s.run(["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo"],
                                environment: ["AWS_PROFILE": "dev"])
        XCTAssertEqual(refused.exitCode, 254)
        XCTAssertTrue(refused.stderrText.contains("User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to perform: lambda:CreateFunction"),
                      refused.stderrText)
    }

    // MARK: - Resource-based policies

    func testAddPermissionGetPolicyRemovePermission() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "my-function", "--runtime", "builtin", "--handler", "echo")
        assertServiceError(try s.run(["get-policy", "--function-name", "my-function"]), "ResourceNotFoundException", "GetPolicy",
                           "The resource you requested does not exist.")
        let added = try s.run(["add-permission", "--function-name", "my-function", "--action", "lambda:InvokeFunction",
                               "--statement-id", "s3", "--principal", "s3.amazonaws.com", "--source-arn",
                               "arn:aws:s3:::lambda-test-bucket-s3", "--source-account", "123456789012"])
        let statement = #"{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:my-function","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::lambda-test-bucket-s3"}}}"#
        XCTAssertEqual(try json(added)["Statement"]?.stringValue, statement)
        try s.setup("add-permission", "--function-name", "my-function", "--statement-id", "xaccount", "--action",
                    "lambda:GetFunction", "--principal", "210987654321")
        try s.setup("add-permission", "--function-name", "my-function", "--statement-id", "url", "--action",
                    "lambda:InvokeFunctionUrl", "--principal", "*", "--function-url-auth-type", "NONE")
        let policy = try json(try s.run(["get-policy", "--function-name", "my-function"]))
        XCTAssertEqual(policy["Policy"]?.stringValue,
                       #"{"Version":"2012-10-17","Id":"default","Statement":["# + statement
                        + #",{"Sid":"xaccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:GetFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:my-function"}"#
                        + #",{"Sid":"url","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"arn:aws:lambda:us-east-1:123456789012:function:my-function","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}]}"#)
        XCTAssertNotNil(policy["RevisionId"]?.stringValue)

        assertServiceError(try s.run(["add-permission", "--function-name", "my-function", "--statement-id", "s3", "--action",
                                      "lambda:InvokeFunction", "--principal", "s3.amazonaws.com"]),
                           "ResourceConflictException", "AddPermission",
                           "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.")
        assertServiceError(try s.run(["add-permission", "--function-name", "my-function", "--statement-id", "bad", "--action",
                                      "s3:GetObject", "--principal", "s3.amazonaws.com"]),
                           "ValidationException", "AddPermission",
                           "1 validation error detected: Value 's3:GetObject' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])")
        assertServiceError(try s.run(["add-permission", "--function-name", "nope", "--statement-id", "x", "--action",
                                      "lambda:InvokeFunction", "--principal", "s3.amazonaws.com"]),
                           "ResourceNotFoundException", "AddPermission",
                           "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope")
        let removed = try s.run(["remove-permission", "--function-name", "my-function", "--statement-id", "s3"])
        XCTAssertEqual(removed.exitCode, 0, removed.stderrText)
        XCTAssertEqual(removed.stdoutText, "")
        assertServiceError(try s.run(["remove-permission", "--function-name", "my-function", "--statement-id", "s3"]),
                           "ResourceNotFoundException", "RemovePermission", "Statement s3 is not found in resource policy.")
        let stale = try s.run(["remove-permission", "--function-name", "my-function", "--statement-id", "url",
                               "--revision-id", "00000000-0000-4000-8000-000000000000"])
        XCTAssertEqual(stale.exitCode, 254)
        XCTAssertTrue(stale.stderrText.contains("PreconditionFailedException"), stale.stderrText)
    }

    func testQualifiedPermissionsAreSeparatePolicies() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo", "--publish")
        try s.setup("create-alias", "--function-name", "f", "--name", "live", "--function-version", "1")
        let added = try json(try s.run(["add-permission", "--function-name", "f", "--qualifier", "live", "--statement-id", "a",
                                        "--action", "lambda:InvokeFunction", "--principal", "sns.amazonaws.com"]))
        XCTAssertTrue(added["Statement"]?.stringValue?.contains(#""Resource":"arn:aws:lambda:us-east-1:123456789012:function:f:live""#) ?? false)
        XCTAssertEqual(try s.run(["get-policy", "--function-name", "f"]).exitCode, 254)
        XCTAssertEqual(try s.run(["get-policy", "--function-name", "f:live"]).exitCode, 0)
    }

    // MARK: - Tags

    func testFunctionAndQueueTags() throws {
        let s = try Sandbox()
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo", "--tags", "team=a")
        try s.setup("tag-resource", "--resource", arn, "--tags", "env=dev,owner=me")
        try s.setup("untag-resource", "--resource", arn, "--tag-keys", "owner")
        XCTAssertEqual(try s.run(["list-tags", "--resource", arn]).stdoutText,
                       "{\n    \"Tags\": {\n        \"env\": \"dev\",\n        \"team\": \"a\"\n    }\n}\n")
        XCTAssertEqual(try json(try s.run(["get-function", "--function-name", "f"]))["Tags"], ["env": "dev", "team": "a"])
        assertServiceError(try s.run(["list-tags", "--resource", arn + "x"]), "ResourceNotFoundException", "ListTags",
                           "Function not found: \(arn)x")

        try s.setup("sqs", "create-queue", "--queue-name", "MyQueue", "--tags", "a=1")
        try s.setup("sqs", "tag-queue", "--queue-url", Self.queueURL, "--tags", "b=2")
        try s.setup("sqs", "untag-queue", "--queue-url", Self.queueURL, "--tag-keys", "a")
        XCTAssertEqual(try s.run(["sqs", "list-queue-tags", "--queue-url", Self.queueURL]).stdoutText,
                       "{\n    \"Tags\": {\n        \"b\": \"2\"\n    }\n}\n")
    }

    // MARK: - IAM shapes and errors

    func testIAMErrorsAndManagedPolicies() throws {
        let s = try Sandbox()
        try s.setup("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", Self.trustLambda)
        assertServiceError(try s.run(["iam", "create-role", "--role-name", "R", "--assume-role-policy-document", Self.trustLambda]),
                           "EntityAlreadyExists", "CreateRole", "Role with name R already exists.")
        assertServiceError(try s.run(["iam", "create-role", "--role-name", "x", "--assume-role-policy-document", "{not json"]),
                           "MalformedPolicyDocument", "CreateRole", "This policy contains invalid Json")
        assertServiceError(try s.run(["iam", "attach-role-policy", "--role-name", "r", "--policy-arn",
                                      "arn:aws:iam::aws:policy/NoSuchPolicy"]),
                           "NoSuchEntity", "AttachRolePolicy", "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.")
        assertServiceError(try s.run(["iam", "get-role-policy", "--role-name", "r", "--policy-name", "p"]),
                           "NoSuchEntity", "GetRolePolicy", "The role policy with name p cannot be found.")

        let created = try json(try s.run(["iam", "create-policy", "--policy-name", "mine", "--policy-document",
                                          #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#]))
        XCTAssertEqual(created["Policy"]?.objectValue?.keys,
                       ["PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount",
                        "PermissionsBoundaryUsageCount", "IsAttachable", "CreateDate", "UpdateDate"])
        try s.setup("iam", "attach-role-policy", "--role-name", "r", "--policy-arn", "arn:aws:iam::123456789012:policy/mine")
        assertServiceError(try s.run(["iam", "delete-policy", "--policy-arn", "arn:aws:iam::123456789012:policy/mine"]),
                           "DeleteConflict", "DeletePolicy", "Cannot delete a policy attached to entities.")
        let local = try json(try s.run(["iam", "list-policies", "--scope", "Local"]))
        XCTAssertEqual(local["Policies"]?.arrayValue?.first?["AttachmentCount"], 1)
        let aws = try json(try s.run(["iam", "get-policy", "--policy-arn", "arn:aws:iam::aws:policy/AWSLambda_FullAccess"]))
        XCTAssertEqual(aws["Policy"]?["DefaultVersionId"], "v2")
        let version = try json(try s.run(["iam", "get-policy-version", "--policy-arn",
                                          "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole", "--version-id", "v1"]))
        XCTAssertEqual(version["PolicyVersion"]?["Document"]?["Statement"]?.arrayValue?.first?["Action"]?.arrayValue?.first,
                       "dynamodb:DescribeStream")
        // CLI v1 prints IAM's wire timestamps unchanged.
        let v1 = try json(try s.run(["iam", "get-role", "--role-name", "r"], environment: ["LAMBDA_SIM_CLI_VERSION": "1"]))
        XCTAssertEqual(v1["Role"]?["CreateDate"], "2026-11-22T19:58:59Z")
        XCTAssertEqual(try json(try s.run(["sts", "get-caller-identity"])),
                       ["UserId": "123456789012", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root"])
    }
}
