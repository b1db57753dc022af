import LambdaSimJSON
import LambdaSimSupport

/// The deterministic demo functions of `--runtime builtin`. Their durations are simulated.
public enum BuiltinHandler: Equatable, Sendable {
    case echo
    case fail(type: String, message: String)
    case flaky(failures: Int)
    case sleep(ms: Int)
    case crash
    case partialBatch(text: String)
    case poison(text: String)

    public static let names = ["echo", "fail", "flaky", "sleep", "crash", "partial-batch", "poison"]

    public static func parse(_ handler: String) -> BuiltinHandler? {
        let parts = handler.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "echo": return parts.count == 1 ? .echo : nil
        case "fail":
            return .fail(type: parts.count > 1 && !parts[1].isEmpty ? parts[1] : "Error",
                         message: parts.count > 2 ? parts[2] : "Function failed")
        case "flaky":
            guard parts.count == 2, let n = Int(parts[1]), n >= 0 else { return nil }
            return .flaky(failures: n)
        case "sleep":
            guard parts.count == 2, let n = Int(parts[1]), n >= 0 else { return nil }
            return .sleep(ms: n)
        case "crash": return parts.count == 1 ? .crash : nil
        case "partial-batch":
            guard parts.count >= 2 else { return nil }
            return .partialBatch(text: parts.dropFirst().joined(separator: ":"))
        case "poison":
            guard parts.count >= 2 else { return nil }
            return .poison(text: parts.dropFirst().joined(separator: ":"))
        default: return nil
        }
    }

    static func validate(_ handler: String) throws {
        if parse(handler) == nil {
            throw ServiceError.invalidParameter(
                "Unknown builtin handler '\(handler)'. Use one of: echo, fail[:Type[:message]], flaky:N, sleep:MS, crash, partial-batch:TEXT, poison:TEXT.")
        }
    }
}

/// Runs builtin handlers in-process; no real time passes.
final class BuiltinEnvironment: ExecutionEnvironment {
    /// The simulated duration of a builtin invocation that does not sleep.
    static let baseDurationMs = 1.0
    static let memoryUsedMB = 32
    private var crashed = false
    private var started = false
    /// The handler text and what it parsed to: an environment serves one function version, and
    /// `simulate` runs it hundreds of thousands of times.
    private var parsed: (text: String, handler: BuiltinHandler)?

    var isReusable: Bool { !crashed }
    func shutdown() {}

