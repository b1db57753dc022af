/// The request an authorization decision is about: who, what action, on which resource, and
/// the condition keys (`aws:SourceArn`, `aws:SourceAccount`, `lambda:FunctionUrlAuthType`, …).
public struct RequestContext: Sendable {
    public var principal: RequestPrincipal
    public var action: String
    public var resource: String
    /// Condition keys, lowercased (IAM condition key names are case-insensitive).
    private var keys: [String: [String]] = [:]

    public init(principal: RequestPrincipal, action: String, resource: String, keys: [String: [String]] = [:]) {
        self.principal = principal
        self.action = action
        self.resource = resource
        for (k, v) in keys { self.keys[k.lowercased()] = v }
        if self.keys["aws:principalaccount"] == nil, case let .identity(identity) = principal {
            self.keys["aws:principalaccount"] = [identity.account]
            self.keys["aws:principalarn"] = [identity.policyArn]
        }
    }

    public mutating func set(_ key: String, _ values: [String]) { keys[key.lowercased()] = values }

    func values(for key: String) -> [String]? { keys[key.lowercased()] }
}

/// A policy with a name for explanations (`inline policy "p" of role r`, `the function's
/// resource-based policy`).
public struct NamedPolicy: Sendable {
    public var name: String
    public var document: PolicyDocument

    public init(name: String, document: PolicyDocument) {
        self.name = name
        self.document = document
    }
}

/// The outcome of evaluating a request, with the statement (or absence) that decided it.
public struct PolicyDecision: Sendable, Equatable {
    public enum Outcome: String, Sendable { case allow, explicitDeny, implicitDeny }
    public enum Source: Sendable, Equatable { case identity, resource, none }

    public var outcome: Outcome
    /// Which kind of policy held the deciding statement (`.none` for an implicit deny).
    public var source: Source
    /// One sentence: which statement of which policy decided, or what was missing.
    public var explanation: String

    public var isAllowed: Bool { outcome == .allow }
}

/// AWS's policy evaluation logic for requests within one account (IAM User Guide, "Policy
/// evaluation logic"): an explicit `Deny` in any applicable policy wins; otherwise an `Allow`
/// in an identity-based policy or in the resource-based policy (for a principal it names)
/// allows; otherwise the request is implicitly denied. Pure: no I/O, no state.
public enum PolicyEvaluator {
    /// Evaluates `request` against the caller's identity-based policies and the resource's
    /// resource-based policy (if any). A service principal has no identity-based policies.
    public static func evaluate(_ request: RequestContext, identityPolicies: [NamedPolicy],
                                resourcePolicy: NamedPolicy? = nil) -> PolicyDecision
    {
        // Every applicable policy is read: a Deny anywhere wins over an Allow seen earlier.
        let sources = identityPolicies.map { ($0, PolicyDecision.Source.identity) }
            + (resourcePolicy.map { [($0, PolicyDecision.Source.resource)] } ?? [])
        var allow: (String, PolicyDecision.Source)?
        for (policy, source) in sources {
            for (index, statement) in policy.document.statements.enumerated()
            where applies(statement, to: request, checkPrincipal: source == .resource) {
                let label = "\(statement.label(index: index)) of \(policy.name)"
                if statement.effect == .deny {
                    return PolicyDecision(outcome: .explicitDeny, source: source, explanation: "explicit Deny in \(label)")
                }
                if allow == nil { allow = (label, source) }
            }
        }
        if let (label, source) = allow {
            return PolicyDecision(outcome: .allow, source: source, explanation: "allowed by \(label)")
        }
        var places: [String] = identityPolicies.map(\.name)
        if let resourcePolicy { places.append(resourcePolicy.name) }
        let searched = places.isEmpty ? "no policy allows it" : "no statement in " + places.joined(separator: ", ") + " allows it"
        return PolicyDecision(outcome: .implicitDeny, source: .none,
                              explanation: "implicit deny: \(searched) (\(request.action) on \(request.resource))")
    }

    /// Whether a statement applies to a request (its effect aside).
    public static func applies(_ statement: PolicyStatement, to request: RequestContext, checkPrincipal: Bool) -> Bool {
        if checkPrincipal {
            guard let principal = statement.principal else { return false }
            if principal.matches(request.principal) == statement.principalNegated { return false }
        }
        let actionHit = statement.actions.contains { actionMatches($0, request.action) }
        if actionHit == statement.actionNegated { return false }
        if let resources = statement.resources {
            let resourceHit = resources.contains { Wildcard.matches($0, request.resource) }
            if resourceHit == statement.resourceNegated { return false }
        }
        return statement.conditions.allSatisfy { $0.holds(in: request) }
    }

    /// Actions match case-insensitively, with `*` and `?` wildcards (`lambda:Get*`, `*`).
    public static func actionMatches(_ pattern: String, _ action: String) -> Bool {
        Wildcard.matches(pattern, action, ignoreCase: true)
    }
}
