import LambdaSimJSON

/// What the engine needs from its surroundings, passed in by the front end (the engine never
/// reads the process environment itself).
public struct EngineSettings: Sendable {
    public var region: String
    /// The state file.
    public var statePath: String
    /// `python3` / `node` executables for the real runtimes.
    public var pythonPath: String
    public var nodePath: String
    /// The caller's PATH, used to find interpreters (never passed to functions).
    public var searchPath: String
    /// Clock for a state file created by this command.
    public var initialClock: ClockState
    public var seed: UInt64?
    /// The caller's profile and assumed role (Services/IAM/Authorization.swift).
    public var caller = CallerSettings()
    /// The system temporary directory (`TMPDIR`, else `/tmp`): the runtime files' fallback.
    public var temporaryDirectory = "/tmp"

    public init(region: String, statePath: String, pythonPath: String = "python3", nodePath: String = "node",
                searchPath: String = "/usr/local/bin:/usr/bin:/bin", initialClock: ClockState = ClockState(),
                seed: UInt64? = nil)
    {
        self.region = region
        self.statePath = statePath
        self.pythonPath = pythonPath
        self.nodePath = nodePath
        self.searchPath = searchPath
        self.initialClock = initialClock
        self.seed = seed
    }
}

/// The simulated Lambda service and its neighbours, behind one `perform(operation, params)` call.
///
/// Parameters and results are the AWS API shapes as JSON (member names as in the API,
/// `FunctionName`, `Timeout`, …), so the CLI, `serve` and tests all drive the same code.
public final class Engine: @unchecked Sendable {
    public let settings: EngineSettings
    public let store: StateStore
    public var region: String { settings.region }
    /// Warm execution environments, kept for the life of this engine (one command).
    public let environments: ExecutionEnvironmentPool

    public init(settings: EngineSettings) {
        self.settings = settings
        store = StateStore(path: settings.statePath, initialClock: settings.initialClock, seed: settings.seed)
        environments = ExecutionEnvironmentPool(settings: settings)
    }

    deinit { environments.shutdown() }

    /// Runs one Lambda API operation after the request validation AWS's front end performs
    /// (the model's patterns, lengths, ranges and enums: a `ValidationException`).
    public func performLambda(_ operation: String, _ params: JSONObject) throws -> JSON {
        try checkLambdaRequest(operation, params)
        // The caller's identity-based policies and the function's resource-based policy.
        try recordingDenials { try authorizeLambdaOperation(operation, params) }
        return try perform(operation, params)
    }

    /// The checks AWS makes before an operation looks at any resource: the model's constraints,
    /// then authorization of a function in another account.
    func checkLambdaRequest(_ operation: String, _ params: JSONObject) throws {
        try InputConstraints.checkLambda(operation, params)
        // A function of another account: AWS authorizes the call before looking anything up,
        // and no resource-based policy of that account allows the local caller.
        if let name = params["FunctionName"]?.stringValue, let ref = FunctionReference.parse(name), let account = ref.account,
            account != Arn.account
        {
            let action = operation == "Invoke" ? "lambda:InvokeFunction" : "lambda:" + operation
            let resource = "arn:aws:lambda:\(ref.region ?? region):\(account):function:\(ref.name)" + (ref.qualifier.map { ":" + $0 } ?? "")
            let caller = (try? store.read()).map(callerIdentity)?.arn ?? "arn:aws:iam::\(Arn.account):root"
            throw ServiceError("AccessDeniedException",
                               "User: \(caller) is not authorized to perform: \(action) on resource: \(resource) because no resource-based policy allows the \(action) action",
                               status: 403)
        }
    }

    /// Runs one API operation of a service (`lambda`, `sqs`, `iam`, `sts`, …); IAM and STS have
    /// their own tables because their names overlap Lambda's (`GetPolicy`).
    public func perform(service: String, _ operation: String, _ params: JSONObject) throws -> JSON {
        switch service {
        case "iam":
            if let result = try performIAMOperation(operation, params) { return result }
        case "sts":
            if let result = try performSTSOperation(operation, params) { return result }
        case "lambda":
            return try performLambda(operation, params)
        default:
            return try perform(operation, params)
        }
        throw ServiceError("InvalidAction", "The action \(operation) is not implemented by lambda-sim.", status: 400)
    }

    /// Runs one API operation.
    public func perform(_ operation: String, _ params: JSONObject) throws -> JSON {
        try recordingDenials { try performOperation(operation, params) }
    }

    func performOperation(_ operation: String, _ params: JSONObject) throws -> JSON {
        switch operation {
        case "CreateFunction": return try createFunction(params)
        case "GetFunction": return try getFunction(params)
        case "GetFunctionConfiguration": return try getFunctionConfiguration(params)
        case "ListFunctions": return try listFunctions(params)
        case "DeleteFunction": return try deleteFunction(params)
        case "UpdateFunctionConfiguration": return try updateFunctionConfiguration(params)
        case "UpdateFunctionCode": return try updateFunctionCode(params)
        case "PublishVersion": return try publishVersion(params)
        case "ListVersionsByFunction": return try listVersionsByFunction(params)
        case "CreateAlias": return try createAlias(params)
        case "GetAlias": return try getAlias(params)
        case "ListAliases": return try listAliases(params)
        case "UpdateAlias": return try updateAlias(params)
        case "DeleteAlias": return try deleteAlias(params)
        case "PutFunctionConcurrency": return try putFunctionConcurrency(params)
        case "GetFunctionConcurrency": return try getFunctionConcurrency(params)
        case "DeleteFunctionConcurrency": return try deleteFunctionConcurrency(params)
        case "GetAccountSettings": return try getAccountSettings(params)
        case "CreateEventSourceMapping", "UpdateEventSourceMapping":
            try checkEventSourceMappingRole(operation, params)
            return try performEventSourceOperation(operation, params) ?? .null
        case "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig":
            try checkDestinationPermissions(params)
            return try performAsyncOperation(operation, params) ?? .null
        case "PutFunctionRecursionConfig": return try putFunctionRecursionConfig(params)
        case "GetFunctionRecursionConfig": return try getFunctionRecursionConfig(params)
        default:
            if let result = try performAsyncOperation(operation, params) { return result }
            if let result = try performResourceOperation(operation, params) { return result }
            if let result = try performEventSourceOperation(operation, params) { return result }
            if let result = try performStreamOperation(operation, params) { return result }
            if let result = try performFunctionURLOperation(operation, params) { return result }
            if let result = try performPolicyOperation(operation, params) { return result }
            if let result = try performSQSTagOperation(operation, params) { return result }
            if let result = try performLayerOperation(operation, params) { return result }
            throw ServiceError("InvalidAction", "The action \(operation) is not implemented by lambda-sim.", status: 400)
        }
    }

    /// Simulated time now, for a state already loaded.
    public func now(_ state: State) -> SimInstant { state.clock.now(wall: WallClock.nowMs()) }
}
