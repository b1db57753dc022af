import Foundation
import LambdaSimJSON
import XCTest

/// The local resources through the built binary: `sqs`, `sns`, `events` and `s3 mb`, each in a
/// private sandbox (scrubbed environment, manual clock at `Sandbox.fixedStart`). Cases that
/// compare bytes with the AWS CLI v1 run with `LAMBDA_SIM_CLI_VERSION=1`.
final class ResourcesEndToEndTests: XCTestCase {
    static let v1 = ["LAMBDA_SIM_CLI_VERSION": "1"]
    static let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/q"

    private func json(_ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        XCTAssertEqual(result.exitCode, 0, "stderr: \(result.stderrText)", file: file, line: line)
        return try JSONParser.parse(result.stdoutText)
    }

    func testCreateQueuePrintsTheQueueURLLikeCLIv1() throws {
        let s = try Sandbox()
        let result = try s.run(["sqs", "create-queue", "--queue-name", "q"], environment: Self.v1)
        XCTAssertEqual(result.stdoutText, "{\n    \"QueueUrl\": \"https://sqs.us-east-1.amazonaws.com/123456789012/q\"\n}\n")
        XCTAssertEqual(result.stderrText, "")
        XCTAssertEqual(result.exitCode, 0)

        let regional = try s.run(["sqs", "create-queue", "--queue-name", "q", "--region", "eu-west-1"], environment: Self.v1)
        XCTAssertEqual(regional.stdoutText, "{\n    \"QueueUrl\": \"https://sqs.eu-west-1.amazonaws.com/123456789012/q\"\n}\n")
    }

