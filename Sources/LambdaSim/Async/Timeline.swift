/// One step the simulated service took, as `simulate` prints it (DESIGN.md "Simulated time").
public struct TimelineEntry: Sendable, Equatable {
    public enum Event: String, Sendable {
        case enqueue, invoke, throttle, retryScheduled = "retry-scheduled", destination, dlq, expire, discard
        // Event source mappings (EventSources/).
        case poll, batch, filtered, bisect, checkpoint, visibilityTimeout = "visibility-timeout", redrive
        /// A permission check refused a delivery or a call (Services/IAM/).
        case denied
        /// Recursive loop detection stopped an invocation (Functions/RecursionConfig.swift).
        case recursionStopped = "recursion-stopped"
        /// EventBridge (Services/EventBridge/): a rule matched an event, a schedule fired, a delivery went to the target's DLQ.
        case ruleMatch = "rule-match", schedule, targetRetry = "target-retry", targetDLQ = "target-dlq"
    }

    /// When it happened in simulated time (for `invoke`, when the attempt started).
    public var timeMs: SimInstant
    public var event: Event
    /// The function, with `:qualifier` when the event names one other than `$LATEST`.
    public var function: String
    public var requestId: String
    /// `async` for the asynchronous queue, `sync` for a synchronous invoke (scenarios).
    public var source: String
    public var attempt: Int?
    /// `success`, `error`, `timeout` or `throttled`; for deliveries, whether the target took it.
    public var result: String?
    public var errorType: String?
    public var condition: String?
    /// The destination or dead-letter ARN.
    public var target: String?
    public var records: Int?
    /// For `invoke`: the billed duration (ms, rounded up, at least 1), for `simulate --cost`.
    public var billedMs: Int?
    /// Why it happened; rendered as the `reason` sentence and the timeline's short detail.
    public var why: Why
    /// What set it off (which command, which mapping, which retry), when the step says more
    /// than `why` does; `causeText` falls back to a cause derived from `why`.
    public var cause: String?
    /// `--show-payloads`: the event (for a mapping's batch, one line per record), truncated.
    public var payload: String?
    /// `--show-payloads`: the function's response or error document, truncated.
    public var response: String?
    /// A partial batch response: the item identifiers the function reported as failed.
    public var failedItems: [String]?

    public init(timeMs: SimInstant, event: Event, function: String, requestId: String, source: String = "async",
                attempt: Int? = nil, result: String? = nil, errorType: String? = nil, condition: String? = nil,
                target: String? = nil, records: Int? = nil, billedMs: Int? = nil, why: Why, cause: String? = nil)
    {
        self.cause = cause
        self.timeMs = timeMs
        self.event = event
        self.function = function
        self.requestId = requestId
        self.source = source
        self.attempt = attempt
        self.result = result
        self.errorType = errorType
        self.condition = condition
        self.target = target
        self.records = records
        self.billedMs = billedMs
        self.why = why
    }

    /// The rule behind a step, with what the sentence needs.
    public enum Why: Sendable, Equatable {
        /// Accepted into the async queue; `from` is who invoked (`invoke`, `sns`, `s3`,
        /// `destination`, `scenario`), `parent` the function whose destination this is.
        case enqueued(from: String, parent: String?)
        case attempt(number: Int, maxRetries: Int, afterThrottles: Int)
        case syncInvoke
        case throttled(reserved: Int, running: Int, delayMs: Int64, nextMs: SimInstant)
        /// The account's unreserved pool (`limit`) is full (ConcurrentInvocationLimitExceeded).
        case accountThrottled(limit: Int, running: Int, delayMs: Int64, nextMs: SimInstant)
        case zeroReserved
        case retry(failed: Int, nextAttempt: Int, delayMs: Int64, nextMs: SimInstant, maxRetries: Int)
        /// `nextMs` is the attempt that would have come too late (nil: already too old).
        case ageExceeded(maxAgeSeconds: Int, attempts: Int, nextMs: SimInstant?, enqueuedMs: SimInstant)
        case destination(onSuccess: Bool, targetKind: String, deliveryError: String?)
        case deadLetter(targetKind: String, errorCode: Int, deliveryError: String?)
        case noFailureTarget
        case functionDeleted
        case recursion(depth: Int)
        /// An event source mapping's step: the poller builds the sentence and the short detail.
        case eventSource(reason: String, detail: String)
        /// A step read back from the background runner's history file.
        case recorded(reason: String, detail: String)
        /// A permission check refused: the rule and which statement (or absence) decided it.
        case denied(reason: String, detail: String)
    }
}

extension TimelineEntry {
    /// What the payload columns keep of an event or a response (bytes), and of a batch record.
    public static let payloadLimit = 240
    public static let recordLimit = 100
    public static let recordsShown = 10

    /// `bytes` as text for `--show-payloads`: one line, cut at `limit` bytes with the size said.
    public static func clip(_ bytes: some Collection<UInt8>, limit: Int = payloadLimit) -> String {
        var text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        if text.contains("\n") || text.contains("\r") {
            text = text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
        }
        if bytes.count > limit {
            // A cut inside a UTF-8 sequence decodes to U+FFFD at the end: drop it.
            while text.last == "\u{FFFD}" { text.removeLast() }
            text += "… (\(bytes.count) bytes)"
        }
        return text
    }

