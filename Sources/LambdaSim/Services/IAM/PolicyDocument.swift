import LambdaSimJSON

/// An IAM policy document (identity-based, resource-based or a role's trust policy), parsed
/// once from its JSON text into statements the evaluator reads.
///
/// Grammar: IAM User Guide, "IAM JSON policy element reference". `Action`, `Resource`,
/// `Principal` values may be one string or a list; `Condition` is
/// `{ operator: { key: value-or-list } }`.
public struct PolicyDocument: Sendable, Equatable {
    public var version: String?
    public var id: String?
    public var statements: [PolicyStatement]

    /// Why a document was refused, in IAM's `MalformedPolicyDocument` wording.
    public struct Malformed: Error, Equatable, Sendable {
        public var message: String
    }

    /// Parses `text`; `requireResource` is true for identity-based policies (a statement
    /// needs `Resource` or `NotResource`), false for trust policies (they need `Principal`).
    public static func parse(_ text: String, kind: Kind = .identity) throws(Malformed) -> PolicyDocument {
        let json: JSON
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw Malformed(message: "Syntax errors in policy.")
        }
        return try parse(json, kind: kind)
    }

    public enum Kind: Sendable { case identity, resource, trust }

    /// `parse`, remembered by text: pollers and every Lambda call re-read the same few policies.
    /// Documents that do not parse are not remembered.
    public static func cached(_ text: String, kind: Kind) -> PolicyDocument? {
        let key = "\(kind):" + text
        if let hit = cacheLock.withLock({ cache[key] }) { return hit }
        guard let document = try? parse(text, kind: kind) else { return nil }
        cacheLock.withLock {
            if cache.count > 512 { cache.removeAll() }
            cache[key] = document
        }
        return document
    }

    private static let cacheLock = Mutex()
    nonisolated(unsafe) private static var cache: [String: PolicyDocument] = [:]  // guarded by cacheLock

    public static func parse(_ json: JSON, kind: Kind = .identity) throws(Malformed) -> PolicyDocument {
        guard let object = json.objectValue else { throw Malformed(message: "Syntax errors in policy.") }
        for key in object.keys where !["Version", "Id", "Statement"].contains(key) {
            throw Malformed(message: "Syntax errors in policy.")
        }
        var document = PolicyDocument(version: object["Version"]?.stringValue, id: object["Id"]?.stringValue, statements: [])
        if let version = document.version, version != "2012-10-17", version != "2008-10-17" {
            throw Malformed(message: "The policy failed legacy parsing")
        }
        let rawStatements: [JSON]
        switch object["Statement"] {
        case let .array(items)?: rawStatements = items
        case let .object(single)?: rawStatements = [.object(single)]
        default: throw Malformed(message: "Syntax errors in policy.")
        }
        for raw in rawStatements {
            document.statements.append(try PolicyStatement.parse(raw, kind: kind))
        }
        return document
    }
}

/// One statement of a policy.
public struct PolicyStatement: Sendable, Equatable {
    public enum Effect: String, Sendable { case allow = "Allow", deny = "Deny" }

    public var sid: String?
    public var effect: Effect
    /// `Principal` (nil when absent); `NotPrincipal` sets `principalNegated`.
    public var principal: PrincipalSet?
    public var principalNegated = false
    /// `Action` patterns, or `NotAction` when `actionNegated`.
    public var actions: [String]
    public var actionNegated = false
    /// `Resource` patterns (nil when absent: trust policies), or `NotResource`.
    public var resources: [String]?
    public var resourceNegated = false
    public var conditions: [PolicyCondition]

    static func strings(_ value: JSON?) -> [String]? {
        switch value {
        case let .string(s)?: return [s]
        case let .array(items)?:
            var out: [String] = []
            for item in items {
                guard let s = item.stringValue else { return nil }
                out.append(s)
            }
            return out
        default: return nil
        }
    }

    static func parse(_ raw: JSON, kind: PolicyDocument.Kind) throws(PolicyDocument.Malformed) -> PolicyStatement {
        typealias M = PolicyDocument.Malformed
        guard let object = raw.objectValue else { throw M(message: "Syntax errors in policy.") }
        let known: Set<String> = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                                  "NotResource", "Condition"]
        for key in object.keys where !known.contains(key) {
            throw M(message: "Syntax errors in policy.")
        }
        guard let effectText = object["Effect"]?.stringValue, let effect = Effect(rawValue: effectText) else {
            throw M(message: "Syntax errors in policy.")
        }
        var statement = PolicyStatement(sid: object["Sid"]?.stringValue, effect: effect, actions: [], resources: nil,
                                        conditions: [])
        if let p = object["Principal"] ?? object["NotPrincipal"] {
            guard let set = PrincipalSet.parse(p) else { throw M(message: "Invalid principal in policy: \(JSONWriter.string(p))") }
            statement.principal = set
            statement.principalNegated = object["Principal"] == nil
            if kind == .identity { throw M(message: "Policy document should not specify a principal.") }
        } else if kind != .identity {
            throw M(message: "Missing required field Principal")
        }
        if let actions = strings(object["Action"]) {
            statement.actions = actions
        } else if let actions = strings(object["NotAction"]) {
            statement.actions = actions
            statement.actionNegated = true
        } else {
            throw M(message: "Policy statement must contain actions.")
        }
        for action in statement.actions where action != "*" {
            let parts = action.split(separator: ":", maxSplits: 1)
            if parts.count != 2 || parts[0].isEmpty {
                throw M(message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
            }
        }
        if let resources = strings(object["Resource"]) {
            statement.resources = resources
        } else if let resources = strings(object["NotResource"]) {
            statement.resources = resources
            statement.resourceNegated = true
        } else if kind == .identity {
            throw M(message: "Policy statement must contain resources.")
        }
        if let condition = object["Condition"] {
            guard let block = condition.objectValue else { throw M(message: "Syntax errors in policy.") }
            for (op, keys) in block {
                guard let parsedOp = ConditionOperator(op), let keyObject = keys.objectValue else {
                    throw M(message: "Invalid Condition type : \(op).")
                }
                for (key, values) in keyObject {
                    var texts: [String] = []
                    switch values {
                    case let .array(items): texts = items.map(Self.conditionText)
                    default: texts = [Self.conditionText(values)]
                    }
                    statement.conditions.append(PolicyCondition(op: parsedOp, key: key, values: texts))
                }
            }
        }
        return statement
    }

