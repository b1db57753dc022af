import LambdaSimJSON

/// A function's resource-based policy for one qualifier: the statements `add-permission` wrote,
/// in order, each as the compact JSON text Lambda returns.
public struct FunctionPolicy: Codable, Sendable {
    public var statements: [String]
    public var revisionId: String

    /// The policy document as `get-policy` returns it (`{"Version":"2012-10-17","Id":"default",…}`).
    public var text: String {
        #"{"Version":"2012-10-17","Id":"default","Statement":["# + statements.joined(separator: ",") + "]}"
    }

    public var document: PolicyDocument? { PolicyDocument.cached(text, kind: .resource) }
}

/// `add-permission`, `get-policy`, `remove-permission` (Lambda API reference, AddPermission),
/// and tags (`tag-resource`, `untag-resource`, `list-tags`).
extension Engine {
    func performPolicyOperation(_ operation: String, _ p: JSONObject) throws -> JSON? {
        switch operation {
        case "AddPermission": return try addPermission(p)
        case "GetPolicy": return try getPolicy(p)
        case "RemovePermission": return try removePermission(p)
        case "TagResource": return try tagResource(p)
        case "UntagResource": return try untagResource(p)
        case "ListTags": return try listTags(p)
        default: return nil
        }
    }

    static let actionPattern = "(lambda:[*]|lambda:[a-zA-Z]+|[*])"

    /// The `Principal` element Lambda writes for an `--principal` value.
    static func principalJSON(_ principal: String) throws -> JSON {
        if principal == "*" { return .string("*") }
        if principal.count == 12, principal.allSatisfy(\.isNumber) {
            return .object(JSONObject([("AWS", .string("arn:aws:iam::\(principal):root"))]))
        }
        if principal.hasPrefix("arn:") {
            guard principal.hasPrefix("arn:aws:iam::") || principal.hasPrefix("arn:aws:sts::") else {
                throw ServiceError.invalidParameter("The provided principal was invalid. Please check the principal and try again.")
            }
            return .object(JSONObject([("AWS", .string(principal))]))
        }
        guard principal.contains("."), !principal.contains(" ") else {
            throw ServiceError.invalidParameter("The provided principal was invalid. Please check the principal and try again.")
        }
        return .object(JSONObject([("Service", .string(principal))]))
    }

