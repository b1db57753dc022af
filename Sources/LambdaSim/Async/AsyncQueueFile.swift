import Foundation

/// The outcome of the latest attempt of an event, kept for the invocation record
/// (`EventAgeExceeded` records still carry the last failed attempt's response).
struct LastAttempt: Sendable, Equatable {
    var startMs: SimInstant
    var endMs: SimInstant
    var executedVersion: String
    /// nil when the attempt succeeded.
    var errorType: String?
    var timedOut: Bool
    var response: [UInt8]
}

/// One event in the service's internal queue, as the scheduler works on it.
struct QueuedEvent: Sendable, Equatable {
    var requestId: String
    var functionKey: String
    /// The qualifier the caller used (`$LATEST`, a version or an alias), resolved at each attempt.
    var qualifier: String
    /// The version the qualifier named when the event was accepted.
    var executedVersion: String
    var payload: [UInt8]
    var enqueuedMs: SimInstant
    /// When the next attempt is due, or, while `running`, when the running attempt ends.
    var dueMs: SimInstant
    /// Attempts that ran the function (throttles do not count).
    var attempts: Int
    var throttles: Int
    /// `invoke`, `sns`, `s3`, `destination`, …
    var source: String
    /// How many destination hops led to this event (recursive loop detection).
    var depth: Int
    var sequence: Int64
    /// An attempt has run and its end (`dueMs`) has not been reached yet.
    var running: Bool
    var last: LastAttempt?

    init(requestId: String, functionKey: String, qualifier: String, executedVersion: String, payload: [UInt8],
         enqueuedMs: SimInstant, dueMs: SimInstant, source: String, depth: Int = 0, sequence: Int64)
    {
        self.requestId = requestId
        self.functionKey = functionKey
        self.qualifier = qualifier
        self.executedVersion = executedVersion
        self.payload = payload
        self.enqueuedMs = enqueuedMs
        self.dueMs = dueMs
        attempts = 0
        throttles = 0
        self.source = source
        self.depth = depth
        self.sequence = sequence
        running = false
        last = nil
    }

    init(_ event: AsyncEvent) {
        self.init(requestId: event.requestId, functionKey: event.functionKey, qualifier: event.qualifier,
                  executedVersion: event.executedVersion, payload: Array(event.payload.utf8), enqueuedMs: event.enqueuedMs,
                  dueMs: event.dueMs, source: event.source ?? "invoke", sequence: event.sequence)
        attempts = event.attempts
        throttles = event.throttles
    }
}

/// The async queue beside the state file, `<state dir>/async/queue.tsv` (see docs/async.md):
/// a header line `# lambda-sim async queue 1 <storeId>`, then one event a line, fields
/// separated by tabs, with `\\`, `\t`, `\n` and `\r` escaped. Only the process holding the
/// queue lease reads or writes it; it is replaced atomically (temporary file + rename).
struct AsyncQueueFile {
    static let magic = "# lambda-sim async queue 1 "
    let path: String

    init(stateDirectory: String) { path = stateDirectory + "/async/queue.tsv" }

