import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// Engine-level tests of the local SQS, SNS, EventBridge and S3 resources, each on a fresh
/// state in a private temporary directory with a manual clock.
final class ResourcesTests: EngineTestCase {
    // MARK: Helpers

    @discardableResult
    private func call(_ operation: String, _ params: JSON, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        guard let object = params.objectValue else {
            XCTFail("params must be an object", file: file, line: line)
            return .null
        }
        return try engine.perform(operation, object)
    }

    private func assertError(_ code: String, _ message: String? = nil, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Void)
    {
        do {
            try body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch let error as ServiceError {
            XCTAssertEqual(error.code, code, file: file, line: line)
            if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    private func advance(seconds: Int) throws {
        try engine.store.update { state in
            state.clock.advance(to: state.clock.nowMs + SimInstant(seconds) * 1000, wall: WallClock.nowMs())
        }
    }

    private func url(_ name: String) -> String { "https://sqs.us-east-1.amazonaws.com/123456789012/\(name)" }

    @discardableResult
    private func createQueue(_ name: String, _ attributes: JSONObject = JSONObject()) throws -> String {
        let out = try call("CreateQueue", .object(JSONObject([("QueueName", .string(name)), ("Attributes", .object(attributes))])))
        return out["QueueUrl"]?.stringValue ?? ""
    }

    private func receive(_ name: String, max: Int = 10, visibility: Int? = nil) throws -> [JSON] {
        var p = JSONObject([("QueueUrl", .string(url(name))), ("MaxNumberOfMessages", .int(max)),
                            ("AttributeNames", ["All"]), ("MessageAttributeNames", ["All"])])
        if let visibility { p["VisibilityTimeout"] = .int(visibility) }
        return try call("ReceiveMessage", .object(p))["Messages"]?.arrayValue ?? []
    }

    private func send(_ name: String, _ body: String, attributes: JSON? = nil) throws -> JSON {
        var p = JSONObject([("QueueUrl", .string(url(name))), ("MessageBody", .string(body))])
        if let attributes { p["MessageAttributes"] = attributes }
        return try call("SendMessage", .object(p))
    }

    private func attributes(_ name: String, _ names: [String] = ["All"]) throws -> JSONObject {
        let out = try call("GetQueueAttributes", .object(JSONObject([
            ("QueueUrl", .string(url(name))), ("AttributeNames", .array(names.map(JSON.string))),
        ])))
        return out["Attributes"]?.objectValue ?? JSONObject()
    }

    private func createFunction(_ name: String) throws {
        try call("CreateFunction", .object(JSONObject([
            ("FunctionName", .string(name)), ("Runtime", "builtin"), ("Handler", "echo"),
        ])))
    }

    // MARK: SQS queues

    func testCreateQueueReturnsURLAndIsIdempotent() throws {
        XCTAssertEqual(try createQueue("q"), "https://sqs.us-east-1.amazonaws.com/123456789012/q")
        XCTAssertEqual(try createQueue("q"), "https://sqs.us-east-1.amazonaws.com/123456789012/q")
        XCTAssertEqual(try call("GetQueueUrl", ["QueueName": "q"])["QueueUrl"]?.stringValue, url("q"))
        assertError("QueueAlreadyExists",
                    "A queue already exists with the same name and a different value for attribute VisibilityTimeout") {
            try createQueue("q", JSONObject([("VisibilityTimeout", "5")]))
        }
        assertError("InvalidParameterValue") { try createQueue("bad name") }
        assertError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.") {
            try call("GetQueueUrl", ["QueueName": "nope"])
        }
        assertError("InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout.") {
            try createQueue("v", JSONObject([("VisibilityTimeout", "43201")]))
        }
        assertError("InvalidAttributeName", "Unknown Attribute Bogus.") {
            try createQueue("v", JSONObject([("Bogus", "1")]))
        }
    }

    func testQueueURLsCarryTheRegion() throws {
        engine = makeEngine(region: "eu-west-1")
        XCTAssertEqual(try createQueue("q"), "https://sqs.eu-west-1.amazonaws.com/123456789012/q")
        let attrs = try call("GetQueueAttributes", .object(JSONObject([
            ("QueueUrl", "https://sqs.eu-west-1.amazonaws.com/123456789012/q"), ("AttributeNames", ["QueueArn"]),
        ])))
        XCTAssertEqual(attrs["Attributes"]?["QueueArn"]?.stringValue, "arn:aws:sqs:eu-west-1:123456789012:q")
    }

    func testGetQueueAttributesAllInAWSOrder() throws {
        try createQueue("q", JSONObject([("DelaySeconds", "5")]))
        let all = try attributes("q")
        XCTAssertEqual(all.keys, [
            "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "VisibilityTimeout",
            "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
            "SqsManagedSseEnabled",
        ])
        XCTAssertEqual(all["QueueArn"], "arn:aws:sqs:us-east-1:123456789012:q")
        XCTAssertEqual(all["CreatedTimestamp"], "1767225600")
        XCTAssertEqual(all["VisibilityTimeout"], "30")
        XCTAssertEqual(all["MaximumMessageSize"], "1048576")
        XCTAssertEqual(all["MessageRetentionPeriod"], "345600")
        XCTAssertEqual(all["DelaySeconds"], "5")
        XCTAssertEqual(try attributes("q", ["QueueArn"]).keys, ["QueueArn"])
        XCTAssertTrue(try call("GetQueueAttributes", .object(JSONObject([("QueueUrl", .string(url("q")))]))).objectValue?.isEmpty ?? false)

        try advance(seconds: 10)
        try call("SetQueueAttributes", .object(JSONObject([
            ("QueueUrl", .string(url("q"))), ("Attributes", ["VisibilityTimeout": "45"]),
        ])))
        let after = try attributes("q", ["VisibilityTimeout", "LastModifiedTimestamp", "CreatedTimestamp"])
        XCTAssertEqual(after.keys, ["CreatedTimestamp", "LastModifiedTimestamp", "VisibilityTimeout"])
        XCTAssertEqual(after["VisibilityTimeout"], "45")
        XCTAssertEqual(after["LastModifiedTimestamp"], "1767225610")
        assertError("InvalidAttributeName") {
            try call("SetQueueAttributes", .object(JSONObject([("QueueUrl", .string(url("q"))), ("Attributes", ["QueueArn": "x"])])))
        }
    }

    func testListAndDeleteQueues() throws {
        try createQueue("alpha")
        try createQueue("beta")
        try createQueue("alpine")
        let all = try call("ListQueues", [:])["QueueUrls"]?.arrayValue?.compactMap(\.stringValue)
        XCTAssertEqual(all, [url("alpha"), url("alpine"), url("beta")])
        let prefixed = try call("ListQueues", ["QueueNamePrefix": "alp"])["QueueUrls"]?.arrayValue?.compactMap(\.stringValue)
        XCTAssertEqual(prefixed, [url("alpha"), url("alpine")])
        let page = try call("ListQueues", ["MaxResults": 2])
        XCTAssertEqual(page["QueueUrls"]?.arrayValue?.count, 2)
        let next = try call("ListQueues", .object(JSONObject([("MaxResults", 2), ("NextToken", page["NextToken"] ?? .null)])))
        XCTAssertEqual(next["QueueUrls"]?.arrayValue?.compactMap(\.stringValue), [url("beta")])

        _ = try send("beta", "x")
        try call("DeleteQueue", .object(JSONObject([("QueueUrl", .string(url("beta")))])))
        assertError("AWS.SimpleQueueService.NonExistentQueue") { _ = try self.attributes("beta") }
        assertError("AWS.SimpleQueueService.QueueDeletedRecently") { try createQueue("beta") }
        try advance(seconds: 61)
        try createQueue("beta")
        XCTAssertEqual(try attributes("beta")["ApproximateNumberOfMessages"], "0", "a re-created queue starts empty")
        XCTAssertTrue(try call("ListQueues", ["QueueNamePrefix": "zzz"]).objectValue?.isEmpty ?? false)
    }

    // MARK: SQS messages

    func testSendMessageDigestsMatchAWS() throws {
        try createQueue("q")
        // Expected digests computed at development time with Python:
        //   hashlib.md5(b"hello").hexdigest()
        //   and the SQS message-attribute algorithm (for each attribute sorted by name:
        //   struct.pack("!I", len) + bytes of name and data type, then b"\x01" (string) or
        //   b"\x02" (binary) and the length-prefixed value), hashed with hashlib.md5.
        let plain = try send("q", "hello")
        XCTAssertEqual(plain["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592")
        XCTAssertNil(plain["MD5OfMessageAttributes"])
        XCTAssertEqual(plain["MessageId"]?.stringValue?.count, 36)

        let one = try send("q", "hello", attributes: ["a": ["DataType": "String", "StringValue": "x"]])
        XCTAssertEqual(one["MD5OfMessageAttributes"], "a512aac9938034acb0b3c3d965944bf1")

        // {'RequestID': ('String','req-1'), 'ErrorCode': ('Number','200'), 'ErrorMessage': ('String','boom')}
        let dlq = try send("q", "{\"k\":1}", attributes: [
            "RequestID": ["DataType": "String", "StringValue": "req-1"],
            "ErrorCode": ["DataType": "Number", "StringValue": "200"],
            "ErrorMessage": ["DataType": "String", "StringValue": "boom"],
        ])
        XCTAssertEqual(dlq["MD5OfMessageAttributes"], "b59b04863e947aabebae883bd51b1d9d")

        // {'bin': ('Binary', b'\x00\x01\xffhi'), 'num': ('Number.float','3.5'), 'str': ('String.custom','héllo')}
        let mixed = try send("q", "héllo wörld ✓", attributes: [
            "bin": ["DataType": "Binary", "BinaryValue": "AAH/aGk="],
            "num": ["DataType": "Number.float", "StringValue": "3.5"],
            "str": ["DataType": "String.custom", "StringValue": "héllo"],
        ])
        XCTAssertEqual(mixed["MD5OfMessageAttributes"], "c5a987d31f2980027a0fbe06bbb42b5f")
        XCTAssertEqual(mixed["MD5OfMessageBody"], "aa0c8a307a4488bfe0cb56530da19bc3")

        assertError("InvalidParameterValue") { _ = try send("q", "x", attributes: ["n": ["DataType": "Number", "StringValue": "abc"]]) }
        assertError("InvalidParameterValue") { _ = try send("q", "x", attributes: ["n": ["DataType": "Json", "StringValue": "1"]]) }
        assertError("MissingParameter") { _ = try send("q", "") }
        assertError("InvalidMessageContents") { _ = try send("q", "bad \u{1} char") }
        assertError("AWS.SimpleQueueService.NonExistentQueue") { _ = try send("nope", "x") }
    }

    func testReceiveReturnsAttributesAndReceiptHandles() throws {
        try createQueue("q")
        let sent = try send("q", "hello", attributes: ["a": ["DataType": "String", "StringValue": "x"], "b": ["DataType": "Number", "StringValue": "2"]])
        try advance(seconds: 2)
        let messages = try receive("q")
        XCTAssertEqual(messages.count, 1)
        let m = try XCTUnwrap(messages.first)
        XCTAssertEqual(m["MessageId"], sent["MessageId"])
        XCTAssertEqual(m["Body"], "hello")
        XCTAssertEqual(m["MD5OfBody"], "5d41402abc4b2a76b9719d911017c592")
        XCTAssertEqual(m["Attributes"]?.objectValue?.keys,
                       ["SenderId", "ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SentTimestamp"])
        XCTAssertEqual(m["Attributes"]?["ApproximateReceiveCount"], "1")
        XCTAssertEqual(m["Attributes"]?["SentTimestamp"], "1767225600000")
        XCTAssertEqual(m["Attributes"]?["ApproximateFirstReceiveTimestamp"], "1767225602000")
        XCTAssertEqual(m["MessageAttributes"]?.objectValue?.keys, ["a", "b"])
        XCTAssertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        XCTAssertNotNil(m["ReceiptHandle"]?.stringValue)

        // Only the requested message attributes, with the digest of those.
        _ = try send("q", "second", attributes: ["a": ["DataType": "String", "StringValue": "x"], "b": ["DataType": "Number", "StringValue": "2"]])
        let filtered = try call("ReceiveMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("MessageAttributeNames", ["a"])])))
        let only = try XCTUnwrap(filtered["Messages"]?.arrayValue?.first)
        XCTAssertEqual(only["MessageAttributes"]?.objectValue?.keys, ["a"])
        XCTAssertEqual(only["MD5OfMessageAttributes"], "a512aac9938034acb0b3c3d965944bf1")
        XCTAssertNil(only["Attributes"])

        assertError("InvalidParameterValue",
                    "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.") {
            _ = try self.receive("q", max: 11)
        }
        XCTAssertTrue(try call("ReceiveMessage", .object(JSONObject([("QueueUrl", .string(url("q")))]))).objectValue?.isEmpty ?? false,
                      "nothing visible: an empty response")
    }

    func testVisibilityTimeoutFollowsSimulatedTime() throws {
        try createQueue("q", JSONObject([("VisibilityTimeout", "30")]))
        _ = try send("q", "m")
        XCTAssertEqual(try receive("q").count, 1)
        XCTAssertEqual(try receive("q").count, 0, "in flight")
        XCTAssertEqual(try attributes("q")["ApproximateNumberOfMessagesNotVisible"], "1")
        try advance(seconds: 29)
        XCTAssertEqual(try receive("q").count, 0, "29 s later still in flight")
        try advance(seconds: 1)
        let again = try receive("q", visibility: 5)
        XCTAssertEqual(again.first?["Attributes"]?["ApproximateReceiveCount"], "2")
        XCTAssertEqual(again.first?["Attributes"]?["ApproximateFirstReceiveTimestamp"], "1767225600000")
        try advance(seconds: 5)
        XCTAssertEqual(try receive("q").count, 1, "the receive's own VisibilityTimeout (5 s) applied")
    }

    func testDelaySecondsAndCounts() throws {
        try createQueue("q")
        _ = try call("SendMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("MessageBody", "later"), ("DelaySeconds", 10)])))
        _ = try send("q", "now")
        var attrs = try attributes("q")
        XCTAssertEqual(attrs["ApproximateNumberOfMessages"], "1")
        XCTAssertEqual(attrs["ApproximateNumberOfMessagesDelayed"], "1")
        XCTAssertEqual(try receive("q").map { $0["Body"]?.stringValue }, ["now"])
        try advance(seconds: 10)
        XCTAssertEqual(try receive("q").map { $0["Body"]?.stringValue }, ["later"])
        attrs = try attributes("q")
        XCTAssertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "2")
        assertError("InvalidParameterValue") {
            try call("SendMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("MessageBody", "x"), ("DelaySeconds", 901)])))
        }
    }

    func testDeleteMessagesAndBatches() throws {
        try createQueue("q")
        for i in 1...3 { _ = try send("q", "m\(i)") }
        let messages = try receive("q")
        XCTAssertEqual(messages.map { $0["Body"]?.stringValue }, ["m1", "m2", "m3"])
        try call("DeleteMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("ReceiptHandle", messages[0]["ReceiptHandle"] ?? .null)])))
        let batch = try call("DeleteMessageBatch", .object(JSONObject([
            ("QueueUrl", .string(url("q"))),
            ("Entries", [
                ["Id": "a", "ReceiptHandle": messages[1]["ReceiptHandle"] ?? .null],
                ["Id": "b", "ReceiptHandle": "not-a-handle"],
            ]),
        ])))
        XCTAssertEqual(batch["Successful"], [["Id": "a"]])
        XCTAssertEqual(batch["Failed"]?.arrayValue?.first?["Code"], "ReceiptHandleIsInvalid")
        XCTAssertEqual(batch["Failed"]?.arrayValue?.first?["SenderFault"], true)
        XCTAssertEqual(try attributes("q")["ApproximateNumberOfMessagesNotVisible"], "1")
        assertError("ReceiptHandleIsInvalid", "The input receipt handle \"bogus\" is not a valid receipt handle.") {
            try call("DeleteMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("ReceiptHandle", "bogus")])))
        }
        // Deleting an already deleted message succeeds, as on AWS.
        try call("DeleteMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("ReceiptHandle", messages[0]["ReceiptHandle"] ?? .null)])))
        assertError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct") {
            try call("DeleteMessageBatch", .object(JSONObject([("QueueUrl", .string(url("q"))),
                                                               ("Entries", [["Id": "a", "ReceiptHandle": "x"], ["Id": "a", "ReceiptHandle": "y"]])])))
        }
        assertError("AWS.SimpleQueueService.EmptyBatchRequest") {
            try call("DeleteMessageBatch", .object(JSONObject([("QueueUrl", .string(url("q"))), ("Entries", [])])))
        }
    }

    func testSendMessageBatch() throws {
        try createQueue("q")
        let out = try call("SendMessageBatch", .object(JSONObject([
            ("QueueUrl", .string(url("q"))),
            ("Entries", [
                ["Id": "one", "MessageBody": "hello"],
                ["Id": "two", "MessageBody": "x", "MessageAttributes": ["n": ["DataType": "Number", "StringValue": "nan?"]]],
                ["Id": "three", "MessageBody": "later", "DelaySeconds": 60],
            ]),
        ])))
        XCTAssertEqual(out["Successful"]?.arrayValue?.compactMap { $0["Id"]?.stringValue }, ["one", "three"])
        XCTAssertEqual(out["Successful"]?.arrayValue?.first?["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592")
        XCTAssertEqual(out["Failed"]?.arrayValue?.first?["Id"], "two")
        XCTAssertEqual(out["Failed"]?.arrayValue?.first?["Code"], "InvalidParameterValue")
        let attrs = try attributes("q")
        XCTAssertEqual(attrs["ApproximateNumberOfMessages"], "1")
        XCTAssertEqual(attrs["ApproximateNumberOfMessagesDelayed"], "1")
        assertError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest") {
            let entries = (1...11).map { JSON.object(JSONObject([("Id", .string("e\($0)")), ("MessageBody", "x")])) }
            try call("SendMessageBatch", .object(JSONObject([("QueueUrl", .string(url("q"))), ("Entries", .array(entries))])))
        }
    }

    func testChangeMessageVisibility() throws {
        try createQueue("q")
        _ = try send("q", "m")
        let handle = try XCTUnwrap(try receive("q").first?["ReceiptHandle"])
        try call("ChangeMessageVisibility", .object(JSONObject([("QueueUrl", .string(url("q"))), ("ReceiptHandle", handle), ("VisibilityTimeout", 0)])))
        let again = try receive("q")
        XCTAssertEqual(again.count, 1, "visible at once after a timeout of 0")
        try advance(seconds: 31)
        assertError("AWS.SimpleQueueService.MessageNotInflight") {
            try call("ChangeMessageVisibility", .object(JSONObject([("QueueUrl", .string(url("q"))), ("ReceiptHandle", again[0]["ReceiptHandle"] ?? .null), ("VisibilityTimeout", 10)])))
        }
    }

    func testRedriveToDeadLetterQueueAfterMaxReceiveCount() throws {
        try createQueue("dlq")
        let policy = #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"2"}"#
        try createQueue("src", JSONObject([("RedrivePolicy", .string(policy)), ("VisibilityTimeout", "10")]))
        XCTAssertEqual(try attributes("src", ["RedrivePolicy"])["RedrivePolicy"],
                       #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":2}"#)
        let sent = try send("src", "poison", attributes: ["a": ["DataType": "String", "StringValue": "x"]])
        XCTAssertEqual(try receive("src").count, 1)
        try advance(seconds: 10)
        XCTAssertEqual(try receive("src").first?["Attributes"]?["ApproximateReceiveCount"], "2")
        try advance(seconds: 10)
        XCTAssertEqual(try receive("src").count, 0, "the third receive moves it to the dead-letter queue instead")
        XCTAssertEqual(try attributes("src")["ApproximateNumberOfMessages"], "0")
        let moved = try receive("dlq")
        XCTAssertEqual(moved.count, 1)
        XCTAssertEqual(moved[0]["MessageId"], sent["MessageId"])
        XCTAssertEqual(moved[0]["Body"], "poison")
        XCTAssertEqual(moved[0]["Attributes"]?["DeadLetterQueueSourceArn"], "arn:aws:sqs:us-east-1:123456789012:src")
        XCTAssertEqual(moved[0]["Attributes"]?["SentTimestamp"], "1767225600000", "the enqueue time is kept")
        XCTAssertEqual(moved[0]["MessageAttributes"]?["a"]?["StringValue"], "x")

        assertError("InvalidParameterValue") {
            try createQueue("bad", JSONObject([("RedrivePolicy", #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:nope","maxReceiveCount":1}"#)]))
        }
    }

    func testPurgeQueueOncePerMinute() throws {
        try createQueue("q")
        for i in 1...3 { _ = try send("q", "m\(i)") }
        try call("PurgeQueue", .object(JSONObject([("QueueUrl", .string(url("q")))])))
        XCTAssertEqual(try attributes("q")["ApproximateNumberOfMessages"], "0")
        assertError("AWS.SimpleQueueService.PurgeQueueInProgress") {
            try call("PurgeQueue", .object(JSONObject([("QueueUrl", .string(url("q")))])))
        }
        _ = try send("q", "after")
        XCTAssertEqual(try receive("q").map { $0["Body"]?.stringValue }, ["after"])
    }

    func testRetentionPeriodExpiresMessages() throws {
        try createQueue("q", JSONObject([("MessageRetentionPeriod", "60")]))
        _ = try send("q", "old")
        try advance(seconds: 60)
        XCTAssertEqual(try attributes("q")["ApproximateNumberOfMessages"], "0")
        XCTAssertEqual(try receive("q").count, 0)
    }

    func testFifoQueueOrderAndDeduplication() throws {
        try createQueue("f.fifo", JSONObject([("FifoQueue", "true"), ("ContentBasedDeduplication", "true")]))
        func sendFifo(_ body: String, group: String) throws -> JSON {
            try call("SendMessage", .object(JSONObject([("QueueUrl", .string(url("f.fifo"))), ("MessageBody", .string(body)),
                                                        ("MessageGroupId", .string(group))])))
        }
        let first = try sendFifo("a1", group: "a")
        XCTAssertEqual(first["SequenceNumber"]?.stringValue?.count, 20)
        XCTAssertEqual(try sendFifo("a1", group: "a")["MessageId"], first["MessageId"], "deduplicated")
        _ = try sendFifo("a2", group: "a")
        _ = try sendFifo("b1", group: "b")
        let batch = try receive("f.fifo")
        XCTAssertEqual(batch.map { $0["Body"]?.stringValue }, ["a1", "a2", "b1"])
        XCTAssertEqual(batch[0]["Attributes"]?["MessageGroupId"], "a")
        XCTAssertEqual(try receive("f.fifo").count, 0, "groups with messages in flight are blocked")
        assertError("MissingParameter") { _ = try send("f.fifo", "no group") }
        assertError("InvalidParameterValue") { try createQueue("x.fifo") }
    }

    func testMessagesLiveInAJournalBesideTheStateAndSurviveReload() throws {
        try createQueue("q")
        for i in 0..<300 { _ = try send("q", "m\(i)") }
        let state = try engine.store.read()
        XCTAssertFalse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/state.json")), as: UTF8.self)
            .contains("m299"), "messages are not in the state file")
        let queue = try XCTUnwrap(state.resources?.queues["us-east-1/q"])
        let path = directory + "/sqs/" + queue.storageId + ".jsonl"
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        // Receive and delete most, so the journal compacts.
        var deleted = 0
        while deleted < 290 {
            let batch = try receive("q", max: 10)
            for m in batch where deleted < 290 {
                try call("DeleteMessage", .object(JSONObject([("QueueUrl", .string(url("q"))), ("ReceiptHandle", m["ReceiptHandle"] ?? .null)])))
                deleted += 1
            }
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
        XCTAssertLessThan(lines, 300, "the journal was compacted")
        // Another process appending to the journal is picked up from the file's tail.
        let foreign = #"{"op":"send","messageId":"00000000-0000-4000-8000-000000000001","body":"from another process","md5OfBody":"x","senderId":"s","sentTimestamp":1767225600000,"visibleAt":0}"#
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((foreign + "\n").utf8))
        try handle.close()
        try advance(seconds: 31)
        let counts = try attributes("q")
        XCTAssertEqual(counts["ApproximateNumberOfMessages"], "11")
        // A new engine (another command) sees the same messages.
        engine = makeEngine()
        XCTAssertEqual(try attributes("q")["ApproximateNumberOfMessages"], "11")
    }

    // MARK: SNS

    func testSNSFanOutToQueuesWithEnvelopeAndRawDelivery() throws {
        let topic = try call("CreateTopic", ["Name": "t"])["TopicArn"]?.stringValue
        XCTAssertEqual(topic, "arn:aws:sns:us-east-1:123456789012:t")
        XCTAssertEqual(try call("CreateTopic", ["Name": "t"])["TopicArn"]?.stringValue, topic, "idempotent")
        try createQueue("wrapped")
        try createQueue("raw")
        let wrappedSub = try call("Subscribe", .object(JSONObject([
            ("TopicArn", .string(topic ?? "")), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:us-east-1:123456789012:wrapped"),
        ])))["SubscriptionArn"]?.stringValue ?? ""
        XCTAssertTrue(wrappedSub.hasPrefix("arn:aws:sns:us-east-1:123456789012:t:"))
        try call("Subscribe", .object(JSONObject([
            ("TopicArn", .string(topic ?? "")), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:us-east-1:123456789012:raw"),
            ("Attributes", ["RawMessageDelivery": "true"]),
        ])))
        let email = try call("Subscribe", .object(JSONObject([
            ("TopicArn", .string(topic ?? "")), ("Protocol", "email"), ("Endpoint", "someone@example.com"),
        ])))
        XCTAssertEqual(email["SubscriptionArn"], "pending confirmation")

        let published = try call("Publish", .object(JSONObject([
            ("TopicArn", .string(topic ?? "")), ("Message", "hello"), ("Subject", "greeting"),
            ("MessageAttributes", ["color": ["DataType": "String", "StringValue": "red"]]),
        ])))
        let messageId = try XCTUnwrap(published["MessageId"]?.stringValue)

        let wrapped = try XCTUnwrap(try receive("wrapped").first)
        let body = try XCTUnwrap(wrapped["Body"]?.stringValue)
        XCTAssertTrue(body.hasPrefix("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"\(messageId)\",\n"), body)
        let envelope = try JSONParser.parse(body)
        XCTAssertEqual(envelope.objectValue?.keys, [
            "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature",
            "SigningCertURL", "UnsubscribeURL", "MessageAttributes",
        ])
        XCTAssertEqual(envelope["TopicArn"]?.stringValue, topic)
        XCTAssertEqual(envelope["Message"], "hello")
        XCTAssertEqual(envelope["Subject"], "greeting")
        XCTAssertEqual(envelope["Timestamp"], "2026-01-01T00:00:00.000Z")
        XCTAssertEqual(envelope["SignatureVersion"], "1")
        XCTAssertEqual(envelope["UnsubscribeURL"]?.stringValue,
                       "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=\(wrappedSub)")
        XCTAssertEqual(envelope["MessageAttributes"], ["color": ["Type": "String", "Value": "red"]])
        XCTAssertNil(wrapped["MessageAttributes"], "attributes travel inside the envelope")
        XCTAssertEqual(wrapped["Attributes"]?["SenderId"], "AIDAIT2UOQQY3AUEKVGXU")

        let raw = try XCTUnwrap(try receive("raw").first)
        XCTAssertEqual(raw["Body"], "hello")
        XCTAssertEqual(raw["MessageAttributes"]?["color"]?["StringValue"], "red")

        let subscriptions = try call("ListSubscriptions", [:])["Subscriptions"]?.arrayValue ?? []
        XCTAssertEqual(subscriptions.count, 3)
        XCTAssertEqual(subscriptions.first { $0["Protocol"] == "email" }?["SubscriptionArn"], "PendingConfirmation")
        XCTAssertEqual(try call("ListTopics", [:]), ["Topics": [["TopicArn": .string(topic ?? "")]]])

        try call("Unsubscribe", .object(JSONObject([("SubscriptionArn", .string(wrappedSub))])))
        _ = try call("Publish", .object(JSONObject([("TopicArn", .string(topic ?? "")), ("Message", "again")])))
        XCTAssertEqual(try receive("wrapped").count, 0)
        XCTAssertEqual(try receive("raw").map { $0["Body"]?.stringValue }, ["again"])

        assertError("NotFound", "Topic does not exist") {
            try call("Publish", ["TopicArn": "arn:aws:sns:us-east-1:123456789012:nope", "Message": "x"])
        }
        assertError("InvalidParameter", "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon") {
            try call("Subscribe", .object(JSONObject([("TopicArn", .string(topic ?? "")), ("Protocol", "carrier-pigeon"), ("Endpoint", "x")])))
        }
        assertError("InvalidParameter", "Invalid parameter: Empty message") {
            try call("Publish", .object(JSONObject([("TopicArn", .string(topic ?? "")), ("Message", "")])))
        }
    }

    func testSNSSubscriptionOfAFunctionEnqueuesAnAsyncInvoke() throws {
        try createFunction("fn")
        let topic = try call("CreateTopic", ["Name": "t"])["TopicArn"]?.stringValue ?? ""
        let sub = try call("Subscribe", .object(JSONObject([
            ("TopicArn", .string(topic)), ("Protocol", "lambda"), ("Endpoint", "arn:aws:lambda:us-east-1:123456789012:function:fn"),
        ])))["SubscriptionArn"]?.stringValue
        let published = try call("Publish", .object(JSONObject([("TopicArn", .string(topic)), ("Message", "hi")])))
        let state = try engine.store.read()
        let event = try XCTUnwrap(state.asyncQueue.last)
        XCTAssertEqual(event.functionKey, "us-east-1/fn")
        XCTAssertEqual(event.qualifier, "$LATEST")
        XCTAssertEqual(event.source, "sns")
        let payload = try JSONParser.parse(event.payload)
        let record = try XCTUnwrap(payload["Records"]?.arrayValue?.first)
        XCTAssertEqual(record.objectValue?.keys, ["EventSource", "EventVersion", "EventSubscriptionArn", "Sns"])
        XCTAssertEqual(record["EventSource"], "aws:sns")
        XCTAssertEqual(record["EventSubscriptionArn"]?.stringValue, sub)
        XCTAssertEqual(record["Sns"]?["MessageId"], published["MessageId"])
        XCTAssertEqual(record["Sns"]?["Message"], "hi")
        XCTAssertEqual(record["Sns"]?["Subject"], .null)
        XCTAssertEqual(record["Sns"]?["MessageAttributes"], .object(JSONObject()))
        XCTAssertNotNil(record["Sns"]?["SigningCertUrl"])
    }

    func testSNSFilterPolicies() throws {
        let topic = try call("CreateTopic", ["Name": "t"])["TopicArn"]?.stringValue ?? ""
        func subscribe(_ queue: String, _ policy: String, scope: String? = nil) throws {
            try createQueue(queue)
            var attributes = JSONObject([("FilterPolicy", .string(policy)), ("RawMessageDelivery", "true")])
            if let scope { attributes["FilterPolicyScope"] = .string(scope) }
            try call("Subscribe", .object(JSONObject([("TopicArn", .string(topic)), ("Protocol", "sqs"),
                                                      ("Endpoint", .string("arn:aws:sqs:us-east-1:123456789012:\(queue)")),
                                                      ("Attributes", .object(attributes))])))
        }
        try subscribe("red", #"{"color":["red"]}"#)
        try subscribe("big", #"{"size":[{"numeric":[">=",10]}],"color":[{"anything-but":"blue"}]}"#)
        try subscribe("tagged", #"{"tags":["x"],"env":[{"exists":false}]}"#)
        try subscribe("body", #"{"order":{"kind":[{"prefix":"ex"}]}}"#, scope: "MessageBody")
        func publish(_ message: String, _ attributes: JSON) throws {
            try call("Publish", .object(JSONObject([("TopicArn", .string(topic)), ("Message", .string(message)),
                                                    ("MessageAttributes", attributes)])))
        }
        try publish(#"{"order":{"kind":"express"}}"#, ["color": ["DataType": "String", "StringValue": "red"],
                                                      "size": ["DataType": "Number", "StringValue": "12"]])
        try publish("two", ["color": ["DataType": "String", "StringValue": "blue"], "size": ["DataType": "Number", "StringValue": "50"],
                            "tags": ["DataType": "String.Array", "StringValue": #"["x","y"]"#]])
        try publish(#"{"order":{"kind":"slow"}}"#, ["size": ["DataType": "Number", "StringValue": "9"]])
        XCTAssertEqual(try receive("red").map { $0["Body"]?.stringValue }, [#"{"order":{"kind":"express"}}"#])
        XCTAssertEqual(try receive("big").map { $0["Body"]?.stringValue }, [#"{"order":{"kind":"express"}}"#])
        XCTAssertEqual(try receive("tagged").map { $0["Body"]?.stringValue }, ["two"])
        XCTAssertEqual(try receive("body").map { $0["Body"]?.stringValue }, [#"{"order":{"kind":"express"}}"#])
        assertError("InvalidParameter") { try subscribe("bad", #"{"a":["b"]}"#, scope: "Everything") }
    }

    // MARK: EventBridge

    func testPutEventsRecordsEventsOnTheBus() throws {
        let created = try call("CreateEventBus", ["Name": "orders"])
        XCTAssertEqual(created["EventBusArn"], "arn:aws:events:us-east-1:123456789012:event-bus/orders")
        assertError("ResourceAlreadyExistsException", "Event bus orders already exists.") { try call("CreateEventBus", ["Name": "orders"]) }
        assertError("ResourceAlreadyExistsException") { try call("CreateEventBus", ["Name": "default"]) }

        let out = try call("PutEvents", ["Entries": [
            ["Source": "my.app", "DetailType": "Order Placed", "Detail": #"{"id":1}"#, "EventBusName": "orders"],
            ["Source": "my.app", "DetailType": "Ping", "Detail": "{}"],
            ["Source": "my.app", "DetailType": "Bad", "Detail": "not json"],
            ["DetailType": "No source", "Detail": "{}"],
            ["Source": "my.app", "DetailType": "Lost", "Detail": "{}", "EventBusName": "nope"],
            ["Source": "my.app", "DetailType": "By ARN", "Detail": #"{"x":true}"#,
             "EventBusName": "arn:aws:events:us-east-1:123456789012:event-bus/orders", "Resources": ["arn:aws:s3:::b"]],
        ]])
        XCTAssertEqual(out["FailedEntryCount"], 3)
        let entries = out["Entries"]?.arrayValue ?? []
        XCTAssertEqual(entries.count, 6)
        XCTAssertEqual(entries[0]["EventId"]?.stringValue?.count, 36)
        XCTAssertEqual(entries[2], ["ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."])
        XCTAssertEqual(entries[3], ["ErrorCode": "InvalidArgument",
                                    "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."])
        XCTAssertEqual(entries[4]["ErrorCode"], "ResourceNotFoundException")

        let orders = engine.eventsReceived(region: "us-east-1", bus: "orders")
        XCTAssertEqual(orders.count, 2)
        XCTAssertEqual(orders[0].objectValue?.keys, ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"])
        XCTAssertEqual(orders[0]["id"], entries[0]["EventId"])
        XCTAssertEqual(orders[0]["detail-type"], "Order Placed")
        XCTAssertEqual(orders[0]["time"], "2026-01-01T00:00:00Z")
        XCTAssertEqual(orders[0]["detail"], ["id": 1])
        XCTAssertEqual(orders[1]["resources"], ["arn:aws:s3:::b"])
        XCTAssertEqual(engine.eventsReceived(region: "us-east-1", bus: "default").map { $0["detail-type"] }, ["Ping"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/events/us-east-1/orders.jsonl"))

        let buses = try call("ListEventBuses", [:])["EventBuses"]?.arrayValue ?? []
        XCTAssertEqual(buses.compactMap { $0["Name"]?.stringValue }, ["default", "orders"])
        XCTAssertEqual(buses.first?["Arn"], "arn:aws:events:us-east-1:123456789012:event-bus/default")
    }

    // MARK: S3

    func testMakeBucketCreatesADirectoryAndNotificationsTriggerFunctions() throws {
        try call("CreateBucket", ["Bucket": "my-bucket"])
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/s3/my-bucket", isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)
        try call("CreateBucket", ["Bucket": "my-bucket"])  // us-east-1: the owner may re-create it
        assertError("InvalidBucketName") { try call("CreateBucket", ["Bucket": "Bad_Name"]) }

        try createFunction("on-upload")
        try createQueue("uploads")
        try call("PutBucketNotificationConfiguration", ["Bucket": "my-bucket", "NotificationConfiguration": [
            "LambdaFunctionConfigurations": [[
                "Id": "fn", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:on-upload",
                "Events": ["s3:ObjectCreated:*"],
                "Filter": ["Key": ["FilterRules": [["Name": "suffix", "Value": ".json"]]]],
            ]],
            // A suffix that does not overlap the function's: AWS refuses ambiguous configurations.
            "QueueConfigurations": [["QueueArn": "arn:aws:sqs:us-east-1:123456789012:uploads", "Events": ["s3:ObjectCreated:Put"],
                                     "Filter": ["Key": ["FilterRules": [["Name": "suffix", "Value": ".txt"]]]]]],
        ]])
        assertError("InvalidArgument") {
            try call("PutBucketNotificationConfiguration", ["Bucket": "my-bucket", "NotificationConfiguration": [
                "LambdaFunctionConfigurations": [["LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:nope",
                                                  "Events": ["s3:ObjectCreated:*"]]],
            ]])
        }
        let put = try call("PutObject", ["Bucket": "my-bucket", "Key": "in/a b.json", "Body": #"{"n":1}"#])
        XCTAssertEqual(put["ETag"]?.stringValue?.count, 34)
        XCTAssertEqual(try String(contentsOfFile: directory + "/s3/my-bucket/in/a b.json", encoding: .utf8), #"{"n":1}"#)
        _ = try call("PutObject", ["Bucket": "my-bucket", "Key": "skip.txt", "Body": "x"])

        let state = try engine.store.read()
        let events = state.asyncQueue.filter { $0.source == "s3" }
        XCTAssertEqual(events.count, 1, "the suffix filter lets only .json through")
        let record = try XCTUnwrap(try JSONParser.parse(events[0].payload)["Records"]?.arrayValue?.first)
        XCTAssertEqual(record["eventSource"], "aws:s3")
        XCTAssertEqual(record["eventName"], "ObjectCreated:Put")
        XCTAssertEqual(record["s3"]?["bucket"]?["arn"], "arn:aws:s3:::my-bucket")
        XCTAssertEqual(record["s3"]?["object"]?["key"], "in/a+b.json")
        XCTAssertEqual(record["s3"]?["object"]?["size"], 7)
        XCTAssertEqual(record["s3"]?["configurationId"], "fn")
        XCTAssertEqual(try receive("uploads").count, 2, "the queue gets S3's test event and the .txt object's event")
    }

    // MARK: Delivery for the async engine

    func testDeliverToResourceForEachTargetType() throws {
        try createQueue("dlq")
        try createQueue("fan")
        let topic = try call("CreateTopic", ["Name": "t"])["TopicArn"]?.stringValue ?? ""
        try call("Subscribe", .object(JSONObject([("TopicArn", .string(topic)), ("Protocol", "sqs"),
                                                  ("Endpoint", "arn:aws:sqs:us-east-1:123456789012:fan"),
                                                  ("Attributes", ["RawMessageDelivery": "true"])])))
        try call("CreateEventBus", ["Name": "results"])
        try call("CreateBucket", ["Bucket": "failures"])

        let dlqAttributes = [
            "RequestID": MessageAttributeValue(dataType: "String", stringValue: "req-1"),
            "ErrorCode": MessageAttributeValue(dataType: "Number", stringValue: "200"),
            "ErrorMessage": MessageAttributeValue(dataType: "String", stringValue: "boom"),
        ]
        let record = #"{"version":"1.0","requestContext":{"requestId":"req-1","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST","condition":"Success"}}"#
        try engine.store.update { state in
            try self.engine.deliverToResource(&state, arn: "arn:aws:sqs:us-east-1:123456789012:dlq", body: #"{"k":1}"#,
                                              attributes: dlqAttributes, eventBridgeDetailType: nil, eventBridgeSource: nil, s3Key: nil)
            try self.engine.deliverToResource(&state, arn: topic, body: "to topic", attributes: [:],
                                              eventBridgeDetailType: nil, eventBridgeSource: nil, s3Key: nil)
            try self.engine.deliverToResource(&state, arn: "arn:aws:events:us-east-1:123456789012:event-bus/results", body: record,
                                              attributes: [:], eventBridgeDetailType: "Lambda Function Invocation Result - Success",
                                              eventBridgeSource: "lambda", s3Key: nil)
            try self.engine.deliverToResource(&state, arn: "arn:aws:s3:::failures", body: record, attributes: [:],
                                              eventBridgeDetailType: nil, eventBridgeSource: nil,
                                              s3Key: "aws/lambda/async/f/2026/01/01/2026-01-01T00.00.00-abc")
        }

        let dlq = try XCTUnwrap(try receive("dlq").first)
        XCTAssertEqual(dlq["Body"], #"{"k":1}"#)
        XCTAssertEqual(dlq["MessageAttributes"], [
            "ErrorCode": ["StringValue": "200", "DataType": "Number"],
            "ErrorMessage": ["StringValue": "boom", "DataType": "String"],
            "RequestID": ["StringValue": "req-1", "DataType": "String"],
        ])
        XCTAssertEqual(dlq["MD5OfMessageAttributes"], "b59b04863e947aabebae883bd51b1d9d")
        XCTAssertEqual(try receive("fan").map { $0["Body"]?.stringValue }, ["to topic"])

        let events = engine.eventsReceived(region: "us-east-1", bus: "results")
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events[0]["detail-type"], "Lambda Function Invocation Result - Success")
        XCTAssertEqual(events[0]["source"], "lambda")
        XCTAssertEqual(events[0]["detail"]?["requestContext"]?["condition"], "Success")
        XCTAssertEqual(events[0]["resources"], ["arn:aws:events:us-east-1:123456789012:event-bus/results",
                                                "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"])
        XCTAssertEqual(try String(contentsOfFile: directory + "/s3/failures/aws/lambda/async/f/2026/01/01/2026-01-01T00.00.00-abc",
                                  encoding: .utf8), record)

        let state = try engine.store.read()
        for arn in ["arn:aws:sqs:us-east-1:123456789012:dlq", topic, "arn:aws:events:us-east-1:123456789012:event-bus/results",
                    "arn:aws:events:us-east-1:123456789012:event-bus/default", "arn:aws:s3:::failures"]
        {
            XCTAssertTrue(engine.resourceExists(state, arn: arn), arn)
        }
        for arn in ["arn:aws:sqs:us-east-1:123456789012:nope", "arn:aws:sqs:eu-west-1:123456789012:dlq",
                    "arn:aws:sns:us-east-1:123456789012:nope", "arn:aws:events:us-east-1:123456789012:event-bus/nope",
                    "arn:aws:s3:::nope", "arn:aws:lambda:us-east-1:123456789012:function:f", "not an arn"]
        {
            XCTAssertFalse(engine.resourceExists(state, arn: arn), arn)
        }
        assertError("ResourceNotFoundException") {
            try self.engine.store.update { state in
                try self.engine.deliverToResource(&state, arn: "arn:aws:sqs:us-east-1:123456789012:nope", body: "x", attributes: [:],
                                                  eventBridgeDetailType: nil, eventBridgeSource: nil, s3Key: nil)
            }
        }
    }

    func testMD5MatchesRFC1321Vectors() {
        // RFC 1321 appendix A.5 test suite.
        XCTAssertEqual(MD5.hex(""), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(MD5.hex("a"), "0cc175b9c0f1b6a831c399e269772661")
        XCTAssertEqual(MD5.hex("abc"), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(MD5.hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0")
        XCTAssertEqual(MD5.hex(String(repeating: "1234567890", count: 8)), "57edf4a22be3c955ac49da2e2107b67a")
    }
}