    func addPermission(_ p: JSONObject) throws -> JSON {
        let sid = p.string("StatementId") ?? ""
        if sid.isEmpty || sid.count > 100 || !sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            throw ServiceError.constraint(value: sid, field: "statementId",
                                          "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)")
        }
        let action = p.string("Action") ?? ""
        let actionOK = action == "*" || action == "lambda:*"
            || (action.hasPrefix("lambda:") && action.dropFirst(7).allSatisfy { $0.isASCII && $0.isLetter } && action.count > 7)
        if !actionOK {
            throw ServiceError.constraint(value: action, field: "action",
                                          "Member must satisfy regular expression pattern: \(Self.actionPattern)")
        }
        let principal = try Self.principalJSON(p.string("Principal") ?? "")
        return try store.update { state -> JSON in
            let found = try self.resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: p.string("Qualifier"))
            let qualifier = found.qualifier ?? ""
            var policy = state.functions[found.key]?.policies?[qualifier]
            if let revision = p.string("RevisionId"), revision != (policy?.revisionId ?? found.version.revisionId) {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id", status: 412)
            }
            if let existing = policy?.document?.statements, existing.contains(where: { $0.sid == sid }) {
                throw ServiceError.conflict("The statement id (\(sid)) provided already exists. Please provide a new statement id, or remove the existing statement.")
            }
            let resource = Arn.function(region: self.region, name: found.version.name) + (found.qualifier.map { ":" + $0 } ?? "")
            var statement = JSONObject([("Sid", .string(sid)), ("Effect", .string("Allow")), ("Principal", principal),
                                        ("Action", .string(action)), ("Resource", .string(resource))])
            var stringEquals = JSONObject()
            if let account = p.string("SourceAccount") { stringEquals["AWS:SourceAccount"] = .string(account) }
            if let token = p.string("EventSourceToken") { stringEquals["lambda:EventSourceToken"] = .string(token) }
            if let org = p.string("PrincipalOrgID") { stringEquals["aws:PrincipalOrgID"] = .string(org) }
            if let auth = p.string("FunctionUrlAuthType") { stringEquals["lambda:FunctionUrlAuthType"] = .string(auth) }
            if p.bool("InvokedViaFunctionUrl") == true { stringEquals["lambda:InvokedViaFunctionUrl"] = .string("true") }
            var condition = JSONObject()
            if !stringEquals.isEmpty { condition["StringEquals"] = .object(stringEquals) }
            if let source = p.string("SourceArn") {
                condition["ArnLike"] = .object(JSONObject([("AWS:SourceArn", .string(source))]))
            }
            if !condition.isEmpty { statement["Condition"] = .object(condition) }
            let text = JSONWriter.string(.object(statement))
            if policy == nil { policy = FunctionPolicy(statements: [], revisionId: "") }
            policy?.statements.append(text)
            policy?.revisionId = state.rng.uuid()
            var policies = state.functions[found.key]?.policies ?? [:]
            policies[qualifier] = policy
            state.functions[found.key]?.policies = policies
            return .object(JSONObject([("Statement", .string(text))]))
        }
    }

    func getPolicy(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: p.string("Qualifier"))
        guard let policy = found.record.policies?[found.qualifier ?? ""], !policy.statements.isEmpty else {
            throw ServiceError.notFound("The resource you requested does not exist.")
        }
        return .object(JSONObject([("Policy", .string(policy.text)), ("RevisionId", .string(policy.revisionId))]))
    }

    func removePermission(_ p: JSONObject) throws -> JSON {
        let sid = p.string("StatementId") ?? ""
        return try store.update { state -> JSON in
            let found = try self.resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: p.string("Qualifier"))
            let qualifier = found.qualifier ?? ""
            guard var policy = found.record.policies?[qualifier], !policy.statements.isEmpty else {
                throw ServiceError.notFound("No policy is associated with the given resource.")
            }
            if let revision = p.string("RevisionId"), revision != policy.revisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id", status: 412)
            }
            let statements = policy.document?.statements ?? []
            guard let index = statements.firstIndex(where: { $0.sid == sid }) else {
                throw ServiceError.notFound("Statement \(sid) is not found in resource policy.")
            }
            policy.statements.remove(at: index)
            policy.revisionId = state.rng.uuid()
            state.functions[found.key]?.policies?[qualifier] = policy.statements.isEmpty ? nil : policy
            return .object(JSONObject())
        }
    }

    // MARK: - Tags

    /// The function a tagging call names by ARN; versions and aliases cannot be tagged.
    func taggedFunctionKey(_ state: State, _ resource: String?) throws -> String {
        let arn = resource ?? ""
        guard let ref = FunctionReference.parse(arn), arn.hasPrefix("arn:") else {
            throw ServiceError.constraint(value: arn, field: "resource",
                                          "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:[a-zA-Z0-9-_]+)")
        }
        if ref.qualifier != nil {
            throw ServiceError.invalidParameter("Tags on function aliases and versions are not supported. Please specify a function ARN.")
        }
        let found = try resolve(state, functionName: arn, qualifier: nil)
        return found.key
    }

    func tagResource(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let key = try self.taggedFunctionKey(state, p.string("Resource"))
            var tags = state.functions[key]?.tags ?? [:]
            for (k, v) in p.object("Tags") ?? JSONObject() { tags[k] = v.stringValue ?? JSONWriter.string(v) }
            state.functions[key]?.tags = tags
            return .object(JSONObject())
        }
    }

    func untagResource(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let key = try self.taggedFunctionKey(state, p.string("Resource"))
            var tags = state.functions[key]?.tags ?? [:]
            for k in (p["TagKeys"]?.arrayValue ?? []).compactMap(\.stringValue) { tags[k] = nil }
            state.functions[key]?.tags = tags.isEmpty ? nil : tags
            return .object(JSONObject())
        }
    }

    func listTags(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let key = try taggedFunctionKey(state, p.string("Resource"))
        return .object(JSONObject([("Tags", Self.tagMap(state.functions[key]?.tags ?? [:]))]))
    }

    static func tagMap(_ tags: [String: String]) -> JSON {
        .object(JSONObject(tags.keys.sorted().map { ($0, .string(tags[$0] ?? "")) }))
    }
}
