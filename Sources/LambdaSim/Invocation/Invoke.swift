import LambdaSimJSON
import LambdaSimSupport

/// An `Invoke` request as the API receives it.
public struct InvokeRequest: Sendable {
    public var functionName: String
    public var qualifier: String?
    public var invocationType: String?
    public var logType: String?
    /// Base64 client context as sent in `X-Amz-Client-Context`.
    public var clientContext: String?
    public var payload: [UInt8]
    /// The caller's `X-Amzn-Trace-Id` (an SDK inside a function sends the function's, with the
    /// recursion chain's `Lineage`).
    public var traceHeader: String?
    /// Who called, for the timeline's cause (`lambda-sim invoke`, `Invoke API (serve)`, `function URL (serve)`).
    public var caller: String

    public init(functionName: String, qualifier: String? = nil, invocationType: String? = nil, logType: String? = nil,
                clientContext: String? = nil, payload: [UInt8] = [], traceHeader: String? = nil,
                caller: String = "lambda-sim invoke")
    {
        self.traceHeader = traceHeader
        self.caller = caller
        self.functionName = functionName
        self.qualifier = qualifier
        self.invocationType = invocationType
        self.logType = logType
        self.clientContext = clientContext
        self.payload = payload
    }
}

/// An `Invoke` response: the status, the headers the CLI prints, and the body for the outfile.
public struct InvokeResponse: Sendable {
    public var statusCode: Int
    public var functionError: String?
    public var logResult: String?
    public var executedVersion: String?
    public var payload: [UInt8]
    /// The invocation's request id (the START line's; for Event, the queued event's), which
    /// AWS answers as `x-amzn-RequestId`.
    public var requestId: String? = nil

    /// The summary the CLI prints, in model order.
    public var summary: JSON {
        var o = JSONObject()
        o["StatusCode"] = .int(statusCode)
        if let functionError { o["FunctionError"] = .string(functionError) }
        if let logResult { o["LogResult"] = .string(logResult) }
        if let executedVersion { o["ExecutedVersion"] = .string(executedVersion) }
        return .object(o)
    }
}

/// Limits from the Lambda quotas page (reference §1.4).
public enum PayloadLimits {
    public static let syncRequest = 6_291_456
    public static let response = 6_291_556
    public static let asyncRequest = 1_048_576
}

/// The outcome of running one invocation, with its full log text.
public struct InvocationRecord: Sendable {
    public var requestId: String
    public var output: InvocationOutput
    public var executedVersion: String
    /// START … REPORT, as CloudWatch and `--log-type Tail` show it.
    public var logText: String
    public var startMs: SimInstant
}

