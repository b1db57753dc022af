import Foundation
import LambdaSimJSON
import XCTest

/// Kinesis and DynamoDB stream event source mappings end to end (built binary, private
/// sandbox, manual clock, builtin and exec handlers): record shapes, in-order batches and
/// checkpoints, retries, MaximumRetryAttempts, MaximumRecordAgeInSeconds, bisecting,
/// ReportBatchItemFailures, filtering and on-failure destination records (reference §3.3–§3.6).
final class StreamEventSourceTests: XCTestCase {
    static let account = "123456789012"
    static let streamArn = "arn:aws:kinesis:us-east-1:123456789012:stream/s1"
    static let dlqUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/dlq"
    static let dlqArn = "arn:aws:sqs:us-east-1:123456789012:dlq"

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .manual(start: "2026-01-01T00:00:00Z")
        return s
    }

    func simulate(_ s: Sandbox, file: StaticString = #filePath, line: UInt = #line) throws -> [JSON] {
        let r = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText, file: file, line: line)
        return try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func steps(_ timeline: [JSON], _ event: String) -> [JSON] { timeline.filter { $0["event"]?.stringValue == event } }

    func records(_ timeline: [JSON], _ event: String) -> [Int] { steps(timeline, event).compactMap { $0["records"]?.intValue } }

    /// A one-shard stream with `data` put under one partition key, a function and a DLQ.
    func kinesisSetup(_ s: Sandbox, handler: String, data: [String], shards: Int = 1) throws {
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", String(shards))
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", handler)
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        for d in data { try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", d, "--partition-key", "k") }
    }

    func mapping(_ s: Sandbox, source: String = streamArn, _ extra: String...) throws {
        let arguments = ["create-event-source-mapping", "--function-name", "fn", "--event-source-arn", source,
                         "--starting-position", "TRIM_HORIZON",
                         "--destination-config", #"{"OnFailure":{"Destination":"\#(Self.dlqArn)"}}"#] + extra
        let r = try s.run(arguments)
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
    }

    func dlq(_ s: Sandbox) throws -> [JSON] {
        let r = try s.run(["sqs", "receive-message", "--queue-url", Self.dlqUrl, "--max-number-of-messages", "10"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        if r.stdout.isEmpty { return [] }
        return try (JSONParser.parse(r.stdoutText)["Messages"]?.arrayValue ?? []).map { try JSONParser.parse($0["Body"]?.stringValue ?? "") }
    }

    // The Kinesis record as reference §3.3 shows it; a success moves the checkpoint, so a
    // second simulate finds nothing new; LATEST skips what was there before the mapping.
    func testKinesisRecordShapeAndCheckpoint() throws {
        let s = try sandbox()
        try s.write("code/fn.sh", "#!/bin/sh\ncat >> '\(s.path("events.jsonl"))'\necho >> '\(s.path("events.jsonl"))'\n")
        chmod(s.path("code/fn.sh"), 0o755)
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", "1")
        try s.setup("create-function", "--function-name", "fn", "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code"))
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "Hello", "--partition-key", "1")
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "World", "--partition-key", "2")
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn", Self.streamArn,
                    "--starting-position", "TRIM_HORIZON")
        let timeline = try simulate(s)
        XCTAssertEqual(records(timeline, "invoke"), [2])
        XCTAssertEqual(steps(timeline, "checkpoint").count, 1)
        XCTAssertEqual(try simulate(s).filter { $0["event"]?.stringValue == "invoke" }.count, 0)
        let text = String(decoding: s.read("events.jsonl") ?? [], as: UTF8.self)
        let event = try JSONParser.parse(String(text.split(separator: "\n")[0]))
        let record = try XCTUnwrap(event["Records"]?.arrayValue?.first)
        XCTAssertEqual(record.objectValue?.keys, ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn",
                                                 "awsRegion", "eventSourceARN"])
        XCTAssertEqual(record["kinesis"]?.objectValue?.keys, ["kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data",
                                                             "approximateArrivalTimestamp"])
        XCTAssertEqual(record["kinesis"]?["data"], "SGVsbG8=")
        XCTAssertEqual(record["kinesis"]?["partitionKey"], "1")
        XCTAssertEqual(record["kinesis"]?["approximateArrivalTimestamp"]?.doubleValue, 1_767_225_600)
        XCTAssertEqual(record["eventName"], "aws:kinesis:record")
        XCTAssertEqual(record["eventSourceARN"]?.stringValue, Self.streamArn)
        let sequence = record["kinesis"]?["sequenceNumber"]?.stringValue ?? ""
        XCTAssertEqual(record["eventID"]?.stringValue, "shardId-000000000000:" + sequence)

        // LATEST: only records put after the mapping was created.
        try s.setup("kinesis", "create-stream", "--stream-name", "s2", "--shard-count", "1")
        try s.setup("kinesis", "put-record", "--stream-name", "s2", "--data", "old", "--partition-key", "1")
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn",
                    "arn:aws:kinesis:us-east-1:123456789012:stream/s2", "--starting-position", "LATEST")
        try s.setup("kinesis", "put-record", "--stream-name", "s2", "--data", "new", "--partition-key", "1")
        XCTAssertEqual(records(try simulate(s), "invoke"), [1])
    }

    // Batches hold at most BatchSize records of one shard, in order.
    func testBatchSizePerShardInOrder() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "echo", data: ["1", "2", "3", "4", "5"])
        try mapping(s, "--batch-size", "2")
        let timeline = try simulate(s)
        XCTAssertEqual(records(timeline, "invoke"), [2, 2, 1])
        XCTAssertEqual(steps(timeline, "checkpoint").count, 3)
    }

    // A failing batch is retried whole until MaximumRetryAttempts, then its details go to the
    // on-failure destination (RetryAttemptsExhausted, unqualified function ARN, KinesisBatchInfo).
    func testRetriesExhaustedGoToDestination() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "fail", data: ["a", "b"])
        try mapping(s, "--maximum-retry-attempts", "2")
        let timeline = try simulate(s)
        XCTAssertEqual(steps(timeline, "invoke").compactMap { $0["attempt"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(steps(timeline, "retry-scheduled").count, 2)
        let destination = try XCTUnwrap(steps(timeline, "destination").first)
        XCTAssertEqual(destination["condition"], "RetryAttemptsExhausted")
        let messages = try dlq(s)
        XCTAssertEqual(messages.count, 1)
        let body = try XCTUnwrap(messages.first)
        XCTAssertEqual(body.objectValue?.keys, ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"])
        XCTAssertEqual(body["requestContext"]?["condition"], "RetryAttemptsExhausted")
        XCTAssertEqual(body["requestContext"]?["approximateInvokeCount"], 3)
        XCTAssertEqual(body["requestContext"]?["functionArn"], "arn:aws:lambda:us-east-1:123456789012:function:fn")
        XCTAssertEqual(body["responseContext"]?["functionError"], "Unhandled")
        XCTAssertEqual(body["KinesisBatchInfo"]?["batchSize"], 2)
        XCTAssertEqual(body["KinesisBatchInfo"]?["shardId"], "shardId-000000000000")
        XCTAssertEqual(body["KinesisBatchInfo"]?["streamArn"]?.stringValue, Self.streamArn)
        XCTAssertEqual(body["KinesisBatchInfo"]?["approximateArrivalOfFirstRecord"], "2026-01-01T00:00:00.000Z")
        // The shard moved on: nothing more happens.
        XCTAssertTrue(steps(try simulate(s), "invoke").isEmpty)
    }

    // MaximumRecordAgeInSeconds: with unlimited retries the batch expires once its oldest
    // record is too old; the record has no responseContext.
    func testRecordAgeExceeded() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "fail", data: ["a"])
        try mapping(s, "--maximum-record-age-in-seconds", "60")
        let timeline = try simulate(s)
        XCTAssertEqual(steps(timeline, "expire").count, 1)
        XCTAssertGreaterThan(steps(timeline, "invoke").count, 2)
        let body = try XCTUnwrap(try dlq(s).first)
        XCTAssertEqual(body["requestContext"]?["condition"], "RecordAgeExceeded")
        XCTAssertNil(body["responseContext"])
    }

    // BisectBatchOnFunctionError isolates the poisoned record; the others succeed.
    func testBisectIsolatesPoisonRecord() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "poison:bad", data: ["a", "b", "bad", "c", "d"])
        try mapping(s, "--bisect-batch-on-function-error", "--maximum-retry-attempts", "0")
        let timeline = try simulate(s)
        XCTAssertEqual(records(timeline, "invoke"), [5, 2, 3, 1, 2])
        XCTAssertEqual(records(timeline, "bisect"), [5, 3])
        let body = try XCTUnwrap(try dlq(s).first)
        XCTAssertEqual(body["KinesisBatchInfo"]?["batchSize"], 1)
        XCTAssertEqual(body["requestContext"]?["approximateInvokeCount"], 1)
    }

    // ReportBatchItemFailures: the checkpoint moves to just before the lowest failed sequence
    // number and the batch is retried from there.
    func testReportBatchItemFailuresRetriesFromLowestFailure() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "partial-batch:bad", data: ["a", "bad", "c"])
        try mapping(s, "--function-response-types", "ReportBatchItemFailures", "--maximum-retry-attempts", "1")
        let timeline = try simulate(s)
        XCTAssertEqual(records(timeline, "invoke"), [3, 2])
        XCTAssertEqual(records(timeline, "checkpoint"), [1, 2])
        let body = try XCTUnwrap(try dlq(s).first)
        XCTAssertEqual(body["KinesisBatchInfo"]?["batchSize"], 2)
    }

    // A DynamoDB stream: INSERT/MODIFY/REMOVE records reach the function; a filter on
    // eventName skips the others; DDBStreamBatchInfo times have no milliseconds.
    func testDynamoDBStreamFilteringAndFailureRecord() throws {
        let s = try sandbox()
        try s.setup("dynamodb", "create-table", "--table-name", "Tab", "--attribute-definitions", "AttributeName=Id,AttributeType=N",
                    "--key-schema", "AttributeName=Id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                    "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
        let described = try JSONParser.parse(try s.run(["dynamodb", "describe-table", "--table-name", "Tab"]).stdoutText)
        let streamArn = try XCTUnwrap(described["Table"]?["LatestStreamArn"]?.stringValue)
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", "fail")
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        try s.setup("dynamodb", "put-item", "--table-name", "Tab", "--item", #"{"Id":{"N":"1"},"A":{"S":"x"}}"#)
        try s.setup("dynamodb", "update-item", "--table-name", "Tab", "--key", #"{"Id":{"N":"1"}}"#, "--update-expression", "SET A = :a",
                    "--expression-attribute-values", #"{":a":{"S":"y"}}"#)
        try s.setup("dynamodb", "delete-item", "--table-name", "Tab", "--key", #"{"Id":{"N":"1"}}"#)
        try mapping(s, source: streamArn, "--maximum-retry-attempts", "0",
                    "--filter-criteria", #"{"Filters":[{"Pattern":"{\"eventName\":[\"MODIFY\"]}"}]}"#)
        let timeline = try simulate(s)
        XCTAssertEqual(records(timeline, "invoke"), [1])
        XCTAssertEqual(records(timeline, "filtered"), [2])
        let body = try XCTUnwrap(try dlq(s).first)
        let info = try XCTUnwrap(body["DDBStreamBatchInfo"])
        XCTAssertEqual(info["approximateArrivalOfFirstRecord"], "2026-01-01T00:00:00Z")
        XCTAssertEqual(info["streamArn"]?.stringValue, streamArn)
        XCTAssertEqual(info["batchSize"], 1)
    }

    // The DynamoDB sequences of shared/testdata/esm-filters/cases.json, run end to end: each
    // step's put-item, then a simulate; the function's invocations and the records it received
    // (event names, keys, images, SizeBytes) match what AWS recorded.
    func testDynamoDBFilterSequencesFromSharedTestData() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/testdata/esm-filters/cases.json").standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw XCTSkip("test data not found at \(url.path); skipping")
        }
        let cases = (try JSONParser.parse(bytes: Array(data)).arrayValue ?? []).filter {
            $0["source"]?.stringValue == "dynamodb" && $0["steps"] != nil
        }
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            let key = c["table"]?["partition_key"]?.stringValue ?? "id"
            let view = c["table"]?["stream_view_type"]?.stringValue ?? "NEW_AND_OLD_IMAGES"
            let s = try sandbox()
            try s.write("code/fn.sh", "#!/bin/sh\ncat >> '\(s.path("events.jsonl"))'\necho >> '\(s.path("events.jsonl"))'\n")
            chmod(s.path("code/fn.sh"), 0o755)
            try s.setup("create-function", "--function-name", "fn", "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code"))
            try s.setup("dynamodb", "create-table", "--table-name", "table1", "--attribute-definitions", "AttributeName=\(key),AttributeType=S",
                        "--key-schema", "AttributeName=\(key),KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                        "--stream-specification", "StreamEnabled=true,StreamViewType=\(view)")
            let described = try JSONParser.parse(try s.run(["dynamodb", "describe-table", "--table-name", "table1"]).stdoutText)
            let streamArn = described["Table"]?["LatestStreamArn"]?.stringValue ?? ""
            let criteria = JSONWriter.string(.object(JSONObject([("Filters", .array([.object(JSONObject([("Pattern", c["pattern"] ?? "")]))]))])))
            try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn", streamArn,
                        "--starting-position", "TRIM_HORIZON", "--batch-size", "1", "--filter-criteria", criteria)
            var invocations = 0
            for step in c["steps"]?.arrayValue ?? [] {
                try s.setup("dynamodb", "put-item", "--table-name", "table1", "--item", JSONWriter.string(step["put_item"] ?? .null))
                invocations += steps(try simulate(s), "invoke").count
            }
            XCTAssertEqual(invocations, c["expected_invocations"]?.intValue, name)
            let text = String(decoding: s.read("events.jsonl") ?? [], as: UTF8.self)
            let received = try text.split(separator: "\n").flatMap { try JSONParser.parse(String($0))["Records"]?.arrayValue ?? [] }
            let expected = c["recorded_records"]?.arrayValue ?? []
            XCTAssertEqual(received.count, expected.count, name)
            for (got, want) in zip(received, expected) {
                XCTAssertEqual(got["eventName"], want["eventName"], name)
                XCTAssertEqual(got["eventVersion"], want["eventVersion"], name)
                for field in ["Keys", "NewImage", "OldImage", "SizeBytes", "StreamViewType"] {
                    XCTAssertEqual(got["dynamodb"]?[field], want["dynamodb"]?[field], "\(name): \(field)")
                }
            }
        }
    }

    // Tumbling windows (reference §3.7): batches of one window carry the state the previous
    // invocation returned; when the window ends a last invocation (isFinalInvokeForWindow)
    // gets the final state. A response without `state` counts as a failure.
    func testTumblingWindowCarriesState() throws {
        let s = try Sandbox()
        s.clock = .manual(start: "2026-01-01T00:00:10Z")
        let log = s.path("events.jsonl")
        try s.write("code/fn.py", """
            #!/usr/bin/env python3
            import json, sys
            e = json.load(sys.stdin)
            open('\(log)', 'a').write(json.dumps(e) + "\\n")
            print(json.dumps({"state": {"count": e["state"].get("count", 0) + len(e["Records"])}}))

            """)
        chmod(s.path("code/fn.py"), 0o755)
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", "1")
        try s.setup("create-function", "--function-name", "fn", "--runtime", "exec", "--handler", "fn.py", "--code-path", s.path("code"))
        for d in ["a", "b", "c"] { try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", d, "--partition-key", "k") }
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--event-source-arn", Self.streamArn,
                    "--starting-position", "TRIM_HORIZON", "--batch-size", "2", "--tumbling-window-in-seconds", "60")
        let timeline = try simulate(s)
        XCTAssertEqual(records(timeline, "invoke"), [2, 1, 0])
        let text = String(decoding: s.read("events.jsonl") ?? [], as: UTF8.self)
        let events = try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(events.first?.objectValue?.keys, ["Records", "window", "state", "shardId", "eventSourceARN", "isFinalInvokeForWindow",
                                                        "isWindowTerminatedEarly"])
        XCTAssertEqual(events.first?["window"], ["start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:01:00Z"])
        XCTAssertEqual(events.map { $0["state"]?["count"]?.intValue ?? 0 }, [0, 2, 3])
        XCTAssertEqual(events.map { $0["isFinalInvokeForWindow"]?.boolValue ?? false }, [false, false, true])
        XCTAssertEqual(events.last?["shardId"], "shardId-000000000000")

        // Without `state` in the response the batch fails (and is retried).
        let t = try sandbox()
        try kinesisSetup(t, handler: "echo", data: ["a"])
        try t.write("code/fn.sh", "#!/bin/sh\ncat > /dev/null\nprintf '{}'\n")
        chmod(t.path("code/fn.sh"), 0o755)
        try t.setup("create-function", "--function-name", "nostate", "--runtime", "exec", "--handler", "fn.sh", "--code-path", t.path("code"))
        try t.setup("create-event-source-mapping", "--function-name", "nostate", "--event-source-arn", Self.streamArn,
                    "--starting-position", "TRIM_HORIZON", "--tumbling-window-in-seconds", "60", "--maximum-retry-attempts", "1")
        let failed = try simulate(t)
        // The record batch fails and is retried once; so does the window's final invocation.
        XCTAssertEqual(steps(failed, "invoke").filter { $0["function"]?.stringValue == "nostate" }.compactMap { $0["records"]?.intValue },
                       [1, 1, 0, 0])
        XCTAssertEqual(steps(failed, "retry-scheduled").count, 2)
    }

    // ParallelizationFactor 2: the shard's two key groups each have a batch in flight at once
    // (partition keys "a" and "b" hash to different groups); one key's records stay in order,
    // and the shard checkpoint ends past every record (a second simulate finds nothing).
    func testParallelizationFactorKeepsOrderPerKey() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "echo", data: [])
        for (d, k) in [("a1", "a"), ("b1", "b"), ("a2", "a"), ("b2", "b")] {
            try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", d, "--partition-key", k)
        }
        try mapping(s, "--batch-size", "1", "--parallelization-factor", "2")
        let r = try s.run(["simulate"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        let lines = r.stdoutText.split(separator: "\n").map(String.init)
        let invokes = lines.filter { $0.split(separator: " ").dropFirst().first == "invoke" }
        XCTAssertEqual(invokes.count, 4, r.stdoutText)
        let times = invokes.map { $0.prefix(24) }
        XCTAssertEqual(times.first, times.dropFirst().first, "two batches invoked at the same simulated time")
        // Per key group, the checkpoints follow the records' order; each group handled its key's two records.
        let details = lines.filter { $0.split(separator: " ").dropFirst().first == "checkpoint" }
        XCTAssertEqual(details.count, 4, r.stdoutText)
        for group in ["key group 1 of 2", "key group 2 of 2"] {
            let sequences = details.filter { $0.contains(group) }.compactMap { $0.split(separator: " ").last.map(String.init) }
            XCTAssertEqual(sequences.count, 2, group)
            XCTAssertEqual(sequences, sequences.sorted { ($0.count, $0) < ($1.count, $1) }, group)
        }
        XCTAssertEqual(steps(try simulate(s), "invoke").count, 0)
    }

    // Reserved concurrency caps a function's stream batches: with 0 the mapping waits (one
    // `throttle` line, the checkpoint stays); with 1 the two key groups take turns.
    func testReservedConcurrencyLimitsStreamBatches() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "echo", data: [])
        for (d, k) in [("a1", "a"), ("b1", "b")] {
            try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", d, "--partition-key", k)
        }
        try s.setup("put-function-concurrency", "--function-name", "fn", "--reserved-concurrent-executions", "0")
        try mapping(s, "--batch-size", "1", "--parallelization-factor", "2")
        let throttled = try simulate(s)
        XCTAssertEqual(steps(throttled, "invoke").count, 0)
        XCTAssertEqual(steps(throttled, "throttle").count, 1)
        XCTAssertEqual(steps(throttled, "throttle").first?["errorType"], "TooManyRequestsException")

        try s.setup("put-function-concurrency", "--function-name", "fn", "--reserved-concurrent-executions", "1")
        let timeline = try simulate(s)
        let times = steps(timeline, "invoke").compactMap { $0["time"]?.stringValue }
        XCTAssertEqual(times.count, 2)
        XCTAssertEqual(Set(times).count, 2, "one batch at a time")
        XCTAssertEqual(steps(timeline, "throttle").count, 0)
        XCTAssertEqual(steps(try simulate(s), "invoke").count, 0)
    }

    // ParallelizationFactor 2 with a failing key group: the shard checkpoint does not pass the
    // failing record, but what the other group handled is kept in the state (`pollers`), so the
    // next run retries only the failing record; then the checkpoint passes both.
    func testParallelizationFactorFailingGroupHoldsCheckpoint() throws {
        let s = try sandbox()
        // Fails for the record whose data is "a1" (base64 YTE=).
        try s.write("code/fn.sh", "#!/bin/sh\ninput=$(cat)\ncase \"$input\" in *YTE=*) exit 1;; esac\nprintf '{}'\n")
        chmod(s.path("code/fn.sh"), 0o755)
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", "1")
        try s.setup("create-function", "--function-name", "fn", "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code"))
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        for (d, k) in [("a1", "a"), ("b1", "b")] {
            try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", d, "--partition-key", k)
        }
        try mapping(s, "--batch-size", "1", "--parallelization-factor", "2", "--maximum-retry-attempts", "1")
        let first = try s.run(["simulate", "--format", "json", "--until", "2026-01-01T00:00:00.500Z"])
        XCTAssertEqual(first.exitCode, 0, first.stderrText)
        let firstLines = try first.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(steps(firstLines, "invoke").compactMap { $0["result"]?.stringValue }.sorted(), ["error", "success"], first.stdoutText)
        XCTAssertEqual(steps(firstLines, "retry-scheduled").count, 1)
        // Next run: a1 is tried again (and given up); b1 is not handed again.
        let second = try simulate(s)
        XCTAssertEqual(steps(second, "invoke").count, 1, "\(second)")
        XCTAssertEqual(steps(second, "destination").count, 1)
        XCTAssertEqual(steps(try simulate(s), "invoke").count, 0)
    }

    // MaximumRetryAttempts -1 (the default) retries a failing batch until its record expires
    // from the stream (RetentionPeriodHours, 24 by default): simulate stops there with an
    // `expire` line instead of running forever; a longer retention keeps it going longer.
    func testInfiniteRetriesStopWhenTheRecordExpires() throws {
        let s = try sandbox()
        try kinesisSetup(s, handler: "fail", data: ["a1"])
        try mapping(s)
        let r = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertEqual(r.stderrText, "")
        let timeline = try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let expired = steps(timeline, "expire")
        XCTAssertEqual(expired.count, 1)
        XCTAssertEqual(expired.first?["condition"]?.stringValue, "RecordExpired")
        XCTAssertEqual(expired.first?["records"]?.intValue, 1)
        XCTAssertTrue(expired.first?["reason"]?.stringValue?.contains("RetentionPeriodHours 24") ?? false)
        // The last try is the last one before the record is 24 h old; the expiry comes at the next one.
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let start = try XCTUnwrap(iso.date(from: "2026-01-01T00:00:00.000Z")).timeIntervalSince1970
        let expiredAt = try XCTUnwrap(expired.first?["time"]?.stringValue.flatMap { iso.date(from: $0) }).timeIntervalSince1970
        XCTAssertGreaterThanOrEqual(expiredAt - start, 24 * 3600)
        XCTAssertLessThan(expiredAt - start, 24 * 3600 + 61)
        XCTAssertGreaterThan(steps(timeline, "invoke").count, 1000)
        XCTAssertEqual(steps(try simulate(s), "invoke").count, 0, "nothing is left")

        // The horizon: a 48-hour retention and a 6-hour horizon stop the run with a message.
        try s.setup("kinesis", "increase-stream-retention-period", "--stream-name", "s1", "--retention-period-hours", "48")
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "a2", "--partition-key", "k")
        let capped = try s.run(["simulate", "--format", "json", "--horizon", "6h"])
        XCTAssertEqual(capped.exitCode, 0)
        XCTAssertTrue(capped.stderrText.hasPrefix("lambda-sim simulate: stopped at the horizon (6h of simulated time"), capped.stderrText)
        XCTAssertFalse(capped.stdoutText.contains(#""event":"expire""#))
    }
}
