// The file reads and writes the rest of lambda-sim shares: whole writes to a descriptor
// (partial writes and EINTR handled), whole-file reads, single-write appends and atomic
// replacement (temporary file, optional fsync, rename).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call of `FileIO`: which step, on which path, and its `errno`.
public struct FileIOError: Error, Sendable, Equatable {
    public enum Step: Sendable, Equatable { case open, read, write, sync, rename }

    public var step: Step
    /// The file the step failed on (the temporary file for `atomicReplace`'s open, write and sync).
    public var path: String
    public var code: Int32

    public init(step: Step, path: String, code: Int32) {
        self.step = step
        self.path = path
        self.code = code
    }

    /// `strerror(code)`.
    public var reason: String { String(cString: strerror(code)) }
}

public enum FileIO {
    /// Writes all of `bytes` to `fd`: the whole rest is handed to each `write` (at most `chunk`
    /// bytes), retrying on EINTR and continuing after a short write. Throws the `errno` of the
    /// failed `write` (EIO for a `write` that wrote nothing), with an empty `path`.
    public static func writeAll(fd: Int32, bytes: [UInt8], chunk: Int = .max) throws(FileIOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress.map { $0 + offset }, min(chunk, raw.count - offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(step: .write, path: "", code: errno)
            }
            if n == 0 { throw FileIOError(step: .write, path: "", code: EIO) }
            offset += n
        }
    }

    /// The bytes of `path` from `offset` to its end; throws `.open` when it cannot be opened
    /// and `.read` when a read fails.
    public static func read(path: String, from offset: Int = 0) throws(FileIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError(step: .open, path: path, code: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var position = off_t(offset)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, position) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(step: .read, path: path, code: errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<n])
            position += off_t(n)
        }
    }

    /// The whole of `path`, or nil when it cannot be opened or read.
    public static func readAll(path: String) -> [UInt8]? {
        try? read(path: path)
    }

    /// Appends `bytes` to `path` (created 0600 if missing: files lambda-sim creates are private) through an `O_APPEND` descriptor,
    /// handing all of them to one `write`, so concurrent appends of whole lines never interleave.
    public static func append(path: String, bytes: [UInt8]) throws(FileIOError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIOError(step: .open, path: path, code: errno) }
        defer { close(fd) }
        do {
            try writeAll(fd: fd, bytes: bytes)
        } catch {
            throw FileIOError(step: .write, path: path, code: error.code)
        }
    }

    /// Writes `bytes` to `temp` (created 0600, truncated), fsyncs it when `sync` is set, and
    /// renames it over `path`; on any failure after the open the temporary file is removed.
    public static func atomicReplace(path: String, bytes: [UInt8], temp: String, sync: Bool) throws(FileIOError) {
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIOError(step: .open, path: temp, code: errno) }
        var failure: FileIOError?
        do {
            try writeAll(fd: fd, bytes: bytes)
        } catch {
            failure = FileIOError(step: .write, path: temp, code: error.code)
        }
        if failure == nil, sync, fsync(fd) != 0 { failure = FileIOError(step: .sync, path: temp, code: errno) }
        close(fd)
        if failure == nil, rename(temp, path) != 0 { failure = FileIOError(step: .rename, path: temp, code: errno) }
        if let failure {
            unlink(temp)
            throw failure
        }
    }
}

/// The permissions of what lambda-sim creates.
public enum FileModes {
    /// The umask lambda-sim was started with (it runs with 077 so that everything it creates is
    /// private); nil when this process never changed it (tests running commands in-process).
    nonisolated(unsafe) public static var callerUmask: mode_t?
}
