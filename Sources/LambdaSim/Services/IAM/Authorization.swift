import LambdaSimJSON

/// Who the command's caller is, as the front end resolved it from `--profile` / `AWS_PROFILE`
/// and `~/.aws/config` (`role_arn`, `role_session_name`).
public struct CallerSettings: Sendable, Equatable {
    public var profile: String?
    public var roleArn: String?
    public var sessionName: String?

    public init(profile: String? = nil, roleArn: String? = nil, sessionName: String? = nil) {
        self.profile = profile
        self.roleArn = roleArn
        self.sessionName = sessionName
    }
}

/// Where lambda-sim checks permissions, with one evaluator (`PolicyEvaluator`) behind all of
/// them (docs/permissions.md):
///
/// - the caller of every Lambda operation (identity-based policies of the profile's user or
///   role, and the function's resource-based policy);
/// - a function's execution role: its trust of `lambda.amazonaws.com`, and the actions event
///   source mappings, destinations and dead-letter queues need;
/// - service principals (SNS, S3, EventBridge) invoking a function through its resource policy.
///
/// Default (permissive) mode: the caller is the account's root user unless the profile names a
/// local IAM user or role, a role never created locally may do anything, and a function without
/// a resource-based policy accepts every service principal. `state reset --iam strict` turns on
/// AWS's behaviour for all three.
extension Engine {
    public func isStrictIAM(_ state: State) -> Bool { state.iam?.isStrict ?? false }

    /// The caller of this command.
    public func callerIdentity(_ state: State) -> CallerIdentity {
        let iam = state.iam ?? IAMState()
        let caller = settings.caller
        if let roleArn = caller.roleArn, let name = Self.roleName(fromArn: roleArn) {
            let id = iam.roles[name.lowercased()]?.roleId ?? "AROA" + String(repeating: "X", count: 17)
            return CallerIdentity(kind: .role, account: Arn.account, name: iam.roles[name.lowercased()]?.name ?? name,
                                  sessionName: caller.sessionName ?? "botocore-session", uniqueId: id)
        }
        if let profile = caller.profile {
            if let user = iam.users[profile.lowercased()] {
                return CallerIdentity(kind: .user, account: Arn.account, name: user.name, uniqueId: user.userId)
            }
            if let role = iam.roles[profile.lowercased()] {
                return CallerIdentity(kind: .role, account: Arn.account, name: role.name,
                                      sessionName: caller.sessionName ?? profile, uniqueId: role.roleId)
            }
        }
        return .root(account: Arn.account)
    }

    /// `arn:aws:iam::123456789012:role/path/name` → `name`.
    public static func roleName(fromArn arn: String) -> String? {
        guard let range = arn.range(of: ":role/") else { return nil }
        return arn[range.upperBound...].split(separator: "/").last.map(String.init)
    }

    /// The identity-based policies of an identity; nil when it is unrestricted (the root user,
    /// or, in permissive mode, a role or user that does not exist locally).
    public func identityPolicies(_ state: State, _ identity: CallerIdentity) -> [NamedPolicy]? {
        let iam = state.iam ?? IAMState()
        let inline: [IAMInlinePolicy]
        let attached: [String]
        let label: String
        switch identity.kind {
        case .root:
            return nil
        case .user:
            guard let user = iam.users[identity.name.lowercased()] else { return iam.isStrict ? [] : nil }
            (inline, attached, label) = (user.inlinePolicies, user.attachedPolicies, "user \(user.name)")
        case .role:
            guard let role = iam.roles[identity.name.lowercased()] else { return iam.isStrict ? [] : nil }
            (inline, attached, label) = (role.inlinePolicies, role.attachedPolicies, "role \(role.name)")
        }
        var out: [NamedPolicy] = []
        for policy in inline {
            if let doc = PolicyDocument.cached(policy.document, kind: .identity) {
                out.append(NamedPolicy(name: "inline policy \"\(policy.name)\" of \(label)", document: doc))
            }
        }
        for arn in attached {
            if let managed = managedPolicy(iam, arn), let doc = PolicyDocument.cached(managed.defaultDocument, kind: .identity) {
                out.append(NamedPolicy(name: "managed policy \(managed.name) attached to \(label)", document: doc))
            }
        }
        if out.isEmpty {
            // No policy at all: say so in explanations.
            return []
        }
        return out
    }

