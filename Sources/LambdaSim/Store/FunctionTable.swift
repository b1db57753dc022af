import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The functions of a state, by `region/name`, read one record at a time from
/// `functions/<region>/<name>.json` beside the state file (docs/state.md, "Functions").
///
/// It behaves like a dictionary: a lookup reads and decodes that one function's file (once per
/// state value), an assignment is kept in memory until `StateStore.update` writes the changed
/// records, and only enumerating (`keys`, `values`, iterating) lists the directory. A table
/// with no directory attached (a `State` built in memory, or the `functions` object of a state
/// file written before the records moved out) holds its records in memory.
public struct FunctionTable: Sendable, Sequence {
    /// Where the records live on disk; nil for a table held only in memory.
    var files: FunctionFiles?
    /// The records this state value has read from disk (shared by copies of the value; a
    /// record is an immutable value, so sharing the snapshot is safe).
    private var memo = Memo()
    /// Records set in this value and not yet written.
    private(set) var changed: [String: FunctionRecord] = [:]
    /// Records removed in this value and not yet deleted.
    private(set) var removed: Set<String> = []

    public init() {}

    init(records: [String: FunctionRecord]) {
        changed = records
    }

    public subscript(key: String) -> FunctionRecord? {
        get { try? record(key) }
        set {
            if let newValue {
                changed[key] = newValue
                removed.remove(key)
            } else {
                changed[key] = nil
                if files != nil { removed.insert(key) }
            }
        }
    }

    /// The record for `key`, or nil when there is none; throws when its file does not parse
    /// (the failure is also remembered, so `StateStore.update` refuses to save over it).
    public func record(_ key: String) throws -> FunctionRecord? {
        if let record = changed[key] { return record }
        if removed.contains(key) { return nil }
        guard let files else { return nil }
        return try memo.record(key) { try files.load(key) }
    }

    /// Every function key, sorted.
    public var keys: [String] {
        var all = Set(changed.keys)
        if let files {
            for key in files.keys() where !removed.contains(key) { all.insert(key) }
        }
        return all.sorted()
    }

    /// Every record, in key order (a record whose file does not parse is left out and
    /// remembered as a failure).
    public var values: [FunctionRecord] { keys.compactMap { self[$0] } }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: FunctionRecord)]> {
        keys.compactMap { key in self[key].map { (key: key, value: $0) } }.makeIterator()
    }

    /// The first function file that did not parse while this value was read, if any.
    var firstFailure: StateFileError? { memo.firstFailure }

    /// This table reading from `files`, with a fresh snapshot; records already set in memory
    /// (from an older state file's `functions` object) stay as changes to be written.
    func attached(to files: FunctionFiles) -> FunctionTable {
        var table = self
        table.files = files
        table.memo = Memo()
        return table
    }

    /// This table after its changes were written: nothing pending, a fresh snapshot.
    func committed() -> FunctionTable {
        var table = FunctionTable()
        table.files = files
        if files == nil { table.changed = changed }
        return table
    }

    /// Records read so far by this state value, and files that did not parse.
    final class Memo: @unchecked Sendable {
        private var records: [String: FunctionRecord?] = [:]
        private var failures: [String: StateFileError] = [:]
        private let lock = Mutex()

        func record(_ key: String, load: () throws -> FunctionRecord?) throws -> FunctionRecord? {
            if let hit = lock.withLock({ records[key] }) { return hit }
            if let failure = lock.withLock({ failures[key] }) { throw failure }
            do {
                let record = try load()
                lock.withLock { records[key] = .some(record) }
                return record
            } catch let error as StateFileError {
                lock.withLock { failures[key] = error }
                throw error
            }
        }

        var firstFailure: StateFileError? {
            lock.withLock { failures.keys.min().flatMap { failures[$0] } }
        }
    }
}

extension FunctionTable: Codable {
    /// Set in an encoder's `userInfo` to write `{}` for the functions (the state file proper,
    /// whose functions live in their own files); without it every record is written inline.
    static let sideFilesKey = CodingUserInfoKey(rawValue: "lambda-sim.functionsInSideFiles")!

