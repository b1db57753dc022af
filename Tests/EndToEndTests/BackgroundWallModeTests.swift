import Foundation
import LambdaSimJSON
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The service in the background, in the mode users live in: the default **wall** clock, no
/// `simulate`, only ordinary commands (and `serve` with boto3). Each test waits for the
/// background runner by asking the state, as a script would, with a generous deadline.
final class BackgroundWallModeTests: XCTestCase {
    static let account = "123456789012"

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .wall
        s.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        return s
    }

    func queueUrl(_ name: String) -> String { "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(name)" }
    func queueArn(_ name: String) -> String { "arn:aws:sqs:us-east-1:\(Self.account):\(name)" }

    /// Polls `condition` every 100 ms for up to `seconds`; true when it held.
    func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    func starts(_ s: Sandbox, _ function: String) throws -> Int {
        let r = try s.run(["logs", "--function-name", function])
        return r.stdoutText.components(separatedBy: "START RequestId:").count - 1
    }

    /// (visible, in flight) as `get-queue-attributes` reports them.
    func counts(_ s: Sandbox, _ queue: String) throws -> (Int, Int) {
        let r = try s.run(["sqs", "get-queue-attributes", "--queue-url", queueUrl(queue), "--attribute-names", "All",
                           "--query", "Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible]",
                           "--output", "text"])
        let parts = r.stdoutText.split(whereSeparator: { $0 == "\t" || $0 == "\n" || $0 == " " }).compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : (-1, -1)
    }

    func state(_ s: Sandbox) throws -> JSON { try JSONParser.parse(bytes: s.read("state.json") ?? []) }

    /// An exec function that appends every event it receives to `events.jsonl` (one line each).
    func recorder(_ s: Sandbox, name: String, response: String = "{}") throws {
        try s.write("code-\(name)/fn.sh", "#!/bin/sh\ncat >> '\(s.path("events-\(name).jsonl"))'\necho >> '\(s.path("events-\(name).jsonl"))'\nprintf '%s' '\(response)'\n")
        chmod(s.path("code-\(name)/fn.sh"), 0o755)
        try s.setup("create-function", "--function-name", name, "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code-\(name)"))
    }

    func events(_ s: Sandbox, _ name: String) throws -> [JSON] {
        let text = String(decoding: s.read("events-\(name).jsonl") ?? [], as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    // One message through a mapping is invoked once and deleted; with a redrive policy of
    // maxReceiveCount 1 the processed message never reaches the dead-letter queue.
    func testSQSMessageIsProcessedOnceAndDeletedInWallMode() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        try s.setup("sqs", "create-queue", "--queue-name", "q", "--attributes",
                    #"{"VisibilityTimeout":"2","RedrivePolicy":"{\"deadLetterTargetArn\":\"\#(queueArn("dlq"))\",\"maxReceiveCount\":\"1\"}"}"#)
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--batch-size", "1", "--event-source-arn", queueArn("q"))
        try s.setup("sqs", "send-message", "--queue-url", queueUrl("q"), "--message-body", "once")
        XCTAssertTrue(try eventually { try counts(s, "q") == (0, 0) }, "the message was deleted")
        // Several visibility timeouts of ordinary commands later: still once, still nowhere else.
        for _ in 0..<5 {
            usleep(1_000_000)
            _ = try s.run(["list-functions"])
        }
        XCTAssertEqual(try starts(s, "fn"), 1)
        XCTAssertTrue(try counts(s, "q") == (0, 0))
        XCTAssertTrue(try counts(s, "dlq") == (0, 0), "a processed message never reaches the DLQ")
        // What the background did is the history `simulate` prints.
        let timeline = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(timeline.exitCode, 0, timeline.stderrText)
        let invokes = timeline.stdoutText.split(separator: "\n").filter { $0.contains(#""event":"invoke""#) }
        XCTAssertEqual(invokes.count, 1, timeline.stdoutText)
        XCTAssertTrue(invokes.first?.contains(#""records":1"#) ?? false)
        // Printed once: the next simulate has nothing new.
        XCTAssertEqual(try s.run(["simulate", "--format", "json"]).stdoutText, "")
    }

    // A batching window of 5 s across several commands: both messages arrive in one batch,
    // and maxReceiveCount 1 does not send a gathered message to the DLQ.
    func testBatchingWindowGathersAcrossCommands() throws {
        let s = try sandbox()
        try recorder(s, name: "rec")
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        try s.setup("sqs", "create-queue", "--queue-name", "q", "--attributes",
                    #"{"VisibilityTimeout":"30","RedrivePolicy":"{\"deadLetterTargetArn\":\"\#(queueArn("dlq"))\",\"maxReceiveCount\":\"1\"}"}"#)
        try s.setup("create-event-source-mapping", "--function-name", "rec", "--batch-size", "10",
                    "--maximum-batching-window-in-seconds", "5", "--event-source-arn", queueArn("q"))
        try s.setup("sqs", "send-message", "--queue-url", queueUrl("q"), "--message-body", "first")
        usleep(1_500_000)
        _ = try s.run(["list-functions"])
        try s.setup("sqs", "send-message", "--queue-url", queueUrl("q"), "--message-body", "second")
        XCTAssertTrue(try eventually(25) { try counts(s, "q") == (0, 0) && !(try events(s, "rec")).isEmpty })
        let batches = try events(s, "rec")
        XCTAssertEqual(batches.count, 1, "one batch")
        XCTAssertEqual(batches.first?["Records"]?.arrayValue?.compactMap { $0["body"]?.stringValue }, ["first", "second"])
        XCTAssertTrue(try counts(s, "dlq") == (0, 0))
    }

    // A Kinesis record and a DynamoDB stream record are each invoked once in the background,
    // and the mappings' checkpoints move past them.
    func testStreamRecordsAreInvokedOnceAndCheckpointed() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "kfn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("create-function", "--function-name", "dfn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", "1")
        try s.setup("dynamodb", "create-table", "--table-name", "tbl1", "--attribute-definitions", "AttributeName=id,AttributeType=S",
                    "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                    "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE")
        let described = try s.run(["dynamodb", "describe-table", "--table-name", "tbl1", "--query", "Table.LatestStreamArn", "--output", "text"])
        let tableStream = described.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(tableStream.isEmpty)
        try s.setup("create-event-source-mapping", "--function-name", "kfn", "--starting-position", "TRIM_HORIZON",
                    "--event-source-arn", "arn:aws:kinesis:us-east-1:\(Self.account):stream/s1")
        try s.setup("create-event-source-mapping", "--function-name", "dfn", "--starting-position", "TRIM_HORIZON",
                    "--event-source-arn", tableStream)
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "hello", "--partition-key", "k")
        try s.setup("dynamodb", "put-item", "--table-name", "tbl1", "--item", #"{"id":{"S":"a"}}"#)
        XCTAssertTrue(try eventually { try starts(s, "kfn") == 1 && starts(s, "dfn") == 1 })
        for _ in 0..<3 {
            usleep(700_000)
            _ = try s.run(["list-functions"])
        }
        XCTAssertEqual(try starts(s, "kfn"), 1)
        XCTAssertEqual(try starts(s, "dfn"), 1)
        let checkpoints = try state(s)["streams"]?["checkpoints"]?.objectValue
        XCTAssertEqual(checkpoints?.count, 2, "both mappings checkpointed")
        for (_, shards) in checkpoints ?? JSONObject() {
            XCTAssertEqual(shards.objectValue?.count, 1)
            XCTAssertGreaterThan(shards.objectValue?.valuesInOrder.first?.intValue ?? 0, 0)
        }
    }

    // A tumbling window across commands: the window's state carries from one invocation to the
    // next, and the final invocation of the window sees the total.
    func testTumblingWindowStateCarriesAcrossCommands() throws {
        try RuntimeTools.requirePython()
        let s = try sandbox()
        try s.write("tw/app.py", """
            import json
            def handler(event, context):
                total = event.get("state", {}).get("count", 0) + len(event["Records"])
                with open(\(String(reflecting: s.path("windows.jsonl"))), "a") as f:
                    f.write(json.dumps({"final": event["isFinalInvokeForWindow"], "count": total, "records": len(event["Records"])}) + "\\n")
                return {"state": {"count": total}}
            """)
        try s.setup("create-function", "--function-name", "tw", "--runtime", "python3.12", "--handler", "app.handler",
                    "--code-path", s.path("tw"))
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", "1")
        try s.setup("create-event-source-mapping", "--function-name", "tw", "--starting-position", "TRIM_HORIZON",
                    "--batch-size", "1", "--tumbling-window-in-seconds", "4",
                    "--event-source-arn", "arn:aws:kinesis:us-east-1:\(Self.account):stream/s1")
        // Two records early in one window, each its own command.
        let now = Date().timeIntervalSince1970
        let intoWindow = 4 - now.truncatingRemainder(dividingBy: 4)
        if intoWindow < 2.5 { usleep(useconds_t((intoWindow + 0.2) * 1_000_000)) }
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "a", "--partition-key", "k")
        usleep(300_000)
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "b", "--partition-key", "k")
        func windows() throws -> [JSON] {
            let text = String(decoding: s.read("windows.jsonl") ?? [], as: UTF8.self)
            return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        }
        let closed = try eventually(25) { try windows().contains { $0["final"]?.boolValue == true } }
        let seen = try windows()
        XCTAssertTrue(closed, "\(seen)")
        let final = seen.first { $0["final"]?.boolValue == true }
        XCTAssertEqual(final?["count"]?.intValue, 2, "the window's state carried across invocations: \(seen)")
        XCTAssertEqual(seen.filter { $0["final"]?.boolValue == true }.count, 1, "\(seen)")
    }

    // An Event invoke answers at once even when the function takes 2 s, and a command right
    // after due retries of a real runtime does not wait for them (loose bounds: they only catch
    // a command that blocks on background work; bench/ measures the real figures).
    func testEventInvokeAndLaterCommandsDoNotWaitForTheFunction() throws {
        try RuntimeTools.requirePython()
        let s = try sandbox()
        try s.write("slow/app.py", "import time\ndef handler(event, context):\n    time.sleep(2)\n    raise Exception('boom')\n")
        try s.setup("create-function", "--function-name", "slow", "--runtime", "python3.12", "--handler", "app.handler",
                    "--code-path", s.path("slow"))
        try s.setup("put-function-event-invoke-config", "--function-name", "slow", "--maximum-retry-attempts", "2")
        var started = Date()
        let accepted = try s.run(["invoke", "--function-name", "slow", "--invocation-type", "Event", "--payload", "{}", "out.json"])
        let invokeSeconds = Date().timeIntervalSince(started)
        XCTAssertEqual(accepted.exitCode, 0, accepted.stderrText)
        XCTAssertTrue(accepted.stdoutText.contains("202"))
        XCTAssertLessThan(invokeSeconds, 1.0, "Event invoke waited for the function")
        // Push the retries due (simulate moves the offset) while the first attempt may still run,
        // then an unrelated command right away.
        _ = try s.run(["invoke", "--function-name", "slow", "--invocation-type", "Event", "--payload", "{}", "out.json"])
        started = Date()
        let list = try s.run(["list-functions"])
        XCTAssertEqual(list.exitCode, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "list-functions waited for background work")
    }

    // serve, driven by boto3: an SQS message through a mapping is invoked once and deleted; an
    // Invoke's x-amzn-RequestId is the invocation's request id.
    func testServeWithBoto3SettlesAMappingOnce() throws {
        let python = ProcessInfo.processInfo.environment["LAMBDA_SIM_PYTHON"] ?? "python3"
        let check = try ProcessRunner.run(ProcessSpec(executable: "/usr/bin/env", arguments: [python, "-c", "import boto3"],
                                                      environment: ProcessInfo.processInfo.environment, workingDirectory: "/", stdin: nil))
        guard check.exitCode == 0 else { throw XCTSkip("boto3 is not installed; skipping the serve + boto3 test") }
        let s = try sandbox()
        let server = try ServeProcess(s)
        defer { server.stop() }
        try s.write("client.py", """
            import boto3, io, json, sys, time, zipfile
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("README", "builtin echo")
            from botocore.config import Config
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y",
                      config=Config(retries={"max_attempts": 1}))
            lam, sqs = boto3.client("lambda", **kw), boto3.client("sqs", **kw)
            lam.create_function(FunctionName="fn", Runtime="builtin", Handler="echo", Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": buf.getvalue()})
            url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            lam.create_event_source_mapping(FunctionName="fn", EventSourceArn=arn, BatchSize=1)
            # A second mapping with a 3-second batching window: two messages, one batch.
            lam.create_function(FunctionName="win", Runtime="builtin", Handler="echo", Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": buf.getvalue()})
            wurl = sqs.create_queue(QueueName="wq")["QueueUrl"]
            warn = sqs.get_queue_attributes(QueueUrl=wurl, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            lam.create_event_source_mapping(FunctionName="win", EventSourceArn=warn, BatchSize=10, MaximumBatchingWindowInSeconds=3)
            sqs.send_message(QueueUrl=wurl, MessageBody="w1")
            time.sleep(1)
            sqs.send_message(QueueUrl=wurl, MessageBody="w2")
            for i in range(5):
                sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
            deadline = time.time() + 20
            while time.time() < deadline:
                a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                if a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0":
                    break
                time.sleep(0.2)
            time.sleep(5)
            a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            r = lam.invoke(FunctionName="fn", Payload=b'{"x":1}', LogType="Tail")
            import base64
            log = base64.b64decode(r["LogResult"]).decode()
            print(json.dumps({"visible": a["ApproximateNumberOfMessages"], "inflight": a["ApproximateNumberOfMessagesNotVisible"],
                              "requestId": r["ResponseMetadata"]["RequestId"], "log": log}))
            """)
        let r = try ProcessRunner.run(ProcessSpec(executable: "/usr/bin/env", arguments: [python, s.path("client.py"), server.endpoint],
                                                  environment: ProcessInfo.processInfo.environment, workingDirectory: s.directory, stdin: nil),
                                      timeout: 90)
        XCTAssertEqual(r.exitCode, 0, r.stderrText + "\n" + server.log)
        let out = try JSONParser.parse(r.stdoutText)
        XCTAssertEqual(out["visible"]?.stringValue, "0")
        XCTAssertEqual(out["inflight"]?.stringValue, "0")
        let requestId = out["requestId"]?.stringValue ?? "?"
        XCTAssertTrue(out["log"]?.stringValue?.contains("START RequestId: \(requestId)") ?? false, "\(out)")
        // 5 messages, 5 batch invocations, plus the sync invoke.
        XCTAssertEqual(try starts(s, "fn"), 6)
        // The window mapping: one invocation with both records, as the history shows.
        XCTAssertEqual(try starts(s, "win"), 1)
        let history = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(history.exitCode, 0, history.stderrText)
        let windowInvokes = history.stdoutText.split(separator: "\n").filter { $0.contains(#""event":"invoke""#) && $0.contains(#""function":"win""#) }
        XCTAssertEqual(windowInvokes.count, 1, history.stdoutText)
        XCTAssertTrue(windowInvokes.first?.contains(#""records":2"#) ?? false, history.stdoutText)
        // A Kinesis record put while serve runs is invoked once by serve's runner.
        try s.setup("create-function", "--function-name", "kfn", "--runtime", "builtin", "--handler", "echo")
        try s.setup("kinesis", "create-stream", "--stream-name", "s1", "--shard-count", "1")
        try s.setup("create-event-source-mapping", "--function-name", "kfn", "--starting-position", "TRIM_HORIZON",
                    "--event-source-arn", "arn:aws:kinesis:us-east-1:\(Self.account):stream/s1")
        try s.setup("kinesis", "put-record", "--stream-name", "s1", "--data", "hello", "--partition-key", "k")
        XCTAssertTrue(try eventually { try starts(s, "kfn") == 1 })
        usleep(1_500_000)
        XCTAssertEqual(try starts(s, "kfn"), 1)
        XCTAssertTrue(BackgroundRunnerProbe.isHeld(s.statePath + ".runner"), "serve holds the runner lock")
    }
}

/// Whether someone holds a runner lock file (flock), without keeping it.
enum BackgroundRunnerProbe {
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}
