import LambdaSimJSON

/// What one invocation hands to a runtime.
public struct InvocationInput: Sendable {
    public var requestId: String
    public var payload: [UInt8]
    public var function: FunctionVersion
    /// The ARN as the caller invoked it (unqualified when invoked by bare name).
    public var invokedArn: String
    /// Decoded client context JSON (sync invokes only).
    public var clientContext: String?
    /// Simulated epoch milliseconds when the invocation started.
    public var startMs: SimInstant
    /// 1 for the first attempt of a request, 2 and 3 for async retries.
    public var attempt: Int
    public var logStreamName: String
    /// The recursion chain's `Lineage` for the trace header (see `RecursionChain`).
    public var lineage: String? = nil
}

/// What a runtime answers.
public struct InvocationOutput: Sendable {
    /// Response bytes, or the error document for a function error.
    public var payload: [UInt8]
    /// nil on success; otherwise the error type (`Unhandled` errors carry the function's own
    /// type, e.g. `ValueError`, `Sandbox.Timedout`, `Runtime.ExitError`).
    public var errorType: String?
    /// The function's own log output (each line ending in `\n`), between START and END.
    public var log: String
    /// Duration of the invoke phase in milliseconds.
    public var durationMs: Double
    /// Init duration on a cold start, in milliseconds.
    public var initDurationMs: Double?
    public var maxMemoryUsedMB: Int
    public var timedOut: Bool

    public init(payload: [UInt8], errorType: String? = nil, log: String = "", durationMs: Double,
                initDurationMs: Double? = nil, maxMemoryUsedMB: Int, timedOut: Bool = false)
    {
        self.payload = payload
        self.errorType = errorType
        self.log = log
        self.durationMs = durationMs
        self.initDurationMs = initDurationMs
        self.maxMemoryUsedMB = maxMemoryUsedMB
        self.timedOut = timedOut
    }

    public var isError: Bool { errorType != nil }
}

/// One execution environment: a warm process (or none, for builtin) that runs one invocation at a time.
public protocol ExecutionEnvironment: AnyObject {
    /// Runs one invocation to completion (success, function error, timeout or crash).
    func invoke(_ input: InvocationInput) -> InvocationOutput
    /// Whether the environment can take another invocation (a crashed or timed-out process cannot).
    var isReusable: Bool { get }
    /// Stops the environment's processes.
    func shutdown()
}

/// Warm execution environments for one command, one per concurrent execution, keyed by
/// function version and code. Environments never outlive the command that started them.
public final class ExecutionEnvironmentPool: @unchecked Sendable {
    let settings: EngineSettings
    private var idle: [String: [any ExecutionEnvironment]] = [:]
    /// When each idle environment was last returned (monotonic ns), for `shutdownIdle`.
    private var idleSince: [ObjectIdentifier: UInt64] = [:]
    /// The code each environment started from (`--code-path` functions only).
    private var fingerprints: [ObjectIdentifier: CodeFingerprint] = [:]
    private let lock = Mutex()

    init(settings: EngineSettings) { self.settings = settings }

    static func key(_ f: FunctionVersion) -> String {
        "\(f.region)/\(f.name)/\(f.version)/\(f.codeSha256)/\(f.revisionId)"
    }

    /// Runs `input` on an idle warm environment of its function, or a new one (a cold start).
    func run(_ input: InvocationInput) -> InvocationOutput {
        let key = Self.key(input.function)
        var warm: (any ExecutionEnvironment)? = lock.withLock {
            guard let environment = idle[key]?.popLast() else { return nil }
            idleSince[ObjectIdentifier(environment)] = nil
            return environment
        }
        // `--code-path` code is used in place: an environment warmed before an edit is replaced,
        // so the edit takes effect at the next invoke (long-lived engines: serve, the runner).
        let fingerprint = CodeFingerprint.of(input.function)
        if let environment = warm, let fingerprint,
            lock.withLock({ fingerprints[ObjectIdentifier(environment)] }) != fingerprint
        {
            _ = lock.withLock { fingerprints.removeValue(forKey: ObjectIdentifier(environment)) }
            environment.shutdown()
            warm = nil
        }
        let environment = warm ?? makeEnvironment(for: input.function)
        if warm == nil, let fingerprint { lock.withLock { fingerprints[ObjectIdentifier(environment)] = fingerprint } }
        let output = environment.invoke(input)
        if !environment.isReusable { _ = lock.withLock { fingerprints.removeValue(forKey: ObjectIdentifier(environment)) } }
        if environment.isReusable {
            lock.withLock {
                idle[key, default: []].append(environment)
                idleSince[ObjectIdentifier(environment)] = WallClock.monotonicNs()
            }
        } else {
            environment.shutdown()
        }
        return output
    }

