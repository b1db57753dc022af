import LambdaSimJSON

/// The execution-role checks Lambda makes when a configuration names something the role must
/// reach: a dead-letter queue or topic, an asynchronous destination, an event source.
/// Each answers AWS's `InvalidParameterValueException` text when the role lacks an action.
extension Engine {
    /// The action Lambda needs on a destination or dead-letter target, with the API and service
    /// names AWS's message uses (`SendMessage`, `SQS`).
    static func deliveryAction(_ targetArn: String) -> (action: String, api: String, service: String)? {
        let parts = targetArn.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count > 2 ? String(parts[2]) : "" {
        case "sqs": return ("sqs:SendMessage", "SendMessage", "SQS")
        case "sns": return ("sns:Publish", "Publish", "SNS")
        case "lambda": return ("lambda:InvokeFunction", "InvokeFunction", "Lambda")
        case "events": return ("events:PutEvents", "PutEvents", "EventBridge")
        case "s3": return ("s3:PutObject", "PutObject", "S3")
        default: return nil
        }
    }

    /// The resource a delivery action is checked on (an S3 destination: objects in the bucket;
    /// a function destination: the function ARN as given).
    static func deliveryResource(_ targetArn: String) -> String {
        targetArn.hasPrefix("arn:aws:s3:::") ? targetArn + "/*" : targetArn
    }

    /// The decision for delivering to `targetArn` with the role (for delivery code: destinations,
    /// DLQs); nil when the target's kind needs no permission.
    public func authorizeDelivery(_ state: State, roleArn: String, targetArn: String) -> PolicyDecision? {
        if !roleIsChecked(state, roleArn: roleArn) { return nil }
        guard let needed = Self.deliveryAction(targetArn) else { return nil }
        return authorizeExecutionRole(state, roleArn: roleArn, action: needed.action,
                                      resource: Self.deliveryResource(targetArn))
    }

    /// For delivery code (async destinations, dead-letter queues): throws the failure the
    /// delivery records when the role may not reach the target.
    public func requireDelivery(_ state: State, roleArn: String, targetArn: String) throws {
        guard let decision = authorizeDelivery(state, roleArn: roleArn, targetArn: targetArn), !decision.isAllowed,
            let needed = Self.deliveryAction(targetArn)
        else { return }
        throw ServiceError("AccessDeniedException",
                           "User: \(executionRoleSessionArn(state, roleArn: roleArn)) is not authorized to perform: \(needed.action) on resource: \(targetArn) (\(decision.explanation))",
                           status: 403)
    }

    /// The assumed-role session ARN Lambda acts as for a function's role.
    func executionRoleSessionArn(_ state: State, roleArn: String) -> String {
        guard case let .identity(identity) = executionRolePrincipal(state, roleArn: roleArn) else { return roleArn }
        return identity.arn
    }

    /// Whether a role's policies decide at all: false in permissive mode for a role never
    /// created locally (it may do anything), true for a local role and for any role in strict mode.
    func roleIsChecked(_ state: State, roleArn: String) -> Bool {
        guard let iam = state.iam else { return false }
        if iam.isStrict { return true }
        if iam.roles.isEmpty { return false }
        return iam.roles[(Self.roleName(fromArn: roleArn) ?? roleArn).lowercased()] != nil
    }

    /// `create-function` / `update-function-configuration` with `DeadLetterConfig`.
    func checkDeadLetterPermission(_ state: State, roleArn: String?, target: String?, function: String = "") throws {
        guard let target, !target.isEmpty, let needed = Self.deliveryAction(target) else { return }
        let role = roleArn ?? "arn:aws:iam::\(Arn.account):role/lambda-sim"
        if let decision = authorizeDelivery(state, roleArn: role, targetArn: target), !decision.isAllowed {
            throw DeniedByPolicy(
                error: ServiceError.invalidParameter(
                    "The provided execution role does not have permissions to call \(needed.api) on \(needed.service)"),
                function: function, principal: role, action: needed.action, source: "", explanation: decision.explanation)
        }
    }

    /// `put-function-event-invoke-config` / `update-`: each destination needs its action.
    func checkDestinationPermissions(_ p: JSONObject) throws {
        guard let destinations = p.object("DestinationConfig") else { return }
        let state = try store.read()
        guard let found = try? resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: p.string("Qualifier"))
        else { return }
        for key in ["OnSuccess", "OnFailure"] {
            guard let target = destinations.object(key)?.string("Destination"), !target.isEmpty,
                let needed = Self.deliveryAction(target)
            else { continue }
            if let decision = authorizeDelivery(state, roleArn: found.version.role, targetArn: target), !decision.isAllowed {
                throw DeniedByPolicy(
                    error: ServiceError.invalidParameter(
                        "The function execution role does not have permissions to call \(needed.api) on \(target)"),
                    function: found.version.name, principal: found.version.role, action: needed.action, source: "",
                    explanation: decision.explanation)
            }
        }
    }

    /// The actions an event source mapping's poller calls with the execution role, in the
    /// order Lambda checks them (Lambda developer guide, "execution role" per source).
    static func eventSourceActions(_ sourceArn: String) -> (actions: [String], service: String)? {
        let parts = sourceArn.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count > 2 ? String(parts[2]) : "" {
        case "sqs": return (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "SQS")
        case "kinesis": return (["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListStreams"], "Kinesis")
        case "dynamodb": return (["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"], "DynamoDB")
        default: return nil
        }
    }

    /// The first source action the role may not perform, with the decision; nil when all are allowed.
    public func missingEventSourceAction(_ state: State, roleArn: String, sourceArn: String) -> (action: String, decision: PolicyDecision)? {
        // Pollers ask on every round: answer the permissive common case without building a request.
        if !roleIsChecked(state, roleArn: roleArn) { return nil }
        guard let needed = Self.eventSourceActions(sourceArn) else { return nil }
        for action in needed.actions {
            let decision = authorizeExecutionRole(state, roleArn: roleArn, action: action, resource: sourceArn)
            if !decision.isAllowed { return (action, decision) }
        }
        return nil
    }

    /// `create-event-source-mapping` / `update-`: the function's execution role must allow the
    /// source's actions.
    func checkEventSourceMappingRole(_ operation: String, _ p: JSONObject) throws {
        let state = try store.read()
        var sourceArn = p.string("EventSourceArn")
        var functionName = p.string("FunctionName")
        if operation == "UpdateEventSourceMapping" {
            guard let mapping = state.eventSourceMappings?[p.string("UUID") ?? ""] else { return }
            sourceArn = mapping.config["EventSourceArn"]?.stringValue
            if functionName == nil { functionName = mapping.config["FunctionArn"]?.stringValue }
        }
        guard let sourceArn, let functionName,
            let found = try? resolve(state, functionName: functionName, qualifier: nil),
            let missing = missingEventSourceAction(state, roleArn: found.version.role, sourceArn: sourceArn)
        else { return }
        let api = String(missing.action.split(separator: ":").last ?? "")
        let error: ServiceError
        switch Self.eventSourceActions(sourceArn)?.service {
        case "SQS":
            error = ServiceError.invalidParameter("The provided execution role does not have permissions to call \(api) on SQS")
        default:
            error = ServiceError.invalidParameter("Cannot access stream \(sourceArn). Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
        }
        throw DeniedByPolicy(error: error, function: found.version.name, principal: found.version.role, action: missing.action,
                             source: "", explanation: missing.decision.explanation)
    }
}
