import LambdaSimJSON

/// An EventBridge rule: an event pattern, a schedule, or both (schedules only on the default
/// bus), and up to five targets kept as AWS's `Target` shapes, in the order they were put.
public struct EventRule: Codable, Sendable {
    public var name: String
    public var region: String
    public var busName: String
    public var eventPattern: String?
    public var scheduleExpression: String?
    /// `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
    public var state: String
    public var description: String?
    public var roleArn: String?
    public var tags: [String: String]?
    public var targets: [JSON]
    public var createdMs: SimInstant
    /// Rate schedules count from here (the rule's creation, truncated to the minute).
    public var anchorMs: SimInstant?
    /// The next firing of an enabled scheduled rule.
    public var nextFireMs: SimInstant?

    public var arn: String { EventRule.arn(region: region, bus: busName, name: name) }
    public var isEnabled: Bool { state != "DISABLED" }

    static func arn(region: String, bus: String, name: String) -> String {
        "arn:aws:events:\(region):\(Arn.account):rule/" + (bus == "default" ? name : bus + "/" + name)
    }
    static func key(region: String, bus: String, name: String) -> String { region + "/" + bus + "/" + name }
}

/// The rules, and the steps rule routing took outside `simulate` (a `put-events`), which the
/// next `simulate` prints.
public struct EventRulesState: Codable, Sendable {
    public var rules: [String: EventRule] = [:]
    public var steps: [RecordedStep]?
    public init() {}
}

/// A timeline line recorded outside a simulation run.
public struct RecordedStep: Codable, Sendable {
    public var timeMs: SimInstant
    public var event: String
    public var function: String
    public var requestId: String
    public var source: String
    public var result: String?
    public var errorType: String?
    public var target: String?
    public var reason: String
    public var detail: String

    init(_ e: TimelineEntry) {
        timeMs = e.timeMs
        event = e.event.rawValue
        function = e.function
        requestId = e.requestId
        source = e.source
        result = e.result
        errorType = e.errorType
        target = e.target
        reason = e.reason
        detail = e.detail
    }

    var entry: TimelineEntry? {
        guard let kind = TimelineEntry.Event(rawValue: event) else { return nil }
        return TimelineEntry(timeMs: timeMs, event: kind, function: function, requestId: requestId, source: source, result: result,
                             errorType: errorType, target: target, why: .recorded(reason: reason, detail: detail))
    }
}

extension State {
    var rulesState: EventRulesState {
        get { eventRules ?? EventRulesState() }
        set { eventRules = newValue }
    }
}

extension Engine {
    /// EventBridge's rule and target operations; nil for other operations.
    func performEventRuleOperation(_ operation: String, _ p: JSONObject) throws -> JSON? {
        switch operation {
        case "PutRule": return try eventsPutRule(p)
        case "DescribeRule": return try eventsDescribeRule(p)
        case "ListRules": return try eventsListRules(p)
        case "DeleteRule": return try eventsDeleteRule(p)
        case "EnableRule": return try eventsSetRuleState(p, "ENABLED")
        case "DisableRule": return try eventsSetRuleState(p, "DISABLED")
        case "PutTargets": return try eventsPutTargets(p)
        case "ListTargetsByRule": return try eventsListTargetsByRule(p)
        case "RemoveTargets": return try eventsRemoveTargets(p)
        case "ListRuleNamesByTarget": return try eventsListRuleNamesByTarget(p)
        default: return nil
        }
    }

    /// The bus a request names (`EventBusName`, a name or an ARN), checked to exist.
    func ruleBus(_ state: State, _ p: JSONObject) throws -> (region: String, name: String) {
        var name = p.string("EventBusName") ?? "default"
        var busRegion = region
        if let arn = ResourceArn(name), arn.service == "events", arn.resource.hasPrefix("event-bus/") {
            busRegion = arn.region
            name = String(arn.resource.dropFirst("event-bus/".count))
        }
        guard eventBusExists(state, region: busRegion, name: name) else {
            throw ServiceError("ResourceNotFoundException", "Event bus \(name) does not exist.", status: 400)
        }
        return (busRegion, name)
    }