    func makeEnvironment(for function: FunctionVersion) -> any ExecutionEnvironment {
        switch function.runtime ?? "" {
        case RuntimeName.builtin: return BuiltinEnvironment()
        case RuntimeName.exec: return ExecEnvironment(settings: settings)
        default: return RuntimeAPIEnvironment.make(function: function, settings: settings)
        }
    }

    public func shutdown() {
        let all = lock.withLock { () -> [any ExecutionEnvironment] in
            let values = idle.values.flatMap { $0 }
            idle = [:]
            idleSince = [:]
            return values
        }
        for environment in all { environment.shutdown() }
    }

    /// Stops idle environments unused for `idleNs`, and those whose function version, code or
    /// configuration is no longer in `current` (keys as `key(_:)` makes them), for long-lived
    /// engines such as `serve`'s.
    public func shutdownIdle(idleNs: UInt64, current: Set<String>) {
        let now = WallClock.monotonicNs()
        let stale = lock.withLock { () -> [any ExecutionEnvironment] in
            var out: [any ExecutionEnvironment] = []
            for key in Array(idle.keys) {
                let environments = idle[key] ?? []
                let keep = environments.filter { environment in
                    let since = idleSince[ObjectIdentifier(environment)] ?? now
                    return current.contains(key) && now &- since < idleNs
                }
                for environment in environments where !keep.contains(where: { $0 === environment }) {
                    idleSince[ObjectIdentifier(environment)] = nil
                    out.append(environment)
                }
                idle[key] = keep.isEmpty ? nil : keep
            }
            return out
        }
        for environment in stale { environment.shutdown() }
    }

    /// How many environments are idle (warm and waiting).
    var idleCount: Int { lock.withLock { idle.values.reduce(0) { $0 + $1.count } } }

    /// The pool keys of every version of every function in `state`.
    static func currentKeys(_ state: State) -> Set<String> {
        var keys = Set<String>()
        for record in state.functions.values {
            keys.insert(key(record.latest))
            for version in record.versions { keys.insert(key(version)) }
        }
        return keys
    }
}

/// A small pthread mutex (Foundation's NSLock works too, but this keeps the engine light).
final class Mutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `--code-path` code looks like on disk: every file's path, size, modification time and
/// inode under the code directory (or of the single file), hashed together. A warm environment
/// whose fingerprint no longer matches is replaced.
struct CodeFingerprint: Equatable, Sendable {
    var hash: UInt64
    var files: Int

    /// nil for builtin functions and zip-deployed code (which cannot change in place).
    static func of(_ function: FunctionVersion) -> CodeFingerprint? {
        guard let code = function.code, !code.fromZip, function.runtime != RuntimeName.builtin else { return nil }
        var fingerprint = CodeFingerprint(hash: 0xcbf2_9ce4_8422_2325, files: 0)
        fingerprint.add(path: code.path, depth: 0)
        return fingerprint
    }

    private mutating func mix(_ value: UInt64) {
        hash ^= value
        hash &*= 0x100_0000_01b3
    }

    private mutating func add(path: String, depth: Int) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        files += 1
        for byte in path.utf8 { mix(UInt64(byte)) }
        mix(UInt64(bitPattern: Int64(st.st_size)))
        mix(UInt64(bitPattern: Int64(st.st_mtim.tv_sec)) &* 1_000_000_000 &+ UInt64(bitPattern: Int64(st.st_mtim.tv_nsec)))
        mix(UInt64(st.st_ino))
        guard (st.st_mode & S_IFMT) == S_IFDIR, depth < 32, files < 100_000, let dir = opendir(path) else { return }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || name == "__pycache__" { continue }
            names.append(name)
        }
        for name in names.sorted() { add(path: path + "/" + name, depth: depth + 1) }
    }
}