    /// Condition values may be strings, numbers or booleans in JSON; IAM compares their text.
    static func conditionText(_ value: JSON) -> String {
        switch value {
        case let .string(s): return s
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return JSONWriter.formatDouble(d)
        default: return JSONWriter.string(value)
        }
    }

    /// A short name for explanations: `Sid "x"` or `statement N`.
    func label(index: Int) -> String {
        if let sid, !sid.isEmpty { return "statement \"\(sid)\"" }
        return "statement \(index + 1)"
    }
}

/// The `Principal` element: `"*"` or `{ "AWS": …, "Service": …, "Federated": …, "CanonicalUser": … }`.
public struct PrincipalSet: Sendable, Equatable {
    public var any = false
    public var aws: [String] = []
    public var service: [String] = []
    public var federated: [String] = []

    static func parse(_ value: JSON) -> PrincipalSet? {
        if value.stringValue == "*" { return PrincipalSet(any: true) }
        guard let object = value.objectValue else { return nil }
        var set = PrincipalSet()
        for (key, item) in object {
            guard let list = PolicyStatement.strings(item) else { return nil }
            switch key {
            case "AWS": set.aws += list
            case "Service": set.service += list
            case "Federated": set.federated += list
            case "CanonicalUser": break
            default: return nil
            }
        }
        return set
    }

    /// Whether `principal` is named here. An account (`123456789012` or its `:root` ARN) names
    /// every identity of that account; a role ARN names its assumed-role sessions.
    func matches(_ principal: RequestPrincipal) -> Bool {
        if any { return true }
        switch principal {
        case let .service(name):
            return service.contains(name)
        case let .identity(identity):
            for entry in aws {
                if entry == "*" { return true }
                if entry == identity.account || entry == "arn:aws:iam::\(identity.account):root" { return true }
                if entry == identity.arn || entry == identity.policyArn { return true }
            }
            return false
        case .anonymous:
            return aws.contains("*")
        }
    }
}

/// Who makes a request.
public enum RequestPrincipal: Sendable, Equatable {
    /// An IAM identity of the account (root, a user, a role or its session).
    case identity(CallerIdentity)
    /// An AWS service principal (`sns.amazonaws.com`).
    case service(String)
    case anonymous
}

/// An IAM identity as `sts get-caller-identity` reports it.
public struct CallerIdentity: Sendable, Equatable {
    public enum Kind: String, Sendable { case root, user, role }
    public var kind: Kind
    public var account: String
    /// The IAM name (user or role name); empty for root.
    public var name: String
    /// The session name for an assumed role.
    public var sessionName: String?
    /// The unique ID (`AIDA…` for users, `AROA…` for roles).
    public var uniqueId: String

    public init(kind: Kind, account: String, name: String, sessionName: String? = nil, uniqueId: String) {
        self.kind = kind
        self.account = account
        self.name = name
        self.sessionName = sessionName
        self.uniqueId = uniqueId
    }

    public static func root(account: String) -> CallerIdentity {
        CallerIdentity(kind: .root, account: account, name: "", uniqueId: account)
    }

    /// The ARN `sts get-caller-identity` prints and AccessDenied messages name.
    public var arn: String {
        switch kind {
        case .root: return "arn:aws:iam::\(account):root"
        case .user: return "arn:aws:iam::\(account):user/\(name)"
        case .role:
            if let sessionName { return "arn:aws:sts::\(account):assumed-role/\(name)/\(sessionName)" }
            return "arn:aws:iam::\(account):role/\(name)"
        }
    }

    /// The ARN a policy's `Principal` names this identity by (a session by its role).
    public var policyArn: String {
        switch kind {
        case .root: return "arn:aws:iam::\(account):root"
        case .user: return "arn:aws:iam::\(account):user/\(name)"
        case .role: return "arn:aws:iam::\(account):role/\(name)"
        }
    }

    public var userId: String {
        switch kind {
        case .root: return account
        case .user: return uniqueId
        case .role: return uniqueId + ":" + (sessionName ?? name)
        }
    }
}
