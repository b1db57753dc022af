import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an execution could not start: AWS's `Reason` for a 429 `TooManyRequestsException`.
public enum ThrottleReason: String, Error, Sendable {
    /// The function's reserved concurrency is taken.
    case reserved = "ReservedFunctionConcurrentInvocationLimitExceeded"
    /// The account's unreserved pool (the account limit minus every reservation) is taken.
    case account = "ConcurrentInvocationLimitExceeded"
}

/// One running execution's unit of concurrency, shared by every process using the state
/// (docs/concurrency.md): a line in `concurrency-leases.tsv` beside the state file, read and
/// written under the state lock.
///
/// A lease held `untilRelease` (a synchronous invoke, an attempt running a real process) lasts
/// while its owner (`pid:start-time`) lives and is released when the execution ends; if the
/// owner dies without releasing it (SIGKILL), it expires at `expiresWallMs` (the function's
/// time-out after the start, plus a second): by then AWS would have stopped the execution.
/// A timed lease (an execution whose end the background runner simulated) lasts until
/// `expiresWallMs` whatever its owner does.
public struct ConcurrencyLease: Sendable, Equatable {
    public var id: String
    public var functionKey: String
    /// Counted against the function's reserved concurrency (true) or the unreserved pool.
    public var reserved: Bool
    /// `sync`, `async` or `esm`: which part of the owning process holds it.
    public var holder: String
    public var owner: String
    public var expiresWallMs: Int64
    public var untilRelease: Bool

    func isActive(wallNow: Int64) -> Bool {
        if wallNow < expiresWallMs { return true }
        return untilRelease && ProcessIdentity.isAlive(owner)
    }

    var line: String {
        "\(id)\t\(functionKey)\t\(reserved ? "R" : "U")\t\(holder)\t\(owner)\t\(expiresWallMs)\t\(untilRelease ? "1" : "0")\n"
    }

    init(id: String, functionKey: String, reserved: Bool, holder: String, owner: String, expiresWallMs: Int64,
         untilRelease: Bool)
    {
        self.id = id
        self.functionKey = functionKey
        self.reserved = reserved
        self.holder = holder
        self.owner = owner
        self.expiresWallMs = expiresWallMs
        self.untilRelease = untilRelease
    }

    init?(line: Substring) {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 7, let expires = Int64(f[5]) else { return nil }
        self.init(id: String(f[0]), functionKey: String(f[1]), reserved: f[2] == "R", holder: String(f[3]), owner: String(f[4]),
                  expiresWallMs: expires, untilRelease: f[6] == "1")
    }
}

/// Executions running in other processes (or other parts of this one), counted the way the
/// limits count them.
public struct ConcurrencyUsage: Sendable, Equatable {
    public var byFunction: [String: Int] = [:]
    /// Executions of functions without reserved concurrency (the unreserved pool).
    public var unreserved = 0

    public init() {}
}

/// The lease file and the accounting rules (docs/concurrency.md).
public struct ConcurrencyLeases: Sendable {
    public let path: String
    let store: StateStore

    public init(store: StateStore) {
        self.store = store
        path = store.directory + "/concurrency-leases.tsv"
    }

    /// The active leases in the file (expired ones are left for the next write to drop).
    func load(wallNow: Int64) -> [ConcurrencyLease] {
        guard let bytes = FileIO.readAll(path: path), !bytes.isEmpty else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n").compactMap(ConcurrencyLease.init(line:)).filter { $0.isActive(wallNow: wallNow) }
    }

    func save(_ leases: [ConcurrencyLease]) throws {
        var text = ""
        for lease in leases { text += lease.line }
        // Not fsynced: after a crash of the machine no execution is running anyway.
        do {
            try FileIO.atomicReplace(path: path, bytes: Array(text.utf8), temp: path + ".tmp.\(getpid())", sync: false)
        } catch {
            throw StateFileError(path: path, reason: "cannot write: \(error.reason)")
        }
        chmod(path, 0o600)
    }

