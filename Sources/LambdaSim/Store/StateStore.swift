import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state: one JSON file plus one file per function (`functions/<region>/<name>.json`), so a
/// command reads and writes only the records it touches (docs/state.md). An exclusive `flock`
/// surrounds every read-modify-write; every file is written to a temporary file that is fsynced
/// and renamed over the old one; a change to several files is recorded first in a commit file
/// that the next command completes if this one died half-way; a file that does not parse is
/// never overwritten.
public final class StateStore: @unchecked Sendable {
    public let path: String
    /// The directory holding the state file; logs and extracted code live beside it.
    public let directory: String
    /// How a new state starts when no file exists yet.
    private let initialClock: ClockState
    private let initialSeed: UInt64
    /// The per-function files (with their own decode cache).
    let functionFiles: FunctionFiles
    /// The last state decoded or written, with the file bytes it came from and the top-level
    /// keys this lambda-sim does not know (kept so they survive a rewrite), so reading an
    /// unchanged file again (catch-up, then the command itself) skips the JSON decode.
    private var cached: (data: Data, state: State, unknown: [String: JSON])?
    private let cacheLock = Mutex()

    /// `state.json.commit`: the renames and removals of a change to several files.
    var commitPath: String { path + ".commit" }

    public init(path: String, initialClock: ClockState = ClockState(), seed: UInt64? = nil) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        self.initialClock = initialClock
        initialSeed = seed ?? UInt64.random(in: 1...UInt64.max)
        functionFiles = FunctionFiles(directory: directory + "/functions")
    }

    /// Reads the state without taking the lock (renames are atomic, so this sees whole files;
    /// function records are read when first looked up).
    public func read() throws -> State {
        if access(commitPath, F_OK) == 0 {
            try withLock { try completeCommit() }
        }
        guard let data = FileManager.default.contents(atPath: path) else { return fresh() }
        return try decodeCached(data).state
    }

    /// Runs `body` on the state under the exclusive lock and saves what it changed: the state
    /// file when its own content changed, and the function records that were set or removed.
    @discardableResult
    public func update<T>(_ body: (inout State) throws -> T) throws -> T {
        try withLock {
            try completeCommit()
            removeStaleTemporaries()
            let original = FileManager.default.contents(atPath: path)
            let decoded = try original.map(decodeCached)
            var state = decoded?.state ?? fresh()
            let unknown = decoded?.unknown ?? [:]
            let result: T
            do {
                result = try body(&state)
            } catch {
                // A function file that did not parse explains a "not found" better than the lookup did.
                if let failure = state.functions.firstFailure { throw failure }
                throw error
            }
            if let failure = state.functions.firstFailure { throw failure }
            state.schemaVersion = State.currentSchemaVersion
            let encoded = try encode(state, unknown: unknown)
            var writes: [(path: String, bytes: [UInt8])] = []
            var removals: [String] = []
            for (key, record) in state.functions.changed.sorted(by: { $0.key < $1.key }) {
                // Never replace a record file that does not parse (this throws for one).
                let previous = try functionFiles.loadWithUnknown(key)
                writes.append((functionFiles.path(for: key), try FunctionFiles.encode(record, unknown: previous?.unknown ?? [:])))
            }
            for key in state.functions.removed.sorted() where try functionFiles.loadWithUnknown(key) != nil {
                removals.append(functionFiles.path(for: key))
            }
            if encoded != original { writes.append((path, [UInt8](encoded))) }
            try commit(writes: writes, removals: removals)
            for key in state.functions.changed.keys { functionFiles.forget(key) }
            for key in state.functions.removed { functionFiles.forget(key) }
            state.functions = state.functions.committed()
            cacheLock.withLock { cached = (encoded, state, unknown) }
            // Files beside the state (SQS journals, stream records) change under this lock too.
            BackgroundLauncher.noteWrite(path: path, wantsRunner: BackgroundRunner.wantsRunner(state))
            return result
        }
    }

    /// Holds the exclusive lock (`flock` on `state.json.lock`) while `body` runs.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        try ensureDirectory()
        let lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else {
            throw StateFileError(path: path, reason: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 {
            if errno != EINTR {
                throw StateFileError(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(lockFD, LOCK_UN) }
        // A lock file others can read was made by a lambda-sim that did not keep its files
        // private: tighten everything it left once, then the lock file says it is done.
        var info = stat()
        if fstat(lockFD, &info) == 0, info.st_mode & 0o077 != 0 {
            tightenExistingFiles()
            fchmod(lockFD, 0o600)
        }
        return try body()
    }

    /// Removes the `<file>.tmp.<pid>` files beside the state file that a writer killed between
    /// writing and renaming left behind (under the lock, after any commit record was completed:
    /// a temporary file of a process that no longer exists is no one's).
    func removeStaleTemporaries() {
        let base = (path as NSString).lastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix(base + ".") || name.hasPrefix("history.jsonl.") || name.hasPrefix("concurrency-leases.tsv.") {
            guard let marker = name.range(of: ".tmp.", options: .backwards),
                  let pid = pid_t(name[marker.upperBound...]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    /// The directories beside the state file that hold lambda-sim's own files (docs/state.md).
    static let ownDirectories = ["functions", "async", "logs", "code", "runtime", "sqs", "events", "s3", "kinesis", "dynamodb"]

    /// Removes group and other permissions from every file lambda-sim keeps beside the state
    /// file (the state directory itself may be the caller's and is left as it is).
    func tightenExistingFiles() {
        func tighten(_ file: String) {
            var info = stat()
            guard lstat(file, &info) == 0, info.st_mode & S_IFMT != S_IFLNK, info.st_mode & 0o077 != 0 else { return }
            chmod(file, info.st_mode & 0o700)
        }
        let base = (path as NSString).lastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix(base) || name == "history.jsonl" || name == "concurrency-leases.tsv" {
            tighten(directory + "/" + name)
        }
        for name in Self.ownDirectories {
            let top = directory + "/" + name
            tighten(top)
            guard let walker = FileManager.default.enumerator(atPath: top) else { continue }
            while let relative = walker.nextObject() as? String { tighten(top + "/" + relative) }
        }
    }

    /// Replaces the state entirely under the lock, without reading the old files (`state reset`
    /// is the one way to get past a state file that does not parse): the function files go too.
    public func replace(with state: State) throws {
        try withLock {
            unlink(commitPath)
            try? FileManager.default.removeItem(atPath: functionFiles.directory)
            var state = state
            state.schemaVersion = State.currentSchemaVersion
            let writes = try state.functions.changed.sorted(by: { $0.key < $1.key }).map { key, record in
                (path: functionFiles.path(for: key), bytes: try FunctionFiles.encode(record, unknown: [:]))
            }
            try commit(writes: writes + [(path, [UInt8](try encode(state, unknown: [:])))], removals: [])
            cacheLock.withLock { cached = nil }
        }
    }

    /// The whole state as one JSON document, as `state show` prints it: the state file with
    /// every function file's record in its `functions` object (each file's text as it is, so
    /// keys this lambda-sim does not know show too). Throws for a file that does not parse.
    public func wholeDocument() throws -> [UInt8] {
        let state = try read()
        guard let data = FileManager.default.contents(atPath: path) else { return Array("{}\n".utf8) }
        let marker = Array("\n  \"functions\" : {\n\n  }".utf8)
        let bytes = [UInt8](data)
        // A version-1 file still holds its functions inline: it is whole as it is.
        guard let at = Self.firstIndex(of: marker, in: bytes) else { return bytes }
        var entries: [[UInt8]] = []
        let keyEncoder = JSONEncoder()
        for key in state.functions.keys {
            var record: [UInt8]
            if state.functions.changed[key] == nil {
                guard try state.functions.record(key) != nil,
                    let text = FileIO.readAll(path: functionFiles.path(for: key)) else { continue }
                record = text
            } else if let inline = try state.functions.record(key) {
                record = try FunctionFiles.encode(inline, unknown: [:])
            } else {
                continue
            }
            while record.last == 0x0A { record.removeLast() }
            var entry = Array("    ".utf8) + [UInt8](try keyEncoder.encode(key)) + Array(" : ".utf8)
            var lineStart = false
            for byte in record {
                // Indented one level deeper, as the encoder would have; empty lines stay empty.
                if lineStart, byte != 0x0A { entry += Array("    ".utf8) }
                entry.append(byte)
                lineStart = byte == 0x0A
            }
            entries.append(entry)
        }
        if entries.isEmpty { return bytes }
        var out = Array(bytes[..<at]) + Array("\n  \"functions\" : {\n".utf8)
        for (index, entry) in entries.enumerated() {
            out += entry
            out += Array((index + 1 < entries.count ? ",\n" : "\n").utf8)
        }
        out += Array("  }".utf8)
        out += bytes[(at + marker.count)...]
        return out
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first, Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }

    private func ensureDirectory() throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateFileError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
    }

    private func fresh() -> State {
        var state = State(clock: initialClock, seed: initialSeed)
        state.functions = state.functions.attached(to: functionFiles)
        return state
    }

    /// `decode`, answered from `cached` when `data` is the same bytes. The functions of the
    /// answer read from this store's files, with a fresh snapshot (a function file can change
    /// while the state file stays the same).
    private func decodeCached(_ data: Data) throws -> (state: State, unknown: [String: JSON]) {
        var answer: (state: State, unknown: [String: JSON])
        if let hit = cacheLock.withLock({ cached.flatMap { $0.data == data ? ($0.state, $0.unknown) : nil } }) {
            answer = hit
        } else {
            answer = try decode(data)
            let decoded = answer
            cacheLock.withLock { cached = (data, decoded.state, decoded.unknown) }
        }
        answer.state.functions = answer.state.functions.attached(to: functionFiles)
        return answer
    }

    private func decode(_ data: Data) throws -> (state: State, unknown: [String: JSON]) {
        let decoded: (value: State, unknown: [String: JSON])
        do {
            // A number out of range (hand-edited) would make later time arithmetic overflow.
            if let bad = NumberRange.firstOutOfRange(in: data, exempt: ["state"]) {
                throw StateFileError(path: path, reason: "the value of '\(bad.key)' is out of range: \(bad.number)")
            }
            decoded = try UnknownKeys.decode(State.self, from: data)
        } catch {
            throw StateFileError.describing(error, data: data, path: path)
        }
        if decoded.value.schemaVersion > State.currentSchemaVersion {
            throw StateFileError(path: path, reason: "schema version \(decoded.value.schemaVersion) is newer than this lambda-sim understands (\(State.currentSchemaVersion))")
        }
        return (decoded.value, decoded.unknown)
    }

    /// The state file's bytes: the state without its functions (they have their own files),
    /// plus the top-level keys of the file it was read from that this lambda-sim does not know.
    private func encode(_ state: State, unknown: [String: JSON]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.userInfo[FunctionTable.sideFilesKey] = true
        var data = try encoder.encode(UnknownKeys.Merged(value: state, unknown: unknown))
        data.append(0x0A)
        return data
    }

    /// Writes `bytes` to a temporary file beside `path`, fsyncs it, and renames it over `path`.
    public static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        let temp = path + ".tmp.\(getpid())"
        do {
            try FileIO.atomicReplace(path: path, bytes: bytes, temp: temp, sync: true)
        } catch {
            let prefix = error.step == .open ? "cannot write \(temp)" : "cannot write"
            throw StateFileError(path: path, reason: "\(prefix): \(error.reason)")
        }
    }

    // MARK: - Changes to several files

    /// Writes every file in `writes` and removes `removals`, all or nothing: one change is one
    /// atomic rename; several are written to fsynced temporary files, listed in the commit file
    /// (itself written atomically), then renamed into place, and the commit file removed. A
    /// command that finds a commit file (this one died before finishing) completes it first.
    private func commit(writes: [(path: String, bytes: [UInt8])], removals: [String]) throws {
        if writes.isEmpty, removals.isEmpty { return }
        if writes.count == 1, removals.isEmpty, let only = writes.first {
            let temp = try writeTemporary(only.bytes, for: only.path)
            guard rename(temp, only.path) == 0 else {
                let code = errno
                unlink(temp)
                throw failure(temp, "cannot rename", code)
            }
            return
        }
        var renames: [JSON] = []
        for write in writes {
            let temp = try writeTemporary(write.bytes, for: write.path)
            renames.append(.array([.string(relative(temp)), .string(relative(write.path))]))
        }
        let plan = JSON.object(JSONObject([("rename", .array(renames)), ("remove", .array(removals.map { .string(relative($0)) }))]))
        try Self.atomicWrite(JSONWriter.bytes(plan) + [0x0A], to: commitPath)
        try completeCommit()
    }

    /// Finishes the change a commit file describes (renames whose temporary file is still
    /// there, removals), then removes the commit file. Runs under the lock.
    private func completeCommit() throws {
        guard let bytes = FileIO.readAll(path: commitPath) else { return }
        guard let plan = try? JSONParser.parse(bytes: bytes), let renames = plan["rename"]?.arrayValue,
            let removals = plan["remove"]?.arrayValue
        else {
            throw StateFileError(path: commitPath, reason: "does not parse as a commit record")
        }
        for pair in renames {
            guard let from = pair.arrayValue?.first?.stringValue, let to = pair.arrayValue?.last?.stringValue else { continue }
            let source = absolute(from)
            if rename(source, absolute(to)) != 0, errno != ENOENT { throw failure(source, "cannot rename", errno) }
        }
        for entry in removals {
            guard let item = entry.stringValue else { continue }
            if unlink(absolute(item)) != 0, errno != ENOENT { throw failure(absolute(item), "cannot remove", errno) }
        }
        unlink(commitPath)
    }

    /// Writes `bytes` to `<target>.tmp.<pid>` (0600, its directory created 0700) and fsyncs it.
    private func writeTemporary(_ bytes: [UInt8], for target: String) throws -> String {
        if let slash = target.lastIndex(of: "/") {
            let parent = String(target[..<slash])
            if access(parent, F_OK) != 0 {
                do {
                    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                } catch {
                    throw StateFileError(path: path, reason: "cannot create directory \(parent): \(error.localizedDescription)")
                }
            }
        }
        let temp = target + ".tmp.\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(temp, "cannot write", errno) }
        defer { close(fd) }
        do {
            try FileIO.writeAll(fd: fd, bytes: bytes)
        } catch {
            unlink(temp)
            throw failure(temp, "cannot write", error.code)
        }
        guard fsync(fd) == 0 else {
            let code = errno
            unlink(temp)
            throw failure(temp, "cannot write", code)
        }
        return temp
    }

    private func failure(_ file: String, _ what: String, _ code: Int32) -> StateFileError {
        StateFileError(path: path, reason: "\(what) \(file): \(String(cString: strerror(code)))")
    }

    private func relative(_ file: String) -> String {
        file.hasPrefix(directory + "/") ? String(file.dropFirst(directory.count + 1)) : file
    }

    private func absolute(_ file: String) -> String {
        file.hasPrefix("/") ? file : directory + "/" + file
    }
}

extension StateFileError {
    /// A decoding failure of `data` (read from `path`) as a one-line reason.
    static func describing(_ error: any Error, data: Data, path: String) -> StateFileError {
        switch error {
        case let error as StateFileError:
            return error
        case let DecodingError.dataCorrupted(context):
            do {
                _ = try JSONParser.parse(bytes: data)
            } catch {
                return StateFileError(path: path, reason: "does not parse as JSON: \(error.message) at line \(error.line) column \(error.column)")
            }
            return StateFileError(path: path, reason: "does not parse as JSON: \(describe(context))")
        case let DecodingError.keyNotFound(key, context):
            return StateFileError(path: path, reason: "missing key '\(key.stringValue)' at \(codingPath(context.codingPath))")
        case let DecodingError.typeMismatch(_, context):
            return StateFileError(path: path, reason: "unexpected value at \(codingPath(context.codingPath)): \(context.debugDescription)")
        case let DecodingError.valueNotFound(_, context):
            return StateFileError(path: path, reason: "missing value at \(codingPath(context.codingPath))")
        default:
            return StateFileError(path: path, reason: "cannot be read: \(error)")
        }
    }

    private static func codingPath(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError {
            return "\(context.debugDescription) (\(underlying.localizedDescription))"
        }
        return context.debugDescription
    }
}
