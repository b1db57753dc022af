import LambdaSimJSON

/// What asynchronous invocation does with one event: retries, maximum age, destinations
/// (reference lambda-semantics.md §2.1).
public struct AsyncPolicy: Sendable, Equatable {
    public static let defaultRetries = 2
    public static let defaultMaxAgeSeconds = 21_600

    public var maximumRetryAttempts: Int
    public var maximumEventAgeSeconds: Int
    public var onSuccess: String?
    public var onFailure: String?

    public init(maximumRetryAttempts: Int = AsyncPolicy.defaultRetries,
                maximumEventAgeSeconds: Int = AsyncPolicy.defaultMaxAgeSeconds, onSuccess: String? = nil,
                onFailure: String? = nil)
    {
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAgeSeconds = maximumEventAgeSeconds
        self.onSuccess = onSuccess
        self.onFailure = onFailure
    }

    /// The policy a stored config (AWS response shape) describes; unset fields take the defaults.
    init(config: JSON?) {
        self.init()
        guard let config else { return }
        if let n = config["MaximumRetryAttempts"]?.intValue { maximumRetryAttempts = n }
        if let n = config["MaximumEventAgeInSeconds"]?.intValue { maximumEventAgeSeconds = n }
        onSuccess = Self.nonEmpty(config["DestinationConfig"]?["OnSuccess"]?["Destination"]?.stringValue)
        onFailure = Self.nonEmpty(config["DestinationConfig"]?["OnFailure"]?["Destination"]?.stringValue)
    }

    static func nonEmpty(_ s: String?) -> String? { (s?.isEmpty ?? true) ? nil : s }
}

extension FunctionRecord {
    /// The event invoke config that governs events invoked with `qualifier` (an alias, a version
    /// or `$LATEST`): the qualifier's own, else the version's it runs on, else the defaults.
    func asyncPolicy(qualifier: String, executedVersion: String) -> AsyncPolicy {
        let configs = eventInvokeConfigs ?? [:]
        return AsyncPolicy(config: configs[qualifier] ?? configs[executedVersion])
    }
}

extension Engine {
    // MARK: - Put / Update

    func putEventInvokeConfig(_ p: JSONObject, merge: Bool) throws -> JSON {
        let retries = p["MaximumRetryAttempts"]?.intValue
        let age = p["MaximumEventAgeInSeconds"]?.intValue
        let destinations = p.object("DestinationConfig")
        var problems: [String] = []
        if let retries {
            if retries > 2 {
                problems.append("Value '\(retries)' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")
            } else if retries < 0 {
                problems.append("Value '\(retries)' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0")
            }
        }
        if let age {
            if age > 21_600 {
                problems.append("Value '\(age)' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600")
            } else if age < 60 {
                problems.append("Value '\(age)' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60")
            }
        }
        for (key, field) in [("OnSuccess", "onSuccess"), ("OnFailure", "onFailure")] {
            guard let arn = destinations?.object(key)?.string("Destination") else { continue }
            if arn.count > 350 {
                problems.append("Value '\(arn)' at 'destinationConfig.\(field).destination' failed to satisfy constraint: Member must have length less than or equal to 350")
            } else if !arn.isEmpty, !Self.matchesDestinationPattern(arn) {
                problems.append("Value '\(arn)' at 'destinationConfig.\(field).destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)")
            }
        }
        if !problems.isEmpty {
            let count = problems.count == 1 ? "1 validation error detected: " : "\(problems.count) validation errors detected: "
            throw ServiceError.validation(count + problems.joined(separator: "; "))
        }
        if retries == nil, age == nil, destinations == nil {
            throw ServiceError.invalidParameter("You must specify at least one of error handling or destination setting.")
        }
        return try store.update { state -> JSON in
            let (key, name, qualifier) = try self.eventInvokeTarget(state, p, missing: ServiceError.notFound("The function doesn't exist."))
            let functionArn = Arn.function(region: self.region, name: name) + ":" + qualifier
            let existing = state.functions[key]?.eventInvokeConfigs?[qualifier]
            if merge, existing == nil {
                throw ServiceError.notFound("The function \(functionArn) doesn't have an EventInvokeConfig")
            }
            var onSuccess = merge ? existing?["DestinationConfig"]?["OnSuccess"]?["Destination"]?.stringValue : nil
            var onFailure = merge ? existing?["DestinationConfig"]?["OnFailure"]?["Destination"]?.stringValue : nil
            if let destinations {
                if let success = destinations.object("OnSuccess") { onSuccess = success.string("Destination") }
                if let failure = destinations.object("OnFailure") { onFailure = failure.string("Destination") }
                try self.validateDestinations(state, function: name, onSuccess: destinations.object("OnSuccess")?.string("Destination"),
                                              onFailure: destinations.object("OnFailure")?.string("Destination"))
            }
            var config = JSONObject()
            config["LastModified"] = .double(TimeFormat.epochSeconds(self.now(state)))
            config["FunctionArn"] = .string(functionArn)
            if let n = retries ?? (merge ? existing?["MaximumRetryAttempts"]?.intValue : nil) {
                config["MaximumRetryAttempts"] = .int(n)
            }
            if let n = age ?? (merge ? existing?["MaximumEventAgeInSeconds"]?.intValue : nil) {
                config["MaximumEventAgeInSeconds"] = .int(n)
            }
            config["DestinationConfig"] = Self.destinationConfigJSON(onSuccess: onSuccess, onFailure: onFailure)
            var configs = state.functions[key]?.eventInvokeConfigs ?? [:]
            configs[qualifier] = .object(config)
            state.functions[key]?.eventInvokeConfigs = configs
            return .object(config)
        }
    }