    public init(from decoder: any Decoder) throws {
        self.init(records: try [String: FunctionRecord](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        if encoder.userInfo[Self.sideFilesKey] as? Bool == true {
            try [String: FunctionRecord]().encode(to: encoder)
            return
        }
        var all: [String: FunctionRecord] = [:]
        for key in keys {
            guard let record = try record(key) else { continue }
            all[key] = record
        }
        try all.encode(to: encoder)
    }
}

/// The directory of per-function files, with a cache of decoded records that is checked
/// against each file's inode, size and modification time, so a long-running process (`serve`)
/// sees other commands' changes and decodes an unchanged file only once.
final class FunctionFiles: @unchecked Sendable {
    /// `<state directory>/functions`.
    let directory: String
    private var cache: [String: (stamp: Stamp, record: FunctionRecord, unknown: [String: JSON])] = [:]
    private let lock = Mutex()

    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    init(directory: String) {
        self.directory = directory
    }

    /// `functions/<region>/<name>.json`. Function names (`[a-zA-Z0-9-_]+`) and region names are
    /// used as they are; anything else a key could hold is %-escaped so a key never leaves the
    /// directory.
    func path(for key: String) -> String {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let region = parts.first ?? ""
        let name = parts.count > 1 ? parts[1] : ""
        return directory + "/" + Self.escape(region) + "/" + Self.escape(name) + ".json"
    }

    static func escape(_ component: String) -> String {
        var out = ""
        for (index, byte) in component.utf8.enumerated() {
            let plain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || (byte == 0x2E && index > 0)
            if plain {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out.isEmpty ? "%" : out
    }

    static func unescape(_ component: String) -> String? {
        if component == "%" { return "" }
        var bytes: [UInt8] = []
        var iterator = Array(component.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == 0x25 {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The record stored for `key`, nil when it has no file.
    func load(_ key: String) throws -> FunctionRecord? {
        try loadWithUnknown(key)?.record
    }

    /// The record stored for `key` and the top-level keys of its file that this lambda-sim
    /// does not know (written back when the record changes); nil when it has no file.
    func loadWithUnknown(_ key: String) throws -> (record: FunctionRecord, unknown: [String: JSON])? {
        let path = path(for: key)
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw StateFileError(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
        }
        let stamp = Self.stamp(info)
        if let hit = lock.withLock({ cache[key] }), hit.stamp == stamp { return (hit.record, hit.unknown) }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path: path)
        } catch {
            if error.code == ENOENT { return nil }
            throw StateFileError(path: path, reason: "cannot be read: \(error.reason)")
        }
        let data = Data(bytes)
        let record: FunctionRecord
        let unknown: [String: JSON]
        do {
            if let bad = NumberRange.firstOutOfRange(in: data, exempt: []) {
                throw StateFileError(path: path, reason: "the value of '\(bad.key)' is out of range: \(bad.number)")
            }
            (record, unknown) = try UnknownKeys.decode(FunctionRecord.self, from: data)
        } catch {
            throw StateFileError.describing(error, data: data, path: path)
        }
        lock.withLock { cache[key] = (stamp, record, unknown) }
        return (record, unknown)
    }

    /// Every key with a file, from the directory listing.
    func keys() -> [String] {
        var keys: [String] = []
        let fm = FileManager.default
        guard let regions = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        for regionEntry in regions {
            guard let region = Self.unescape(regionEntry),
                let names = try? fm.contentsOfDirectory(atPath: directory + "/" + regionEntry)
            else { continue }
            for file in names where file.hasSuffix(".json") {
                guard let name = Self.unescape(String(file.dropLast(5))) else { continue }
                keys.append(region + "/" + name)
            }
        }
        return keys
    }

    /// The bytes a record is stored as.
    static func encode(_ record: FunctionRecord, unknown: [String: JSON]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        var data = try encoder.encode(UnknownKeys.Merged(value: record, unknown: unknown))
        data.append(0x0A)
        return [UInt8](data)
    }

    /// Forgets a cached record (after its file was replaced or removed).
    func forget(_ key: String) {
        lock.withLock { cache[key] = nil }
    }

    private static func stamp(_ info: stat) -> Stamp {
        #if canImport(Darwin)
        let mtime = info.st_mtimespec
        #else
        let mtime = info.st_mtim
        #endif
        return Stamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                     seconds: Int(mtime.tv_sec), nanoseconds: Int(mtime.tv_nsec))
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