    /// Whether `source` is an event source mapping's UUID.
    public static func isMapping(_ source: String) -> Bool {
        source.utf8.count == 36 && source.utf8.filter { $0 == UInt8(ascii: "-") }.count == 4
    }

    /// The cause each line carries: which command, which mapping, which retry.
    public var causeText: String {
        if let cause { return cause }
        switch why {
        case let .enqueued(from, parent):
            switch from {
            case "invoke": return "invoke --invocation-type Event"
            case "sns": return "SNS topic subscription"
            case "s3": return "S3 event notification"
            case "destination": return "destination of \(parent ?? "a function")"
            default: return from
            }
        case let .attempt(number, maxRetries, throttles):
            if number > 1 { return "retry \(number - 1) of \(maxRetries)" }
            return throttles > 0 ? "async queue, after \(throttles) throttle\(throttles == 1 ? "" : "s")" : "async queue"
        case .syncInvoke: return "lambda-sim invoke"
        case .throttled, .zeroReserved: return "reserved concurrency"
        case .accountThrottled: return "account concurrency"
        case let .retry(failed, _, _, _, maxRetries): return "attempt \(failed) failed, MaximumRetryAttempts \(maxRetries)"
        case let .ageExceeded(maxAge, _, _, _): return "MaximumEventAgeInSeconds \(maxAge)"
        case let .destination(onSuccess, _, _): return onSuccess ? "DestinationConfig OnSuccess" : "DestinationConfig OnFailure"
        case .deadLetter: return "DeadLetterConfig"
        case .noFailureTarget: return "failure with no target"
        case .functionDeleted: return "function deleted"
        case .recursion: return "recursive loop detection"
        case .eventSource, .recorded:
            return Self.isMapping(source) ? "mapping \(source.prefix(8))" : source
        case .denied: return "permission check (\(source))"
        }
    }

    /// The sentence `--explain` and `--format json` give: which rule applied.
    public var reason: String {
        switch why {
        case let .enqueued(from, parent):
            switch from {
            case "sns": return "An SNS topic delivered a message to its function subscription: Lambda queued the event for asynchronous invocation."
            case "s3": return "An S3 event notification invoked the function asynchronously: Lambda queued the event."
            case "events": return "An EventBridge rule invoked the function asynchronously: Lambda queued the event."
            case "destination":
                return "The invocation record of \(parent ?? "a function")'s asynchronous invocation goes to its Lambda destination, invoked asynchronously with the record as the event."
            case "scenario": return "The scenario queued the event as an asynchronous (Event) invocation."
            default: return "invoke --invocation-type Event: Lambda answered 202 and put the event on the function's asynchronous queue."
            }
        case let .attempt(number, maxRetries, afterThrottles):
            if number == 1 {
                return afterThrottles > 0
                    ? "The throttle back-off has passed and concurrency is free: the first attempt runs."
                    : "The event reached the front of the asynchronous queue: first attempt."
            }
            return "Retry \(number - 1) of \(maxRetries) (MaximumRetryAttempts \(maxRetries)) after a function error; the request id stays the same."
        case .syncInvoke:
            return "A synchronous (RequestResponse) invoke: the caller waits for the result and does its own retrying."
        case let .throttled(reserved, running, delayMs, _):
            return "Reserved concurrency \(reserved) is taken by \(running) running execution\(running == 1 ? "" : "s"): the event goes back to the queue and is retried in \(Self.duration(delayMs)) (back-off from 1 s doubling to 5 min, up to the maximum event age; throttles do not use up retries)."
        case let .accountThrottled(limit, running, delayMs, _):
            return "The account's unreserved concurrency (\(limit): the account limit minus every reservation) is taken by \(running) running execution\(running == 1 ? "" : "s") (ConcurrentInvocationLimitExceeded): the event goes back to the queue and is retried in \(Self.duration(delayMs)) (back-off from 1 s doubling to 5 min, up to the maximum event age; throttles do not use up retries)."
        case .zeroReserved:
            return "Reserved concurrency is 0: the function never runs, and the event goes straight to failure handling without retries (condition ZeroReservedConcurrency)."
        case let .retry(failed, nextAttempt, delayMs, _, maxRetries):
            let ordinal = nextAttempt == 2 ? "2nd" : nextAttempt == 3 ? "3rd" : "\(nextAttempt)th"
            return "Attempt \(failed) failed (function errors include time-outs); MaximumRetryAttempts \(maxRetries) allows another attempt: the \(ordinal) attempt waits \(Self.duration(delayMs)) after the previous attempt."
        case let .ageExceeded(maxAge, attempts, nextMs, enqueuedMs):
            if let nextMs {
                return "MaximumEventAgeInSeconds \(maxAge): the next attempt would start when the event is \(Self.duration(nextMs - enqueuedMs)) old, not younger than its age limit, so Lambda stops now after \(attempts) attempt\(attempts == 1 ? "" : "s") (EventAgeExceeded)."
            }
            return "MaximumEventAgeInSeconds \(maxAge): the event is older than its age limit, so Lambda discards it without another attempt (EventAgeExceeded)."
        case let .destination(onSuccess, kind, deliveryError):
            let base = onSuccess
                ? "The attempt succeeded and the function has an on-success destination: Lambda sends the invocation record (request and response) to the \(kind)."
                : "Asynchronous invocation failed and the function has an on-failure destination: Lambda sends the invocation record (request, response and condition) to the \(kind)."
            return base + (deliveryError.map { " Delivery failed (\($0)); the record is dropped." } ?? "")
        case let .deadLetter(kind, code, deliveryError):
            let base = "The function's dead-letter queue (DeadLetterConfig) gets the original event as the \(kind) message, with the RequestID, ErrorCode (\(code)) and ErrorMessage attributes."
            return base + (deliveryError.map { " Delivery failed (\($0)); the event is dropped." } ?? "")
        case .noFailureTarget:
            return "No on-failure destination and no dead-letter queue: Lambda discards the event."
        case .functionDeleted:
            return "The function no longer exists: Lambda discards the queued event."
        case let .eventSource(reason, _), let .recorded(reason, _), let .denied(reason, _):
            return reason
        case let .recursion(depth):
            return "Recursive loop detection: after \(depth) chained invocations through destinations, Lambda stops the chain and discards the event."
        }
    }