    /// `{"OnSuccess": {"Destination": …}, "OnFailure": {}}`: unset destinations as `{}`.
    static func destinationConfigJSON(onSuccess: String?, onFailure: String?) -> JSON {
        func one(_ arn: String?) -> JSON {
            guard let arn = AsyncPolicy.nonEmpty(arn) else { return .object(JSONObject()) }
            return .object(JSONObject([("Destination", .string(arn))]))
        }
        return .object(JSONObject([("OnSuccess", one(onSuccess)), ("OnFailure", one(onFailure))]))
    }

    /// The function and qualifier an event invoke config operation names (`FunctionName` may
    /// carry the qualifier: `name:alias`, or an ARN). The qualifier must exist.
    func eventInvokeTarget(_ state: State, _ p: JSONObject, missing: ServiceError) throws -> (key: String, name: String, qualifier: String) {
        let functionName = p.string("FunctionName") ?? ""
        guard let ref = FunctionReference.parse(functionName) else {
            throw ServiceError.constraint(value: functionName, field: "functionName",
                                          "Member must satisfy regular expression pattern: \(namespacedFunctionNamePattern)")
        }
        if let q = ref.qualifier, let e = p.string("Qualifier"), q != e {
            throw ServiceError.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
        }
        if let r = ref.region, r != region {
            throw ServiceError.notFound("Functions from '\(r)' are not reachable in this region ('\(region)')")
        }
        let qualifier = p.string("Qualifier") ?? ref.qualifier ?? "$LATEST"
        let key = State.functionKey(region: region, name: ref.name)
        guard let record = try state.functions.record(key) else { throw missing }
        if qualifier != "$LATEST", record.version(qualifier) == nil, record.aliases[qualifier] == nil { throw missing }
        return (key, ref.name, qualifier)
    }

    /// AWS's checks of destination ARNs: a function must exist and not be the function itself;
    /// SQS, SNS and EventBridge are accepted as they are; S3 only on failure.
    func validateDestinations(_ state: State, function: String, onSuccess: String?, onFailure: String?) throws {
        var invalid = false
        for (arn, isFailure) in [(onSuccess, false), (onFailure, true)] {
            guard let arn = AsyncPolicy.nonEmpty(arn) else { continue }
            let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
            switch parts.count > 2 ? String(parts[2]) : "" {
            case "lambda":
                guard let ref = FunctionReference.parse(arn), ref.region != nil,
                    state.functions[State.functionKey(region: ref.region ?? region, name: ref.name)] != nil
                else {
                    throw ServiceError.invalidParameter("The destination ARN \(arn) is invalid.")
                }
                if ref.name == function, (ref.region ?? region) == region {
                    throw ServiceError.invalidParameter("You can't specify the function as a destination for itself.")
                }
            case "sqs", "sns", "events": break
            case "s3": if !isFailure { invalid = true }
            default: invalid = true
            }
        }
        if invalid {
            let success = AsyncPolicy.nonEmpty(onSuccess).map { "OnSuccess(destination=\($0))" } ?? "null"
            let failure = AsyncPolicy.nonEmpty(onFailure).map { "OnFailure(destination=\($0))" } ?? "null"
            throw ServiceError.invalidParameter("The provided destination config DestinationConfig(onSuccess=\(success), onFailure=\(failure)) is invalid.")
        }
    }

