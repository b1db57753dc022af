#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LambdaSimJSON
import LambdaSimSupport

/// Function log entries gathered during a run and appended to the functions' log files
/// (`logs/<region>/<function>.jsonl`, the layout `FunctionLogs` reads) with one `write` per
/// file, instead of an open/write/close per invocation.
struct LogBatch: Sendable {
    private var buffers: [String: [UInt8]] = [:]
    private var order: [String] = []
    private var lastKey = ""

    /// What is waiting to be written, by `region/function`.
    var pending: [String: [UInt8]] { buffers }

    /// Adds one invocation's log, in the line format of `FunctionLogs.append`.
    mutating func add(function: FunctionVersion, requestId: String, startMs: SimInstant, text: String) {
        let key = function.region + "/" + function.name
        if buffers[key] == nil {
            buffers[key] = []
            order.append(key)
        }
        buffers[key, default: []].withLineAppender { out in
            out.appendStatic(#"{"time":"#)
            out.appendDecimal(startMs)
            out.appendStatic(#","version":"#)
            AsyncRecords.appendString(function.version.utf8, into: &out)
            out.appendStatic(#","requestId":"#)
            AsyncRecords.appendString(requestId.utf8, into: &out)
            out.appendStatic(#","text":"#)
            AsyncRecords.appendString(text.utf8, into: &out)
            out.append(0x7D)
            out.append(0x0A)
        }
    }

    /// Adds one invocation's log as `Engine.logText` writes it (START, the function's output,
    /// END, REPORT), escaped straight into the line without building the text first.
    mutating func add(function: FunctionVersion, key: String? = nil, requestId: String, startMs: SimInstant,
                      output: InvocationOutput)
    {
        let key = key ?? function.region + "/" + function.name
        if key != lastKey {
            if buffers[key] == nil {
                buffers[key] = []
                order.append(key)
            }
            lastKey = key
        }
        buffers[key, default: []].withLineAppender { out in
            func text(_ s: String) {
                var copy = s
                copy.withUTF8 { JSONWriter.appendEscaped($0, into: &out) }
            }
            out.appendStatic(#"{"time":"#)
            out.appendDecimal(startMs)
            out.appendStatic(#","version":"#)
            AsyncRecords.appendString(function.version.utf8, into: &out)
            out.appendStatic(#","requestId":"#)
            AsyncRecords.appendString(requestId.utf8, into: &out)
            out.appendStatic(#","text":"START RequestId: "#)
            text(requestId)
            out.appendStatic(" Version: ")
            text(function.version)
            out.appendStatic(#"\n"#)
            text(output.log)
            out.appendStatic("END RequestId: ")
            text(requestId)
            out.appendStatic(#"\nREPORT RequestId: "#)
            text(requestId)
            out.appendStatic(#"\tDuration: "#)
            out.appendTwoDecimals(output.durationMs)
            out.appendStatic(#" ms\tBilled Duration: "#)
            out.appendDecimal(max(Int(output.durationMs.rounded(.up)), 1))
            out.appendStatic(#" ms\tMemory Size: "#)
            out.appendDecimal(function.memorySize)
            out.appendStatic(#" MB\tMax Memory Used: "#)
            out.appendDecimal(output.maxMemoryUsedMB)
            out.appendStatic(#" MB\t"#)
            if let initMs = output.initDurationMs {
                out.appendStatic("Init Duration: ")
                out.appendTwoDecimals(initMs)
                out.appendStatic(#" ms\t"#)
            }
            if output.timedOut { out.appendStatic("Status: timeout") }
            out.appendStatic(#"\n"}"#)
            out.append(0x0A)
        }
    }

    /// Appends everything gathered so far to the log files.
    mutating func flush(logsDirectory: String) {
        guard !order.isEmpty else { return }
        mkdir(logsDirectory, 0o700)
        for key in order {
            guard let bytes = buffers[key], !bytes.isEmpty else { continue }
            let region = String(key.prefix { $0 != "/" })
            mkdir(logsDirectory + "/" + region, 0o700)
            try? FileIO.append(path: logsDirectory + "/" + key + ".jsonl", bytes: bytes)
        }
        buffers.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        lastKey = ""
    }
}

extension Array where Element == UInt8 {
    /// Appends in place (the dictionary entry is mutated without a copy).
    fileprivate mutating func withLineAppender(_ body: (inout [UInt8]) -> Void) { body(&self) }
}