    /// The one authorization call: may `principal` perform `action` on `resource`?
    ///
    /// An IAM identity is judged by its identity-based policies and `resourcePolicy` (same
    /// account: either may allow; an explicit deny in either wins). A service principal is
    /// judged by `resourcePolicy` alone; in permissive mode a resource without a policy
    /// accepts it.
    public func authorize(_ state: State, principal: RequestPrincipal, action: String, resource: String,
                          keys: [String: [String]] = [:], resourcePolicy: NamedPolicy? = nil) -> PolicyDecision
    {
        let request = RequestContext(principal: principal, action: action, resource: resource, keys: keys)
        switch principal {
        case let .identity(identity):
            guard let policies = identityPolicies(state, identity) else {
                let who = identity.kind == .root ? "the account's root user" : "\(identity.policyArn) (not created locally; permissive mode)"
                return PolicyDecision(outcome: .allow, source: .none, explanation: "allowed: the caller is \(who)")
            }
            var decision = PolicyEvaluator.evaluate(request, identityPolicies: policies, resourcePolicy: resourcePolicy)
            if decision.outcome == .implicitDeny, policies.isEmpty, resourcePolicy == nil {
                decision.explanation = "implicit deny: \(identity.policyArn) has no identity-based policy and the resource no resource-based policy (\(action) on \(resource))"
            }
            return decision
        case .service, .anonymous:
            if resourcePolicy == nil, !isStrictIAM(state) {
                return PolicyDecision(outcome: .allow, source: .none,
                                      explanation: "allowed: the resource has no resource-based policy (permissive mode)")
            }
            var decision = PolicyEvaluator.evaluate(request, identityPolicies: [], resourcePolicy: resourcePolicy)
            if decision.outcome == .implicitDeny, resourcePolicy == nil {
                decision.explanation = "implicit deny: the resource has no resource-based policy (\(action) on \(resource))"
            }
            return decision
        }
    }

    /// The execution role as a principal (a session of the role Lambda assumed).
    public func executionRolePrincipal(_ state: State, roleArn: String) -> RequestPrincipal {
        let name = Self.roleName(fromArn: roleArn) ?? roleArn
        let role = state.iam?.roles[name.lowercased()]
        return .identity(CallerIdentity(kind: .role, account: Arn.account, name: role?.name ?? name,
                                        sessionName: name, uniqueId: role?.roleId ?? "AROA"))
    }

    /// Whether a function's execution role may perform `action` on `resource`.
    public func authorizeExecutionRole(_ state: State, roleArn: String, action: String, resource: String) -> PolicyDecision {
        authorize(state, principal: executionRolePrincipal(state, roleArn: roleArn), action: action, resource: resource)
    }

    /// The resource-based policy of a function for a qualifier ("" unqualified).
    public func functionResourcePolicy(_ record: FunctionRecord, qualifier: String?) -> NamedPolicy? {
        let key = qualifier.flatMap { $0 == "$LATEST" ? nil : $0 } ?? ""
        guard let policy = record.policies?[key], let doc = policy.document else { return nil }
        return NamedPolicy(name: "the function's resource-based policy", document: doc)
    }

    /// May a service (`sns.amazonaws.com`) invoke the function? `sourceArn` is the topic,
    /// bucket or rule; its account is `aws:SourceAccount`.
    public func authorizeServiceInvoke(_ state: State, service: String, sourceArn: String, functionKey: String,
                                       qualifier: String?) -> PolicyDecision
    {
        guard let record = state.functions[functionKey] else {
            return PolicyDecision(outcome: .implicitDeny, source: .none, explanation: "the function does not exist")
        }
        let resource = record.latest.unqualifiedArn + (qualifier.flatMap { $0 == "$LATEST" ? nil : ":" + $0 } ?? "")
        let account = sourceArn.split(separator: ":", omittingEmptySubsequences: false).dropFirst(4).first.map(String.init)
        var keys: [String: [String]] = ["aws:SourceArn": [sourceArn]]
        if let account, !account.isEmpty { keys["aws:SourceAccount"] = [account] } else { keys["aws:SourceAccount"] = [Arn.account] }
        return authorize(state, principal: .service(service), action: "lambda:InvokeFunction", resource: resource,
                         keys: keys, resourcePolicy: functionResourcePolicy(record, qualifier: qualifier))
    }

    /// May an anonymous caller invoke a function URL whose `AuthType` is `NONE`? The function's
    /// resource-based policy must allow `lambda:InvokeFunctionUrl` to `*` (with
    /// `lambda:FunctionUrlAuthType` `NONE`); permissive mode lets a function without a policy.
    public func authorizeFunctionURL(_ state: State, functionName: String, qualifier: String?) -> PolicyDecision {
        let key = State.functionKey(region: region, name: functionName)
        guard let record = state.functions[key] else {
            return PolicyDecision(outcome: .implicitDeny, source: .none, explanation: "the function does not exist")
        }
        let q = qualifier.flatMap { $0 == "$LATEST" ? nil : $0 }
        let resource = record.latest.unqualifiedArn + (q.map { ":" + $0 } ?? "")
        return authorize(state, principal: .anonymous, action: "lambda:InvokeFunctionUrl", resource: resource,
                         keys: ["lambda:FunctionUrlAuthType": ["NONE"]], resourcePolicy: functionResourcePolicy(record, qualifier: q))
    }

