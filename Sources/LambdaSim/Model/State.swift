import LambdaSimJSON

/// Everything lambda-sim remembers, kept in one JSON file (see docs/state.md).
///
/// New fields must be optional (or decoded with a default) so older state files still load;
/// bump `currentSchemaVersion` only for changes that need a migration.
public struct State: Codable, Sendable {
    /// 2: function records live in their own files (`functions/`), not in the state file.
    public static let currentSchemaVersion = 2

    public var schemaVersion: Int
    public var clock: ClockState
    public var rng: SeededGenerator
    /// Functions by `region/name`, each in its own file beside the state file (Store/FunctionTable.swift);
    /// a version-1 file holds them inline, and they move out at its next write.
    public var functions: FunctionTable
    /// Asynchronous invocations waiting in the service's internal queue.
    public var asyncQueue: [AsyncEvent]
    /// A counter for ordering things created in the same millisecond.
    public var sequence: Int64
    /// Local SQS queues, SNS topics, EventBridge buses, S3 buckets (Resources/).
    public var resources: LocalResources?
    /// The async scheduler's own bookkeeping (Async/).
    public var asyncState: AsyncState?
    /// Event source mappings by UUID (EventSources/).
    public var eventSourceMappings: [String: EventSourceMapping]?
    /// Kinesis streams, DynamoDB tables and stream checkpoints (Streams/).
    public var streams: StreamResources?
    /// What the event source mapping pollers have in progress, under a lease (EventSources/PollerProgress.swift).
    public var pollers: PollerProgress?
    /// Background runs (wall clock, `serve`): how much of the history file `simulate` has printed.
    public var historyShownBytes: Int64?
    /// IAM roles, users and customer managed policies, and the permissions mode (Services/IAM/).
    public var iam: IAMState?
    /// Deliveries refused by a permission check, waiting to be shown by `simulate`.
    public var permissionDenials: [PermissionDenial]?
    /// The account's concurrency limit (`ConcurrentExecutions`); nil is AWS's default of 1,000.
    /// Set by `state reset --account-concurrency N` or a scenario's `"accountConcurrency"`.
    public var accountConcurrency: Int?
    /// Lambda layers, keyed `region/name`.
    public var layers: [String: LayerRecord]?
    /// EventBridge rules and their targets (Services/EventBridge/).
    public var eventRules: EventRulesState?

    public init(clock: ClockState, seed: UInt64) {
        schemaVersion = State.currentSchemaVersion
        self.clock = clock
        rng = SeededGenerator(seed: seed)
        functions = FunctionTable()
        asyncQueue = []
        sequence = 0
    }

    public static func functionKey(region: String, name: String) -> String { region + "/" + name }

    public mutating func nextSequence() -> Int64 {
        sequence += 1
        return sequence
    }
}

/// One function: its `$LATEST`, published versions, aliases and per-function settings.
public struct FunctionRecord: Codable, Sendable {
    public var latest: FunctionVersion
    public var versions: [FunctionVersion]
    public var nextVersion: Int
    public var aliases: [String: AliasRecord]
    public var reservedConcurrency: Int?
    /// Event invoke configs by qualifier (`$LATEST`, a version, an alias), as AWS shapes.
    public var eventInvokeConfigs: [String: JSON]?
    /// Function URL configs by qualifier (`$LATEST` or an alias), see Functions/FunctionURLs.swift.
    public var urlConfigs: [String: FunctionURLConfig]?
    /// Resource-based policies by qualifier ("" for the unqualified function), see
    /// Functions/FunctionPolicy.swift.
    public var policies: [String: FunctionPolicy]?
    /// Tags (`tag-resource`, `create-function --tags`).
    public var tags: [String: String]?
    /// `put-function-recursion-config`: `Allow`, or nil for the default `Terminate`.
    public var recursiveLoop: String?
    public var createdMs: SimInstant

    public init(latest: FunctionVersion, createdMs: SimInstant) {
        self.latest = latest
        versions = []
        nextVersion = 1
        aliases = [:]
        self.createdMs = createdMs
    }

    public func version(_ v: String) -> FunctionVersion? {
        if v == "$LATEST" { return latest }
        return versions.first { $0.version == v }
    }
}

/// Where a function's code lives.
public struct CodeLocation: Codable, Sendable, Equatable {
    /// A directory (or single file) used in place (`--code-path`) or the directory a zip was extracted to.
    public var path: String
    public var fromZip: Bool
    public init(path: String, fromZip: Bool) {
        self.path = path
        self.fromZip = fromZip
    }
}

/// The configuration of `$LATEST` or of one published version.
public struct FunctionVersion: Codable, Sendable {
    public var name: String
    public var region: String
    public var version: String
    public var runtime: String?
    public var role: String
    public var handler: String?
    public var description: String
    public var timeout: Int
    public var memorySize: Int
    public var environment: [String: String]?
    public var codeSha256: String
    public var codeSize: Int
    public var lastModifiedMs: SimInstant
    public var revisionId: String
    public var deadLetterTargetArn: String?
    public var tracingMode: String
    public var layers: [String]
    /// The layers' `CodeSize`, in the order of `layers`.
    public var layerSizes: [Int]? = nil
    public var architectures: [String]
    public var ephemeralStorage: Int
    public var packageType: String
    public var code: CodeLocation?
    /// Options with no local meaning, stored and echoed as AWS would (VpcConfig, KMSKeyArn, …),
    /// already in response shape.
    public var extras: JSON?
    /// For a published version: the `$LATEST` revision it was published from.
    public var publishedFromRevisionId: String?

    public var unqualifiedArn: String { Arn.function(region: region, name: name) }
    public var qualifiedArn: String { unqualifiedArn + ":" + version }
}

/// An alias: a name for a version, optionally with a weighted second version.
public struct AliasRecord: Codable, Sendable {
    public var name: String
    public var functionVersion: String
    public var description: String
    public var additionalVersionWeights: [String: Double]?
    public var revisionId: String
}

/// An event accepted by `invoke --invocation-type Event`, waiting for (another) attempt.
public struct AsyncEvent: Codable, Sendable {
    public var requestId: String
    public var functionKey: String
    /// The qualifier the caller used (`$LATEST`, version or alias), resolved at attempt time.
    public var qualifier: String
    /// The version the event runs on.
    public var executedVersion: String
    public var payload: String
    public var enqueuedMs: SimInstant
    /// When the next attempt is due.
    public var dueMs: SimInstant
    /// Attempts that ran the function (throttles do not count).
    public var attempts: Int
    /// Throttles so far (for back-off).
    public var throttles: Int
    /// Set while a command runs this event without the lock; another command skips it until it expires.
    public var leaseUntilMs: SimInstant?
    public var leaseOwner: String?
    public var sequence: Int64
    /// Where the event came from (`invoke`, `sns`, `s3`, `destination`), for the timeline.
    public var source: String?
}

/// ARN helpers.
public enum Arn {
    public static let account = "123456789012"

    public static func function(region: String, name: String) -> String {
        "arn:aws:lambda:\(region):\(account):function:\(name)"
    }
}