    /// The short human detail of the timeline format.
    public var detail: String {
        var out: [UInt8] = []
        var iso = ISOWriter()
        appendDetail(into: &out, iso: &iso)
        return String(decoding: out, as: UTF8.self)
    }

    /// The detail, written into a timeline's bytes.
    func appendDetail(into out: inout [UInt8], iso: inout ISOWriter) {
        switch why {
        case let .enqueued(from, parent):
            if from == "destination" {
                out.appendStatic("from the destination of ")
                out.appendUTF8(parent ?? "?")
            } else {
                out.appendStatic("from ")
                out.appendUTF8(from)
            }
        case .attempt, .syncInvoke:
            if case .syncInvoke = why { out.appendStatic("sync  ") }
            if let attempt {
                out.appendStatic("attempt ")
                out.appendDecimal(attempt)
                out.appendStatic("  ")
            }
            if let result { out.appendUTF8(result) }
            if let errorType {
                out.append(0x20)
                out.appendUTF8(errorType)
            }
        case let .throttled(reserved, _, _, nextMs):
            out.appendStatic("throttled (reserved concurrency ")
            out.appendDecimal(reserved)
            out.appendStatic("), retry at ")
            iso.append(nextMs, into: &out)
        case let .accountThrottled(limit, _, _, nextMs):
            out.appendStatic("throttled (unreserved account concurrency ")
            out.appendDecimal(limit)
            out.appendStatic("), retry at ")
            iso.append(nextMs, into: &out)
        case .zeroReserved:
            out.appendStatic("throttled (reserved concurrency 0)")
        case let .retry(_, nextAttempt, _, nextMs, _):
            out.appendStatic("attempt ")
            out.appendDecimal(nextAttempt)
            out.appendStatic(" at ")
            iso.append(nextMs, into: &out)
        case let .ageExceeded(maxAge, attempts, _, _):
            out.appendStatic("EventAgeExceeded after ")
            out.appendDecimal(attempts)
            out.appendStatic(attempts == 1 ? " attempt (maximum age " : " attempts (maximum age ")
            out.appendDecimal(maxAge)
            out.appendStatic(" s)")
        case let .destination(onSuccess, _, error):
            out.appendStatic(onSuccess ? "on-success " : "on-failure ")
            out.appendUTF8(condition ?? "")
            out.appendStatic(" -> ")
            out.appendUTF8(target ?? "")
            if let error {
                out.appendStatic("  (delivery failed: ")
                out.appendUTF8(error)
                out.append(UInt8(ascii: ")"))
            }
        case let .deadLetter(_, _, error):
            out.appendUTF8(condition ?? "")
            out.appendStatic(" -> ")
            out.appendUTF8(target ?? "")
            if let error {
                out.appendStatic("  (delivery failed: ")
                out.appendUTF8(error)
                out.append(UInt8(ascii: ")"))
            }
        case .noFailureTarget:
            out.appendUTF8(condition ?? "")
            out.appendStatic(": no on-failure destination or dead-letter queue")
        case .functionDeleted:
            out.appendStatic("function deleted")
        case let .eventSource(_, detail), let .recorded(_, detail), let .denied(_, detail):
            out.appendUTF8(detail)
        case let .recursion(depth):
            out.appendStatic("recursive loop stopped after ")
            out.appendDecimal(depth)
            out.appendStatic(" hops")
        }
    }

    /// `90 s`, `1 minute`, `2 minutes`, `1.5 s`.
    static func duration(_ ms: Int64) -> String {
        if ms % 60_000 == 0 {
            let minutes = ms / 60_000
            return minutes == 1 ? "1 minute" : "\(minutes) minutes"
        }
        if ms % 1000 == 0 { return "\(ms / 1000) s" }
        return "\(Double(ms) / 1000) s"
    }
}
