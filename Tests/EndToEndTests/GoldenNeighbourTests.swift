import LambdaSimJSON
import XCTest

/// Reference aws-cli-v1-observed.md §13: neighbouring commands (functions, SQS, event source
/// mappings, event invoke configs, concurrency, timestamps). Everything runs on the manual clock
/// started at the reference's own instant (2026-11-22T19:58:59.383Z), so timestamps are exact:
/// function `LastModified` `2026-11-22T19:58:59.383+0000`, epoch `1795377539.383`.
final class GoldenNeighbourTests: XCTestCase {
    static let queueArn = "arn:aws:sqs:us-east-1:123456789012:my-queue"
    static let bothDestinations =
        #"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:123456789012:my-queue"},"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:123456789012:my-queue"}}"#

    private func createFunctionArguments(_ name: String) -> [String] {
        ["create-function", "--function-name", name, "--runtime", "python3.12", "--role", Sandbox.referenceRole,
         "--handler", "handler.handler", "--zip-file", "fileb://fn.zip"]
    }

    /// A sandbox with the Python `my-fn` and the SQS queue `my-queue`.
    private func withQueue() throws -> Sandbox {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.setup("sqs", "create-queue", "--queue-name", "my-queue")
        return s
    }

    /// `withQueue()` plus the reference's mapping (batch size 5); returns the mapping's UUID.
    private func withMapping() throws -> (Sandbox, String) {
        let s = try withQueue()
        let created = try s.setup("create-event-source-mapping", "--function-name", "my-fn", "--event-source-arn",
                                  Self.queueArn, "--batch-size", "5")
        let uuid = try JSONParser.parse(created.stdoutText)["UUID"]?.stringValue
        return (s, try XCTUnwrap(uuid, "create-event-source-mapping printed no UUID"))
    }

    // MARK: functions

