import Dispatch
import LambdaSimJSON

/// Renders a timeline as text for people, JSON lines or a Mermaid sequence diagram. Pure
/// functions of the entries, so the same run prints the same bytes.
public enum TimelineFormat {
    /// `2026-01-01T00:01:00.000Z  invoke           my-fn  <request id>  attempt 2  error Error`,
    /// with `--explain` the rule on the next line, indented.
    public static func timeline(_ entries: [TimelineEntry], explain: Bool) -> [UInt8] {
        let width = entries.reduce(0) { max($0, $1.function.count) }
        return inParallel(entries) { timeline($0, explain: explain, width: width) }
    }

    static func timeline(_ entries: ArraySlice<TimelineEntry>, explain: Bool, width: Int) -> [UInt8] {
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
            out.append(0x0A)
            if explain {
                out.appendStatic("    ")
                out.appendUTF8(entry.reason)
                out.append(0x0A)
            }
        }
        return out
    }

    /// One JSON object a line with the fields of DESIGN.md, in a fixed order.
    public static func jsonLines(_ entries: [TimelineEntry]) -> [UInt8] {
        inParallel(entries, jsonLines)
    }

    static func jsonLines(_ entries: ArraySlice<TimelineEntry>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 300)
        var iso = ISOWriter()
        for e in entries {
            out.appendStatic(#"{"time":""#)
            iso.append(e.timeMs, into: &out)
            out.appendStatic(#"","event":""#)
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
            member(#","reason":"#, e.reason)
            out.append(0x7D)
            out.append(0x0A)
        }
        return out
    }

    /// A Mermaid sequence diagram: the async queue, the functions and the targets as
    /// participants; attempts as arrows, the rest as notes.
    public static func mermaid(_ entries: [TimelineEntry]) -> [UInt8] {
        guard !entries.isEmpty else { return [] }
        // The caller lane: the async queue when any entry came through it; an event source
        // mapping's steps (source = the mapping's UUID) get the mapping's poller as their lane.
        let isMapping: (String) -> Bool = { $0.count == 36 && $0.filter { $0 == "-" }.count == 4 }
        let usesQueue = entries.contains { !isMapping($0.source) }
        var participants: [(id: String, label: String)] = usesQueue ? [("Q", "Lambda async queue")] : []
        var ids: [String: String] = [:]
        func participant(_ key: String, _ label: String) -> String {
            if let id = ids[key] { return id }
            let id = "P\(participants.count)"
            ids[key] = id
            participants.append((id, label))
            return id
        }
        func functionId(_ name: String) -> String { participant("fn:" + name, name) }
        func lane(_ e: TimelineEntry) -> String {
            isMapping(e.source) ? participant("esm:" + e.source, "Event source poller " + e.source.prefix(8)) : "Q"
        }
        func targetId(_ arn: String) -> String {
            let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let service = parts.count > 2 ? parts[2] : ""
            let name = parts.last ?? arn
            switch service {
            case "lambda":
                if let ref = FunctionReference.parse(arn) { return functionId(ref.name + (ref.qualifier.map { ":" + $0 } ?? "")) }
                return functionId(name)
            case "sqs": return participant(arn, "SQS queue " + name)
            case "sns": return participant(arn, "SNS topic " + name)
            case "events": return participant(arn, "EventBridge " + (parts.count > 5 ? parts[5] : name))
            case "s3": return participant(arn, "S3 bucket " + name)
            default: return participant(arn, arn)
            }
        }
        let firstDay = TimeFormat.iso(entries[0].timeMs).prefix(10)
        let oneDay = entries.allSatisfy { TimeFormat.iso($0.timeMs).prefix(10) == firstDay }
        func time(_ ms: SimInstant) -> String {
            let iso = TimeFormat.iso(ms)
            return oneDay ? String(iso.dropFirst(11).dropLast()) : iso
        }
        var body: [String] = []
        let firstLane = usesQueue ? "Q" : lane(entries[0])
        if oneDay { body.append("Note over \(firstLane): \(firstDay) (UTC)") }
        for e in entries {
            let id = String(e.requestId.prefix(8))
            switch e.event {
            case .enqueue:
                body.append("Note over Q: \(time(e.timeMs)) enqueue \(id) \(e.detail)")
            case .invoke:
                let f = functionId(e.function)
                let label = e.source == "sync" ? "sync invoke" : "attempt \(e.attempt ?? 1)"
                let q = lane(e)
                body.append("\(q)->>\(f): \(time(e.timeMs)) \(label) \(id)")
                body.append("\(f)-->>\(q): \(e.result ?? "")\(e.errorType.map { " " + $0 } ?? "")")
            case .throttle:
                body.append("\(lane(e))-x\(functionId(e.function)): \(time(e.timeMs)) \(e.detail) \(id)")
            case .retryScheduled:
                body.append("Note over Q: \(time(e.timeMs)) \(id) retry: \(e.detail)")
            case .destination, .dlq:
                let t = targetId(e.target ?? "")
                let what = e.event == .dlq ? "DLQ \(e.condition ?? "")" : (e.detail.hasPrefix("on-success") ? "on-success" : "on-failure") + " \(e.condition ?? "")"
                body.append("Q->>\(t): \(time(e.timeMs)) \(what) \(id)\(e.result == "error" ? " (delivery failed)" : "")")
            case .expire, .discard:
                body.append("Note over Q: \(time(e.timeMs)) \(id) \(e.event.rawValue): \(e.detail)")            case .poll, .batch, .filtered, .bisect, .checkpoint, .visibilityTimeout, .redrive, .denied, .recursionStopped:
                // Event source mapping steps (EventSources/).
                body.append("Note over \(lane(e)): \(time(e.timeMs)) \(e.event.rawValue) \(e.function): \(e.detail)")
            }
        }
        var text = "sequenceDiagram\n"
        for p in participants { text += "    participant \(p.id) as \(sanitize(p.label))\n" }
        for line in body { text += "    " + sanitize(line) + "\n" }
        return Array(text.utf8)
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
    public static func render(_ entries: [TimelineEntry], format: String, explain: Bool, sink: ([UInt8]) -> Void) {
        switch format {
        case "json": inParallel(entries, { jsonLines($0) }, sink: sink)
        case "mermaid": sink(mermaid(entries))
        default:
            let width = entries.reduce(0) { max($0, $1.function.count) }
            inParallel(entries, { timeline($0, explain: explain, width: width) }, sink: sink)
        }
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
