import LambdaSimJSON

/// Routing: an event put on a bus goes to every enabled rule whose pattern matches it, and a
/// scheduled rule's firing goes to its targets; each target gets the event (or its `Input`,
/// `InputPath` or `InputTransformer` output). Lambda targets are invoked asynchronously (Lambda's
/// own queue, retries and destinations apply); SQS, SNS and bus targets receive the message.
///
/// A delivery the target refuses — a function, queue or topic that does not exist, or a function
/// whose resource-based policy does not allow `events.amazonaws.com` — is one EventBridge does not
/// retry (EventBridge User Guide, "Event retry policy and using dead-letter queues"): the event
/// goes straight to the target's dead-letter queue, with the `RULE_ARN`, `TARGET_ARN`,
/// `ERROR_CODE` and `ERROR_MESSAGE` message attributes, or is dropped when there is none.
extension Engine {
    /// Bus-to-bus hops an event may take (EventBridge stops a third hop).
    static let maxBusHops = 2

    /// Routes one event put on a bus to the matching rules' targets, at simulated time `t`.
    func routeToRules(_ state: inout State, region: String, bus: String, event: JSON, at t: SimInstant, hops: Int) -> [TimelineEntry] {
        let rules = state.rulesState.rules.values
            .filter { $0.region == region && $0.busName == bus && $0.isEnabled && $0.eventPattern != nil }
            .sorted { $0.name < $1.name }
        guard !rules.isEmpty else { return [] }
        var entries: [TimelineEntry] = []
        let flat = FlatEvent(event)
        for rule in rules {
            guard let text = rule.eventPattern, let pattern = try? Self.compileEventPattern(text), pattern.matches(flat) else { continue }
            for target in rule.targets {
                entries += deliverRuleTarget(&state, rule: rule, target: target, event: event, at: t, step: .ruleMatch, hops: hops)
            }
        }
        return entries
    }

    /// AWS's "Scheduled Event" for one firing of a scheduled rule.
    static func scheduledEvent(rule: EventRule, id: String, at t: SimInstant) -> JSON {
        .object(JSONObject([
            ("version", "0"), ("id", .string(id)), ("detail-type", "Scheduled Event"), ("source", "aws.events"),
            ("account", .string(Arn.account)), ("time", .string(String(TimeFormat.iso(t).prefix(19)) + "Z")),
            ("region", .string(rule.region)), ("resources", .array([.string(rule.arn)])), ("detail", .object(JSONObject())),
        ]))
    }

    /// How sentences name a target.
    static func targetDisplay(_ arn: String) -> (name: String, kind: String) {
        if let ref = FunctionReference.parse(arn), arn.contains(":lambda:") {
            return (ref.name + (ref.qualifier.map { ":" + $0 } ?? ""), "Lambda function")
        }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let service = parts.count > 2 ? parts[2] : ""
        let last = parts.last ?? arn
        switch service {
        case "sqs": return (last, "SQS queue")
        case "sns": return (last, "SNS topic")
        case "events": return (last.hasPrefix("event-bus/") ? String(last.dropFirst(10)) : last, "event bus")
        default: return (last, "target")
        }
    }

    /// Runs `body` with the state's clock at `t` (deliveries record the time they happened).
    func atTime<T>(_ state: inout State, _ t: SimInstant, _ body: (inout State) throws -> T) rethrows -> T {
        let saved = state.clock
        switch saved.mode {
        case .manual: state.clock.nowMs = t
        case .wall: state.clock.offsetMs = t - WallClock.nowMs()
        }
        defer { state.clock = saved }
        return try body(&state)
    }

