import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one JSON state file: an exclusive `flock` around every read-modify-write, writes to a
/// temporary file that is fsynced and renamed over the old one, and a file that does not parse
/// is never overwritten.
public final class StateStore: @unchecked Sendable {
    public let path: String
    /// The directory holding the state file; logs and extracted code live beside it.
    public let directory: String
    /// How a new state starts when no file exists yet.
    private let initialClock: ClockState
    private let initialSeed: UInt64
    /// The last state decoded or written, with the file bytes it came from, so reading an
    /// unchanged file again (catch-up, then the command itself) skips the JSON decode.
    private var cached: (data: Data, state: State)?
    private let cacheLock = Mutex()

    public init(path: String, initialClock: ClockState = ClockState(), seed: UInt64? = nil) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        self.initialClock = initialClock
        initialSeed = seed ?? UInt64.random(in: 1...UInt64.max)
    }

    /// Reads the state without taking the lock (renames are atomic, so this sees a whole file).
    public func read() throws -> State {
        guard let data = FileManager.default.contents(atPath: path) else {
            return State(clock: initialClock, seed: initialSeed)
        }
        return try decodeCached(data)
    }

    /// Runs `body` on the state under the exclusive lock and saves the result.
    @discardableResult
    public func update<T>(_ body: (inout State) throws -> T) throws -> T {
        try withLock {
            let original = FileManager.default.contents(atPath: path)
            var state = try original.map(decodeCached) ?? State(clock: initialClock, seed: initialSeed)
            let result = try body(&state)
            let encoded = try encode(state)
            if encoded != original {
                try Self.atomicWrite([UInt8](encoded), to: path)
                cacheLock.withLock { cached = (encoded, state) }
            }
            // Files beside the state (SQS journals, stream records) change under this lock too.
            BackgroundLauncher.noteWrite(path: path, wantsRunner: BackgroundRunner.wantsRunner(state))
            return result
        }
    }

    /// Holds the exclusive lock (`flock` on `state.json.lock`) while `body` runs.
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        try ensureDirectory()
        let lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
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
        return try body()
    }

    /// Replaces the state entirely under the lock, without reading the old file (`state reset`
    /// is the one way to get past a state file that does not parse).
    public func replace(with state: State) throws {
        try withLock { try Self.atomicWrite([UInt8](try encode(state)), to: path) }
    }

    private func ensureDirectory() throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StateFileError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
    }

    /// `decode`, answered from `cached` when `data` is the same bytes.
    private func decodeCached(_ data: Data) throws -> State {
        if let hit = cacheLock.withLock({ cached.flatMap { $0.data == data ? $0.state : nil } }) { return hit }
        let state = try decode(data)
        cacheLock.withLock { cached = (data, state) }
        return state
    }

    private func decode(_ data: Data) throws -> State {
        do {
            // A number out of range (hand-edited) would make later time arithmetic overflow.
            if let bad = NumberRange.firstOutOfRange(in: data, exempt: ["state"]) {
                throw StateFileError(path: path, reason: "the value of '\(bad.key)' is out of range: \(bad.number)")
            }
            let state = try JSONDecoder().decode(State.self, from: data)
            if state.schemaVersion > State.currentSchemaVersion {
                throw StateFileError(path: path, reason: "schema version \(state.schemaVersion) is newer than this lambda-sim understands (\(State.currentSchemaVersion))")
            }
            return state
        } catch let error as StateFileError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            do {
                _ = try JSONParser.parse(bytes: data)
            } catch {
                throw StateFileError(path: path, reason: "does not parse as JSON: \(error.message) at line \(error.line) column \(error.column)")
            }
            throw StateFileError(path: path, reason: "does not parse as JSON: \(Self.describe(context))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw StateFileError(path: path, reason: "missing key '\(key.stringValue)' at \(Self.codingPath(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw StateFileError(path: path, reason: "unexpected value at \(Self.codingPath(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw StateFileError(path: path, reason: "missing value at \(Self.codingPath(context.codingPath))")
        } catch {
            throw StateFileError(path: path, reason: "cannot be read: \(error)")
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

    private func encode(_ state: State) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        var data = try encoder.encode(state)
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
}
