import LambdaSimJSON

/// A function URL: `https://<url-id>.lambda-url.<region>.on.aws/` for `$LATEST` or an alias.
/// `lambda-sim serve` answers it locally (docs/serve.md).
public struct FunctionURLConfig: Codable, Sendable {
    /// 32 lower-case letters and digits, unique across the state.
    public var urlId: String
    /// `$LATEST` or an alias name.
    public var qualifier: String
    /// `NONE` or `AWS_IAM`.
    public var authType: String
    /// The `Cors` structure as the API takes and returns it.
    public var cors: JSON?
    /// `BUFFERED` or `RESPONSE_STREAM`.
    public var invokeMode: String
    public var creationMs: SimInstant
    public var lastModifiedMs: SimInstant

    public func url(region: String) -> String { "https://\(urlId).lambda-url.\(region).on.aws/" }
}

/// What the function URL gateway needs to invoke the function behind a URL id.
public struct FunctionURLTarget: Sendable {
    public var region: String
    public var functionName: String
    public var config: FunctionURLConfig
}

extension Engine {
    /// Function URL config operations; nil when `operation` is not one of them.
    func performFunctionURLOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        switch operation {
        case "CreateFunctionUrlConfig": return try createFunctionURLConfig(params)
        case "GetFunctionUrlConfig": return try getFunctionURLConfig(params)
        case "UpdateFunctionUrlConfig": return try updateFunctionURLConfig(params)
        case "DeleteFunctionUrlConfig": return try deleteFunctionURLConfig(params)
        case "ListFunctionUrlConfigs": return try listFunctionURLConfigs(params)
        default: return nil
        }
    }

    /// The function and URL config behind `urlId`, in any region; nil when no URL has that id.
    public func functionURL(id urlId: String) throws -> FunctionURLTarget? {
        let state = try store.read()
        for key in state.functions.keys {
            guard let record = try state.functions.record(key), let configs = record.urlConfigs else { continue }
            for config in configs.values where config.urlId == urlId {
                return FunctionURLTarget(region: record.latest.region, functionName: record.latest.name, config: config)
            }
        }
        return nil
    }

    // MARK: - Operations

    func createFunctionURLConfig(_ p: JSONObject) throws -> JSON {
        let authType = p.string("AuthType") ?? ""
        try Self.validateURLParams(p, authType: authType)
        return try store.update { state -> JSON in
            let target = try self.urlTarget(state, p)
            var configs = state.functions[target.key]?.urlConfigs ?? [:]
            if configs[target.qualifier] != nil {
                throw ServiceError.conflict("Failed to create function url config for [functionArn = \(target.arn)]. Error message:  FunctionUrlConfig exists for this Lambda function")
            }
            let now = self.now(state)
            var urlId = ""
            repeat {
                urlId = state.rng.hex32()
            } while Self.urlIdInUse(state, urlId)
            let config = FunctionURLConfig(urlId: urlId, qualifier: target.qualifier, authType: authType,
                                           cors: p["Cors"], invokeMode: p.string("InvokeMode") ?? "BUFFERED",
                                           creationMs: now, lastModifiedMs: now)
            configs[target.qualifier] = config
            state.functions[target.key]?.urlConfigs = configs
            var o = JSONObject()
            o["FunctionUrl"] = .string(config.url(region: self.region))
            o["FunctionArn"] = .string(target.arn)
            o["AuthType"] = .string(config.authType)
            if let cors = config.cors { o["Cors"] = cors }
            o["CreationTime"] = .string(TimeFormat.iso(config.creationMs))
            o["InvokeMode"] = .string(config.invokeMode)
            return .object(o)
        }
    }

    func getFunctionURLConfig(_ p: JSONObject) throws -> JSON {
        try Self.validateURLParams(p, authType: nil)
        let state = try store.read()
        let target = try urlTarget(state, p)
        guard let config = state.functions[target.key]?.urlConfigs?[target.qualifier] else { throw Self.urlConfigMissing }
        return urlConfigJSON(config, arn: target.arn)
    }

    func updateFunctionURLConfig(_ p: JSONObject) throws -> JSON {
        try Self.validateURLParams(p, authType: p.string("AuthType"))
        return try store.update { state -> JSON in
            let target = try self.urlTarget(state, p)
            guard var config = state.functions[target.key]?.urlConfigs?[target.qualifier] else { throw Self.urlConfigMissing }
            if let authType = p.string("AuthType") { config.authType = authType }
            if let cors = p["Cors"] { config.cors = cors }
            if let mode = p.string("InvokeMode") { config.invokeMode = mode }
            config.lastModifiedMs = self.now(state)
            state.functions[target.key]?.urlConfigs?[target.qualifier] = config
            return self.urlConfigJSON(config, arn: target.arn)
        }
    }

    func deleteFunctionURLConfig(_ p: JSONObject) throws -> JSON {
        try Self.validateURLParams(p, authType: nil)
        return try store.update { state -> JSON in
            let target = try self.urlTarget(state, p)
            guard state.functions[target.key]?.urlConfigs?[target.qualifier] != nil else { throw Self.urlConfigMissing }
            state.functions[target.key]?.urlConfigs?[target.qualifier] = nil
            return .object(JSONObject())
        }
    }

    func listFunctionURLConfigs(_ p: JSONObject) throws -> JSON {
        if let n = p.int("MaxItems"), n < 1 || n > 50 {
            let bound = n < 1 ? "greater than or equal to 1" : "less than or equal to 50"
            throw ServiceError.constraint(value: String(n), field: "maxItems", "Member must have value \(bound)")
        }
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        let configs = (found.record.urlConfigs ?? [:]).values.sorted { ($0.creationMs, $0.qualifier) < ($1.creationMs, $1.qualifier) }
        let items: [JSON] = configs.map { config in
            let arn = found.record.latest.unqualifiedArn + (config.qualifier == "$LATEST" ? "" : ":" + config.qualifier)
            return urlConfigJSON(config, arn: arn, listOrder: true)
        }
        return try paginate(items, key: "FunctionUrlConfigs", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    // MARK: - Helpers

    static let urlConfigMissing = ServiceError.notFound("The resource you requested does not exist.")

    /// `GetFunctionUrlConfig`'s shape (or `FunctionUrlConfig`'s member order in lists).
    func urlConfigJSON(_ config: FunctionURLConfig, arn: String, listOrder: Bool = false) -> JSON {
        var o = JSONObject()
        o["FunctionUrl"] = .string(config.url(region: region))
        o["FunctionArn"] = .string(arn)
        if listOrder {
            o["CreationTime"] = .string(TimeFormat.iso(config.creationMs))
            o["LastModifiedTime"] = .string(TimeFormat.iso(config.lastModifiedMs))
            if let cors = config.cors { o["Cors"] = cors }
            o["AuthType"] = .string(config.authType)
        } else {
            o["AuthType"] = .string(config.authType)
            if let cors = config.cors { o["Cors"] = cors }
            o["CreationTime"] = .string(TimeFormat.iso(config.creationMs))
            o["LastModifiedTime"] = .string(TimeFormat.iso(config.lastModifiedMs))
        }
        o["InvokeMode"] = .string(config.invokeMode)
        return .object(o)
    }

    static func urlIdInUse(_ state: State, _ urlId: String) -> Bool {
        state.functions.values.contains { record in (record.urlConfigs ?? [:]).values.contains { $0.urlId == urlId } }
    }

    /// The function and qualifier a URL config operation names; the qualifier (from `Qualifier`
    /// or the name's suffix) must be `$LATEST` or an existing alias.
    func urlTarget(_ state: State, _ p: JSONObject) throws -> (key: String, qualifier: String, arn: String) {
        let functionName = p.string("FunctionName") ?? ""
        guard let ref = FunctionReference.parse(functionName) else {
            throw ServiceError.constraint(value: functionName, field: "functionName",
                                          "Member must satisfy regular expression pattern: \(functionNamePattern)")
        }
        if let q = ref.qualifier, let e = p.string("Qualifier"), q != e {
            throw ServiceError.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
        }
        if let r = ref.region, r != region {
            throw ServiceError.notFound("Functions from '\(r)' are not reachable in this region ('\(region)')")
        }
        let explicit = p.string("Qualifier") ?? ref.qualifier
        if let explicit { try Self.validateURLQualifier(explicit) }
        let key = State.functionKey(region: region, name: ref.name)
        let missing = ServiceError.notFound("Function does not exist")
        guard let record = try state.functions.record(key) else { throw missing }
        let qualifier = explicit ?? "$LATEST"
        if qualifier != "$LATEST", record.aliases[qualifier] == nil { throw missing }
        return (key, qualifier, record.latest.unqualifiedArn + (explicit.map { ":" + $0 } ?? ""))
    }

    /// `FunctionUrlQualifier`: `$LATEST` or an alias name (never a version number).
    static func validateURLQualifier(_ q: String) throws {
        let aliasLike = !q.isEmpty && q.count <= 128 && q.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
        let allDigits = q.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        if q != "$LATEST", !aliasLike || allDigits {
            throw ServiceError.constraint(value: q, field: "qualifier",
                                          "Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))")
        }
    }

    /// The model's enum and range checks, reported together as AWS does.
    static func validateURLParams(_ p: JSONObject, authType: String?) throws {
        var problems: [String] = []
        if let authType, !["NONE", "AWS_IAM"].contains(authType) {
            problems.append("Value '\(authType)' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]")
        }
        if let mode = p.string("InvokeMode"), !["BUFFERED", "RESPONSE_STREAM"].contains(mode) {
            problems.append("Value '\(mode)' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")
        }
        if let cors = p.object("Cors") {
            if let age = cors.int("MaxAge"), age < 0 || age > 86400 {
                let bound = age < 0 ? "greater than or equal to 0" : "less than or equal to 86400"
                problems.append("Value '\(age)' at 'cors.maxAge' failed to satisfy constraint: Member must have value \(bound)")
            }
            if let methods = cors["AllowMethods"]?.arrayValue {
                if methods.count > 6 {
                    problems.append("Value '\(methods.compactMap(\.stringValue))' at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6")
                }
                for method in methods.compactMap(\.stringValue) where method.count > 6 {
                    problems.append("Value '\(method)' at 'cors.allowMethods' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 6]")
                }
            }
        }
        guard !problems.isEmpty else { return }
        let count = problems.count == 1 ? "1 validation error detected: " : "\(problems.count) validation errors detected: "
        throw ServiceError.validation(count + problems.joined(separator: "; "))
    }
}