    func checkRuleName(_ name: String, field: String) throws {
        guard !name.isEmpty else {
            throw ServiceError.constraint(value: name, field: field, "Member must have length greater than or equal to 1")
        }
        guard name.count <= 64 else {
            throw ServiceError.constraint(value: name, field: field, "Member must have length less than or equal to 64")
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw ServiceError.constraint(value: name, field: field, "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
        }
    }

    func existingRule(_ state: State, _ p: JSONObject, nameKey: String) throws -> (key: String, rule: EventRule) {
        let bus = try ruleBus(state, p)
        let name = p.string(nameKey) ?? ""
        let key = EventRule.key(region: bus.region, bus: bus.name, name: name)
        guard let rule = state.rulesState.rules[key] else {
            throw ServiceError("ResourceNotFoundException", "Rule \(name) does not exist on EventBus \(bus.name).", status: 400)
        }
        return (key, rule)
    }

    func eventsPutRule(_ p: JSONObject) throws -> JSON {
        let name = p.string("Name") ?? ""
        try checkRuleName(name, field: "name")
        let pattern = p.string("EventPattern")
        let schedule = p.string("ScheduleExpression")
        if let description = p.string("Description"), description.count > 512 {
            throw ServiceError.constraint(value: description, field: "description", "Member must have length less than or equal to 512")
        }
        if let s = schedule, s.count > 256 {
            throw ServiceError.constraint(value: s, field: "scheduleExpression", "Member must have length less than or equal to 256")
        }
        let ruleState = p.string("State") ?? "ENABLED"
        guard ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"].contains(ruleState) else {
            throw ServiceError.constraint(value: ruleState, field: "state",
                                          "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")
        }
        if (pattern ?? "").isEmpty, (schedule ?? "").isEmpty {
            throw ServiceError.validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
        }
        var parsedSchedule: ScheduleExpression?
        if let schedule, !schedule.isEmpty {
            guard let parsed = ScheduleExpression.parse(schedule) else {
                throw ServiceError.validation("Parameter ScheduleExpression is not valid.")
            }
            parsedSchedule = parsed
        }
        if let pattern, !pattern.isEmpty {
            try Self.compileEventPattern(pattern)
        }
        var tags: [String: String] = [:]
        for tag in p["Tags"]?.arrayValue ?? [] {
            if let key = tag["Key"]?.stringValue { tags[key] = tag["Value"]?.stringValue ?? "" }
        }
        let arn = try store.update { state -> String in
            let bus = try self.ruleBus(state, p)
            if parsedSchedule != nil, bus.name != "default" {
                throw ServiceError.validation("ScheduleExpression is supported only on the default event bus.")
            }
            let key = EventRule.key(region: bus.region, bus: bus.name, name: name)
            let now = self.now(state)
            var rules = state.rulesState
            var rule = rules.rules[key] ?? EventRule(name: name, region: bus.region, busName: bus.name, state: ruleState, targets: [],
                                                     createdMs: now)
            let scheduleChanged = rule.scheduleExpression != schedule
            rule.eventPattern = (pattern ?? "").isEmpty ? nil : pattern
            rule.scheduleExpression = (schedule ?? "").isEmpty ? nil : schedule
            rule.state = ruleState
            if p["Description"] != nil { rule.description = p.string("Description") }
            if p["RoleArn"] != nil { rule.roleArn = p.string("RoleArn") }
            if !tags.isEmpty { rule.tags = tags }
            if scheduleChanged { rule.anchorMs = now / 60_000 * 60_000 }
            Self.armSchedule(&rule, after: now, keepPending: !scheduleChanged)
            rules.rules[key] = rule
            state.rulesState = rules
            return rule.arn
        }
        return .object(JSONObject([("RuleArn", .string(arn))]))
    }

    /// Sets an enabled scheduled rule's next firing (after `t`), or clears it.
    static func armSchedule(_ rule: inout EventRule, after t: SimInstant, keepPending: Bool) {
        guard rule.isEnabled, let text = rule.scheduleExpression, let schedule = ScheduleExpression.parse(text) else {
            rule.nextFireMs = nil
            return
        }
        if keepPending, let next = rule.nextFireMs, next > t { return }
        rule.nextFireMs = schedule.next(after: t, anchorMs: rule.anchorMs ?? rule.createdMs / 60_000 * 60_000)
    }

    /// Compiles a rule's pattern with the filter-pattern engine, with EventBridge's error.
    @discardableResult
    static func compileEventPattern(_ text: String) throws -> FilterPattern {
        guard let json = try? JSONParser.parse(text) else {
            throw ServiceError("InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not valid JSON", status: 400)
        }
        guard json.objectValue != nil else {
            throw ServiceError("InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not an object", status: 400)
        }
        do {
            return try FilterPattern(json)
        } catch {
            throw ServiceError("InvalidEventPatternException", "Event pattern is not valid. Reason: \(error.reason)", status: 400)
        }
    }