    /// The events of the file, in the order they were written; empty when the file is missing
    /// or belongs to another state (another store id).
    func load(storeId: String) throws -> [QueuedEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let bytes = [UInt8](data)
        let header = Array((Self.magic + storeId + "\n").utf8)
        guard bytes.count >= header.count, Array(bytes[0..<header.count]) == header else { return [] }
        var events: [QueuedEvent] = []
        var decoder = Decoder()
        var start = header.count
        var number = 1
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            number += 1
            if end > start {
                guard let event = decoder.decode(bytes[start..<end]) else {
                    throw StateFileError(path: path, reason: "line \(number) is not an async queue record")
                }
                events.append(event)
            }
            start = end + 1
        }
        return events
    }

    func write(_ events: [QueuedEvent], storeId: String) throws {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        var out: [UInt8] = []
        out.reserveCapacity(64 + events.count * 200)
        out += Array((Self.magic + storeId + "\n").utf8)
        for event in events { Self.encode(event, into: &out) }
        try StateStore.atomicWrite(out, to: path)
    }

    /// Appends events to the file (creating it with its header), for batch enqueues.
    func append(_ events: [QueuedEvent], storeId: String) throws {
        var existing = try load(storeId: storeId)
        existing += events
        try write(existing, storeId: storeId)
    }

    // MARK: - Record format

    static func encode(_ e: QueuedEvent, into out: inout [UInt8]) {
        func field(_ s: String) {
            out.append(0x09)
            escape(s.utf8, into: &out)
        }
        func number<T: BinaryInteger>(_ n: T) {
            out.append(0x09)
            out.appendDecimal(n)
        }
        escape(e.requestId.utf8, into: &out)
        field(e.functionKey)
        field(e.qualifier)
        field(e.executedVersion)
        number(e.enqueuedMs)
        number(e.dueMs)
        number(e.attempts)
        number(e.throttles)
        field(e.source)
        number(e.depth)
        number(e.sequence)
        out.append(0x09)
        out.append(e.running ? UInt8(ascii: "R") : UInt8(ascii: "W"))
        out.append(0x09)
        escape(e.payload, into: &out)
        if let last = e.last {
            number(last.startMs)
            number(last.endMs)
            field(last.executedVersion)
            field(last.errorType.map { "E" + $0 } ?? "S")
            field(last.timedOut ? "1" : "0")
            out.append(0x09)
            escape(last.response, into: &out)
        }
        out.append(0x0A)
    }

    static func decode(_ line: ArraySlice<UInt8>) -> QueuedEvent? {
        var decoder = Decoder()
        return decoder.decode(line)
    }

    /// Reads records; repeated texts (function keys, qualifiers, versions, sources) are shared
    /// with the previous record's instead of allocated again.
    struct Decoder {
        private var recent: [[UInt8]] = Array(repeating: [], count: 19)
        private var recentText: [String] = Array(repeating: "", count: 19)

        mutating func decode(_ line: ArraySlice<UInt8>) -> QueuedEvent? {
            var fields: [Range<Int>] = []
            fields.reserveCapacity(19)
            var start = line.startIndex
            var i = start
            while i < line.endIndex {
                if line[i] == 0x09 {
                    fields.append(start..<i)
                    start = i + 1
                }
                i += 1
            }
            fields.append(start..<line.endIndex)
            guard fields.count == 13 || fields.count == 19 else { return nil }
            func text(_ n: Int, shared: Bool = false) -> String {
                let slice = line[fields[n]]
                if shared, recent[n].elementsEqual(slice) { return recentText[n] }
                let value = String(decoding: AsyncQueueFile.unescape(slice), as: UTF8.self)
                if shared {
                    recent[n] = Array(slice)
                    recentText[n] = value
                }
                return value
            }
            func int(_ n: Int) -> Int64? {
                let slice = line[fields[n]]
                // At most 16 characters and 10^15: a hand-edited huge number is not a record.
                guard !slice.isEmpty, slice.count <= 16 else { return nil }
                var value: Int64 = 0
                var negative = false
                for (k, b) in slice.enumerated() {
                    if k == 0, b == UInt8(ascii: "-") {
                        negative = true
                        continue
                    }
                    guard b >= 48, b <= 57 else { return nil }
                    value = value &* 10 &+ Int64(b - 48)
                }
                guard value <= 1_000_000_000_000_000 else { return nil }
                return negative ? -value : value
            }
            guard let enqueued = int(4), let due = int(5), let attempts = int(6), let throttles = int(7), let depth = int(9),
                let sequence = int(10)
            else { return nil }
            var event = QueuedEvent(requestId: text(0), functionKey: text(1, shared: true), qualifier: text(2, shared: true),
                                    executedVersion: text(3, shared: true), payload: AsyncQueueFile.unescape(line[fields[12]]),
                                    enqueuedMs: enqueued, dueMs: due, source: text(8, shared: true), depth: Int(depth),
                                    sequence: sequence)
            event.attempts = Int(attempts)
            event.throttles = Int(throttles)
            event.running = line[fields[11]].first == UInt8(ascii: "R")
            if fields.count == 19 {
                guard let start = int(13), let end = int(14) else { return nil }
                let outcome = text(16, shared: true)
                event.last = LastAttempt(startMs: start, endMs: end, executedVersion: text(15, shared: true),
                                         errorType: outcome.hasPrefix("E") ? String(outcome.dropFirst()) : nil,
                                         timedOut: line[fields[17]].first == UInt8(ascii: "1"),
                                         response: AsyncQueueFile.unescape(line[fields[18]]))
            }
            return event
        }
    }

    static func escape<C: Sequence>(_ bytes: C, into out: inout [UInt8]) where C.Element == UInt8 {
        for b in bytes {
            switch b {
            case 0x5C: out += [0x5C, 0x5C]
            case 0x09: out += [0x5C, 0x74]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            default: out.append(b)
            }
        }
    }

    static func unescape(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(0x5C) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var escaped = false
        for b in bytes {
            if escaped {
                switch b {
                case 0x74: out.append(0x09)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                default: out.append(b)
                }
                escaped = false
            } else if b == 0x5C {
                escaped = true
            } else {
                out.append(b)
            }
        }
        return out
    }
}