    // 01-create-function: AWS's shape instead of moto's (§14 #8): State Pending with StateReason/StateReasonCode, RevisionId (normalised), LoggingConfig, LastModified `…+0000`, no `Layers` when there are none (issue 14); CodeSize/CodeSha256 are our fn.zip's.
    func test01CreateFunction() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("01-create-function", createFunctionArguments("my-fn")))
    }

    // 08-create-function-env-json: moto accepted the one-letter variable name `K`; AWS requires names of 2+ characters (pattern `[a-zA-Z]([a-zA-Z0-9_])+`) and answers 400 ValidationException, exit 255. 08b shows the accepted shape.
    func test08CreateFunctionEnvJSON() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("08-create-function-env-json", createFunctionArguments("fn-e")
            + ["--environment", "Variables={K=v}", "--timeout", "10", "--memory-size", "256", "--publish"]))
    }

    // 07-create-function-text: as 08, AWS rejects the one-letter variable name `K` (ValidationException, exit 255); 07b shows the text layout of an accepted create.
    func test07CreateFunctionText() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("07-create-function-text", ["--output", "text"] + createFunctionArguments("fn-d")
            + ["--environment", "Variables={K=v}", "--timeout", "10", "--memory-size", "256"]))
    }

    // 08b (not a reference case): 08 with a two-character variable name, so AWS accepts it and prints the published version's AWS shape with Environment (under the unqualified ARN, as AWS answers `--publish`).
    func test08bCreateFunctionEnvTwoCharKey() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("08b-create-function-env-json-two-char-key", createFunctionArguments("fn-e")
            + ["--environment", "Variables={KK=v}", "--timeout", "10", "--memory-size", "256", "--publish"]))
    }

    // 07b (not a reference case): 07 with a two-character variable name: the text layout of an accepted create.
    func test07bCreateFunctionTextTwoCharKey() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("07b-create-function-text-two-char-key", ["--output", "text"] + createFunctionArguments("fn-d")
            + ["--environment", "Variables={KK=v}", "--timeout", "10", "--memory-size", "256"]))
    }

    // 04-create-function-duplicate: identical to the reference (`Function already exist: my-fn`, exit 255).
    func test04CreateFunctionDuplicate() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.assertGolden(GoldenCase("04-create-function-duplicate", createFunctionArguments("my-fn")))
    }

    // 05-create-function-zip-not-fileb: identical to the reference.
    func test05CreateFunctionZipNotFileb() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("05-create-function-zip-not-fileb",
                                      ["create-function", "--function-name", "fn-b", "--runtime", "python3.12", "--role",
                                       Sandbox.referenceRole, "--handler", "handler.handler", "--zip-file", "file://x.json"]))
    }

    // 06-create-function-bad-role: AWS's pattern text `…:iam::\\d{12}:role/…` (the botocore model's, as real AWS prints it); moto wrote `(\\d{12})`.
    func test06CreateFunctionBadRole() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("06-create-function-bad-role",
                                      ["create-function", "--function-name", "fn-c", "--runtime", "python3.12", "--role",
                                       "not-a-role", "--handler", "handler.handler", "--zip-file", "fileb://fn.zip"]))
    }

    // MARK: SQS

    // 70-sqs-create-queue: QueueUrl is AWS's `https://sqs.us-east-1.amazonaws.com/123456789012/my-queue` (DESIGN.md), not moto's endpoint URL.
    func test70SQSCreateQueue() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("70-sqs-create-queue", ["sqs", "create-queue", "--queue-name", "my-queue"]))
    }

    // 71-sqs-get-queue-arn: identical stdout; the queue URL argument is AWS's form.
    func test71SQSGetQueueArn() throws {
        let s = try Sandbox.reference()
        try s.setup("sqs", "create-queue", "--queue-name", "my-queue")
        try s.assertGolden(GoldenCase("71-sqs-get-queue-arn",
                                      ["sqs", "get-queue-attributes", "--queue-url",
                                       "https://sqs.us-east-1.amazonaws.com/123456789012/my-queue", "--attribute-names", "QueueArn"]))
    }

    // MARK: event source mappings

    // 72-create-event-source-mapping: AWS's response (§14 #9): State Creating, StateTransitionReason USER_INITIATED, LastModified with milliseconds, MaximumBatchingWindowInSeconds 0 and FunctionResponseTypes [] for SQS; UUID normalised.
    func test72CreateEventSourceMapping() throws {
        let s = try withQueue()
        try s.assertGolden(GoldenCase("72-create-event-source-mapping",
                                      ["create-event-source-mapping", "--function-name", "my-fn", "--event-source-arn",
                                       Self.queueArn, "--batch-size", "5"]))
    }

    // 73-list-event-source-mappings: AWS's shape (§14 #9), settled to State Enabled for every later command (DESIGN.md).
    func test73ListEventSourceMappings() throws {
        let (s, _) = try withMapping()
        try s.assertGolden(GoldenCase("73-list-event-source-mappings", ["list-event-source-mappings", "--function-name", "my-fn"]))
    }

    // 74-list-event-source-mappings-all: as 73 (§14 #9).
    func test74ListEventSourceMappingsAll() throws {
        let (s, _) = try withMapping()
        try s.assertGolden(GoldenCase("74-list-event-source-mappings-all", ["list-event-source-mappings"]))
    }

    // 79-list-esm-empty: identical to the reference.
    func test79ListESMEmpty() throws {
        let s = try withQueue()
        try s.setup("create-function", "--function-name", "fn-d", "--runtime", "builtin", "--handler", "echo")
        try s.setup("create-event-source-mapping", "--function-name", "my-fn", "--event-source-arn", Self.queueArn,
                    "--batch-size", "5")
        try s.assertGolden(GoldenCase("79-list-esm-empty", ["list-event-source-mappings", "--function-name", "fn-d"]))
    }

    // 78-list-esm-text: the same text layout; AWS's values (§14 #9: the MaximumBatchingWindowInSeconds 0 column, USER_INITIATED, milliseconds; the empty FunctionResponseTypes list prints nothing).
    func test78ListESMText() throws {
        let (s, _) = try withMapping()
        try s.assertGolden(GoldenCase("78-list-esm-text", ["--output", "text", "list-event-source-mappings"]))
    }

    // 75-get-event-source-mapping: AWS's shape (§14 #9), State Enabled.
    func test75GetEventSourceMapping() throws {
        let (s, uuid) = try withMapping()
        try s.assertGolden(GoldenCase("75-get-event-source-mapping", ["get-event-source-mapping", "--uuid", uuid]))
    }

    // 76-create-esm-unknown-function: the reference's text, but AWS's code for a mapping to a missing function is InvalidParameterValueException (moto answers 404; issue 14).
    func test76CreateESMUnknownFunction() throws {
        let s = try withQueue()
        try s.assertGolden(GoldenCase("76-create-esm-unknown-function",
                                      ["create-event-source-mapping", "--function-name", "no-such-fn", "--event-source-arn",
                                       Self.queueArn]))
    }

    // 77-create-esm-missing-arg: identical to the reference (request sent, InvalidParameterValueException, exit 255).
    func test77CreateESMMissingArg() throws {
        let s = try withQueue()
        try s.assertGolden(GoldenCase("77-create-esm-missing-arg", ["create-event-source-mapping", "--function-name", "my-fn"]))
    }

    // MARK: event invoke configs

    // 80-put-function-event-invoke-config: AWS's response (§14 #10): LastModified is the config's time (here the same instant), FunctionArn qualified with `:$LATEST`.
    func test80PutFunctionEventInvokeConfig() throws {
        let s = try withQueue()
        try s.assertGolden(GoldenCase("80-put-function-event-invoke-config",
                                      ["put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1",
                                       "--maximum-event-age-in-seconds", "3600", "--destination-config", Self.bothDestinations]))
    }

    // 81-put-feic-shorthand: AWS's response (§14 #10): FunctionArn `:$LATEST`, the unset OnSuccess shown as `{}`.
    func test81PutFEICShorthand() throws {
        let s = try withQueue()
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1",
                    "--maximum-event-age-in-seconds", "3600", "--destination-config", Self.bothDestinations)
        try s.assertGolden(GoldenCase("81-put-feic-shorthand",
                                      ["put-function-event-invoke-config", "--function-name", "my-fn", "--destination-config",
                                       "OnFailure={Destination=arn:aws:sqs:us-east-1:123456789012:my-queue}"]))
    }

    // 82-get-function-event-invoke-config: after the puts of 80 and 81, AWS returns 81's config (put replaces; moto returned the first), FunctionArn `:$LATEST` (§14 #10).
    func test82GetFunctionEventInvokeConfig() throws {
        let s = try withQueue()
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1",
                    "--maximum-event-age-in-seconds", "3600", "--destination-config", Self.bothDestinations)
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--destination-config",
                    "OnFailure={Destination=arn:aws:sqs:us-east-1:123456789012:my-queue}")
        try s.assertGolden(GoldenCase("82-get-function-event-invoke-config",
                                      ["get-function-event-invoke-config", "--function-name", "my-fn"]))
    }

    // 84-list-function-event-invoke-configs: AWS lists the config with the epoch LastModified (moto printed the function's string) and FunctionArn `:$LATEST` (§14 #10); after 80's put only.
    func test84ListFunctionEventInvokeConfigs() throws {
        let s = try withQueue()
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1",
                    "--maximum-event-age-in-seconds", "3600", "--destination-config", Self.bothDestinations)
        try s.assertGolden(GoldenCase("84-list-function-event-invoke-configs",
                                      ["list-function-event-invoke-configs", "--function-name", "my-fn"]))
    }

    // 83-get-feic-unknown-function: identical to the reference.
    func test83GetFEICUnknownFunction() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.assertGolden(GoldenCase("83-get-feic-unknown-function",
                                      ["get-function-event-invoke-config", "--function-name", "no-such-fn"]))
    }

    // 89-put-feic-bad-json: identical to the reference (client-side, exit 255).
    func test89PutFEICBadJSON() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.assertGolden(GoldenCase("89-put-feic-bad-json",
                                      ["put-function-event-invoke-config", "--function-name", "my-fn", "--destination-config", "{bad"]))
    }

    // MARK: concurrency

    // 85-put-function-concurrency: identical to the reference.
    func test85PutFunctionConcurrency() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.assertGolden(GoldenCase("85-put-function-concurrency",
                                      ["put-function-concurrency", "--function-name", "my-fn", "--reserved-concurrent-executions", "5"]))
    }

    // 86-get-function-concurrency: identical to the reference.
    func test86GetFunctionConcurrency() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.setup("put-function-concurrency", "--function-name", "my-fn", "--reserved-concurrent-executions", "5")
        try s.assertGolden(GoldenCase("86-get-function-concurrency", ["get-function-concurrency", "--function-name", "my-fn"]))
    }

    // 87-put-function-concurrency-unknown: identical to the reference.
    func test87PutFunctionConcurrencyUnknown() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("87-put-function-concurrency-unknown",
                                      ["put-function-concurrency", "--function-name", "no-such-fn",
                                       "--reserved-concurrent-executions", "5"]))
    }

    // 88-put-function-concurrency-bad-int: identical to the reference.
    func test88PutFunctionConcurrencyBadInt() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.assertGolden(GoldenCase("88-put-function-concurrency-bad-int",
                                      ["put-function-concurrency", "--function-name", "my-fn", "--reserved-concurrent-executions", "abc"]))
    }

    // MARK: timestamps

    // 95-esm-iso8601-timestamps: iso8601 from the config file, TZ=UTC; AWS's mapping (§14 #9) so the time has milliseconds (`.383000+00:00`), USER_INITIATED, SQS's extra keys.
    func test95ESMISO8601Timestamps() throws {
        let (s, _) = try withMapping()
        s.timeZone = "UTC"
        try s.assertGolden(GoldenCase("95-esm-iso8601-timestamps", ["list-event-source-mappings"],
                                      environment: ["AWS_CONFIG_FILE": "iso.cfg"]))
    }

    // 95b-feic-iso8601-timestamps: TZ=America/New_York; the config of 80 (put replaces, FunctionArn `:$LATEST`, §14 #10); the time is the reference's own `2026-11-22T14:58:59.383000-05:00`.
    func test95bFEICISO8601Timestamps() throws {
        let s = try withQueue()
        try s.setup("put-function-event-invoke-config", "--function-name", "my-fn", "--maximum-retry-attempts", "1",
                    "--maximum-event-age-in-seconds", "3600", "--destination-config", Self.bothDestinations)
        s.timeZone = "America/New_York"
        try s.assertGolden(GoldenCase("95b-feic-iso8601-timestamps", ["get-function-event-invoke-config", "--function-name", "my-fn"],
                                      environment: ["AWS_CONFIG_FILE": "iso.cfg"]))
    }
}