    func ruleJSON(_ rule: EventRule, describe: Bool) -> JSON {
        var o = JSONObject()
        o["Name"] = .string(rule.name)
        o["Arn"] = .string(rule.arn)
        if let v = rule.eventPattern { o["EventPattern"] = .string(v) }
        if describe, let v = rule.scheduleExpression { o["ScheduleExpression"] = .string(v) }
        o["State"] = .string(rule.state)
        if let v = rule.description { o["Description"] = .string(v) }
        if !describe, let v = rule.scheduleExpression { o["ScheduleExpression"] = .string(v) }
        if let v = rule.roleArn { o["RoleArn"] = .string(v) }
        o["EventBusName"] = .string(rule.busName)
        if describe { o["CreatedBy"] = .string(Arn.account) }
        return .object(o)
    }

    func eventsDescribeRule(_ p: JSONObject) throws -> JSON {
        try checkRuleName(p.string("Name") ?? "", field: "name")
        let state = try store.read()
        return ruleJSON(try existingRule(state, p, nameKey: "Name").rule, describe: true)
    }

    func eventsListRules(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let bus = try ruleBus(state, p)
        let prefix = p.string("NamePrefix") ?? ""
        let rules = state.rulesState.rules.values.filter { $0.region == bus.region && $0.busName == bus.name && $0.name.hasPrefix(prefix) }
            .sorted { $0.name < $1.name }
        return try paged(rules.map { ruleJSON($0, describe: false) }, key: "Rules", p)
    }

    /// `Limit` / `NextToken` paging (the token is the index of the next item).
    func paged(_ items: [JSON], key: String, _ p: JSONObject) throws -> JSON {
        var start = 0
        if let token = p.string("NextToken") {
            guard let i = Int(token), i >= 0, i <= items.count else { throw ServiceError.validation("The NextToken provided is invalid.") }
            start = i
        }
        let limit = max(1, p.integer("Limit") ?? 100)
        let end = min(items.count, start + limit)
        var o = JSONObject([(key, .array(Array(items[start..<end])))])
        if end < items.count { o["NextToken"] = .string(String(end)) }
        return .object(o)
    }

    func eventsDeleteRule(_ p: JSONObject) throws -> JSON {
        try checkRuleName(p.string("Name") ?? "", field: "name")
        try store.update { state in
            let bus = try self.ruleBus(state, p)
            let key = EventRule.key(region: bus.region, bus: bus.name, name: p.string("Name") ?? "")
            guard let rule = state.rulesState.rules[key] else { return }  // deleting a missing rule succeeds
            if !rule.targets.isEmpty { throw ServiceError.validation("Rule can't be deleted since it has targets.") }
            state.rulesState.rules[key] = nil
        }
        return .object(JSONObject())
    }

    func eventsSetRuleState(_ p: JSONObject, _ value: String) throws -> JSON {
        try checkRuleName(p.string("Name") ?? "", field: "name")
        try store.update { state in
            let (key, found) = try self.existingRule(state, p, nameKey: "Name")
            var rule = found
            rule.state = value
            Self.armSchedule(&rule, after: self.now(state), keepPending: true)
            state.rulesState.rules[key] = rule
        }
        return .object(JSONObject())
    }

    func eventsPutTargets(_ p: JSONObject) throws -> JSON {
        try checkRuleName(p.string("Rule") ?? "", field: "rule")
        let targets = p["Targets"]?.arrayValue ?? []
        guard !targets.isEmpty else {
            throw ServiceError.constraint(value: "[]", field: "targets", "Member must have length greater than or equal to 1")
        }
        guard targets.count <= 100 else {
            throw ServiceError.constraint(value: "[Target]", field: "targets", "Member must have length less than or equal to 100")
        }
        for (i, target) in targets.enumerated() { try Self.validateTarget(target, index: i + 1) }
        try store.update { state in
            let (key, found) = try self.existingRule(state, p, nameKey: "Rule")
            var rule = found
            for target in targets {
                let id = target["Id"]?.stringValue ?? ""
                if let at = rule.targets.firstIndex(where: { $0["Id"]?.stringValue == id }) {
                    rule.targets[at] = target
                } else {
                    rule.targets.append(target)
                }
            }
            if rule.targets.count > 5 {
                throw ServiceError("LimitExceededException", "The requested resource exceeds the maximum number allowed.", status: 400)
            }
            state.rulesState.rules[key] = rule
        }
        return .object(JSONObject([("FailedEntryCount", .int(0)), ("FailedEntries", .array([]))]))
    }

