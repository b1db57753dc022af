import Dispatch
import LambdaSimJSON

/// Renders a timeline as text for people, JSON lines or a Mermaid sequence diagram. Pure
/// functions of the entries, so the same run prints the same bytes.
public enum TimelineFormat {
    /// `2026-01-01T00:01:00.000Z  invoke           my-fn  <request id>  attempt 2  error Error`,
    /// with `--explain` the rule on the next line, indented.
    public static func timeline(_ entries: [TimelineEntry], explain: Bool, payloads: Bool = false) -> [UInt8] {
        let width = entries.reduce(0) { max($0, $1.function.count) }
        return inParallel(entries) { timeline($0, explain: explain, payloads: payloads, width: width) }
    }

    /// `--show-payloads`: the event (or a batch's records) and the response, indented under the line.
    static func appendPayloads(_ entry: TimelineEntry, into out: inout [UInt8]) {
        if let payload = entry.payload {
            if TimelineEntry.isMapping(entry.source) {
                for line in payload.split(separator: "\n", omittingEmptySubsequences: false) {
                    out.appendStatic("    record ")
                    out.appendUTF8(String(line))
                    out.append(0x0A)
                }
            } else {
                out.appendStatic("    event: ")
                out.appendUTF8(payload)
                out.append(0x0A)
            }
        }
        if let response = entry.response {
            out.appendStatic(entry.result == "error" || entry.result == "timeout" ? "    error: " : "    response: ")
            out.appendUTF8(response)
            out.append(0x0A)
        }
    }