    /// `^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`
    static func matchesDestinationPattern(_ arn: String) -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws") else { return false }
        func isAlnumDash(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "-") }
        guard parts[1].allSatisfy(isAlnumDash), !parts[2].isEmpty, parts[2].allSatisfy(isAlnumDash) else { return false }
        let region = parts[3]
        if !region.isEmpty {
            let pieces = region.split(separator: "-", omittingEmptySubsequences: false)
            guard pieces.count >= 3, pieces[0].count == 2, pieces[0].allSatisfy({ $0.isASCII && $0.isLowercase }),
                let last = pieces.last, last.count == 1, last.allSatisfy(\.isNumber)
            else { return false }
        }
        let account = parts[4]
        return account.isEmpty || (account.count == 12 && account.allSatisfy { $0.isASCII && $0.isNumber })
    }

    // MARK: - Get / List / Delete

    func getEventInvokeConfig(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let (key, _, qualifier) = try eventInvokeTargetOrMissingFunction(state, p)
        guard let config = state.functions[key]?.eventInvokeConfigs?[qualifier] else {
            throw missingConfig(p, qualifier: qualifier)
        }
        return config
    }

    func listEventInvokeConfigs(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let (key, _, _) = try eventInvokeTargetOrMissingFunction(state, p)
        let configs = state.functions[key]?.eventInvokeConfigs ?? [:]
        let items = configs.keys.sorted(by: Self.qualifierOrder).compactMap { configs[$0] }
        if let max = p.int("MaxItems"), max < 1 || max > 50 {
            throw ServiceError.constraint(value: String(max), field: "maxItems",
                                          max < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 50")
        }
        return try paginate(items, key: "FunctionEventInvokeConfigs", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    func deleteEventInvokeConfig(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let (key, _, qualifier) = try self.eventInvokeTargetOrMissingFunction(state, p)
            guard state.functions[key]?.eventInvokeConfigs?[qualifier] != nil else {
                throw self.missingConfig(p, qualifier: qualifier)
            }
            state.functions[key]?.eventInvokeConfigs?[qualifier] = nil
            if state.functions[key]?.eventInvokeConfigs?.isEmpty == true { state.functions[key]?.eventInvokeConfigs = nil }
            return .object(JSONObject())
        }
    }

    /// Get, List and Delete answer a missing function as `GetFunction` does (reference case 83).
    private func eventInvokeTargetOrMissingFunction(_ state: State, _ p: JSONObject) throws -> (key: String, name: String, qualifier: String) {
        let ref = FunctionReference.parse(p.string("FunctionName") ?? "")
        let explicit = p.string("Qualifier") ?? ref?.qualifier
        let arn = Arn.function(region: region, name: ref?.name ?? "")
        return try eventInvokeTarget(state, p, missing: ServiceError.notFound("Function not found: \(arn)\(explicit.map { ":" + $0 } ?? "")"))
    }

    private func missingConfig(_ p: JSONObject, qualifier: String) -> ServiceError {
        let name = FunctionReference.parse(p.string("FunctionName") ?? "")?.name ?? (p.string("FunctionName") ?? "")
        return ServiceError.notFound("The function \(Arn.function(region: region, name: name)):\(qualifier) doesn't have an EventInvokeConfig")
    }

    /// `$LATEST`, then versions by number, then aliases by name.
    static func qualifierOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ q: String) -> (Int, Int, String) {
            if q == "$LATEST" { return (0, 0, q) }
            if let n = Int(q) { return (1, n, q) }
            return (2, 0, q)
        }
        return rank(a) < rank(b)
    }
}
