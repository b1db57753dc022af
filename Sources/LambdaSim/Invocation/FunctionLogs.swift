import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each function's invocation logs, kept beside the state file as JSON lines
/// (`logs/<region>/<function>.jsonl`, one line per invocation; see docs/state.md).
public struct FunctionLogs: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory + "/logs" }

    public struct Entry: Sendable {
        public var timeMs: SimInstant
        public var function: String
        public var version: String
        public var requestId: String
        public var text: String
    }

    func path(region: String, function: String) -> String { "\(directory)/\(region)/\(function).jsonl" }

    /// Appends one invocation's log with a single `write` on an `O_APPEND` descriptor, so
    /// concurrent commands never interleave lines.
    public func append(function: FunctionVersion, requestId: String, startMs: SimInstant, text: String) {
        let folder = "\(directory)/\(function.region)"
        mkdir(directory, 0o700)
        mkdir(folder, 0o700)
        let line = JSONWriter.string(.object(JSONObject([
            ("time", .int(Int(startMs))), ("version", .string(function.version)), ("requestId", .string(requestId)),
            ("text", .string(text)),
        ]))) + "\n"
        try? FileIO.append(path: path(region: function.region, function: function.name), bytes: Array(line.utf8))
    }

    /// Every entry for `function` (or all functions in `region`), in time order.
    public func entries(region: String, function: String?) -> [Entry] {
        var names: [String] = []
        if let function {
            names = [function]
        } else if let dir = opendir("\(directory)/\(region)") {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasSuffix(".jsonl") { names.append(String(name.dropLast(6))) }
            }
            closedir(dir)
        }
        var out: [Entry] = []
        for name in names {
            guard let bytes = FileIO.readAll(path: path(region: region, function: name)) else { continue }
            for line in bytes.split(separator: 0x0A) {
                guard let doc = try? JSONParser.parse(bytes: line) else { continue }
                out.append(Entry(timeMs: SimInstant(doc["time"]?.intValue ?? 0), function: name,
                                 version: doc["version"]?.stringValue ?? "$LATEST",
                                 requestId: doc["requestId"]?.stringValue ?? "", text: doc["text"]?.stringValue ?? ""))
            }
        }
        return out.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
    }
}