    /// Takes one unit for an execution of `functionKey`, or says which limit is reached.
    /// `reserved`: the function's reserved concurrency; `unreservedLimit`: the account's limit
    /// minus every function's reservation, asked for only when the pool holds at least
    /// `unreservedFloor` executions (it reads every function). Under the state lock.
    public func acquire(functionKey: String, reserved: Int?, unreservedFloor: Int, unreservedLimit: () -> Int, holder: String,
                        ttlMs: Int64, untilRelease: Bool) throws -> Result<String, ThrottleReason>
    {
        try store.withLock {
            let wall = WallClock.nowMs()
            var leases = load(wallNow: wall)
            if let reserved {
                if leases.count(where: { $0.functionKey == functionKey }) >= reserved { return .failure(.reserved) }
            } else {
                let pool = leases.count(where: { !$0.reserved })
                if pool >= unreservedFloor, pool >= unreservedLimit() { return .failure(.account) }
            }
            var rng = SystemRandomNumberGenerator()
            let id = String(rng.next(), radix: 16)
            leases.append(ConcurrencyLease(id: id, functionKey: functionKey, reserved: reserved != nil, holder: holder,
                                           owner: ProcessIdentity.current, expiresWallMs: wall + ttlMs, untilRelease: untilRelease))
            try save(leases)
            return .success(id)
        }
    }

    /// Records an execution that a poller already counted against the limits (an event source
    /// mapping's batch running a real process), until `release`.
    public func hold(functionKey: String, reserved: Bool, holder: String, ttlMs: Int64) -> String? {
        try? store.withLock {
            let wall = WallClock.nowMs()
            var leases = load(wallNow: wall)
            var rng = SystemRandomNumberGenerator()
            let id = String(rng.next(), radix: 16)
            leases.append(ConcurrencyLease(id: id, functionKey: functionKey, reserved: reserved, holder: holder,
                                           owner: ProcessIdentity.current, expiresWallMs: wall + ttlMs, untilRelease: true))
            try save(leases)
            return id
        }
    }

    /// Records executions whose ends are known (simulated by the background runner) as timed
    /// leases, so other processes count them until they end.
    public func addTimed(_ entries: [(functionKey: String, reserved: Bool, holder: String, untilWallMs: Int64)]) throws {
        guard !entries.isEmpty else { return }
        try store.withLock {
            let wall = WallClock.nowMs()
            var leases = load(wallNow: wall)
            var rng = SystemRandomNumberGenerator()
            for e in entries where e.untilWallMs > wall {
                leases.append(ConcurrencyLease(id: String(rng.next(), radix: 16), functionKey: e.functionKey, reserved: e.reserved,
                                               holder: e.holder, owner: ProcessIdentity.current, expiresWallMs: e.untilWallMs,
                                               untilRelease: false))
            }
            try save(leases)
        }
    }

    /// Gives a unit back when its execution ends.
    public func release(_ id: String) {
        try? store.withLock {
            let wall = WallClock.nowMs()
            try save(load(wallNow: wall).filter { $0.id != id })
        }
    }

    /// What is running, except the leases `holder` of this very process holds (it counts those itself).
    public func usage(excludingOwn holder: String?) -> ConcurrencyUsage {
        var usage = ConcurrencyUsage()
        for lease in load(wallNow: WallClock.nowMs()) {
            if let holder, lease.holder == holder, lease.owner == ProcessIdentity.current { continue }
            usage.byFunction[lease.functionKey, default: 0] += 1
            if !lease.reserved { usage.unreserved += 1 }
        }
        return usage
    }
}

extension Engine {
    /// The account's unreserved pool: its concurrency limit minus every function's reservation.
    static func unreservedLimit(_ state: State) -> Int {
        let limit = state.accountConcurrency ?? Self.defaultAccountConcurrency
        return limit - state.functions.values.compactMap(\.reservedConcurrency).reduce(0, +)
    }

    /// The 429 a synchronous caller gets when a limit is reached.
    static func throttled(_ reason: ThrottleReason) -> ServiceError {
        var error = ServiceError("TooManyRequestsException", "Rate Exceeded.", status: 429)
        error.reason = reason.rawValue
        return error
    }
}
