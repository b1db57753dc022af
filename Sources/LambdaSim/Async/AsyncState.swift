import LambdaSimJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The async scheduler's bookkeeping kept in the state file (see docs/async.md).
///
/// The events themselves live beside the state file in the async queue file
/// (`AsyncQueueFile`), so a state with 100,000 queued events stays small; the state keeps only
/// what every command needs to decide quickly whether there is due work, and the lease.
/// Every member is optional so older state files decode.
public struct AsyncState: Codable, Sendable, Equatable {
    /// Names the queue file that belongs to this state: a file with another id (left over from
    /// before `state reset`) is ignored.
    public var storeId: String?
    /// How many events the queue file holds.
    public var pending: Int?
    /// When the earliest of them is due (an attempt or the end of a running attempt).
    public var nextDueMs: SimInstant?
    /// The process that has claimed the whole queue and is running it without the lock.
    public var lease: AsyncLease?

    public init() {}
}

/// A claim on the async queue. Work is claimed under the state lock, run without it and
/// recorded under the lock again; while a lease is held by a live process, no other process
/// runs or rewrites the queue.
public struct AsyncLease: Codable, Sendable, Equatable {
    /// `pid:starttime` of the owning process.
    public var owner: String
    /// Wall-clock expiry (ms): a lease that is not renewed in time is void even if its owner
    /// still exists (renewed at every batch boundary).
    public var expiresWallMs: SimInstant

    /// Whether another process may take the queue now.
    func isVoid(wallNow: SimInstant) -> Bool {
        if owner == ProcessIdentity.current { return true }
        if wallNow >= expiresWallMs { return true }
        return !ProcessIdentity.isAlive(owner)
    }
}

/// Identifies this process in leases in a way that survives pid reuse: pid plus the process
/// start time from /proc (when /proc exists).
enum ProcessIdentity {
    static let current: String = identity(of: getpid()) ?? "\(getpid()):0"

    static func identity(of pid: pid_t) -> String? {
        guard let start = startTime(of: pid) else { return nil }
        return "\(pid):\(start)"
    }

    /// Field 22 of /proc/PID/stat (clock ticks since boot).
    static func startTime(of pid: pid_t) -> String? {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.count > 19 ? String(fields[19]) : nil
    }

    static func isAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard let pidText = parts.first, let pid = pid_t(pidText) else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        if parts.count > 1, parts[1] != "0", let start = startTime(of: pid) {
            return start == parts[1]
        }
        return true
    }
}

extension Engine {
    /// Event invoke config operations; nil when `operation` is not one of them.
    func performAsyncOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        switch operation {
        case "PutFunctionEventInvokeConfig": return try putEventInvokeConfig(params, merge: false)
        case "UpdateFunctionEventInvokeConfig": return try putEventInvokeConfig(params, merge: true)
        case "GetFunctionEventInvokeConfig": return try getEventInvokeConfig(params)
        case "ListFunctionEventInvokeConfigs": return try listEventInvokeConfigs(params)
        case "DeleteFunctionEventInvokeConfig": return try deleteEventInvokeConfig(params)
        default: return nil
        }
    }

}