    /// Delivers one event to one target of a rule; returns the timeline lines.
    func deliverRuleTarget(_ state: inout State, rule: EventRule, target: JSON, event: JSON, at t: SimInstant,
                           step: TimelineEntry.Event, hops: Int) -> [TimelineEntry]
    {
        let arn = target["Arn"]?.stringValue ?? ""
        let targetId = target["Id"]?.stringValue ?? ""
        let eventId = event["id"]?.stringValue ?? ""
        let (name, kind) = Self.targetDisplay(arn)
        let payload = InputTransformation.input(for: target, event: event, ruleArn: rule.arn, ruleName: rule.name,
                                                ingestionTime: event["time"]?.stringValue ?? "")
        let what = step == .schedule
            ? "Scheduled rule \(rule.name) (\(rule.scheduleExpression ?? "")) fired"
            : "Rule \(rule.name) on event bus \(rule.busName) matched the event (source \(event["source"]?.stringValue ?? ""), detail-type \(event["detail-type"]?.stringValue ?? ""))"
        let shaped = target["InputTransformer"] != nil ? " transformed by its InputTransformer"
            : target["InputPath"] != nil ? " selected by its InputPath" : target["Input"] != nil ? " replaced by its constant Input" : ""
        var failure: (code: String, message: String)?
        switch ResourceArn(arn)?.service ?? "" {
        case "lambda":
            if let function = functionTarget(state, arn: arn) {
                let qualifier = FunctionReference.parse(arn)?.qualifier
                let decision = authorizeServiceInvoke(state, service: "events.amazonaws.com", sourceArn: rule.arn,
                                                      functionKey: function.key, qualifier: qualifier)
                if !decision.isAllowed {
                    failure = ("NO_PERMISSIONS",
                               "User: events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: \(arn) (\(decision.explanation))")
                } else if payload.count > PayloadLimits.asyncRequest {
                    failure = ("INVALID_PARAMETER", "\(payload.count) byte payload is too large for the Event invocation type (limit \(PayloadLimits.asyncRequest) bytes)")
                } else {
                    let queued = AsyncEvent(requestId: state.rng.uuid(), functionKey: function.key, qualifier: function.qualifier,
                                            executedVersion: function.version, payload: String(decoding: payload, as: UTF8.self),
                                            enqueuedMs: t, dueMs: t, attempts: 0, throttles: 0, leaseUntilMs: nil, leaseOwner: nil,
                                            sequence: state.nextSequence(), source: "events")
                    state.asyncQueue.append(queued)
                }
            } else {
                failure = ("NO_RESOURCE", "Function not found: \(arn)")
            }
        case "sqs", "sns", "events":
            do {
                try atTime(&state, t) { state in
                    try self.deliverToRuleResource(&state, arn: arn, target: target, payload: payload, eventId: eventId, hops: hops)
                }
            } catch let error as ServiceError {
                failure = (error.code == "ValidationException" || error.code.hasPrefix("InvalidParameter") ? "INVALID_PARAMETER" : "NO_RESOURCE",
                           error.message)
            } catch {
                failure = ("INTERNAL_ERROR", "\(error)")
            }
        default:
            failure = ("NO_RESOURCE", "lambda-sim has no local target for \(arn)")
        }
        guard let failure else {
            return [TimelineEntry(timeMs: t, event: step, function: name, requestId: eventId, source: "events", result: "success",
                                  target: arn,
                                  why: .recorded(reason: "\(what): EventBridge delivers the event\(shaped) to target \(targetId), the \(kind) \(name)\(kind == "Lambda function" ? ", as an asynchronous invocation (Lambda's own retries, destinations and DLQ apply from here)" : "").",
                                                 detail: "\(rule.name) -> \(targetId) (\(kind) \(name))"))]
        }
        var entries = [TimelineEntry(timeMs: t, event: step, function: name, requestId: eventId, source: "events", result: "error",
                                     errorType: failure.code, target: arn,
                                     why: .recorded(reason: "\(what), but the delivery to target \(targetId), the \(kind) \(name), failed: \(failure.message). EventBridge does not retry a missing resource or a missing permission.",
                                                    detail: "\(rule.name) -> \(targetId) delivery failed: \(failure.code)"))]
        entries.append(deadLetter(&state, rule: rule, target: target, event: event, code: failure.code, message: failure.message,
                                  retries: nil, at: t))
        return entries
    }

    /// Sends a failed event to the target's dead-letter queue (or drops it) and returns the line.
    func deadLetter(_ state: inout State, rule: EventRule, target: JSON, event: JSON, code: String, message: String,
                    retries: (attempts: Int, condition: String)?, at t: SimInstant) -> TimelineEntry
    {
        let arn = target["Arn"]?.stringValue ?? ""
        let (name, _) = Self.targetDisplay(arn)
        let eventId = event["id"]?.stringValue ?? ""
        guard let dlq = target["DeadLetterConfig"]?["Arn"]?.stringValue else {
            return TimelineEntry(timeMs: t, event: .discard, function: name, requestId: eventId, source: "events", target: arn,
                                 why: .recorded(reason: "The target has no DeadLetterConfig: EventBridge drops the event it could not deliver.",
                                                detail: "dropped (no dead-letter queue)"))
        }
        var attributes: [String: MessageAttributeValue] = [
            "RULE_ARN": MessageAttributeValue(dataType: "String", stringValue: rule.arn),
            "TARGET_ARN": MessageAttributeValue(dataType: "String", stringValue: arn),
            "ERROR_CODE": MessageAttributeValue(dataType: "String", stringValue: code),
            "ERROR_MESSAGE": MessageAttributeValue(dataType: "String", stringValue: message),
        ]
        if let retries {
            attributes["EXHAUSTED_RETRY_CONDITION"] = MessageAttributeValue(dataType: "String", stringValue: retries.condition)
            attributes["RETRY_ATTEMPTS"] = MessageAttributeValue(dataType: "Number", stringValue: String(retries.attempts))
        }
        var delivered = true
        var deliveryError = ""
        if let queueArn = ResourceArn(dlq), queueArn.service == "sqs", let queue = state.localResources.queues[queueArn.regionalKey] {
            do {
                _ = try atTime(&state, t) { state in
                    try self.sqsEnqueue(&state, queue: queue, body: JSONWriter.string(event), attributes: attributes, delaySeconds: nil,
                                        senderId: SQSConstants.serviceSenderId, groupId: nil, deduplicationId: nil)
                }
            } catch {
                delivered = false
                deliveryError = "\(error)"
            }
        } else {
            delivered = false
            deliveryError = "the queue \(dlq) does not exist"
        }
        return TimelineEntry(timeMs: t, event: .targetDLQ, function: name, requestId: eventId, source: "events",
                             result: delivered ? "success" : "error", errorType: code, target: dlq,
                             why: .recorded(reason: delivered
                                                ? "EventBridge sends the undelivered event to the target's dead-letter queue with the message attributes RULE_ARN, TARGET_ARN, ERROR_CODE \(code) and ERROR_MESSAGE\(retries == nil ? "" : ", EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS")."
                                                : "EventBridge could not send the undelivered event to the dead-letter queue: \(deliveryError).",
                                            detail: "dead-letter queue \(Self.targetDisplay(dlq).name) (\(code))"))
    }

    /// SQS, SNS and event bus targets.
    func deliverToRuleResource(_ state: inout State, arn: String, target: JSON, payload: [UInt8], eventId: String, hops: Int) throws {
        guard let resource = ResourceArn(arn) else { throw ServiceError.notFound("No local resource for \(arn)") }
        let body = String(decoding: payload, as: UTF8.self)
        switch resource.service {
        case "sqs":
            guard let queue = state.localResources.queues[resource.regionalKey] else {
                throw ServiceError.notFound("The specified queue \(arn) does not exist.")
            }
            let group = target["SqsParameters"]?["MessageGroupId"]?.stringValue
            _ = try sqsEnqueue(&state, queue: queue, body: body, attributes: [:], delaySeconds: nil, senderId: SQSConstants.serviceSenderId,
                               groupId: queue.isFifo ? group : nil, deduplicationId: queue.isFifo ? eventId : nil)
        case "sns":
            guard state.localResources.topics[arn] != nil else { throw ServiceError.notFound("Topic \(arn) does not exist.") }
            _ = try snsPublish(&state, topicArn: arn, message: body, subject: nil, attributes: [:])
        default:
            guard resource.resource.hasPrefix("event-bus/") else { throw ServiceError.notFound("No local resource for \(arn)") }
            let name = String(resource.resource.dropFirst("event-bus/".count))
            guard eventBusExists(state, region: resource.region, name: name) else {
                throw ServiceError.notFound("Event bus \(name) does not exist.")
            }
            guard hops < Self.maxBusHops else { throw ServiceError.validation("THIRD_ACCOUNT_HOP_DETECTED") }
            let event = (try? JSONParser.parse(body)) ?? .null
            try eventsRecord(&state, region: resource.region, bus: name,
                                           source: event["source"]?.stringValue ?? "", detailType: event["detail-type"]?.stringValue ?? "",
                                           detail: event["detail"] ?? .object(JSONObject()),
                                           resources: (event["resources"]?.arrayValue ?? []).compactMap(\.stringValue),
                                           eventId: event["id"]?.stringValue ?? state.rng.uuid(), time: nil, hops: hops + 1)
        }
    }

    /// Keeps timeline lines of routing done outside `simulate` for the next `simulate`.
    func keepSteps(_ state: inout State, _ entries: [TimelineEntry]) {
        guard !entries.isEmpty else { return }
        var rules = state.rulesState
        var steps = rules.steps ?? []
        steps += entries.map(RecordedStep.init)
        if steps.count > 10_000 { steps.removeFirst(steps.count - 10_000) }
        rules.steps = steps
        state.rulesState = rules
    }

    /// The routing lines recorded since the last `simulate`, removed from the state.
    public func takeRuleSteps() throws -> [TimelineEntry] {
        guard (try store.read().eventRules?.steps?.isEmpty ?? true) == false else { return [] }
        return try store.update { state -> [TimelineEntry] in
            let steps = state.eventRules?.steps ?? []
            state.eventRules?.steps = nil
            return steps.compactMap(\.entry)
        }
    }
}