extension Engine {
    public func invoke(_ request: InvokeRequest) throws -> InvokeResponse {
        let type = request.invocationType ?? "RequestResponse"
        guard ["Event", "RequestResponse", "DryRun"].contains(type) else {
            throw ServiceError.constraint(value: type, field: "invocationType",
                                          "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        }
        let logType = request.logType ?? "None"
        guard ["None", "Tail"].contains(logType) else {
            throw ServiceError.constraint(value: logType, field: "logType", "Member must satisfy enum value set: [None, Tail]")
        }
        if request.functionName.count > 256 {
            throw ServiceError.constraint(value: request.functionName, field: "functionName",
                                          "Member must have length less than or equal to 256")
        }
        try checkLambdaRequest("Invoke", JSONObject([("FunctionName", .string(request.functionName))]))
        if let q = request.qualifier, !FunctionReference.isValidQualifier(q) {
            throw ServiceError.constraint(value: q, field: "qualifier",
                                          "Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+")
        }
        let state = try store.read()
        let found = try resolve(state, functionName: request.functionName, qualifier: request.qualifier)
        // The caller needs lambda:InvokeFunction (DryRun included: it answers AccessDenied, not 204).
        try recordingDenials {
            try requireCaller(state, action: "lambda:InvokeFunction",
                              resource: found.record.latest.unqualifiedArn + (found.qualifier.map { ":" + $0 } ?? ""),
                              resourcePolicy: functionResourcePolicy(found.record, qualifier: found.qualifier))
        }
        let payload = request.payload.isEmpty ? Array("{}".utf8) : request.payload
        if type == "Event", payload.count > PayloadLimits.asyncRequest {
            throw ServiceError("RequestEntityTooLargeException",
                               "\(payload.count) byte payload is too large for the Event invocation type (limit \(PayloadLimits.asyncRequest) bytes)",
                               status: 413)
        }
        if payload.count > PayloadLimits.syncRequest {
            throw ServiceError("RequestEntityTooLargeException",
                               "Request must be smaller than \(PayloadLimits.syncRequest) bytes for the InvokeFunction operation", status: 413)
        }
        if let problem = JSONSyntax.jacksonProblem(payload) {
            throw ServiceError("InvalidRequestContentException",
                               "Could not parse request body into json: Could not parse payload into json: \(problem)", status: 400)
        }
        var clientContext: String?
        if let cc = request.clientContext {
            guard let decoded = Base64.decode(cc), JSONParser.isValid(bytes: decoded) else {
                throw ServiceError("InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.", status: 400)
            }
            if cc.utf8.count > 3583 {
                throw ServiceError("InvalidRequestContentException", "Client context must be less than or equal to 3583 bytes.", status: 400)
            }
            clientContext = String(decoding: decoded, as: UTF8.self)
        }
        switch type {
        case "DryRun":
            return InvokeResponse(statusCode: 204, payload: [])
        case "Event":
            let id = try enqueue(functionKey: found.key, qualifier: found.qualifier ?? "$LATEST",
                                 executedVersion: found.version.version, payload: payload, source: "invoke")
            return InvokeResponse(statusCode: 202, payload: [], requestId: id)
        default:
            // Recursive loop detection: a chain of synchronous invokes through `serve`.
            let chain = request.traceHeader.flatMap { RecursionChain(traceHeader: $0) } ?? RecursionChain()
            let count = chain.count(functionArn: found.record.latest.unqualifiedArn)
            if count >= RecursionChain.maximumInvocations, found.record.recursiveLoop != "Allow" {
                throw ServiceError("RecursiveInvocationException",
                                   "Lambda has detected your function being invoked in a recursive loop with other AWS resources and stopped your function's invocation.",
                                   status: 400)
            }
            if found.record.reservedConcurrency == 0 { throw Self.throttled(.reserved) }
            // One unit of the function's reserved concurrency or of the account's unreserved pool,
            // across processes, for as long as the function runs (Concurrency/ConcurrencyLeases.swift).
            let limit = state.accountConcurrency ?? Self.defaultAccountConcurrency
            let leases = ConcurrencyLeases(store: store)
            let leaseId: String
            switch try leases.acquire(functionKey: found.key, reserved: found.record.reservedConcurrency,
                                      unreservedFloor: Self.minimumUnreservedConcurrency(limit: limit),
                                      unreservedLimit: { Self.unreservedLimit(state) }, holder: "sync",
                                      ttlMs: Int64(found.version.timeout) * 1000 + 1000, untilRelease: true)
            {
            case let .success(id): leaseId = id
            case let .failure(reason): throw Self.throttled(reason)
            }
            defer { leases.release(leaseId) }
            let invokedArn = found.record.latest.unqualifiedArn + (found.qualifier.map { ":" + $0 } ?? "")
            // Manual-clock states draw ids from the state's seeded generator (reproducible runs, at
            // the cost of a state write); wall-clock states use fresh randomness and write nothing.
            // Only a weighted alias draws, so other runs' id sequences stay as they were.
            let weighted = !(found.qualifier.flatMap { found.record.aliases[$0]?.additionalVersionWeights } ?? [:]).isEmpty
            let (requestId, startMs, streamHex, draw): (String, SimInstant, String, Double)
            if state.clock.mode == .manual {
                (requestId, startMs, streamHex, draw) = try store.update { state -> (String, SimInstant, String, Double) in
                    (state.rng.uuid(), self.now(state), state.rng.hex32(), weighted ? Self.unitDraw(&state.rng) : 0)
                }
            } else {
                var rng = SeededGenerator(seed: UInt64.random(in: 1...UInt64.max))
                (requestId, startMs, streamHex, draw) = (rng.uuid(), now(state), rng.hex32(), weighted ? Self.unitDraw(&rng) : 0)
            }
            let version = Self.routed(found.version, record: found.record, qualifier: found.qualifier, draw: draw)
            let record = runInvocation(function: version, requestId: requestId, payload: payload,
                                       invokedArn: invokedArn, clientContext: clientContext, startMs: startMs,
                                       attempt: 1, streamHex: streamHex,
                                       lineage: request.traceHeader == nil ? nil : chain.invoking(functionArn: found.record.latest.unqualifiedArn).lineage)
            var response = InvokeResponse(statusCode: 200, executedVersion: version.version, payload: record.output.payload,
                                          requestId: requestId)
            if record.output.isError { response.functionError = "Unhandled" }
            // The history file (simulate, simulate --history) records synchronous invokes too.
            let display = version.name + (found.qualifier.map { $0 == "$LATEST" ? "" : ":" + $0 } ?? "")
            var entry = TimelineEntry(timeMs: startMs, event: .invoke, function: display, requestId: requestId, source: "sync",
                                      result: record.output.timedOut ? "timeout" : (record.output.isError ? "error" : "success"),
                                      errorType: record.output.errorType, why: .syncInvoke, cause: request.caller)
            entry.payload = TimelineEntry.clip(payload)
            entry.response = TimelineEntry.clip(record.output.payload)
            History.append([entry], to: History.path(directory: store.directory))
            if logType == "Tail" {
                let bytes = Array(record.logText.utf8)
                response.logResult = Base64.encode(Array(bytes.suffix(4096)))
            }
            return response
        }
    }

    /// A uniform draw in [0, 1) from a seeded generator (53 random bits).
    static func unitDraw(_ rng: inout SeededGenerator) -> Double {
        Double(rng.next() >> 11) / Double(UInt64(1) << 53)
    }

    /// An alias with `AdditionalVersionWeights` sends each invocation to its second version with
    /// that probability (weighted alias routing); `draw` is uniform in [0, 1), from the state's
    /// seeded generator on a manual clock so runs are reproducible.
    static func routed(_ version: FunctionVersion, record: FunctionRecord, qualifier: String?, draw: Double) -> FunctionVersion {
        guard let qualifier, let alias = record.aliases[qualifier], let weights = alias.additionalVersionWeights,
            !weights.isEmpty
        else { return version }
        var draw = draw
        for key in weights.keys.sorted() {
            let weight = weights[key] ?? 0
            if draw < weight, let chosen = record.version(key) { return chosen }
            draw -= weight
        }
        return version
    }

    /// Runs one invocation on a warm or new execution environment, without holding the state
    /// lock, and appends its log to the function's log file.
    public func runInvocation(function: FunctionVersion, requestId: String, payload: [UInt8], invokedArn: String,
                              clientContext: String?, startMs: SimInstant, attempt: Int, streamHex: String,
                              lineage: String? = nil) -> InvocationRecord
    {
        let stream = FunctionEnvironment.logStreamName(version: function.version, startMs: startMs, hex: streamHex)
        let input = InvocationInput(requestId: requestId, payload: payload, function: function, invokedArn: invokedArn,
                                    clientContext: clientContext, startMs: startMs, attempt: attempt, logStreamName: stream,
                                    lineage: lineage)
        var output = environments.run(input)
        if output.payload.count > PayloadLimits.response, !output.isError {
            output.payload = JSONWriter.bytes(.object(JSONObject([
                ("errorMessage", .string("Response payload size exceeded maximum allowed payload size (\(PayloadLimits.response) bytes).")),
                ("errorType", "Function.ResponseSizeTooLarge"),
            ])))
            output.errorType = "Function.ResponseSizeTooLarge"
        }
        let text = Self.logText(requestId: requestId, version: function.version, output: output, memorySize: function.memorySize)
        FunctionLogs(directory: store.directory).append(function: function, requestId: requestId, startMs: startMs, text: text)
        return InvocationRecord(requestId: requestId, output: output, executedVersion: function.version, logText: text,
                                startMs: startMs)
    }

    /// START, the function's output, END and the tab-separated REPORT line with its trailing tab.
    static func logText(requestId: String, version: String, output: InvocationOutput, memorySize: Int) -> String {
        var text = "START RequestId: \(requestId) Version: \(version)\n"
        text += output.log
        text += "END RequestId: \(requestId)\n"
        let billed = Int(output.durationMs.rounded(.up))
        text += "REPORT RequestId: \(requestId)\tDuration: \(Self.twoDecimals(output.durationMs)) ms\tBilled Duration: \(max(billed, 1)) ms\tMemory Size: \(memorySize) MB\tMax Memory Used: \(output.maxMemoryUsedMB) MB\t"
        if let initMs = output.initDurationMs { text += "Init Duration: \(Self.twoDecimals(initMs)) ms\t" }
        if output.timedOut { text += "Status: timeout" }
        text += "\n"
        return text
    }

    static func twoDecimals(_ v: Double) -> String {
        let hundredths = Int((v * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// Puts an accepted `Event` invocation in the async queue, to be attempted by the scheduler.
    @discardableResult
    public func enqueue(functionKey: String, qualifier: String, executedVersion: String, payload: [UInt8], source: String) throws -> String {
        try store.update { state in
            self.enqueue(&state, functionKey: functionKey, qualifier: qualifier, executedVersion: executedVersion,
                         payload: payload, source: source)
        }
    }

    /// The same, inside a state update that already holds the lock (SNS and S3 triggers,
    /// destinations that are functions). Returns the new event's request id.
    @discardableResult
    public func enqueue(_ state: inout State, functionKey: String, qualifier: String, executedVersion: String,
                        payload: [UInt8], source: String) -> String
    {
        let now = self.now(state)
        let event = AsyncEvent(requestId: state.rng.uuid(), functionKey: functionKey, qualifier: qualifier,
                               executedVersion: executedVersion, payload: String(decoding: payload, as: UTF8.self),
                               enqueuedMs: now, dueMs: now, attempts: 0, throttles: 0, leaseUntilMs: nil,
                               leaseOwner: nil, sequence: state.nextSequence(), source: source)
        state.asyncQueue.append(event)
        return event.requestId
    }
}
