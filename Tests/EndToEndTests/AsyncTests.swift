import Foundation
import LambdaSimJSON
import XCTest

/// Asynchronous invocation on the simulated clock (issue 5): retries at +0 s, +60 s, +180 s,
/// maximum retry attempts, maximum event age, reserved concurrency 0, every destination type
/// with the exact record, dead-letter queues, the same request id across attempts, `simulate`
/// output, scenarios, and many processes working on one queue at once. Built binary, private
/// sandbox, manual clock, builtin handlers.
final class AsyncTests: XCTestCase {
    static let start = "2026-01-01T00:00:00Z"
    static let account = "123456789012"

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .manual(start: Self.start)
        return s
    }

    // MARK: - Retries

    // The default policy: attempts at exactly +0 s, +60 s and +180 s, one request id, then RetriesExhausted.
    func testDefaultPolicyAttemptsAtZeroSixtyAndOneEighty() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fails", "--runtime", "builtin", "--handler", "fail:OrderError:payment declined")
        try s.setup("sqs", "create-queue", "--queue-name", "failures")
        try s.setup("put-destination", "--function-name", "fails", "--on-failure", sqsArn("failures"))
        try s.setup("invoke", "--function-name", "fails", "--invocation-type", "Event", "--payload", #"{"order": 1}"#, "out.json")
        let steps = try simulate(s)
        let invokes = steps.filter { $0["event"] == "invoke" }
        XCTAssertEqual(invokes.compactMap { $0["time"]?.stringValue },
                       ["2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z", "2026-01-01T00:03:00.000Z"])
        XCTAssertEqual(invokes.compactMap { $0["attempt"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(invokes.compactMap { $0["result"]?.stringValue }, ["error", "error", "error"])
        XCTAssertEqual(invokes.compactMap { $0["errorType"]?.stringValue }, ["OrderError", "OrderError", "OrderError"])
        let ids = Set(steps.compactMap { $0["requestId"]?.stringValue })
        XCTAssertEqual(ids.count, 1, "one request id on every step: \(ids)")
        let id = try XCTUnwrap(ids.first)
        XCTAssertEqual(steps.map { $0["event"]?.stringValue ?? "" },
                       ["enqueue", "invoke", "retry-scheduled", "invoke", "retry-scheduled", "invoke", "destination"])
        // The function saw the same request id on every attempt (its error document carries it).
        let messages = try receive(s, "failures")
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages.first?["Body"]?.stringValue, failureRecord(id: id, function: "fails", condition: "RetriesExhausted",
                                                                        count: 3, at: "2026-01-01T00:03:00.001Z",
                                                                        payload: #"{"order":1}"#, errorType: "OrderError",
                                                                        message: "payment declined"))
        // The logs show each attempt at its simulated time.
        let logs = try s.run(["logs", "--function-name", "fails"])
        XCTAssertEqual(logs.exitCode, 0, logs.stderrText)
        let starts = logs.stdoutText.split(separator: "\n").filter { $0.contains("START RequestId: \(id)") }
        XCTAssertEqual(starts.map { String($0.prefix(24)) },
                       ["2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z", "2026-01-01T00:03:00.000Z"])
        let ends = logs.stdoutText.split(separator: "\n").filter { $0.contains("END RequestId: \(id)") }
        XCTAssertEqual(ends.map { String($0.prefix(24)) },
                       ["2026-01-01T00:00:00.001Z", "2026-01-01T00:01:00.001Z", "2026-01-01T00:03:00.001Z"])
    }

    // MaximumRetryAttempts 0: one attempt; 1: attempts at +0 s and +60 s.
    func testMaximumRetryAttemptsZeroAndOne() throws {
        for (retries, expected) in [(0, ["2026-01-01T00:00:00.000Z"]), (1, ["2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z"])] {
            let s = try sandbox()
            try s.setup("create-function", "--function-name", "fails", "--runtime", "builtin", "--handler", "fail")
            try s.setup("sqs", "create-queue", "--queue-name", "failures")
            try s.setup("put-function-event-invoke-config", "--function-name", "fails", "--maximum-retry-attempts", String(retries),
                        "--destination-config", "OnFailure={Destination=\(sqsArn("failures"))}")
            try s.setup("invoke", "--function-name", "fails", "--invocation-type", "Event", "--payload", "{}", "out.json")
            let steps = try simulate(s)
            XCTAssertEqual(steps.filter { $0["event"] == "invoke" }.compactMap { $0["time"]?.stringValue }, expected,
                           "MaximumRetryAttempts \(retries)")
            let record = try XCTUnwrap(try receive(s, "failures").first?["Body"]?.stringValue).json
            XCTAssertEqual(record["requestContext"]?["condition"], "RetriesExhausted")
            XCTAssertEqual(record["requestContext"]?["approximateInvokeCount"], .int(retries + 1))
        }
    }

    // A function that succeeds on its second attempt (flaky:1): one retry, then the on-success record.
    func testFlakyFunctionSucceedsOnRetryToOnSuccessQueue() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "flaky", "--runtime", "builtin", "--handler", "flaky:1")
        try s.setup("sqs", "create-queue", "--queue-name", "done")
        try s.setup("put-destination", "--function-name", "flaky", "--on-success", sqsArn("done"))
        try s.setup("invoke", "--function-name", "flaky", "--invocation-type", "Event", "--payload", #"{"n":7}"#, "out.json")
        let steps = try simulate(s)
        XCTAssertEqual(steps.filter { $0["event"] == "invoke" }.compactMap { $0["result"]?.stringValue }, ["error", "success"])
        let id = try XCTUnwrap(steps.first?["requestId"]?.stringValue)
        let body = try XCTUnwrap(try receive(s, "done").first?["Body"]?.stringValue)
        XCTAssertEqual(body, #"{"version":"1.0","timestamp":"2026-01-01T00:01:00.001Z","requestContext":{"requestId":"\#(id)","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:flaky:$LATEST","condition":"Success","approximateInvokeCount":2},"requestPayload":{"n":7},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":{"n":7}}"#)
    }

    // MARK: - Maximum event age

    // MaximumEventAgeInSeconds 60: one attempt, then EventAgeExceeded before 60 s have passed (count 1, with the
    // last attempt's response); a larger age (120): two attempts, then EventAgeExceeded (count 2).
    func testEventAgeExceeded() throws {
        for (age, attempts) in [(60, 1), (120, 2)] {
            let s = try sandbox()
            try s.setup("create-function", "--function-name", "fails", "--runtime", "builtin", "--handler", "fail")
            try s.setup("sqs", "create-queue", "--queue-name", "failures")
            try s.setup("put-function-event-invoke-config", "--function-name", "fails", "--maximum-event-age-in-seconds", String(age),
                        "--destination-config", "OnFailure={Destination=\(sqsArn("failures"))}")
            try s.setup("invoke", "--function-name", "fails", "--invocation-type", "Event", "--payload", #"{"a":1}"#, "out.json")
            let steps = try simulate(s)
            XCTAssertEqual(steps.filter { $0["event"] == "invoke" }.count, attempts, "age \(age)")
            let expire = try XCTUnwrap(steps.first { $0["event"] == "expire" })
            XCTAssertEqual(expire["condition"], "EventAgeExceeded")
            let expiredAt = try XCTUnwrap(expire["time"]?.stringValue)
            XCTAssertEqual(expiredAt, attempts == 1 ? "2026-01-01T00:00:00.001Z" : "2026-01-01T00:01:00.001Z")
            let id = try XCTUnwrap(expire["requestId"]?.stringValue)
            let body = try XCTUnwrap(try receive(s, "failures").first?["Body"]?.stringValue)
            XCTAssertEqual(body, failureRecord(id: id, function: "fails", condition: "EventAgeExceeded", count: attempts,
                                               at: expiredAt, payload: #"{"a":1}"#, errorType: "Error", message: "Function failed"))
        }
    }

    // MARK: - Concurrency

    // Reserved concurrency 0: invoke answers 202, the function never runs, the event goes straight to the on-failure
    // destination with ZeroReservedConcurrency, approximateInvokeCount 0 and no response context.
    func testZeroReservedConcurrency() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "blocked", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "failures")
        try s.setup("put-function-concurrency", "--function-name", "blocked", "--reserved-concurrent-executions", "0")
        try s.setup("put-destination", "--function-name", "blocked", "--on-failure", sqsArn("failures"))
        let invoked = try s.run(["invoke", "--function-name", "blocked", "--invocation-type", "Event", "--payload", #"{"x":1}"#, "out.json"])
        XCTAssertEqual(invoked.exitCode, 0, invoked.stderrText)
        XCTAssertEqual(invoked.stdoutText, "{\n    \"StatusCode\": 202\n}\n")
        let steps = try simulate(s)
        XCTAssertEqual(steps.filter { $0["event"] == "invoke" }.count, 0)
        XCTAssertEqual(steps.map { $0["event"]?.stringValue ?? "" }, ["enqueue", "throttle", "destination"])
        let id = try XCTUnwrap(steps.first?["requestId"]?.stringValue)
        let body = try XCTUnwrap(try receive(s, "failures").first?["Body"]?.stringValue)
        XCTAssertEqual(body, #"{"version":"1.0","timestamp":"2026-01-01T00:00:00.000Z","requestContext":{"requestId":"\#(id)","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:blocked:$LATEST","condition":"ZeroReservedConcurrency","approximateInvokeCount":0},"requestPayload":{"x":1}}"#)
    }

    // Reserved concurrency 1 with three events at the same instant and a 10-second function: one runs, the others
    // are throttled and retried with back-off (1 s, 2 s, …) without using up retries; all three succeed.
    func testThrottlingBacksOffWithoutUsingRetries() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "slow", "--runtime", "builtin", "--handler", "sleep:10000", "--timeout", "30")
        try s.setup("put-function-concurrency", "--function-name", "slow", "--reserved-concurrent-executions", "1")
        for n in 1...3 {
            try s.setup("invoke", "--function-name", "slow", "--invocation-type", "Event", "--payload", #"{"n":\#(n)}"#, "out.json")
        }
        let steps = try simulate(s)
        let invokes = steps.filter { $0["event"] == "invoke" }
        XCTAssertEqual(invokes.count, 3)
        XCTAssertEqual(invokes.compactMap { $0["result"]?.stringValue }, ["success", "success", "success"])
        XCTAssertEqual(invokes.compactMap { $0["attempt"]?.intValue }, [1, 1, 1], "throttles do not count as attempts")
        XCTAssertEqual(invokes.compactMap { $0["time"]?.stringValue },
                       ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:15.000Z", "2026-01-01T00:00:31.000Z"])
        XCTAssertTrue(steps.contains { $0["event"] == "throttle" && $0["result"] == "throttled" })
    }

    // MARK: - Destinations

    // Each destination type gets the exact record: SQS, SNS (through an SQS subscription), EventBridge, S3
    // (on failure only) and another function (invoked asynchronously with the record as its event).
    func testEveryDestinationTypeReceivesTheExactRecord() throws {
        let s = try sandbox()
        try s.setup("create-function", "--function-name", "fails", "--runtime", "builtin", "--handler", "fail:OrderError:payment declined")
        try s.setup("sqs", "create-queue", "--queue-name", "via-sns")
        let topic = try s.setup("sns", "create-topic", "--name", "failures").stdoutText.json["TopicArn"]?.stringValue ?? ""
        try s.setup("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", sqsArn("via-sns"),
                    "--attributes", "RawMessageDelivery=true")
        try s.setup("events", "create-event-bus", "--name", "results")
        try s.setup("s3", "mb", "s3://failure-records")
        try s.setup("sqs", "create-queue", "--queue-name", "direct")
        try s.setup("create-function", "--function-name", "collector", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "collected")
        try s.setup("put-destination", "--function-name", "collector", "--on-success", sqsArn("collected"))

        let targets: [(String, String)] = [
            ("sqs", sqsArn("direct")), ("sns", topic), ("events", "arn:aws:events:us-east-1:\(Self.account):event-bus/results"),
            ("s3", "arn:aws:s3:::failure-records"), ("lambda", "arn:aws:lambda:us-east-1:\(Self.account):function:collector"),
        ]
        var records: [String: String] = [:]
        for (kind, arn) in targets {
            try s.setup("put-function-event-invoke-config", "--function-name", "fails", "--maximum-retry-attempts", "0",
                        "--destination-config", "OnFailure={Destination=\(arn)}")
            try s.setup("invoke", "--function-name", "fails", "--invocation-type", "Event", "--payload", #"{"kind":"\#(kind)"}"#, "out.json")
            let steps = try simulate(s)
            let destination = try XCTUnwrap(steps.first { $0["event"] == "destination" && $0["function"] == "fails" }, kind)
            XCTAssertEqual(destination["target"]?.stringValue, arn)
            XCTAssertEqual(destination["result"], "success", "\(kind): \(destination)")
            let id = try XCTUnwrap(destination["requestId"]?.stringValue)
            records[kind] = failureRecord(id: id, function: "fails", condition: "RetriesExhausted", count: 1,
                                          at: try XCTUnwrap(destination["time"]?.stringValue), payload: #"{"kind":"\#(kind)"}"#,
                                          errorType: "OrderError", message: "payment declined")
        }
        XCTAssertEqual(try receive(s, "direct").first?["Body"]?.stringValue, records["sqs"])
        XCTAssertEqual(try receive(s, "via-sns").first?["Body"]?.stringValue, records["sns"])
        let bus = s.read("events/us-east-1/results.jsonl").map { String(decoding: $0, as: UTF8.self) } ?? ""
        let event = try XCTUnwrap(bus.split(separator: "\n").first).description.json
        XCTAssertEqual(event["detail-type"], "Lambda Function Invocation Result - Failure")
        XCTAssertEqual(event["source"], "lambda")
        XCTAssertEqual(event["detail"], records["events"]?.json)
        let objects = try FileManager.default.subpathsOfDirectory(atPath: s.path("s3/failure-records")).filter { !$0.hasSuffix("/") }
        let objectKey = try XCTUnwrap(objects.first { $0.hasPrefix("aws/lambda/async/fails/2026/01/01/2026-01-01T00.0") && $0.count > 70 })
        XCTAssertEqual(s.read("s3/failure-records/" + objectKey).map { String(decoding: $0, as: UTF8.self) }, records["s3"])
        // The collector function echoes its event, and its own on-success record carries that response.
        let collected = try XCTUnwrap(try receive(s, "collected").first?["Body"]?.stringValue).json
        XCTAssertEqual(collected["requestPayload"], records["lambda"]?.json)
        XCTAssertEqual(collected["responsePayload"], records["lambda"]?.json)
        XCTAssertEqual(collected["requestContext"]?["functionArn"], "arn:aws:lambda:us-east-1:123456789012:function:collector:$LATEST")
    }

    // The dead-letter queue gets the original event with RequestID, ErrorCode (Number, 200 for a function error)
    // and ErrorMessage, alongside the on-failure destination.
    func testDeadLetterQueueAlongsideDestination() throws {
        let s = try sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "dlq")
        try s.setup("sqs", "create-queue", "--queue-name", "failures")
        try s.setup("create-function", "--function-name", "fails", "--runtime", "builtin", "--handler", "fail:OrderError:payment declined",
                    "--dead-letter-config", "TargetArn=\(sqsArn("dlq"))")
        try s.setup("put-function-event-invoke-config", "--function-name", "fails", "--maximum-retry-attempts", "1",
                    "--destination-config", "OnFailure={Destination=\(sqsArn("failures"))}")
        try s.setup("invoke", "--function-name", "fails", "--invocation-type", "Event", "--payload", #"{"order": 2}"#, "out.json")
        let steps = try simulate(s)
        XCTAssertEqual(steps.suffix(2).map { $0["event"]?.stringValue ?? "" }, ["destination", "dlq"])
        let id = try XCTUnwrap(steps.first?["requestId"]?.stringValue)
        let message = try XCTUnwrap(try receive(s, "dlq").first)
        XCTAssertEqual(message["Body"], #"{"order": 2}"#, "the original event, as sent")
        let attributes = try XCTUnwrap(message["MessageAttributes"])
        XCTAssertEqual(attributes["RequestID"]?["StringValue"]?.stringValue, id)
        XCTAssertEqual(attributes["RequestID"]?["DataType"], "String")
        XCTAssertEqual(attributes["ErrorCode"]?["StringValue"], "200")
        XCTAssertEqual(attributes["ErrorCode"]?["DataType"], "Number")
        XCTAssertEqual(attributes["ErrorMessage"]?["StringValue"], "payment declined")
        XCTAssertEqual(try receive(s, "failures").count, 1)
    }

    // MARK: - Event invoke config API

    func testEventInvokeConfigValidationAndMerge() throws {
        let s = try sandbox()
        try s.createBuiltin()
        func error(_ args: [String]) throws -> String {
            let r = try s.run(args)
            XCTAssertNotEqual(r.exitCode, 0, args.joined(separator: " "))
            return r.stderrText
        }
        XCTAssertEqual(try error(["put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "3"]),
                       "\nAn error occurred (ValidationException) when calling the PutFunctionEventInvokeConfig operation: 1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2\n")
        XCTAssertEqual(try error(["put-function-event-invoke-config", "--function-name", "my-fn"]),
                       "\nAn error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: You must specify at least one of error handling or destination setting.\n")
        XCTAssertEqual(try error(["put-destination", "--function-name", "my-fn", "--on-success", "arn:aws:lambda:us-east-1:123456789012:function:my-fn"]),
                       "\nAn error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: You can't specify the function as a destination for itself.\n")
        XCTAssertEqual(try error(["put-destination", "--function-name", "my-fn", "--on-success", "arn:aws:lambda:us-east-1:123456789012:function:doesnotexist"]),
                       "\nAn error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: The destination ARN arn:aws:lambda:us-east-1:123456789012:function:doesnotexist is invalid.\n")
        XCTAssertEqual(try error(["put-destination", "--function-name", "my-fn", "--on-success", "arn:aws:s3:::bucket"]),
                       "\nAn error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), onFailure=null) is invalid.\n")
        XCTAssertEqual(try error(["update-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1"]),
                       "\nAn error occurred (ResourceNotFoundException) when calling the UpdateFunctionEventInvokeConfig operation: The function arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST doesn't have an EventInvokeConfig\n")
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-event-age-in-seconds", "600")
        let updated = try s.setup("update-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1")
        XCTAssertEqual(updated.stdoutText.json["MaximumEventAgeInSeconds"], 600, "update merges")
        XCTAssertEqual(updated.stdoutText.json["MaximumRetryAttempts"], 1)
        let replaced = try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "0")
        XCTAssertNil(replaced.stdoutText.json["MaximumEventAgeInSeconds"], "put replaces")
        try s.setup("delete-function-event-invoke-config", "--function-name", "my-fn")
        XCTAssertEqual(try error(["get-function-event-invoke-config", "--function-name", "my-fn"]),
                       "\nAn error occurred (ResourceNotFoundException) when calling the GetFunctionEventInvokeConfig operation: The function arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST doesn't have an EventInvokeConfig\n")
    }

    // MARK: - simulate

    // Nothing queued: simulate prints nothing on stdout (scripts that pipe it are unaffected) and
    // says so, with the simulated time, on stderr; exit 0, in every format.
    func testIdleSimulatePrintsNothing() throws {
        let s = try sandbox()
        try s.createBuiltin()
        for format in ["timeline", "json", "mermaid"] {
            let r = try s.run(["simulate", "--format", format])
            XCTAssertEqual(r.exitCode, 0, r.stderrText)
            XCTAssertEqual(r.stdout, [], format)
            XCTAssertEqual(r.stderrText, "lambda-sim simulate: nothing was due; the simulated time is 2026-01-01T00:00:00.000Z (manual clock). simulate --history shows what already ran.\n", format)
        }
        let r = try s.run(["simulate", "--for", "5m"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertEqual(r.stdout, [])
    }

    // --for stops at the horizon (the retry at +60 s waits) and moves the manual clock there.
    func testSimulateForStopsAtTheHorizon() throws {
        let s = try sandbox()
        try s.createBuiltin("fails", handler: "fail")
        try s.setup("invoke", "--function-name", "fails", "--invocation-type", "Event", "out.json")
        let first = try simulate(s, ["--for", "30s"])
        XCTAssertEqual(first.filter { $0["event"] == "invoke" }.count, 1)
        let second = try simulate(s, ["--for", "40s"])
        XCTAssertEqual(second.filter { $0["event"] == "invoke" }.compactMap { $0["time"]?.stringValue }, ["2026-01-01T00:01:00.000Z"])
        let rest = try simulate(s)
        XCTAssertEqual(rest.filter { $0["event"] == "invoke" }.compactMap { $0["time"]?.stringValue }, ["2026-01-01T00:03:00.000Z"])
    }

    // The same scenario with the same seed prints the same bytes, in every format; another seed changes request ids.
    func testScenarioTimelineIsByteIdentical() throws {
        let s = try sandbox()
        let scenario = Self.examplesDirectory + "/retries-then-on-failure.json"
        for format in ["timeline", "json", "mermaid"] {
            let a = try s.run(["simulate", "--scenario", scenario, "--seed", "42", "--format", format, "--explain"])
            let b = try s.run(["simulate", "--scenario", scenario, "--seed", "42", "--format", format, "--explain"])
            XCTAssertEqual(a.exitCode, 0, a.stderrText)
            XCTAssertFalse(a.stdout.isEmpty)
            XCTAssertEqual(a.stdout, b.stdout, format)
        }
        let a = try s.run(["simulate", "--scenario", scenario, "--seed", "42"])
        let c = try s.run(["simulate", "--scenario", scenario, "--seed", "43"])
        XCTAssertNotEqual(a.stdout, c.stdout)
    }

    // Every shipped example scenario prints the timeline documented for it in docs/async.md.
    func testExampleScenariosMatchTheirDocumentedTimelines() throws {
        let s = try sandbox()
        // Event source mapping scenarios are documented in docs/event-sources.md, permission ones in docs/permissions.md,
        // concurrency and cost ones in docs/concurrency.md.
        let docs = try String(contentsOfFile: LambdaSimBinary.packageRoot.path + "/docs/async.md", encoding: .utf8)
            + String(contentsOfFile: LambdaSimBinary.packageRoot.path + "/docs/event-sources.md", encoding: .utf8)
            + String(contentsOfFile: LambdaSimBinary.packageRoot.path + "/docs/permissions.md", encoding: .utf8)
            + String(contentsOfFile: LambdaSimBinary.packageRoot.path + "/docs/concurrency.md", encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examplesDirectory).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 5)
        for file in files {
            let r = try s.run(["simulate", "--scenario", Self.examplesDirectory + "/" + file])
            XCTAssertEqual(r.exitCode, 0, "\(file): \(r.stderrText)")
            let marker = "<!-- timeline: examples/scenarios/\(file) -->\n```text\n"
            guard let range = docs.range(of: marker) else {
                XCTFail("docs/async.md has no timeline for \(file)")
                continue
            }
            let rest = docs[range.upperBound...]
            let documented = rest[..<(rest.range(of: "```")?.lowerBound ?? rest.endIndex)]
            XCTAssertEqual(r.stdoutText, String(documented), file)
        }
    }

    // MARK: - Many processes

    // Several processes enqueue and run the queue at the same time (simulate in parallel on the manual clock, then
    // wall-clock catch-ups with a start far in the past): every event is attempted exactly as the policy says.
    func testConcurrentProcessesAttemptEveryEventExactlyAsOften() throws {
        let s = try sandbox()
        try s.createBuiltin("fails", handler: "fail")
        try s.createBuiltin("ok", handler: "echo")
        let perProcess = 5
        var commands: [[String]] = []
        for p in 0..<6 {
            for n in 0..<perProcess {
                commands.append(["invoke", "--function-name", p % 2 == 0 ? "fails" : "ok", "--invocation-type", "Event",
                                 "--payload", #"{"p":\#(p),"n":\#(n)}"#, "out-\(p)-\(n).json"])
            }
            commands.append(["simulate", "--format", "json"])
        }
        let results = try s.runConcurrently(commands)
        for (command, result) in zip(commands, results) {
            XCTAssertEqual(result.exitCode, 0, "\(command.joined(separator: " ")): \(result.stderrText)")
        }
        let final = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(final.exitCode, 0, final.stderrText)
        try assertAttempts(s, fails: 3 * perProcess, ok: 3 * perProcess)

        // Wall clock, started far in the past: every command catches up; retries come due as simulated time is pushed on.
        let w = try Sandbox()
        w.clock = .wall
        try w.setup("state", "reset", "--clock", "wall", "--start", "2020-01-01T00:00:00Z")
        try w.createBuiltin("fails", handler: "fail")
        try w.createBuiltin("ok", handler: "echo")
        var wallCommands: [[String]] = []
        for p in 0..<6 {
            for n in 0..<perProcess {
                wallCommands.append(["invoke", "--function-name", p % 2 == 0 ? "fails" : "ok", "--invocation-type", "Event",
                                     "--payload", #"{"p":\#(p),"n":\#(n)}"#, "out-\(p)-\(n).json"])
            }
            wallCommands.append(["list-functions"])
            wallCommands.append(["simulate", "--for", "2m", "--format", "json"])
        }
        for (command, result) in zip(wallCommands, try w.runConcurrently(wallCommands)) {
            XCTAssertEqual(result.exitCode, 0, "\(command.joined(separator: " ")): \(result.stderrText)")
        }
        let rest = try w.run(["simulate", "--format", "json"])
        XCTAssertEqual(rest.exitCode, 0, rest.stderrText)
        try assertAttempts(w, fails: 3 * perProcess, ok: 3 * perProcess)
    }

    /// Each `fails` event ran exactly 3 times and each `ok` event once (counted in the functions' logs).
    private func assertAttempts(_ s: Sandbox, fails: Int, ok: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        for (function, events, attempts) in [("fails", fails, 3), ("ok", ok, 1)] {
            let logs = try s.run(["logs", "--function-name", function])
            XCTAssertEqual(logs.exitCode, 0, logs.stderrText, file: file, line: line)
            var counts: [String: Int] = [:]
            for l in logs.stdoutText.split(separator: "\n") where l.contains(" START RequestId: ") {
                let id = l.split(separator: " ")[3]
                counts[String(id), default: 0] += 1
            }
            XCTAssertEqual(counts.count, events, "\(function): distinct events", file: file, line: line)
            XCTAssertEqual(counts.values.filter { $0 != attempts }.count, 0,
                           "\(function): every event attempted \(attempts) times: \(counts)", file: file, line: line)
        }
    }

    // MARK: - Helpers

    static var examplesDirectory: String { LambdaSimBinary.packageRoot.path + "/examples/scenarios" }

    func sqsArn(_ name: String) -> String { "arn:aws:sqs:us-east-1:\(Self.account):\(name)" }

    /// `simulate --format json` (plus `extra`), one object a line.
    func simulate(_ s: Sandbox, _ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [JSON] {
        let r = try s.run(["simulate", "--format", "json"] + extra)
        XCTAssertEqual(r.exitCode, 0, r.stderrText, file: file, line: line)
        return try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// All messages waiting in a queue, with their message attributes.
    func receive(_ s: Sandbox, _ queue: String) throws -> [JSON] {
        let r = try s.run(["sqs", "receive-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(queue)",
                           "--max-number-of-messages", "10", "--message-attribute-names", "All"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        if r.stdout.isEmpty { return [] }
        return try JSONParser.parse(r.stdoutText)["Messages"]?.arrayValue ?? []
    }

    /// The on-failure record of a builtin `fail` function, byte for byte.
    func failureRecord(id: String, function: String, condition: String, count: Int, at time: String, payload: String,
                       errorType: String, message: String) -> String
    {
        #"{"version":"1.0","timestamp":"\#(time)","requestContext":{"requestId":"\#(id)","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:\#(function):$LATEST","condition":"\#(condition)","approximateInvokeCount":\#(count)},"requestPayload":\#(payload),"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":{"errorMessage":"\#(message)","errorType":"\#(errorType)","requestId":"\#(id)","stackTrace":[]}}"#
    }
}

private extension String {
    /// The text parsed as JSON, or null.
    var json: JSON { (try? JSONParser.parse(self)) ?? .null }
}