    func invoke(_ input: InvocationInput) -> InvocationOutput {
        let cold = !started
        started = true
        let initMs: Double? = cold ? 0.5 : nil
        let handlerText = input.function.handler ?? ""
        let handler: BuiltinHandler
        if let parsed, parsed.text == handlerText {
            handler = parsed.handler
        } else {
            handler = BuiltinHandler.parse(handlerText) ?? .echo
            parsed = (handlerText, handler)
        }
        let payload = input.payload.isEmpty ? Array("{}".utf8) : input.payload
        let timeoutMs = Double(input.function.timeout) * 1000
        let memory = min(Self.memoryUsedMB, input.function.memorySize)
        func ok(_ bytes: [UInt8], duration: Double = BuiltinEnvironment.baseDurationMs) -> InvocationOutput {
            InvocationOutput(payload: bytes, durationMs: duration, initDurationMs: initMs, maxMemoryUsedMB: memory)
        }
        func fail(_ type: String, _ message: String) -> InvocationOutput {
            // Python's json.dumps of {"errorMessage", "errorType", "requestId", "stackTrace": []}.
            var text = "{\"errorMessage\": "
            JSONWriter.writeString(message, into: &text)
            text += ", \"errorType\": "
            JSONWriter.writeString(type, into: &text)
            text += ", \"requestId\": "
            JSONWriter.writeString(input.requestId, into: &text)
            text += ", \"stackTrace\": []}"
            let body = Array(text.utf8)
            let log = "[ERROR] \(type): \(message)\n"
            return InvocationOutput(payload: body, errorType: type, log: log, durationMs: Self.baseDurationMs,
                                    initDurationMs: initMs, maxMemoryUsedMB: memory)
        }
        switch handler {
        case .echo:
            return ok(payload)
        case let .fail(type, message):
            return fail(type, message)
        case let .flaky(failures):
            if input.attempt <= failures {
                return fail("FlakyError", "Attempt \(input.attempt) of request \(input.requestId) failed (flaky:\(failures))")
            }
            return ok(payload)
        case let .sleep(ms):
            if Double(ms) > timeoutMs {
                return Self.timeout(input, elapsedMs: timeoutMs, initMs: initMs, memory: memory)
            }
            return ok(payload, duration: max(Double(ms), Self.baseDurationMs))
        case .crash:
            crashed = true
            let message = "RequestId: \(input.requestId) Error: Runtime exited with error: exit status 1"
            let body = JSONWriter.bytes(.object(JSONObject([
                ("errorType", "Runtime.ExitError"), ("errorMessage", .string(message)),
            ])))
            return InvocationOutput(payload: body, errorType: "Runtime.ExitError",
                                    log: message + "\nRuntime.ExitError\n", durationMs: Self.baseDurationMs,
                                    initDurationMs: initMs, maxMemoryUsedMB: memory)
        case let .partialBatch(text):
            let failures = Self.records(payload).filter { Self.recordContains($0.record, text) }.map { $0.id }
            let body = JSON.object(JSONObject([
                ("batchItemFailures", .array(failures.map { .object(JSONObject([("itemIdentifier", .string($0))])) })),
            ]))
            return ok(JSONWriter.bytes(body))
        case let .poison(text):
            let records = Self.records(payload)
            let hit = records.isEmpty ? String(decoding: payload, as: UTF8.self).contains(text)
                : records.contains { Self.recordContains($0.record, text) }
            if hit { return fail("PoisonRecordError", "Found poison text '\(text)' in the event") }
            return ok(payload)
        }
    }

    static func timeout(_ input: InvocationInput, elapsedMs: Double, initMs: Double?, memory: Int) -> InvocationOutput {
        let seconds = formatSeconds(elapsedMs / 1000)
        let message = "RequestId: \(input.requestId) Error: Task timed out after \(seconds) seconds"
        let body = JSONWriter.bytes(.object(JSONObject([("errorType", "Sandbox.Timedout"), ("errorMessage", .string(message))])))
        let line = "\(TimeFormat.iso(input.startMs + SimInstant(elapsedMs))) \(input.requestId) Task timed out after \(seconds) seconds\n"
        return InvocationOutput(payload: body, errorType: "Sandbox.Timedout", log: line, durationMs: elapsedMs,
                                initDurationMs: initMs, maxMemoryUsedMB: memory, timedOut: true)
    }

    static func formatSeconds(_ s: Double) -> String {
        let hundredths = Int((s * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// The records of an event source batch with the identifier `batchItemFailures` uses.
    static func records(_ payload: [UInt8]) -> [(id: String, record: JSON)] {
        guard let event = try? JSONParser.parse(bytes: payload), let records = event["Records"]?.arrayValue else { return [] }
        return records.map { record in
            let id = record["messageId"]?.stringValue
                ?? record["kinesis"]?["sequenceNumber"]?.stringValue
                ?? record["dynamodb"]?["SequenceNumber"]?.stringValue ?? ""
            return (id, record)
        }
    }

    /// Whether the record's content holds `text`: an SQS `body`, a Kinesis record's decoded
    /// `data`, a DynamoDB stream record's `Keys` and images, an SNS `Message`; never its ids,
    /// receipt handle or other metadata.
    static func recordContains(_ record: JSON, _ text: String) -> Bool {
        if let body = record["body"]?.stringValue { return body.contains(text) }
        if let data = record["kinesis"]?["data"]?.stringValue {
            return Base64.decode(data).map { String(decoding: $0, as: UTF8.self).contains(text) } ?? false
        }
        if let change = record["dynamodb"] {
            return ["Keys", "NewImage", "OldImage"].contains { change[$0].map { JSONWriter.string($0).contains(text) } ?? false }
        }
        if let message = record["Sns"]?["Message"]?.stringValue { return message.contains(text) }
        return false
    }
}
