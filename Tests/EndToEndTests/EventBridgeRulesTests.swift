import Foundation
import LambdaSimJSON
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// EventBridge rules and targets through the built binary: AWS's scheduled-rule tutorial pasted
/// unchanged, pattern routing, input transformation, rate and cron firing times, the retry
/// policy's bounds, and the dead-letter queue's attributes, on the manual clock (start
/// 2026-11-22T19:58:59.383Z); then a schedule firing from the background runner in wall mode
/// and under `serve`, with no command run.
final class EventBridgeRulesTests: XCTestCase {
    static let account = "123456789012"

    func queueUrl(_ name: String) -> String { "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(name)" }

    /// An exec function that appends every event it receives to `events-NAME.jsonl`.
    func recorder(_ s: Sandbox, name: String) throws {
        try s.write("code-\(name)/fn.sh", "#!/bin/sh\ncat >> '\(s.path("events-\(name).jsonl"))'\necho >> '\(s.path("events-\(name).jsonl"))'\nprintf '{}'\n")
        chmod(s.path("code-\(name)/fn.sh"), 0o755)
        try s.setup("create-function", "--function-name", name, "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code-\(name)"))
    }

    func events(_ s: Sandbox, _ name: String) throws -> [JSON] {
        let text = String(decoding: s.read("events-\(name).jsonl") ?? [], as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func timeline(_ s: Sandbox, _ arguments: [String]) throws -> [JSON] {
        let r = try s.run(["simulate", "--format", "json"] + arguments)
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        return try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func times(_ lines: [JSON], _ event: String) -> [String] {
        lines.filter { $0["event"]?.stringValue == event }.compactMap { $0["time"]?.stringValue }
    }

    func receive(_ s: Sandbox, _ queue: String) throws -> [JSON] {
        let r = try s.run(["sqs", "receive-message", "--queue-url", queueUrl(queue), "--max-number-of-messages", "10",
                           "--message-attribute-names", "All"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        if r.stdoutText.isEmpty { return [] }
        return try JSONParser.parse(r.stdoutText)["Messages"]?.arrayValue ?? []
    }

    // AWS's "Schedule AWS Lambda functions using EventBridge" tutorial, its command lines unchanged.
    func testScheduledRuleTutorialInvokesTheFunctionWithTheScheduledEvent() throws {
        let s = try Sandbox()
        try recorder(s, name: "LogScheduledEvent")
        let rule = try s.run(["events", "put-rule", "--name", "my-scheduled-rule", "--schedule-expression", "rate(5 minutes)"])
        XCTAssertEqual(rule.stdoutText, "{\n    \"RuleArn\": \"arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule\"\n}\n")
        let permission = try s.run(["lambda", "add-permission", "--function-name", "LogScheduledEvent", "--statement-id", "my-scheduled-event",
                                    "--action", "lambda:InvokeFunction", "--principal", "events.amazonaws.com",
                                    "--source-arn", "arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"])
        XCTAssertEqual(permission.exitCode, 0, permission.stderrText)
        try s.write("targets.json", "[\n  {\n    \"Id\": \"1\", \n    \"Arn\": \"arn:aws:lambda:us-east-1:123456789012:function:LogScheduledEvent\"\n  }\n]\n")
        let targets = try s.run(["events", "put-targets", "--rule", "my-scheduled-rule", "--targets", "file://targets.json"])
        XCTAssertEqual(targets.stdoutText, "{\n    \"FailedEntryCount\": 0,\n    \"FailedEntries\": []\n}\n")
        XCTAssertEqual(targets.exitCode, 0)

        // Created at 19:58:59: a rate schedule counts from the minute the rule was created.
        let lines = try timeline(s, ["--for", "10m"])
        XCTAssertEqual(times(lines, "schedule"), ["2026-11-22T20:03:00.000Z", "2026-11-22T20:08:00.000Z"])
        XCTAssertEqual(times(lines, "invoke"), ["2026-11-22T20:03:00.000Z", "2026-11-22T20:08:00.000Z"])
        let received = try events(s, "LogScheduledEvent")
        XCTAssertEqual(received.count, 2)
        let first = try XCTUnwrap(received.first?.objectValue)
        XCTAssertEqual(first.keys, ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"])
        XCTAssertEqual(first["detail-type"], "Scheduled Event")
        XCTAssertEqual(first["source"], "aws.events")
        XCTAssertEqual(first["time"], "2026-11-22T20:03:00Z")
        XCTAssertEqual(first["resources"], .array(["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"]))
        XCTAssertEqual(first["detail"], .object(JSONObject()))

        // Disabled, the rule does not fire; enabled again, it keeps its minute boundaries.
        try s.setup("events", "disable-rule", "--name", "my-scheduled-rule")
        XCTAssertEqual(times(try timeline(s, ["--for", "10m"]), "schedule"), [])
        try s.setup("events", "enable-rule", "--name", "my-scheduled-rule")
        XCTAssertEqual(times(try timeline(s, ["--for", "6m"]), "schedule"), ["2026-11-22T20:23:00.000Z"])
        // A day of rate(5 minutes) is 288 invocations.
        try s.setup("events", "put-rule", "--name", "my-scheduled-rule", "--schedule-expression", "rate(5 minutes)")
        XCTAssertEqual(times(try timeline(s, ["--for", "1d"]), "invoke").count, 288)
    }

    func testCronScheduleFiresAtAWSCronTimes() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "ticks", "--attributes", "MessageRetentionPeriod=1209600")
        // 10:15 UTC on weekdays (1 = Sunday): 2026-11-22 is a Sunday.
        try s.setup("events", "put-rule", "--name", "weekdays", "--schedule-expression", "cron(15 10 ? * MON-FRI *)")
        try s.setup("events", "put-targets", "--rule", "weekdays", "--targets",
                    "Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:ticks")
        let lines = try timeline(s, ["--for", "7d"])
        XCTAssertEqual(times(lines, "schedule"), ["2026-11-23T10:15:00.000Z", "2026-11-24T10:15:00.000Z", "2026-11-25T10:15:00.000Z",
                                                  "2026-11-26T10:15:00.000Z", "2026-11-27T10:15:00.000Z"])
        let depth = try s.run(["sqs", "get-queue-attributes", "--queue-url", queueUrl("ticks"), "--attribute-names", "ApproximateNumberOfMessages",
                               "--query", "Attributes.ApproximateNumberOfMessages", "--output", "text"])
        XCTAssertEqual(depth.stdoutText, "5\n", "one message a firing")
        // The last day of the month at noon, and every 20 minutes within one hour.
        try s.setup("events", "put-rule", "--name", "last-day", "--schedule-expression", "cron(0 12 L * ? *)")
        try s.setup("events", "put-targets", "--rule", "last-day", "--targets", "Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:ticks")
        try s.setup("events", "disable-rule", "--name", "weekdays")
        XCTAssertEqual(times(try timeline(s, ["--for", "40d"]), "schedule"), ["2026-11-30T12:00:00.000Z", "2026-12-31T12:00:00.000Z"])

        for bad in ["cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(60 12 * * ? *)", "cron(0 12 * * ?)", "rate(1 minutes)",
                    "rate(5 minute)", "rate(0 minutes)", "rate(5 seconds)"]
        {
            let r = try s.run(["events", "put-rule", "--name", "bad", "--schedule-expression", bad])
            XCTAssertEqual(r.stderrText, "\nAn error occurred (ValidationException) when calling the PutRule operation: Parameter ScheduleExpression is not valid.\n", bad)
            XCTAssertEqual(r.exitCode, 254, bad)
        }
    }

    func testPatternRoutingAndInputTransformation() throws {
        let s = try Sandbox()
        try recorder(s, name: "orders")
        try s.setup("sqs", "create-queue", "--queue-name", "notes")
        try s.setup("events", "put-rule", "--name", "placed", "--event-pattern",
                    #"{"source":["shop"],"detail-type":["OrderPlaced"],"detail":{"total":[{"numeric":[">",100]}]}}"#)
        try s.write("targets.json", #"""
        [{"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:orders", "InputPath": "$.detail"},
         {"Id": "note", "Arn": "arn:aws:sqs:us-east-1:123456789012:notes",
          "InputTransformer": {"InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total", "item": "$.detail.items[0]"},
                               "InputTemplate": "{\"text\": \"order <id> of <total> (<item>)\", \"total\": <total>, \"rule\": \"<aws.events.rule-name>\"}"}}]
        """#)
        try s.setup("events", "put-targets", "--rule", "placed", "--targets", "file://targets.json")
        let put = try s.run(["events", "put-events", "--entries",
                             #"[{"Source":"shop","DetailType":"OrderPlaced","Detail":"{\"id\":\"o-1\",\"total\":250,\"items\":[\"book\"]}"},"#
                                 + #"{"Source":"shop","DetailType":"OrderPlaced","Detail":"{\"id\":\"o-2\",\"total\":50}"},"#
                                 + #"{"Source":"other","DetailType":"OrderPlaced","Detail":"{\"id\":\"o-3\",\"total\":500}"}]"#])
        XCTAssertEqual(put.exitCode, 0, put.stderrText)
        let messages = try receive(s, "notes")
        XCTAssertEqual(messages.count, 1, "only o-1 matches the pattern")
        XCTAssertEqual(messages.first?["Body"], #"{"text": "order o-1 of 250 (book)", "total": 250, "rule": "placed"}"#)
        let lines = try timeline(s, [])
        XCTAssertEqual(times(lines, "rule-match"), ["2026-11-22T19:58:59.383Z", "2026-11-22T19:58:59.383Z"])
        XCTAssertEqual(times(lines, "invoke"), ["2026-11-22T19:58:59.383Z"])
        XCTAssertEqual(try events(s, "orders"), [try JSONParser.parse(#"{"id":"o-1","total":250,"items":["book"]}"#)])

        // Rules and targets read back as the CLI prints them.
        let described = try s.run(["events", "describe-rule", "--name", "placed"])
        XCTAssertEqual(described.stdoutText, """
        {
            "Name": "placed",
            "Arn": "arn:aws:events:us-east-1:123456789012:rule/placed",
            "EventPattern": "{\\"source\\":[\\"shop\\"],\\"detail-type\\":[\\"OrderPlaced\\"],\\"detail\\":{\\"total\\":[{\\"numeric\\":[\\">\\",100]}]}}",
            "State": "ENABLED",
            "EventBusName": "default",
            "CreatedBy": "123456789012"
        }

        """)
        let names = try s.run(["events", "list-rule-names-by-target", "--target-arn", "arn:aws:sqs:us-east-1:123456789012:notes"])
        XCTAssertEqual(names.stdoutText, "{\n    \"RuleNames\": [\n        \"placed\"\n    ]\n}\n")
        let refused = try s.run(["events", "delete-rule", "--name", "placed"])
        XCTAssertEqual(refused.stderrText, "\nAn error occurred (ValidationException) when calling the DeleteRule operation: Rule can't be deleted since it has targets.\n")
        XCTAssertEqual(refused.exitCode, 254)
        try s.setup("events", "remove-targets", "--rule", "placed", "--ids", "fn", "note")
        try s.setup("events", "delete-rule", "--name", "placed")
        let missing = try s.run(["events", "describe-rule", "--name", "placed"])
        XCTAssertEqual(missing.stderrText, "\nAn error occurred (ResourceNotFoundException) when calling the DescribeRule operation: Rule placed does not exist on EventBus default.\n")
        XCTAssertEqual(missing.exitCode, 254)
        let badPattern = try s.run(["events", "put-rule", "--name", "x", "--event-pattern", #"{"source":"shop"}"#])
        XCTAssertEqual(badPattern.exitCode, 254)
        XCTAssertTrue(badPattern.stderrText.contains("(InvalidEventPatternException) when calling the PutRule operation: Event pattern is not valid. Reason: "),
                      badPattern.stderrText)
    }

    func testRetryPolicyBounds() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("events", "put-rule", "--name", "r", "--event-pattern", #"{"source":["a"]}"#)
        let cases: [(String, String)] = [
            ("MaximumRetryAttempts=186", "Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185"),
            ("MaximumEventAgeInSeconds=86401", "Value '86401' at 'targets.1.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 86400"),
        ]
        for (policy, message) in cases {
            let r = try s.run(["events", "put-targets", "--rule", "r", "--targets",
                               "Id=1,Arn=arn:aws:sqs:us-east-1:123456789012:q,RetryPolicy={\(policy)}"])
            XCTAssertEqual(r.stderrText, "\nAn error occurred (ValidationException) when calling the PutTargets operation: 1 validation error detected: \(message)\n")
            XCTAssertEqual(r.exitCode, 254)
        }
        // Below a minimum, the CLI itself refuses (botocore checks the model's minimums), as the real CLI does.
        let low = try s.run(["events", "put-targets", "--rule", "r", "--targets",
                             "Id=1,Arn=arn:aws:sqs:us-east-1:123456789012:q,RetryPolicy={MaximumEventAgeInSeconds=59}"])
        XCTAssertEqual(low.stderrText, "\nParameter validation failed:\nInvalid value for parameter Targets[0].RetryPolicy.MaximumEventAgeInSeconds, value: 59, valid min value: 60\n")
        XCTAssertEqual(low.exitCode, 252)
        try s.setup("events", "put-targets", "--rule", "r", "--targets",
                    "Id=1,Arn=arn:aws:sqs:us-east-1:123456789012:q,RetryPolicy={MaximumRetryAttempts=185,MaximumEventAgeInSeconds=86400}")
        let listed = try JSONParser.parse(try s.run(["events", "list-targets-by-rule", "--rule", "r"]).stdoutText)
        XCTAssertEqual(listed["Targets"]?.arrayValue?.first?["RetryPolicy"], try JSONParser.parse(#"{"MaximumRetryAttempts":185,"MaximumEventAgeInSeconds":86400}"#))
    }

    // A delivery the target refuses (a deleted function; strict IAM without events.amazonaws.com)
    // is not retried: the event goes to the target's DLQ with EventBridge's attributes at once.
    func testUndeliverableEventsGoToTheTargetDeadLetterQueue() throws {
        let s = try Sandbox()
        try s.setup("sqs", "create-queue", "--queue-name", "rule-dlq")
        try s.setup("create-function", "--function-name", "gone", "--runtime", "builtin", "--handler", "echo")
        try s.setup("events", "put-rule", "--name", "every-hour", "--schedule-expression", "rate(1 hour)")
        try s.setup("events", "put-targets", "--rule", "every-hour", "--targets",
                    "Id=fn,Arn=arn:aws:lambda:us-east-1:123456789012:function:gone,DeadLetterConfig={Arn=arn:aws:sqs:us-east-1:123456789012:rule-dlq}")
        try s.setup("delete-function", "--function-name", "gone")
        let lines = try timeline(s, ["--for", "1h"])
        XCTAssertEqual(times(lines, "target-dlq"), ["2026-11-22T20:58:00.000Z"])
        let messages = try receive(s, "rule-dlq")
        XCTAssertEqual(messages.count, 1)
        let message = try XCTUnwrap(messages.first)
        let body = try JSONParser.parse(message["Body"]?.stringValue ?? "")
        XCTAssertEqual(body["detail-type"], "Scheduled Event")
        XCTAssertEqual(body["time"], "2026-11-22T20:58:00Z")
        let attributes = try XCTUnwrap(message["MessageAttributes"]?.objectValue)
        XCTAssertEqual(attributes.keys.sorted(), ["ERROR_CODE", "ERROR_MESSAGE", "RULE_ARN", "TARGET_ARN"])
        XCTAssertEqual(attributes["RULE_ARN"]?["StringValue"], "arn:aws:events:us-east-1:123456789012:rule/every-hour")
        XCTAssertEqual(attributes["TARGET_ARN"]?["StringValue"], "arn:aws:lambda:us-east-1:123456789012:function:gone")
        XCTAssertEqual(attributes["ERROR_CODE"]?["StringValue"], "NO_RESOURCE")
        XCTAssertEqual(attributes["ERROR_MESSAGE"]?["StringValue"], "Function not found: arn:aws:lambda:us-east-1:123456789012:function:gone")

        // Strict IAM: a function that never granted events.amazonaws.com; granting it fixes the next firing.
        let strict = try Sandbox()
        try strict.setup("state", "reset", "--clock", "manual", "--start", Sandbox.fixedStart, "--iam", "strict")
        try strict.setup("sqs", "create-queue", "--queue-name", "rule-dlq")
        try strict.setup("iam", "create-role", "--role-name", "fn-role", "--assume-role-policy-document",
                         #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        try strict.setup("create-function", "--function-name", "private", "--runtime", "builtin", "--handler", "echo",
                         "--role", "arn:aws:iam::123456789012:role/fn-role")
        try strict.setup("events", "put-rule", "--name", "every-hour", "--schedule-expression", "rate(1 hour)")
        try strict.setup("events", "put-targets", "--rule", "every-hour", "--targets",
                         "Id=fn,Arn=arn:aws:lambda:us-east-1:123456789012:function:private,DeadLetterConfig={Arn=arn:aws:sqs:us-east-1:123456789012:rule-dlq}")
        let denied = try timeline(strict, ["--for", "1h"])
        XCTAssertEqual(times(denied, "target-dlq"), ["2026-11-22T20:58:00.000Z"])
        XCTAssertEqual(times(denied, "invoke"), [])
        XCTAssertEqual(try receive(strict, "rule-dlq").first?["MessageAttributes"]?["ERROR_CODE"]?["StringValue"], "NO_PERMISSIONS")
        try strict.setup("lambda", "add-permission", "--function-name", "private", "--statement-id", "events", "--action", "lambda:InvokeFunction",
                         "--principal", "events.amazonaws.com", "--source-arn", "arn:aws:events:us-east-1:123456789012:rule/every-hour")
        let allowed = try timeline(strict, ["--for", "1h"])
        XCTAssertEqual(times(allowed, "invoke"), ["2026-11-22T21:58:00.000Z"])
        XCTAssertEqual(times(allowed, "target-dlq"), [])
    }

    // Wall mode: the background runner fires the schedule with no command waiting for it.
    func testScheduleFiresFromTheBackgroundRunnerInWallMode() throws {
        let s = try Sandbox()
        s.clock = .wall
        try runScheduleInTheBackground(s, serve: false)
    }

    func testScheduleFiresUnderServe() throws {
        let s = try Sandbox()
        s.clock = .wall
        try runScheduleInTheBackground(s, serve: true)
    }

    func runScheduleInTheBackground(_ s: Sandbox, serve: Bool) throws {
        var server: ServeProcess?
        if serve {
            try s.setup("state", "reset")
            server = try ServeProcess(s)
        }
        defer { _ = server?.stop() }
        try recorder(s, name: "tick")
        try s.setup("lambda", "add-permission", "--function-name", "tick", "--statement-id", "events", "--action", "lambda:InvokeFunction",
                    "--principal", "events.amazonaws.com")
        try s.setup("events", "put-rule", "--name", "every-minute", "--schedule-expression", "rate(1 minute)")
        try s.setup("events", "put-targets", "--rule", "every-minute", "--targets", "Id=1,Arn=arn:aws:lambda:us-east-1:123456789012:function:tick")
        // Bring the simulated clock to about two seconds before the first firing (no firing on the way).
        let state = try JSONParser.parse(bytes: s.read("state.json") ?? [])
        let next = try XCTUnwrap(state["eventRules"]?["rules"]?["us-east-1/default/every-minute"]?["nextFireMs"]?.intValue)
        let offset = state["clock"]?["offsetMs"]?.intValue ?? 0
        let wall = Int(Date().timeIntervalSince1970 * 1000)
        let skip = (next - (wall + offset)) / 1000 - 2
        if skip > 0 { try s.setup("simulate", "--for", "\(skip)s") }
        XCTAssertEqual(try events(s, "tick").count, 0)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try events(s, "tick").isEmpty { usleep(100_000) }
        let received = try events(s, "tick")
        XCTAssertEqual(received.count, 1, server?.log ?? "")
        XCTAssertEqual(received.first?["detail-type"], "Scheduled Event")
        XCTAssertEqual(received.first?["time"]?.stringValue?.hasSuffix(":00Z"), true, "a rate schedule fires on the minute")
    }
}
