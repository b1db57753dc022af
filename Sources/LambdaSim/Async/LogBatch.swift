#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Function log entries gathered during a run and appended to the functions' log files
/// (`logs/<region>/<function>.jsonl`, the layout `FunctionLogs` reads) with one `write` per
/// file, instead of an open/write/close per invocation.
struct LogBatch {
    private var buffers: [String: [UInt8]] = [:]
    private var order: [String] = []

    /// Adds one invocation's log, in the line format of `FunctionLogs.append`.
    mutating func add(function: FunctionVersion, requestId: String, startMs: SimInstant, text: String) {
        let key = function.region + "/" + function.name
        if buffers[key] == nil {
            buffers[key] = []
            order.append(key)
        }
        buffers[key, default: []].withLineAppender { out in
            out += Array(#"{"time":"#.utf8)
            out += Array(String(startMs).utf8)
            out += Array(#","version":"#.utf8)
            AsyncRecords.appendString(function.version.utf8, into: &out)
            out += Array(#","requestId":"#.utf8)
            AsyncRecords.appendString(requestId.utf8, into: &out)
            out += Array(#","text":"#.utf8)
            AsyncRecords.appendString(text.utf8, into: &out)
            out += [0x7D, 0x0A]
        }
    }

    /// Appends everything gathered so far to the log files.
    mutating func flush(logsDirectory: String) {
        guard !order.isEmpty else { return }
        mkdir(logsDirectory, 0o755)
        for key in order {
            guard let bytes = buffers[key], !bytes.isEmpty else { continue }
            let region = String(key.prefix { $0 != "/" })
            mkdir(logsDirectory + "/" + region, 0o755)
            let fd = open(logsDirectory + "/" + key + ".jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { continue }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    break
                }
                offset += n
            }
            close(fd)
        }
        buffers.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
    }
}

extension Array where Element == UInt8 {
    /// Appends in place (the dictionary entry is mutated without a copy).
    fileprivate mutating func withLineAppender(_ body: (inout [UInt8]) -> Void) { body(&self) }
}
