import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kinesis streams and DynamoDB tables: the metadata kept in the state file. Bulky data lives
/// beside the state file (docs/state.md): each stream's records in
/// `kinesis/<region>/<stream>.jsonl`, each table's items in `dynamodb/<region>/<table>.items.json`
/// and its stream records in `dynamodb/<region>/<table>.stream.jsonl`.
public struct StreamResources: Codable, Sendable {
    /// Kinesis streams by `region/name`.
    public var kinesis: [String: KinesisStream] = [:]
    /// DynamoDB tables by `region/name`.
    public var tables: [String: DynamoTable] = [:]
    /// Stream event source mappings' checkpoints: mapping UUID → shard id → the counter of the
    /// last record handled (every record up to it is done).
    public var checkpoints: [String: [String: Int64]] = [:]
    /// Where a stream mapping starts when no checkpoint exists yet: mapping UUID → the
    /// source's record counter at creation (LATEST) or 0 (TRIM_HORIZON).
    public var startCounters: [String: Int64] = [:]

    /// The directories beside the state file that hold stream data (`state reset` removes them).
    public static let fileDirectories = ["kinesis", "dynamodb"]

    public init() {}

    enum CodingKeys: String, CodingKey { case kinesis, tables, checkpoints, startCounters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kinesis = try c.decodeIfPresent([String: KinesisStream].self, forKey: .kinesis) ?? [:]
        tables = try c.decodeIfPresent([String: DynamoTable].self, forKey: .tables) ?? [:]
        checkpoints = try c.decodeIfPresent([String: [String: Int64]].self, forKey: .checkpoints) ?? [:]
        startCounters = try c.decodeIfPresent([String: Int64].self, forKey: .startCounters) ?? [:]
    }
}

extension State {
    /// The stream resources, created on first use.
    var streamResources: StreamResources {
        get { streams ?? StreamResources() }
        set { streams = newValue }
    }
}

/// One record of a Kinesis stream or a DynamoDB stream, as its log file keeps it.
struct StreamEntry: Sendable {
    /// Order of arrival in the source (1, 2, …), across shards.
    var counter: Int64
    var shardId: String
    var sequenceNumber: String
    var arrivalMs: SimInstant
    /// Kinesis: `{"k": partition key, "d": base64 data}`; DynamoDB: the stream record as delivered.
    var body: JSON

    var line: JSON {
        .object(JSONObject([("i", .int(Int(counter))), ("s", .string(shardId)), ("n", .string(sequenceNumber)),
                            ("t", .int(Int(arrivalMs))), ("b", body)]))
    }

    init(counter: Int64, shardId: String, sequenceNumber: String, arrivalMs: SimInstant, body: JSON) {
        self.counter = counter
        self.shardId = shardId
        self.sequenceNumber = sequenceNumber
        self.arrivalMs = arrivalMs
        self.body = body
    }

    init?(_ json: JSON) {
        guard let i = json["i"]?.intValue, let s = json["s"]?.stringValue, let n = json["n"]?.stringValue,
            let t = json["t"]?.intValue, let b = json["b"]
        else { return nil }
        self.init(counter: Int64(i), shardId: s, sequenceNumber: n, arrivalMs: SimInstant(t), body: b)
    }
}

/// Reads and appends the record logs (`*.jsonl`) of streams, with a per-process cache that
/// only reads what was appended since the last look. Callers hold the state lock.
final class StreamLogs: @unchecked Sendable {
    private struct Cached {
        var entries: [StreamEntry] = []
        var offset = 0
    }

    private var cache: [String: Cached] = [:]

    /// Every record of the log at `path`, oldest first.
    func entries(_ path: String) -> [StreamEntry] {
        var cached = cache[path] ?? Cached()
        guard let bytes = try? FileIO.read(path: path, from: cached.offset) else {
            cache[path] = Cached()
            return []
        }
        if let lastNewline = bytes.lastIndex(of: 0x0A) {
            var start = 0
            for i in 0...lastNewline where bytes[i] == 0x0A {
                if i > start, let json = try? JSONParser.parse(bytes: bytes[start..<i]), let entry = StreamEntry(json) {
                    cached.entries.append(entry)
                }
                start = i + 1
            }
            cached.offset += lastNewline + 1
        }
        cache[path] = cached
        return cached.entries
    }

    /// Appends records to the log at `path`, creating its directory.
    static func append(_ entries: [StreamEntry], to path: String) throws {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes += JSONWriter.bytes(entry.line)
            bytes.append(0x0A)
        }
        try StreamFiles.ensureDirectory(of: path)
        do {
            try FileIO.append(path: path, bytes: bytes)
        } catch {
            throw StateFileError(path: path, reason: "\(error.step == .open ? "cannot open" : "cannot write"): \(error.reason)")
        }
    }
}

enum StreamFiles {
    static func ensureDirectory(of path: String) throws {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = String(path[..<slash])
        if access(directory, F_OK) == 0 { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateFileError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Replaces the file at `path` with `bytes` (temporary file, fsync, rename).
    static func replace(_ path: String, bytes: [UInt8]) throws {
        try ensureDirectory(of: path)
        do {
            try FileIO.atomicReplace(path: path, bytes: bytes, temp: path + ".tmp", sync: true)
        } catch {
            throw StateFileError(path: path, reason: "cannot write: \(error.reason)")
        }
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Engine {
    /// Kinesis and DynamoDB API operations; nil when `operation` is not one of them.
    func performStreamOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        switch operation {
        case "CreateStream": return try kinesisCreateStream(params)
        case "PutRecord": return try kinesisPutRecord(params)
        case "PutRecords": return try kinesisPutRecords(params)
        case "DescribeStream": return try kinesisDescribeStream(params)
        case "ListStreams": return try kinesisListStreams(params)
        case "IncreaseStreamRetentionPeriod": return try kinesisChangeRetention(params, increase: true)
        case "DecreaseStreamRetentionPeriod": return try kinesisChangeRetention(params, increase: false)
        case "CreateTable": return try dynamoCreateTable(params)
        case "DescribeTable": return try dynamoDescribeTable(params)
        case "ListTables": return try dynamoListTables(params)
        case "PutItem": return try dynamoPutItem(params)
        case "GetItem": return try dynamoGetItem(params)
        case "DeleteItem": return try dynamoDeleteItem(params)
        case "UpdateItem": return try dynamoUpdateItem(params)
        case "Scan": return try dynamoScan(params)
        default: return nil
        }
    }
}