    /// The model's constraints on one target and EventBridge's own checks.
    static func validateTarget(_ target: JSON, index: Int) throws {
        let id = target["Id"]?.stringValue ?? ""
        let field = "targets.\(index).member"
        guard !id.isEmpty, id.count <= 64 else {
            throw ServiceError.constraint(value: id, field: field + ".id",
                                          id.isEmpty ? "Member must have length greater than or equal to 1" : "Member must have length less than or equal to 64")
        }
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw ServiceError.constraint(value: id, field: field + ".id", "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
        }
        let arn = target["Arn"]?.stringValue ?? ""
        guard !arn.isEmpty else {
            throw ServiceError.constraint(value: arn, field: field + ".arn", "Member must have length greater than or equal to 1")
        }
        guard ResourceArn(arn) != nil else {
            throw ServiceError.validation("Parameter \(arn) is not valid. Reason: Provided Arn is not in correct format.")
        }
        if let retry = target["RetryPolicy"] {
            if let attempts = retry["MaximumRetryAttempts"]?.intValue {
                if attempts < 0 {
                    throw ServiceError.constraint(value: String(attempts), field: field + ".retryPolicy.maximumRetryAttempts",
                                                  "Member must have value greater than or equal to 0")
                }
                if attempts > 185 {
                    throw ServiceError.constraint(value: String(attempts), field: field + ".retryPolicy.maximumRetryAttempts",
                                                  "Member must have value less than or equal to 185")
                }
            }
            if let age = retry["MaximumEventAgeInSeconds"]?.intValue {
                if age < 60 {
                    throw ServiceError.constraint(value: String(age), field: field + ".retryPolicy.maximumEventAgeInSeconds",
                                                  "Member must have value greater than or equal to 60")
                }
                if age > 86400 {
                    throw ServiceError.constraint(value: String(age), field: field + ".retryPolicy.maximumEventAgeInSeconds",
                                                  "Member must have value less than or equal to 86400")
                }
            }
        }
        let modes = ["Input", "InputPath", "InputTransformer"].filter { target[$0] != nil }
        if modes.count > 1 {
            throw ServiceError.validation("Only one of Input, InputPath, or InputTransformer must be provided for target \(id).")
        }
        if let input = target["Input"]?.stringValue {
            guard input.count <= 8192 else {
                throw ServiceError.constraint(value: input, field: field + ".input", "Member must have length less than or equal to 8192")
            }
            guard JSONParser.isValid(bytes: Array(input.utf8)) else {
                throw ServiceError.validation("Input is not a valid JSON text for target \(id).")
            }
        }
        if let path = target["InputPath"]?.stringValue, InputTransformation.jsonPath(path) == nil {
            throw ServiceError.validation("InputPath is not a valid JSON path for target \(id).")
        }
        if let transformer = target["InputTransformer"] {
            try InputTransformation.validate(transformer, targetId: id)
        }
        if arn.contains(":sqs:"), arn.hasSuffix(".fifo"), target["SqsParameters"]?["MessageGroupId"]?.stringValue == nil {
            throw ServiceError.validation("Parameter(s) SqsParameters must be specified for target: \(id).")
        }
    }

    func eventsListTargetsByRule(_ p: JSONObject) throws -> JSON {
        try checkRuleName(p.string("Rule") ?? "", field: "rule")
        let state = try store.read()
        let rule = try existingRule(state, p, nameKey: "Rule").rule
        return try paged(rule.targets, key: "Targets", p)
    }

    func eventsRemoveTargets(_ p: JSONObject) throws -> JSON {
        try checkRuleName(p.string("Rule") ?? "", field: "rule")
        let ids = (p["Ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard !ids.isEmpty else {
            throw ServiceError.constraint(value: "[]", field: "ids", "Member must have length greater than or equal to 1")
        }
        try store.update { state in
            let (key, found) = try self.existingRule(state, p, nameKey: "Rule")
            var rule = found
            rule.targets.removeAll { ids.contains($0["Id"]?.stringValue ?? "") }
            state.rulesState.rules[key] = rule
        }
        return .object(JSONObject([("FailedEntryCount", .int(0)), ("FailedEntries", .array([]))]))
    }

    func eventsListRuleNamesByTarget(_ p: JSONObject) throws -> JSON {
        let arn = p.string("TargetArn") ?? ""
        let state = try store.read()
        let bus = try ruleBus(state, p)
        let names = state.rulesState.rules.values
            .filter { $0.region == bus.region && $0.busName == bus.name && $0.targets.contains { $0["Arn"]?.stringValue == arn } }
            .map(\.name).sorted()
        return try paged(names.map(JSON.string), key: "RuleNames", p)
    }
}