    func testGetQueueAttributesQueueArn() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        let result = try s.run(["sqs", "get-queue-attributes", "--queue-url", Self.queueURL, "--attribute-names", "QueueArn"],
                               environment: Self.v1)
        XCTAssertEqual(result.stdoutText,
                       "{\n    \"Attributes\": {\n        \"QueueArn\": \"arn:aws:sqs:us-east-1:123456789012:q\"\n    }\n}\n")
        XCTAssertEqual(result.stderrText, "")
        XCTAssertEqual(result.exitCode, 0)
    }

    func testMissingQueueIsAServiceError() throws {
        let s = try Sandbox()
        let v1 = try s.run(["sqs", "get-queue-url", "--queue-name", "nope"], environment: Self.v1)
        XCTAssertEqual(v1.stdoutText, "")
        XCTAssertEqual(v1.stderrText,
                       "\nAn error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.\n")
        XCTAssertEqual(v1.exitCode, 255)
        let v2 = try s.run(["sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "x"])
        XCTAssertEqual(v2.exitCode, 254)
    }

    func testSendReceiveDeleteRoundTrip() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        let sent = try json(try s.run(["sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "hello",
                                       "--message-attributes", #"{"color":{"DataType":"String","StringValue":"red"}}"#],
                                      environment: Self.v1))
        XCTAssertEqual(sent.objectValue?.keys, ["MD5OfMessageBody", "MD5OfMessageAttributes", "MessageId"])
        XCTAssertEqual(sent["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592")

        let received = try json(try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL, "--attribute-names", "All",
                                           "--message-attribute-names", "All"], environment: Self.v1))
        let message = try XCTUnwrap(received["Messages"]?.arrayValue?.first)
        XCTAssertEqual(message.objectValue?.keys,
                       ["MessageId", "ReceiptHandle", "MD5OfBody", "Body", "Attributes", "MD5OfMessageAttributes", "MessageAttributes"])
        XCTAssertEqual(message["MessageId"], sent["MessageId"])
        XCTAssertEqual(message["Body"], "hello")
        XCTAssertEqual(message["Attributes"]?["ApproximateReceiveCount"], "1")
        XCTAssertEqual(message["Attributes"]?["SentTimestamp"], "1795377539383")
        XCTAssertEqual(message["MessageAttributes"]?["color"], ["StringValue": "red", "DataType": "String"])
        XCTAssertEqual(message["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])

        // In flight: nothing to receive, and the CLI prints nothing for an empty response.
        let empty = try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL], environment: Self.v1)
        XCTAssertEqual(empty.stdoutText, "")
        XCTAssertEqual(empty.exitCode, 0)

        let handle = try XCTUnwrap(message["ReceiptHandle"]?.stringValue)
        let deleted = try s.run(["sqs", "delete-message", "--queue-url", Self.queueURL, "--receipt-handle", handle],
                                environment: Self.v1)
        XCTAssertEqual(deleted.stdoutText, "")
        XCTAssertEqual(deleted.stderrText, "")
        XCTAssertEqual(deleted.exitCode, 0)

        let counts = try json(try s.run(["sqs", "get-queue-attributes", "--queue-url", Self.queueURL, "--attribute-names",
                                         "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], environment: Self.v1))
        XCTAssertEqual(counts, ["Attributes": ["ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"]])

        let listed = try s.run(["sqs", "list-queues"], environment: Self.v1)
        XCTAssertEqual(listed.stdoutText, "{\n    \"QueueUrls\": [\n        \"\(Self.queueURL)\"\n    ]\n}\n")
    }

    func testBinaryAttributesFollowTheCLIBinaryFormat() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        // Expected digests computed with Python: the SQS attribute algorithm over the name "b",
        // type "Binary" and the bytes b"aGk=" (raw text, the default) or b"hi" (base64 decoded).
        let cases: [(format: String, md5: String)] = [("raw-in-base64-out", "f4904d6de7ec2ad40d03d88c7904ee0d"),
                                                     ("base64", "b8c9387289a959eb05a11ef433bf37f8")]
        for (format, md5) in cases {
            for value in [#"{"b":{"DataType":"Binary","BinaryValue":"aGk="}}"#, "b={DataType=Binary,BinaryValue=aGk=}"] {
                let sent = try json(try s.run(["sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "x",
                                               "--message-attributes", value, "--cli-binary-format", format]))
                XCTAssertEqual(sent["MD5OfMessageAttributes"]?.stringValue, md5, "\(format) \(value)")
            }
        }
        let received = try json(try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL, "--message-attribute-names", "All"]))
        XCTAssertEqual(received["Messages"]?.arrayValue?.first?["MessageAttributes"]?["b"]?["BinaryValue"], "YUdrPQ==",
                       "binary values print as base64, as the CLI prints bytes")
    }

    func testSNSPublishReachesASubscribedQueue() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        let topic = try s.run(["sns", "create-topic", "--name", "t"], environment: Self.v1)
        XCTAssertEqual(topic.stdoutText, "{\n    \"TopicArn\": \"arn:aws:sns:us-east-1:123456789012:t\"\n}\n")
        let subscribed = try json(try s.run(["sns", "subscribe", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:t",
                                             "--protocol", "sqs", "--notification-endpoint", "arn:aws:sqs:us-east-1:123456789012:q"],
                                            environment: Self.v1))
        let subscriptionArn = try XCTUnwrap(subscribed["SubscriptionArn"]?.stringValue)
        XCTAssertTrue(subscriptionArn.hasPrefix("arn:aws:sns:us-east-1:123456789012:t:"))

        let published = try json(try s.run(["sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:t",
                                            "--message", "hello", "--subject", "hi"], environment: Self.v1))
        let messageId = try XCTUnwrap(published["MessageId"]?.stringValue)

        let received = try json(try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL], environment: Self.v1))
        let body = try XCTUnwrap(received["Messages"]?.arrayValue?.first?["Body"]?.stringValue)
        let envelope = try JSONParser.parse(body)
        XCTAssertEqual(envelope["Type"], "Notification")
        XCTAssertEqual(envelope["MessageId"]?.stringValue, messageId)
        XCTAssertEqual(envelope["TopicArn"], "arn:aws:sns:us-east-1:123456789012:t")
        XCTAssertEqual(envelope["Subject"], "hi")
        XCTAssertEqual(envelope["Message"], "hello")
        XCTAssertEqual(envelope["Timestamp"], "2026-11-22T19:58:59.383Z")
        XCTAssertEqual(envelope["UnsubscribeURL"]?.stringValue,
                       "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=\(subscriptionArn)")

        let email = try json(try s.run(["sns", "subscribe", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:t",
                                        "--protocol", "email", "--notification-endpoint", "me@example.com"], environment: Self.v1))
        XCTAssertEqual(email, ["SubscriptionArn": "pending confirmation"])
        let topics = try s.run(["sns", "list-topics"], environment: Self.v1)
        XCTAssertEqual(topics.stdoutText,
                       "{\n    \"Topics\": [\n        {\n            \"TopicArn\": \"arn:aws:sns:us-east-1:123456789012:t\"\n        }\n    ]\n}\n")
    }

    func testPutEventsIsRecordedOnTheBus() throws {
        let s = try Sandbox()
        let bus = try s.run(["events", "create-event-bus", "--name", "orders"], environment: Self.v1)
        XCTAssertEqual(bus.stdoutText, "{\n    \"EventBusArn\": \"arn:aws:events:us-east-1:123456789012:event-bus/orders\"\n}\n")
        let put = try json(try s.run(["events", "put-events", "--entries",
                                      #"[{"Source":"my.app","DetailType":"Order Placed","Detail":"{\"id\":7}","EventBusName":"orders"}]"#],
                                     environment: Self.v1))
        XCTAssertEqual(put["FailedEntryCount"], 0)
        let eventId = try XCTUnwrap(put["Entries"]?.arrayValue?.first?["EventId"]?.stringValue)

        let log = try XCTUnwrap(s.read("events/us-east-1/orders.jsonl"), "the bus's event log beside the state")
        let lines = String(decoding: log, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let event = try JSONParser.parse(String(lines[0]))
        XCTAssertEqual(event, [
            "version": "0", "id": .string(eventId), "detail-type": "Order Placed", "source": "my.app",
            "account": "123456789012", "time": "2026-11-22T19:58:59Z", "region": "us-east-1", "resources": [],
            "detail": ["id": 7],
        ])

        let shorthand = try json(try s.run(["events", "put-events", "--entries",
                                            #"Source=my.app,DetailType=Ping,Detail="{}""#], environment: Self.v1))
        XCTAssertEqual(shorthand["FailedEntryCount"], 0)
        XCTAssertNotNil(s.read("events/us-east-1/default.jsonl"), "no bus name: the default bus")

        let buses = try json(try s.run(["events", "list-event-buses"], environment: Self.v1))
        XCTAssertEqual(buses["EventBuses"]?.arrayValue?.compactMap { $0["Name"]?.stringValue }, ["default", "orders"])
    }

    func testConcurrentSendersLoseNoMessage() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        let commands = (0..<12).map { ["sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "m\($0)"] }
        for result in try s.runConcurrently(commands) {
            XCTAssertEqual(result.exitCode, 0, result.stderrText)
        }
        let counts = try json(try s.run(["sqs", "get-queue-attributes", "--queue-url", Self.queueURL, "--attribute-names",
                                         "ApproximateNumberOfMessages"]))
        XCTAssertEqual(counts["Attributes"]?["ApproximateNumberOfMessages"], "12")
        var bodies: Set<String> = []
        for _ in 0..<2 {
            let batch = try json(try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL, "--max-number-of-messages", "10"]))
            for m in batch["Messages"]?.arrayValue ?? [] { bodies.insert(m["Body"]?.stringValue ?? "") }
        }
        XCTAssertEqual(bodies, Set((0..<12).map { "m\($0)" }))
    }

    func testLongPollingWaitsOnTheWallClockOnly() throws {
        let manual = try Sandbox()
        try manual.setup("sqs", "create-queue", "--queue-name", "q")
        var started = Date()
        let immediate = try manual.run(["sqs", "receive-message", "--queue-url", Self.queueURL, "--wait-time-seconds", "20"])
        XCTAssertEqual(immediate.stdoutText, "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the manual clock does not wait")

        let wall = try Sandbox()
        wall.clock = .wall
        try wall.setup("sqs", "create-queue", "--queue-name", "q")
        try wall.setup("sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "soon", "--delay-seconds", "1")
        started = Date()
        let waited = try json(try wall.run(["sqs", "receive-message", "--queue-url", Self.queueURL, "--wait-time-seconds", "10"]))
        XCTAssertEqual(waited["Messages"]?.arrayValue?.first?["Body"], "soon", "the delayed message arrives during the wait")
        XCTAssertLessThan(Date().timeIntervalSince(started), 9)
    }

    func testStateResetRemovesResourceFiles() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("sqs", "send-message", "--queue-url", Self.queueURL, "--message-body", "x")
        try s.setup("events", "put-events", "--entries", #"[{"Source":"a","DetailType":"b","Detail":"{}"}]"#)
        try s.setup("s3", "mb", "s3://bucket")
        for directory in ["sqs", "events", "s3"] { XCTAssertTrue(s.exists(directory), directory) }
        try s.setup("state", "reset", "--clock", "manual", "--start", "2026-01-01T00:00:00Z")
        for directory in ["sqs", "events", "s3"] { XCTAssertFalse(s.exists(directory), directory) }
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        let counts = try json(try s.run(["sqs", "get-queue-attributes", "--queue-url", Self.queueURL, "--attribute-names", "All"]))
        XCTAssertEqual(counts["Attributes"]?["ApproximateNumberOfMessages"], "0")
    }

    // The DynamoDB documentation's put-item example (`--return-consumed-capacity TOTAL`) prints
    // the consumed capacity, as the real service answers (1 write unit for an item under 1 KB;
    // a get-item is 0.5 read units, 1 with --consistent-read); without the option, nothing.
    func testDynamoDBReturnConsumedCapacity() throws {
        let s = try Sandbox()
        try s.setup("dynamodb", "create-table", "--table-name", "Music",
                    "--attribute-definitions", "AttributeName=Artist,AttributeType=S",
                    "--key-schema", "AttributeName=Artist,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        let item = #"{"Artist": {"S": "No One You Know"}, "AlbumTitle": {"S": "Greatest Hits"}}"#
        let put = try s.run(["dynamodb", "put-item", "--table-name", "Music", "--item", item,
                             "--return-consumed-capacity", "TOTAL"], environment: Self.v1)
        XCTAssertEqual(put.stdoutText,
                       "{\n    \"ConsumedCapacity\": {\n        \"TableName\": \"Music\",\n        \"CapacityUnits\": 1.0\n    }\n}\n")
        XCTAssertEqual(put.exitCode, 0, put.stderrText)
        let key = #"{"Artist": {"S": "No One You Know"}}"#
        let get = try json(s.run(["dynamodb", "get-item", "--table-name", "Music", "--key", key,
                                  "--return-consumed-capacity", "INDEXES"]))
        XCTAssertEqual(get["ConsumedCapacity"]?["CapacityUnits"]?.doubleValue, 0.5)
        XCTAssertEqual(get["ConsumedCapacity"]?["Table"]?["CapacityUnits"]?.doubleValue, 0.5)
        let strong = try json(s.run(["dynamodb", "get-item", "--table-name", "Music", "--key", key, "--consistent-read",
                                     "--return-consumed-capacity", "TOTAL"]))
        XCTAssertEqual(strong["ConsumedCapacity"]?["CapacityUnits"]?.doubleValue, 1.0)
        let quiet = try s.run(["dynamodb", "put-item", "--table-name", "Music", "--item", item])
        XCTAssertEqual(quiet.stdoutText, "")
    }

    // `scan --filter-expression` returns only the matching items: Count is what came back,
    // ScannedCount what was examined; a malformed filter is a ValidationException.
    func testDynamoDBScanFilterExpression() throws {
        let s = try Sandbox()
        try s.setup("dynamodb", "create-table", "--table-name", "Things",
                    "--attribute-definitions", "AttributeName=id,AttributeType=S",
                    "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        for (id, n) in [("a", "1"), ("b", "2"), ("c", "3")] {
            try s.setup("dynamodb", "put-item", "--table-name", "Things", "--item", #"{"id":{"S":"\#(id)"},"n":{"N":"\#(n)"}}"#)
        }
        let scan = try json(s.run(["dynamodb", "scan", "--table-name", "Things", "--filter-expression", "n > :v",
                                   "--expression-attribute-values", #"{":v":{"N":"1"}}"#]))
        XCTAssertEqual(scan["Items"]?.arrayValue?.compactMap { $0["id"]?["S"]?.stringValue }, ["b", "c"])
        XCTAssertEqual(scan["Count"], 2)
        XCTAssertEqual(scan["ScannedCount"], 3)
        let bad = try s.run(["dynamodb", "scan", "--table-name", "Things", "--filter-expression", "n >"])
        XCTAssertNotEqual(bad.exitCode, 0)
        XCTAssertTrue(bad.stderrText.contains("ValidationException"), bad.stderrText)
        XCTAssertTrue(bad.stderrText.contains(#"Invalid FilterExpression: Syntax error; token: "<EOF>""#), bad.stderrText)
    }

    func testMakeBucket() throws {
        let s = try Sandbox()
        let made = try s.run(["s3", "mb", "s3://my-bucket"], environment: Self.v1)
        XCTAssertEqual(made.stdoutText, "make_bucket: my-bucket\n")
        XCTAssertEqual(made.stderrText, "")
        XCTAssertEqual(made.exitCode, 0)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: s.path("s3/my-bucket"), isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)

        let invalid = try s.run(["s3", "mb", "s3://Bad_Name"], environment: Self.v1)
        XCTAssertEqual(invalid.stdoutText, "")
        XCTAssertEqual(invalid.stderrText,
                       "make_bucket failed: s3://Bad_Name An error occurred (InvalidBucketName) when calling the CreateBucket operation: The specified bucket is not valid.\n")
        XCTAssertEqual(invalid.exitCode, 1)

        let elsewhere = try s.run(["s3", "mb", "s3://my-bucket", "--region", "eu-west-1"], environment: Self.v1)
        XCTAssertEqual(elsewhere.stderrText,
                       "make_bucket failed: s3://my-bucket An error occurred (BucketAlreadyOwnedByYou) when calling the CreateBucket operation: Your previous request to create the named bucket succeeded and you already own it.\n")
        XCTAssertEqual(elsewhere.exitCode, 1)

        let notURI = try s.run(["s3", "mb", "my-bucket"], environment: Self.v1)
        XCTAssertEqual(notURI.stderrText, "\n<S3Uri>\nError: Invalid argument type\n")
        XCTAssertEqual(notURI.exitCode, 255)
    }
}