    /// Checks the command's caller for a Lambda action, throwing AWS's `AccessDeniedException`.
    public func requireCaller(_ state: State, action: String, resource: String, resourcePolicy: NamedPolicy? = nil) throws {
        let caller = callerIdentity(state)
        let decision = authorize(state, principal: .identity(caller), action: action, resource: resource,
                                 resourcePolicy: resourcePolicy)
        guard !decision.isAllowed else { return }
        let why: String
        switch (decision.outcome, decision.source) {
        case (.explicitDeny, .resource): why = "with an explicit deny in a resource-based policy"
        case (.explicitDeny, _): why = "with an explicit deny in an identity-based policy"
        default: why = "because no identity-based policy allows the \(action) action"
        }
        let error = ServiceError("AccessDeniedException",
                                 "User: \(caller.arn) is not authorized to perform: \(action) on resource: \(resource) \(why)",
                                 status: 403)
        throw DeniedByPolicy(error: error, function: Self.displayName(resource), principal: caller.arn, action: action,
                             source: "", explanation: decision.explanation)
    }

    /// The check AWS makes when a function is created or its role changes: a role that exists
    /// (in strict mode: any role) must exist and trust `lambda.amazonaws.com`.
    func checkExecutionRoleTrust(_ state: State, roleArn: String?, function: String = "") throws {
        func refuse(_ why: String) -> DeniedByPolicy {
            DeniedByPolicy(error: ServiceError.invalidParameter("The role defined for the function cannot be assumed by Lambda."),
                           function: function, principal: "lambda.amazonaws.com", action: "sts:AssumeRole",
                           source: "", explanation: why)
        }
        guard let roleArn else {
            if isStrictIAM(state) { throw refuse("strict mode: the function has no execution role") }
            return
        }
        let name = Self.roleName(fromArn: roleArn) ?? ""
        guard let role = state.iam?.roles[name.lowercased()] else {
            if isStrictIAM(state) { throw refuse("strict mode: role \(roleArn) does not exist") }
            return
        }
        guard let doc = try? PolicyDocument.parse(role.assumeRolePolicy, kind: .trust) else {
            throw refuse("the trust policy of role \(role.name) does not parse")
        }
        let decision = PolicyEvaluator.evaluate(
            RequestContext(principal: .service("lambda.amazonaws.com"), action: "sts:AssumeRole", resource: role.arn),
            identityPolicies: [], resourcePolicy: NamedPolicy(name: "the trust policy of role \(role.name)", document: doc))
        if !decision.isAllowed { throw refuse(decision.explanation) }
    }

    /// `arn:aws:lambda:…:function:name[:q]` → `name[:q]`; other resources unchanged.
    static func displayName(_ resource: String) -> String {
        guard let range = resource.range(of: ":function:") else { return resource }
        return String(resource[range.upperBound...])
    }

    /// The IAM action a Lambda API operation needs (Service Authorization Reference, Lambda).
    static func lambdaAction(_ operation: String) -> String {
        switch operation {
        case "Invoke": return "lambda:InvokeFunction"
        case "GetPolicy": return "lambda:GetPolicy"
        default: return "lambda:" + operation
        }
    }

    /// The resource a Lambda operation acts on: the function's ARN (qualified when asked), or `*`.
    func lambdaResource(_ state: State, _ params: JSONObject) -> (arn: String, policy: NamedPolicy?) {
        let name = params.string("FunctionName") ?? params.string("Resource") ?? ""
        guard !name.isEmpty, let ref = FunctionReference.parse(name) else { return ("*", nil) }
        let qualifier = params.string("Qualifier") ?? ref.qualifier
        let arn = Arn.function(region: region, name: ref.name) + (qualifier.map { ":" + $0 } ?? "")
        let record = state.functions[State.functionKey(region: region, name: ref.name)]
        return (arn, record.flatMap { functionResourcePolicy($0, qualifier: qualifier) })
    }

    /// The caller check in front of every Lambda operation but `Invoke` (checked in `invoke`).
    func authorizeLambdaOperation(_ operation: String, _ params: JSONObject) throws {
        guard settings.caller.profile != nil || settings.caller.roleArn != nil else { return }
        let state = try store.read()
        let caller = callerIdentity(state)
        if caller.kind == .root { return }
        let target = lambdaResource(state, params)
        try requireCaller(state, action: Self.lambdaAction(operation), resource: target.arn, resourcePolicy: target.policy)
    }
}