    static func timeline(_ entries: ArraySlice<TimelineEntry>, explain: Bool, payloads: Bool, width: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * (explain ? 260 : 120))
        var iso = ISOWriter()
        for entry in entries {
            iso.append(entry.timeMs, into: &out)
            out.appendStatic("  ")
            pad(entry.event.rawValue, to: 15, into: &out)
            out.appendStatic("  ")
            pad(entry.function, to: width, into: &out)
            out.appendStatic("  ")
            out.appendUTF8(entry.requestId)
            out.appendStatic("  ")
            let before = out.count
            entry.appendDetail(into: &out, iso: &iso)
            if out.count == before { out.removeLast(2) }
            out.appendStatic("  <- ")
            out.appendUTF8(entry.causeText)
            out.append(0x0A)
            if explain {
                out.appendStatic("    ")
                out.appendUTF8(entry.reason)
                out.append(0x0A)
            }
            if payloads { appendPayloads(entry, into: &out) }
        }
        return out
    }

    /// One JSON object a line with the fields of DESIGN.md, in a fixed order.
    public static func jsonLines(_ entries: [TimelineEntry], payloads: Bool = false) -> [UInt8] {
        inParallel(entries) { jsonLines($0, payloads: payloads) }
    }

    /// `history`: the history file's lines (the time in epoch milliseconds, the short detail too).
    static func jsonLines(_ entries: ArraySlice<TimelineEntry>, payloads: Bool, history: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 300)
        var iso = ISOWriter()
        for e in entries {
            if history {
                out.appendStatic(#"{"time":"#)
                out.appendDecimal(Int(e.timeMs))
                out.appendStatic(#","event":""#)
            } else {
                out.appendStatic(#"{"time":""#)
                iso.append(e.timeMs, into: &out)
                out.appendStatic(#"","event":""#)
            }
            out.appendUTF8(e.event.rawValue)
            out.appendStatic(#"","function":"#)
            AsyncRecords.appendString(e.function.utf8, into: &out)
            out.appendStatic(#","requestId":"#)
            AsyncRecords.appendString(e.requestId.utf8, into: &out)
            out.appendStatic(#","source":"#)
            AsyncRecords.appendString(e.source.utf8, into: &out)
            if let attempt = e.attempt {
                out.appendStatic(#","attempt":"#)
                out.appendDecimal(attempt)
            }
            func member(_ name: StaticString, _ value: String?) {
                guard let value else { return }
                out.appendStatic(name)
                AsyncRecords.appendString(value.utf8, into: &out)
            }
            member(#","result":"#, e.result)
            member(#","errorType":"#, e.errorType)
            member(#","condition":"#, e.condition)
            member(#","target":"#, e.target)
            if let records = e.records {
                out.appendStatic(#","records":"#)
                out.appendDecimal(records)
            }
            if let failed = e.failedItems {
                out.appendStatic(#","failedItems":["#)
                for (i, id) in failed.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    AsyncRecords.appendString(id.utf8, into: &out)
                }
                out.append(0x5D)
            }
            member(#","cause":"#, e.causeText)
            member(#","reason":"#, e.reason)
            if history {
                member(#","detail":"#, e.detail)
                if let billed = e.billedMs {
                    out.appendStatic(#","billedMs":"#)
                    out.appendDecimal(billed)
                }
            }
            if payloads {
                member(#","payload":"#, e.payload)
                member(#","response":"#, e.response)
            }
            out.append(0x7D)
            out.append(0x0A)
        }
        return out
    }

    /// A Mermaid sequence diagram: every participant labelled by what it is — the callers
    /// (`Caller: lambda-sim invoke`, `Caller: function URL (serve)`), the async queue, each
    /// mapping's poller (`SQS poller: queue orders`, `Kinesis shard poller: stream s`), the
    /// functions, and the destinations and dead-letter queues; attempts as arrows, the rest as notes.
    public static func mermaid(_ entries: [TimelineEntry]) -> [UInt8] {
        guard !entries.isEmpty else { return [] }
        var participants: [(id: String, label: String)] = []
        var ids: [String: String] = [:]
        func participant(_ key: String, _ label: String) -> String {
            if let id = ids[key] { return id }
            let id = key == "queue" ? "Q" : "P\(participants.count)"
            ids[key] = id
            participants.append((id, label))
            return id
        }
        func functionId(_ name: String) -> String { participant("fn:" + name, "Function " + name) }
        func queue() -> String { participant("queue", "Lambda async queue") }
        func caller(_ e: TimelineEntry) -> String {
            switch e.why {
            case let .enqueued(from, parent):
                switch from {
                case "destination": return functionId(parent ?? "?")
                case "sns": return participant("caller:sns", "SNS topic (subscription)")
                case "s3": return participant("caller:s3", "S3 bucket (notification)")
                case "scenario": return participant("caller:scenario", "Caller: scenario")
                default: return participant("caller:invoke", "Caller: invoke --invocation-type Event")
                }
            default:
                let cause = e.causeText
                return participant("caller:" + cause, "Caller: " + cause)
            }
        }
        func lane(_ e: TimelineEntry) -> String {
            if TimelineEntry.isMapping(e.source) { return participant("esm:" + e.source, Lanes.pollerLabel(e)) }
            if e.source == "sync" { return caller(e) }
            return queue()
        }
        func targetId(_ arn: String, role: String) -> String {
            let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let service = parts.count > 2 ? parts[2] : ""
            let name = parts.last ?? arn
            let label: String
            switch service {
            case "lambda":
                if let ref = FunctionReference.parse(arn) { return functionId(ref.name + (ref.qualifier.map { ":" + $0 } ?? "")) }
                return functionId(name)
            case "sqs": label = "SQS queue " + name
            case "sns": label = "SNS topic " + name
            case "events": label = "EventBridge " + (parts.count > 5 ? parts[5] : name)
            case "s3": label = "S3 bucket " + name
            default: label = arn
            }
            return participant(arn, label + " (" + role + ")")
        }
        let firstDay = TimeFormat.iso(entries[0].timeMs).prefix(10)
        let oneDay = entries.allSatisfy { TimeFormat.iso($0.timeMs).prefix(10) == firstDay }
        func time(_ ms: SimInstant) -> String {
            let iso = TimeFormat.iso(ms)
            return oneDay ? String(iso.dropFirst(11).dropLast()) : iso
        }
        var body: [String] = []
        for e in entries {
            let id = String(e.requestId.prefix(8))
            switch e.event {
            case .enqueue:
                let from = caller(e)
                body.append("\(from)->>\(queue()): \(time(e.timeMs)) Event invoke \(id) (202)")
            case .invoke:
                let q = lane(e)
                let f = functionId(e.function)
                let label: String
                if e.source == "sync" {
                    label = "sync invoke"
                } else if TimelineEntry.isMapping(e.source) {
                    label = (e.records.map { "batch of \($0)" } ?? "batch") + ((e.attempt ?? 1) > 1 ? ", attempt \(e.attempt ?? 1)" : "")
                } else {
                    label = "attempt \(e.attempt ?? 1)"
                }
                body.append("\(q)->>\(f): \(time(e.timeMs)) \(label) \(id)")
                var answer = (e.result ?? "") + (e.errorType.map { " " + $0 } ?? "")
                if let failed = e.failedItems, !failed.isEmpty { answer += " (failed: " + failed.joined(separator: ", ") + ")" }
                body.append("\(f)-->>\(q): \(answer)")
            case .throttle:
                body.append("\(lane(e))-x\(functionId(e.function)): \(time(e.timeMs)) \(e.detail) \(id)")
            case .retryScheduled:
                body.append("Note over \(lane(e)): \(time(e.timeMs)) \(id) retry: \(e.detail)")
            case .destination, .dlq:
                let role = e.event == .dlq ? "dead-letter queue" : "destination"
                let t = targetId(e.target ?? "", role: role)
                let what = e.event == .dlq ? "DLQ \(e.condition ?? "")" : (e.detail.hasPrefix("on-success") ? "on-success" : "on-failure") + " \(e.condition ?? "")"
                body.append("\(lane(e))->>\(t): \(time(e.timeMs)) \(what) \(id)\(e.result == "error" ? " (delivery failed)" : "")")
            case .expire, .discard:
                body.append("Note over \(lane(e)): \(time(e.timeMs)) \(id) \(e.event.rawValue): \(e.detail)")
            case .poll, .batch, .filtered, .bisect, .checkpoint, .visibilityTimeout, .redrive, .recursionStopped,
                .ruleMatch, .schedule, .targetRetry, .targetDLQ:
                // Event source mapping steps (EventSources/).
                body.append("Note over \(lane(e)): \(time(e.timeMs)) \(e.event.rawValue) \(e.function): \(e.detail)")
            case .denied:
                body.append("Note over \(functionId(e.function)): \(time(e.timeMs)) denied: \(e.detail)")
            }
        }
        var text = "sequenceDiagram\n"
        for p in participants { text += "    participant \(p.id) as \(sanitize(p.label))\n" }
        if oneDay, let first = participants.first { text += "    Note over \(first.id): \(firstDay) (UTC)\n" }
        for line in body { text += "    " + sanitize(line) + "\n" }
        return Array(text.utf8)
    }

    /// What each lane of a diagram is.
    enum Lanes {
        /// `SQS poller: queue orders` from a mapping step's cause; `Event source poller a1b2c3d4` without one.
        static func pollerLabel(_ e: TimelineEntry) -> String {
            let cause = e.causeText
            if let range = cause.range(of: " of mapping ") {
                let kind = cause[..<range.lowerBound]
                let rest = cause[range.upperBound...]
                if let open = rest.firstIndex(of: "("), rest.hasSuffix(")") {
                    let what = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
                    return "\(kind): \(what) (mapping \(e.source.prefix(8)))"
                }
                return "\(kind) (mapping \(e.source.prefix(8)))"
            }
            return "Event source poller " + e.source.prefix(8)
        }
    }

    /// Formats long timelines in chunks on all cores (the lines are independent), then joins them.
    static func inParallel(_ entries: [TimelineEntry], _ format: @escaping @Sendable (ArraySlice<TimelineEntry>) -> [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        inParallel(entries, format) { out += $0 }
        return out
    }

    /// The same, handing the text to `sink` piece by piece in order, so a timeline of hundreds
    /// of thousands of lines is never held twice.
    static func inParallel(_ entries: [TimelineEntry], _ format: @escaping @Sendable (ArraySlice<TimelineEntry>) -> [UInt8],
                           sink: ([UInt8]) -> Void)
    {
        let chunkSize = 20_000
        guard entries.count > chunkSize else {
            sink(format(entries[...]))
            return
        }
        let chunks = (entries.count + chunkSize - 1) / chunkSize
        let parallel = 4
        var first = 0
        while first < chunks {
            let count = min(parallel, chunks - first)
            let results = ChunkResults(count: count)
            let base = first
            DispatchQueue.concurrentPerform(iterations: count) { i in
                let c = base + i
                results.set(i, format(entries[(c * chunkSize)..<min(entries.count, (c + 1) * chunkSize)]))
            }
            for part in results.parts { sink(part) }
            first += count
        }
    }

    /// Writes a timeline in one of `simulate`'s formats (`timeline`, `json`, `mermaid`) to `sink`.
    public static func render(_ entries: [TimelineEntry], format: String, explain: Bool, payloads: Bool = false,
                              sink: ([UInt8]) -> Void)
    {
        switch format {
        case "json": inParallel(entries, { jsonLines($0, payloads: payloads) }, sink: sink)
        case "mermaid": sink(mermaid(entries))
        default:
            let width = entries.reduce(0) { max($0, $1.function.count) }
            inParallel(entries, { timeline($0, explain: explain, payloads: payloads, width: width) }, sink: sink)
        }
    }

    /// The history file's bytes for `entries` (BackgroundRunner.swift, `History`).
    public static func historyLines(_ entries: [TimelineEntry]) -> [UInt8] {
        inParallel(entries) { jsonLines($0, payloads: true, history: true) }
    }

    /// Mermaid ends a statement at `;` and reads `#…;` as an entity.
    static func sanitize(_ s: String) -> String {
        guard s.contains(";") || s.contains("#") else { return s }
        var out = ""
        for c in s {
            switch c {
            case "#": out += "#35;"
            case ";": out += "#59;"
            default: out.append(c)
            }
        }
        return out
    }

    static func pad(_ s: String, to width: Int, into out: inout [UInt8]) {
        out.appendUTF8(s)
        let n = width - s.count
        if n > 0 { out += [UInt8](repeating: 0x20, count: n) }
    }
}

/// The chunks formatted by `TimelineFormat.inParallel`, each written by exactly one worker.
final class ChunkResults: @unchecked Sendable {
    private(set) var parts: [[UInt8]]
    private let lock = Mutex()

    init(count: Int) { parts = Array(repeating: [], count: count) }

    func set(_ i: Int, _ bytes: [UInt8]) { lock.withLock { parts[i] = bytes } }

    var total: Int { parts.reduce(0) { $0 + $1.count } }
}
