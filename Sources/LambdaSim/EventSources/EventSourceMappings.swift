import LambdaSimJSON

/// One event source mapping: its AWS-shaped configuration plus what the pollers need.
public struct EventSourceMapping: Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case sqs, kinesis, dynamodb }
    public var uuid: String
    public var kind: Kind
    public var region: String
    /// `region/name` of the function.
    public var functionKey: String
    /// The qualifier in FunctionName, if any (`my-fn:live`).
    public var qualifier: String?
    /// The configuration as `GetEventSourceMapping` returns it (without `State`/`LastModified`).
    public var config: JSON
    public var lastModifiedMs: SimInstant
    /// `Enabled` / `Disabled` once settled.
    public var enabled: Bool
}

/// The API half of event source mappings: create, get, list, update, delete, with AWS's
/// defaults, validation and response shapes (reference §3.1). Polling is the scheduler's.
extension Engine {
    func performEventSourceOperation(_ operation: String, _ p: JSONObject) throws -> JSON? {
        switch operation {
        case "CreateEventSourceMapping": return try createEventSourceMapping(p)
        case "GetEventSourceMapping": return try getEventSourceMapping(p)
        case "ListEventSourceMappings": return try listEventSourceMappings(p)
        case "UpdateEventSourceMapping": return try updateEventSourceMapping(p)
        case "DeleteEventSourceMapping": return try deleteEventSourceMapping(p)
        default: return nil
        }
    }

    static func sourceKind(_ arn: String) -> EventSourceMapping.Kind? {
        if arn.hasPrefix("arn:aws:sqs:") { return .sqs }
        if arn.hasPrefix("arn:aws:kinesis:") { return .kinesis }
        if arn.hasPrefix("arn:aws:dynamodb:"), arn.contains("/stream/") { return .dynamodb }
        return nil
    }

    func esmArn(_ uuid: String) -> String { "arn:aws:lambda:\(region):\(Arn.account):event-source-mapping:\(uuid)" }

    /// The response shape, in the order botocore's model lists the members.
    func mappingJSON(_ m: EventSourceMapping, state: String? = nil) -> JSON {
        var o = m.config.objectValue ?? JSONObject()
        o["UUID"] = .string(m.uuid)
        o["LastModified"] = .double(TimeFormat.epochSeconds(m.lastModifiedMs))
        o["State"] = .string(state ?? (m.enabled ? "Enabled" : "Disabled"))
        o["EventSourceMappingArn"] = .string(esmArn(m.uuid))
        return .object(o)
    }

