import Foundation
import LambdaSimJSON
import XCTest

/// SQS event source mappings end to end (built binary, private sandbox, manual clock, builtin
/// and exec handlers): the record shape, delete on success, visibility timeout and redrive on
/// error, ReportBatchItemFailures, filtering, batching windows, reserved concurrency.
final class EventSourceMappingTests: XCTestCase {
    static let start = "2026-01-01T00:00:00Z"
    static let account = "123456789012"

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .manual(start: Self.start)
        return s
    }

    func queueUrl(_ name: String) -> String { "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(name)" }
    func queueArn(_ name: String) -> String { "arn:aws:sqs:us-east-1:\(Self.account):\(name)" }

    func send(_ s: Sandbox, _ queue: String, _ bodies: String...) throws {
        for body in bodies { try s.setup("sqs", "send-message", "--queue-url", queueUrl(queue), "--message-body", body) }
    }

    func simulate(_ s: Sandbox, file: StaticString = #filePath, line: UInt = #line) throws -> [JSON] {
        let r = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText, file: file, line: line)
        return try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func receive(_ s: Sandbox, _ queue: String) throws -> [JSON] {
        let r = try s.run(["sqs", "receive-message", "--queue-url", queueUrl(queue), "--max-number-of-messages", "10"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        if r.stdout.isEmpty { return [] }
        return try JSONParser.parse(r.stdoutText)["Messages"]?.arrayValue ?? []
    }

    func steps(_ timeline: [JSON], _ event: String) -> [JSON] { timeline.filter { $0["event"]?.stringValue == event } }

    /// An exec function that appends every event it receives to `events.jsonl` and answers `response`.
    func recorder(_ s: Sandbox, name: String = "rec", response: String = "{}") throws {
        let script = "#!/bin/sh\ncat >> '\(s.path("events.jsonl"))'\necho >> '\(s.path("events.jsonl"))'\nprintf '%s' '\(response)'\n"
        try s.write("code/fn.sh", script)
        chmod(s.path("code/fn.sh"), 0o755)
        try s.setup("create-function", "--function-name", name, "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code"))
    }

    func recordedEvents(_ s: Sandbox) throws -> [JSON] {
        let text = String(decoding: s.read("events.jsonl") ?? [], as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    // The SQS record exactly as reference §3.2 describes it; the batch is deleted after success.
    func testRecordShapeAndDeleteOnSuccess() throws {
        let s = try sandbox()
        try recorder(s)
        try s.setup("sqs", "create-queue", "--queue-name", "orders")
        try s.setup("sqs", "send-message", "--queue-url", queueUrl("orders"), "--message-body", "hello",
                    "--message-attributes", #"{"n":{"DataType":"Number","StringValue":"6"}}"#)
        try send(s, "orders", "second")
        try s.setup("create-event-source-mapping", "--function-name", "rec", "--event-source-arn", queueArn("orders"))
        let timeline = try simulate(s)
        XCTAssertEqual(timeline.map { $0["event"]?.stringValue ?? "" }, ["poll", "batch", "invoke"])
        XCTAssertEqual(steps(timeline, "invoke").first?["records"]?.intValue, 2)
        let events = try recordedEvents(s)
        XCTAssertEqual(events.count, 1)
        let records = events.first?["Records"]?.arrayValue ?? []
        XCTAssertEqual(records.count, 2)
        let first = try XCTUnwrap(records.first?.objectValue)
        XCTAssertEqual(first.keys, ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfMessageAttributes",
                                    "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"])
        XCTAssertEqual(first["body"], "hello")
        XCTAssertEqual(first["attributes"]?.objectValue?.keys,
                       ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"])
        XCTAssertEqual(first["attributes"]?["ApproximateReceiveCount"], "1")
        XCTAssertEqual(first["attributes"]?["SentTimestamp"], "1767225600000")
        XCTAssertEqual(first["messageAttributes"]?["n"],
                       .object(JSONObject([("stringValue", "6"), ("stringListValues", []), ("binaryListValues", []), ("dataType", "Number")])))
        XCTAssertEqual(first["md5OfBody"], "5d41402abc4b2a76b9719d911017c592")
        XCTAssertEqual(first["eventSource"], "aws:sqs")
        XCTAssertEqual(first["eventSourceARN"]?.stringValue, queueArn("orders"))
        XCTAssertEqual(first["awsRegion"], "us-east-1")
        XCTAssertEqual(records.last?["md5OfMessageAttributes"], .null)
        XCTAssertEqual(try receive(s, "orders").count, 0, "a successful batch is deleted")
    }

    // Function error: the whole batch comes back after the visibility timeout, then the redrive
    // policy moves the messages to the DLQ with the same message id.
    func testErrorRetriesAfterVisibilityTimeoutThenRedrive() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "broken", "--runtime", "builtin", "--handler", "fail")
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        try s.setup("sqs", "create-queue", "--queue-name", "work", "--attributes",
                    #"{"VisibilityTimeout":"10","RedrivePolicy":"{\"deadLetterTargetArn\":\"\#(queueArn("dlq"))\",\"maxReceiveCount\":\"3\"}"}"#)
        try send(s, "work", "a", "b")
        try s.setup("create-event-source-mapping", "--function-name", "broken", "--event-source-arn", queueArn("work"))
        let timeline = try simulate(s)
        let invokes = steps(timeline, "invoke")
        XCTAssertEqual(invokes.compactMap { $0["time"]?.stringValue },
                       ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:10.000Z", "2026-01-01T00:00:20.000Z"])
        XCTAssertEqual(invokes.compactMap { $0["result"]?.stringValue }, ["error", "error", "error"])
        XCTAssertEqual(invokes.compactMap { $0["records"]?.intValue }, [2, 2, 2])
        XCTAssertEqual(steps(timeline, "visibility-timeout").count, 3)
        let redrives = steps(timeline, "redrive")
        XCTAssertEqual(redrives.count, 2)
        XCTAssertEqual(redrives.first?["time"], "2026-01-01T00:00:30.000Z")
        let dlq = try receive(s, "dlq")
        XCTAssertEqual(Set(dlq.compactMap { $0["Body"]?.stringValue }), ["a", "b"])
        XCTAssertEqual(Set(dlq.compactMap { $0["MessageId"]?.stringValue }), Set(redrives.compactMap { $0["requestId"]?.stringValue }))
        XCTAssertEqual(try receive(s, "work").count, 0)
    }

    // ReportBatchItemFailures: only the listed message returns; the others are deleted.
    func testPartialBatchResponseRetriesOnlyListedMessages() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "picky", "--runtime", "builtin", "--handler", "partial-batch:bad")
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        try s.setup("sqs", "create-queue", "--queue-name", "work", "--attributes",
                    #"{"VisibilityTimeout":"30","RedrivePolicy":"{\"deadLetterTargetArn\":\"\#(queueArn("dlq"))\",\"maxReceiveCount\":\"2\"}"}"#)
        try send(s, "work", "ok-1", "bad-2", "ok-3")
        try s.setup("create-event-source-mapping", "--function-name", "picky", "--event-source-arn", queueArn("work"),
                    "--function-response-types", "ReportBatchItemFailures")
        let timeline = try simulate(s)
        XCTAssertEqual(steps(timeline, "invoke").compactMap { $0["records"]?.intValue }, [3, 1])
        XCTAssertEqual(steps(timeline, "invoke").compactMap { $0["time"]?.stringValue },
                       ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:30.000Z"])
        XCTAssertEqual(steps(timeline, "visibility-timeout").compactMap { $0["records"]?.intValue }, [1, 1])
        XCTAssertEqual(steps(timeline, "redrive").count, 1)
        XCTAssertEqual(try receive(s, "dlq").compactMap { $0["Body"]?.stringValue }, ["bad-2"])
    }

    // An invalid partial-batch response fails the whole batch (reference §3.6).
    func testInvalidPartialResponseFailsWholeBatch() throws {
        let s = try sandbox()
        try recorder(s, response: #"{"batchItemFailures":[{"foo":"notvalid"}]}"#)
        try s.setup("sqs", "create-queue", "--queue-name", "work", "--attributes", #"{"VisibilityTimeout":"5"}"#)
        try send(s, "work", "x", "y")
        try s.setup("create-event-source-mapping", "--function-name", "rec", "--event-source-arn", queueArn("work"),
                    "--function-response-types", "ReportBatchItemFailures")
        let r = try s.run(["simulate", "--format", "json", "--for", "7s"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        let timeline = try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(steps(timeline, "invoke").compactMap { $0["records"]?.intValue }, [2, 2])
        XCTAssertEqual(steps(timeline, "visibility-timeout").first?["records"]?.intValue, 2)
        let second = try recordedEvents(s).last?["Records"]?.arrayValue ?? []
        XCTAssertEqual(second.first?["attributes"]?["ApproximateReceiveCount"], "2")
    }

    // Filtered-out messages (no match, plain body against a JSON pattern) are deleted unseen.
    func testFilteredMessagesAreDeleted() throws {
        let s = try sandbox()
        try recorder(s)
        try s.setup("sqs", "create-queue", "--queue-name", "work")
        try send(s, "work", #"{"kind":"keep","n":1}"#, #"{"kind":"drop"}"#, "plain text")
        try s.setup("create-event-source-mapping", "--function-name", "rec", "--event-source-arn", queueArn("work"),
                    "--filter-criteria", #"{"Filters":[{"Pattern":"{\"body\":{\"kind\":[\"keep\"]}}"}]}"#)
        let timeline = try simulate(s)
        XCTAssertEqual(steps(timeline, "filtered").first?["records"]?.intValue, 2)
        XCTAssertEqual(steps(timeline, "invoke").first?["records"]?.intValue, 1)
        XCTAssertEqual(try recordedEvents(s).first?["Records"]?.arrayValue?.first?["body"]?.stringValue, #"{"kind":"keep","n":1}"#)
        XCTAssertEqual(try receive(s, "work").count, 0)
    }

    func testInvalidFilterPatternIsRefused() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "work")
        let r = try s.run(["create-event-source-mapping", "--function-name", "fn", "--event-source-arn", queueArn("work"),
                           "--filter-criteria", #"{"Filters":[{"Pattern":"{\"eventSource\":\"aws:sqs\"}"}]}"#])
        XCTAssertEqual(r.exitCode, 254)
        XCTAssertTrue(r.stderrText.contains("(InvalidParameterValueException) when calling the CreateEventSourceMapping operation: Invalid filter pattern definition."), r.stderrText)
    }

    // A batch is invoked when full, or when the batching window has elapsed.
    func testBatchingWindowFullOrElapsed() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "work")
        try send(s, "work", "1", "2", "3")
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn", queueArn("work"),
                    "--batch-size", "2", "--maximum-batching-window-in-seconds", "5")
        let timeline = try simulate(s)
        let invokes = steps(timeline, "invoke")
        XCTAssertEqual(invokes.compactMap { $0["records"]?.intValue }, [2, 1])
        XCTAssertEqual(invokes.compactMap { $0["time"]?.stringValue }, ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:05.000Z"])
        XCTAssertEqual(try receive(s, "work").count, 0)
    }

    // Reserved concurrency 0: the poller never invokes, the messages stay.
    func testReservedConcurrencyZeroLeavesMessages() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("put-function-concurrency", "--function-name", "fn", "--reserved-concurrent-executions", "0")
        try s.setup("sqs", "create-queue", "--queue-name", "work")
        try send(s, "work", "1", "2")
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn", queueArn("work"))
        let timeline = try simulate(s)
        XCTAssertEqual(steps(timeline, "invoke").count, 0)
        XCTAssertEqual(steps(timeline, "throttle").count, 1)
        XCTAssertEqual(try receive(s, "work").count, 2)
    }

    // A disabled mapping does nothing.
    func testDisabledMappingDoesNotPoll() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "work")
        try send(s, "work", "1")
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn", queueArn("work"), "--no-enabled")
        XCTAssertEqual(try simulate(s).count, 0)
        XCTAssertEqual(try receive(s, "work").count, 1)
    }
}