    func validateMappingSettings(_ p: JSONObject, kind: EventSourceMapping.Kind, batchSize: Int, window: Int) throws {
        let maxBatch = kind == .sqs ? 10000 : 10000
        if batchSize < 1 || batchSize > maxBatch {
            throw ServiceError.invalidParameter("BatchSize must be between 1 and \(maxBatch).")
        }
        if window < 0 || window > 300 {
            throw ServiceError.constraint(value: String(window), field: "maximumBatchingWindowInSeconds",
                                          window < 0 ? "Member must have value greater than or equal to 0" : "Member must have value less than or equal to 300")
        }
        if kind == .sqs {
            if batchSize > 10, window < 1 {
                throw ServiceError.invalidParameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
            }
            if p["DestinationConfig"] != nil {
                throw ServiceError.invalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.")
            }
            for key in ["StartingPosition", "ParallelizationFactor", "TumblingWindowInSeconds", "BisectBatchOnFunctionError",
                        "MaximumRetryAttempts", "MaximumRecordAgeInSeconds"] where p[key] != nil
            {
                throw ServiceError.invalidParameter("Unsupported \(key) parameter for given event source mapping type.")
            }
        } else {
            if let f = p.int("ParallelizationFactor"), f < 1 || f > 10 {
                throw ServiceError.constraint(value: String(f), field: "parallelizationFactor",
                                              f < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 10")
            }
            if let t = p.int("TumblingWindowInSeconds"), t < 0 || t > 900 {
                throw ServiceError.constraint(value: String(t), field: "tumblingWindowInSeconds",
                                              t < 0 ? "Member must have value greater than or equal to 0" : "Member must have value less than or equal to 900")
            }
            if let r = p.int("MaximumRetryAttempts"), r < -1 || r > 10000 {
                throw ServiceError.constraint(value: String(r), field: "maximumRetryAttempts",
                                              r < -1 ? "Member must have value greater than or equal to -1" : "Member must have value less than or equal to 10000")
            }
            if let a = p.int("MaximumRecordAgeInSeconds"), a != -1 && (a < 60 || a > 604800) {
                throw ServiceError.constraint(value: String(a), field: "maximumRecordAgeInSeconds",
                                              a > 604800 ? "Member must have value less than or equal to 604800" : "Member must have value greater than or equal to 60")
            }
            if p.object("DestinationConfig")?.object("OnSuccess") != nil {
                throw ServiceError.invalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.")
            }
        }
        if let max = p.object("ScalingConfig")?.int("MaximumConcurrency") {
            if kind != .sqs {
                throw ServiceError.invalidParameter("Unsupported ScalingConfig parameter for given event source mapping type.")
            }
            if max < 2 || max > 1000 {
                throw ServiceError.constraint(value: String(max), field: "scalingConfig.maximumConcurrency",
                                              max < 2 ? "Member must have value greater than or equal to 2" : "Member must have value less than or equal to 1000")
            }
        }
        if let types = p["FunctionResponseTypes"]?.arrayValue {
            for t in types where t.stringValue != "ReportBatchItemFailures" {
                throw ServiceError.constraint(value: "[\(t.stringValue ?? "")]", field: "functionResponseTypes",
                                              "Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")
            }
        }
        if let criteria = p["FilterCriteria"] {
            do {
                _ = try EventFilters(criteria: criteria, kind: kind)
            } catch {
                throw ServiceError.invalidParameter("Invalid filter pattern definition.")
            }
        }
    }

    func createEventSourceMapping(_ p: JSONObject) throws -> JSON {
        let functionName = p.string("FunctionName") ?? ""
        return try store.update { state -> JSON in
            let found: (key: String, record: FunctionRecord, version: FunctionVersion, qualifier: String?)
            do {
                found = try self.resolve(state, functionName: functionName, qualifier: nil)
            } catch let error as ServiceError where error.code == "ResourceNotFoundException" {
                // AWS answers a mapping for a missing function as a bad parameter, not a 404.
                throw ServiceError.invalidParameter(error.message)
            }
            guard let source = p.string("EventSourceArn") else {
                throw ServiceError.invalidParameter("Missing EventSourceArn")
            }
            guard let kind = Self.sourceKind(source) else {
                throw ServiceError.invalidParameter("Unrecognized event source.")
            }
            if kind == .sqs, !self.resourceExists(state, arn: source) {
                throw ServiceError.invalidParameter("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.")
            }
            if kind != .sqs, !self.streamExists(state, arn: source) {
                throw ServiceError.invalidParameter("Stream not found: \(source)")
            }
            let functionArn = found.record.latest.unqualifiedArn + (found.qualifier.map { ":" + $0 } ?? "")
            if let existing = (state.eventSourceMappings ?? [:]).values.first(where: { m in
                m.region == self.region && m.config["EventSourceArn"]?.stringValue == source && m.config["FunctionArn"]?.stringValue == functionArn
            }) {
                throw ServiceError.conflict("The event source arn (\" \(source) \") and function (\" \(found.record.latest.name) \") provided mapping already exists. Please update or delete the existing mapping with UUID \(existing.uuid)")
            }
            if kind != .sqs, p.string("StartingPosition") == nil {
                throw ServiceError.invalidParameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")
            }
            if kind == .dynamodb, p.string("StartingPosition") == "AT_TIMESTAMP" {
                throw ServiceError.invalidParameter("Unsupported starting position for arn type: \(source)")
            }
            let batchSize = p.int("BatchSize") ?? (kind == .sqs ? 10 : 100)
            let window = p.int("MaximumBatchingWindowInSeconds") ?? 0
            try self.validateMappingSettings(p, kind: kind, batchSize: batchSize, window: window)
            let uuid = state.rng.uuid()
            if kind != .sqs {
                state.streamResources.startCounters[uuid] = StreamPoller.startCounter(state, arn: source, position: p.string("StartingPosition"))
            }
            var o = JSONObject()
            if kind != .sqs {
                o["StartingPosition"] = p["StartingPosition"]
                if let ts = p["StartingPositionTimestamp"] { o["StartingPositionTimestamp"] = ts }
            }
            o["BatchSize"] = .int(batchSize)
            o["MaximumBatchingWindowInSeconds"] = .int(window)
            if kind != .sqs { o["ParallelizationFactor"] = .int(p.int("ParallelizationFactor") ?? 1) }
            o["EventSourceArn"] = .string(source)
            if let filters = Self.nonEmptyFilterCriteria(p["FilterCriteria"]) { o["FilterCriteria"] = filters }
            o["FunctionArn"] = .string(functionArn)
            if kind != .sqs {
                o["LastProcessingResult"] = "No records processed"
            }
            o["StateTransitionReason"] = kind == .sqs ? "USER_INITIATED" : "User action"
            if kind != .sqs {
                var destination = p.object("DestinationConfig") ?? JSONObject()
                if destination["OnFailure"] == nil { destination["OnFailure"] = .object(JSONObject()) }
                o["DestinationConfig"] = .object(destination)
                o["MaximumRecordAgeInSeconds"] = .int(p.int("MaximumRecordAgeInSeconds") ?? -1)
                o["BisectBatchOnFunctionError"] = .bool(p.bool("BisectBatchOnFunctionError") ?? false)
                o["MaximumRetryAttempts"] = .int(p.int("MaximumRetryAttempts") ?? -1)
                o["TumblingWindowInSeconds"] = .int(p.int("TumblingWindowInSeconds") ?? 0)
            }
            o["FunctionResponseTypes"] = p["FunctionResponseTypes"] ?? .array([])
            if let scaling = p["ScalingConfig"] { o["ScalingConfig"] = scaling }
            for key in ["Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource", "KMSKeyArn",
                        "DocumentDBEventSourceConfig", "MetricsConfig", "ProvisionedPollerConfig", "Tags"]
            {
                if let v = p[key], key != "Tags" { o[key] = v }
            }
            let mapping = EventSourceMapping(uuid: uuid, kind: kind, region: self.region, functionKey: found.key,
                                             qualifier: found.qualifier, config: .object(o), lastModifiedMs: self.now(state),
                                             enabled: p.bool("Enabled") ?? true)
            var all = state.eventSourceMappings ?? [:]
            all[uuid] = mapping
            state.eventSourceMappings = all
            return self.mappingJSON(mapping, state: "Creating")
        }
    }

    /// `FilterCriteria` as AWS echoes it: nil when there is no filter (`{}` or `{"Filters": []}`).
    static func nonEmptyFilterCriteria(_ criteria: JSON?) -> JSON? {
        guard let criteria, let filters = criteria.objectValue?["Filters"]?.arrayValue, !filters.isEmpty else { return nil }
        return criteria
    }

    /// Whether a Kinesis stream or a DynamoDB table's current stream exists locally.
    func streamExists(_ state: State, arn: String) -> Bool {
        guard let parsed = ResourceArn(arn) else { return false }
        if parsed.service == "kinesis" {
            guard parsed.resource.hasPrefix("stream/") else { return false }
            return state.streamResources.kinesis[parsed.region + "/" + String(parsed.resource.dropFirst("stream/".count))] != nil
        }
        let name = String(parsed.resource.dropFirst("table/".count).prefix { $0 != "/" })
        return state.streamResources.tables[parsed.region + "/" + name]?.streamArn == arn
    }

    func mapping(_ state: State, _ uuid: String?) throws -> EventSourceMapping {
        guard let uuid, let m = state.eventSourceMappings?[uuid], m.region == region else {
            throw ServiceError.notFound("The resource you requested does not exist.")
        }
        return m
    }

    func getEventSourceMapping(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        return mappingJSON(try mapping(state, p.string("UUID")))
    }

    func listEventSourceMappings(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        var functionFilter: (key: String, qualifier: String?)?
        if let name = p.string("FunctionName") {
            do {
                let found = try resolve(state, functionName: name, qualifier: nil)
                functionFilter = (found.key, found.qualifier)
            } catch let error as ServiceError where error.code == "ResourceNotFoundException" {
                // A missing function has no mappings: AWS answers an empty list.
                return .object(JSONObject([("EventSourceMappings", .array([]))]))
            }
        }
        let source = p.string("EventSourceArn")
        let items = (state.eventSourceMappings ?? [:]).values
            .filter { $0.region == region }
            .filter { m in functionFilter.map { m.functionKey == $0.key && (($0.qualifier == nil) || m.qualifier == $0.qualifier) } ?? true }
            .filter { m in source.map { m.config["EventSourceArn"]?.stringValue == $0 } ?? true }
            .sorted { ($0.lastModifiedMs, $0.uuid) < ($1.lastModifiedMs, $1.uuid) }
            .map { mappingJSON($0) }
        return try paginate(items, key: "EventSourceMappings", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    func updateEventSourceMapping(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            var m = try self.mapping(state, p.string("UUID"))
            var o = m.config.objectValue ?? JSONObject()
            let batchSize = p.int("BatchSize") ?? o["BatchSize"]?.intValue ?? 10
            let window = p.int("MaximumBatchingWindowInSeconds") ?? o["MaximumBatchingWindowInSeconds"]?.intValue ?? 0
            try self.validateMappingSettings(p, kind: m.kind, batchSize: batchSize, window: window)
            if let name = p.string("FunctionName") {
                let found = try self.resolve(state, functionName: name, qualifier: nil)
                m.functionKey = found.key
                m.qualifier = found.qualifier
                o["FunctionArn"] = .string(found.record.latest.unqualifiedArn + (found.qualifier.map { ":" + $0 } ?? ""))
            }
            o["BatchSize"] = .int(batchSize)
            o["MaximumBatchingWindowInSeconds"] = .int(window)
            for key in ["FilterCriteria", "DestinationConfig", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
                        "MaximumRetryAttempts", "ParallelizationFactor", "TumblingWindowInSeconds", "FunctionResponseTypes",
                        "ScalingConfig", "SourceAccessConfigurations", "DocumentDBEventSourceConfig", "KMSKeyArn",
                        "MetricsConfig", "ProvisionedPollerConfig"]
            {
                if let v = p[key] { o[key] = v }
            }
            // An empty filter list removes the filters; AWS then omits FilterCriteria.
            if p["FilterCriteria"] != nil { o["FilterCriteria"] = Self.nonEmptyFilterCriteria(p["FilterCriteria"]) }
            if let enabled = p.bool("Enabled") { m.enabled = enabled }
            m.config = .object(o)
            m.lastModifiedMs = self.now(state)
            state.eventSourceMappings?[m.uuid] = m
            return self.mappingJSON(m, state: "Updating")
        }
    }

    func deleteEventSourceMapping(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let m = try self.mapping(state, p.string("UUID"))
            state.eventSourceMappings?[m.uuid] = nil
            if state.streams != nil {
                state.streamResources.checkpoints[m.uuid] = nil
                state.streamResources.startCounters[m.uuid] = nil
            }
            return self.mappingJSON(m, state: "Deleting")
        }
    }
}
