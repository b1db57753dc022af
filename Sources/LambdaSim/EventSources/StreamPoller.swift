import LambdaSimJSON
import LambdaSimSupport

/// What a stream batch carries besides the SQS poller's fields.
struct StreamBatch {
    var kind: EventSourceMapping.Kind
    var shardId: String
    var sourceArn: String
    var segment: StreamPoller.Segment
    /// ParallelizationFactor: the shard's batches in flight at once, and which key group
    /// (records whose partition key / item key hash to it) this batch belongs to.
    var factor = 1
    var lane = 0
}

/// The Kinesis and DynamoDB stream pollers (reference §3.3–§3.7), driven by
/// `EventSourceRunner`'s rounds: each shard of each enabled stream mapping is read in order,
/// one batch in flight per shard (per key group of a shard with ParallelizationFactor > 1);
/// a failed batch blocks its shard (its key group) and is retried (whole, or from the lowest
/// reported failure) until it succeeds, its retries run out, or its oldest record gets too
/// old; `BisectBatchOnFunctionError` splits a failed batch in two first.
/// Checkpoints (the last record handled per shard) are kept in the state.
final class StreamPoller {
    /// Records of one shard that go to the function together; `lastCounter` is where the
    /// checkpoint moves when they are done (filtered-out records after them included).
    struct Segment {
        var entries: [StreamEntry]
        var lastCounter: Int64
        /// The tumbling window the records belong to (TumblingWindowInSeconds > 0).
        var window: TumblingWindow?
    }

    /// A tumbling window of a shard: `[start, end)` by record arrival time.
    struct TumblingWindow {
        var start: SimInstant
        var end: SimInstant
        /// The last invocation of the window (`isFinalInvokeForWindow`).
        var final: Bool
    }

    /// One shard's work in this run.
    struct ShardWork {
        var queue: [Segment] = []
        var attempts = 0
        var retryAt: SimInstant = 0
        var inFlight = false
        /// ParallelizationFactor > 1: the last record of the key group handled in this run.
        var laneDone: Int64?
        /// The open tumbling window and the state the function returned for it.
        var windowStart: SimInstant?
        var windowState: JSON = .object(JSONObject())
    }

    /// Retries of a failed batch wait 1 s, doubling up to 60 s (a simulator choice: AWS
    /// documents no delay, only that the shard is blocked while it retries).
    static let firstRetryMs: Int64 = 1000
    static let maxRetryMs: Int64 = 60_000

    let engine: Engine
    let emit: (TimelineEntry) -> Void
    private let logs = StreamLogs()
    private var work: [String: ShardWork] = [:]
    private var filters: [String: EventFilters] = [:]
    private var throttleNoted: Set<String> = []

    init(engine: Engine, emit: @escaping (TimelineEntry) -> Void) {
        self.engine = engine
        self.emit = emit
    }

    static func isStream(_ m: EventSourceMapping) -> Bool { m.kind == .kinesis || m.kind == .dynamodb }

    // MARK: - Progress kept in the state (PollerProgress.swift)

    /// The work key of a stream batch (shard, or shard and key group).
    static func workKey(_ uuid: String, shard: String, factor: Int, lane: Int) -> String {
        factor == 1 ? uuid + "|" + shard : uuid + "|" + shard + "|" + String(lane)
    }

    var notedThrottles: Set<String> { throttleNoted }

    func snapshot() -> [String: StoredShardWork] {
        var out: [String: StoredShardWork] = [:]
        for (key, w) in work where !(w.queue.isEmpty && w.attempts == 0 && w.windowStart == nil && w.laneDone == nil && w.retryAt == 0) {
            out[key] = StoredShardWork(queue: w.queue.map(\.stored), attempts: w.attempts, retryAt: w.retryAt, laneDone: w.laneDone,
                                       windowStart: w.windowStart,
                                       windowState: w.windowState == .object(JSONObject()) ? nil : w.windowState)
        }
        return out
    }

    /// Takes over what an earlier run left: `running` are the work keys whose batch is still
    /// being settled; any other shard marked busy by a run that died is free again (its batch
    /// is tried again: at least once, as on AWS).
    func restore(_ stored: [String: StoredShardWork], throttles: Set<String>, running: Set<String>, state: State) {
        throttleNoted = throttles
        var byMapping: [String: [Int64: StreamEntry]] = [:]
        for (key, s) in stored {
            let uuid = String(key.prefix { $0 != "|" })
            guard let mapping = state.eventSourceMappings?[uuid], let arn = mapping.config["EventSourceArn"]?.stringValue else { continue }
            if byMapping[uuid] == nil {
                var entries: [Int64: StreamEntry] = [:]
                for entry in source(state, arn: arn)?.entries ?? [] { entries[entry.counter] = entry }
                byMapping[uuid] = entries
            }
            var w = ShardWork()
            w.queue = s.queue.compactMap { Segment($0, entries: byMapping[uuid] ?? [:]) }
            w.attempts = w.queue.count == s.queue.count ? s.attempts : 0
            w.retryAt = s.retryAt
            w.laneDone = s.laneDone
            w.windowStart = s.windowStart
            w.windowState = s.windowState ?? .object(JSONObject())
            w.inFlight = running.contains(key) && !w.queue.isEmpty
            work[key] = w
        }
    }

    /// The shards and records of a mapping's source, or nil when the source is gone.
    /// A DynamoDB stream keeps its records for 24 hours.
    static let dynamoRetentionMs: Int64 = 24 * 3_600_000

    func source(_ state: State, arn: String) -> (shards: [String], entries: [StreamEntry], region: String, retentionMs: Int64)? {
        guard let parsed = ResourceArn(arn) else { return nil }
        let resources = state.streamResources
        if parsed.service == "kinesis", parsed.resource.hasPrefix("stream/") {
            guard let stream = resources.kinesis[parsed.region + "/" + String(parsed.resource.dropFirst("stream/".count))] else { return nil }
            return ((0..<stream.shardCount).map(KinesisStream.shardId),
                    logs.entries(engine.kinesisLogPath(region: stream.region, name: stream.name)), stream.region, stream.retentionMs)
        }
        if parsed.service == "dynamodb", parsed.resource.hasPrefix("table/") {
            let name = String(parsed.resource.dropFirst("table/".count).prefix { $0 != "/" })
            guard let table = resources.tables[parsed.region + "/" + name], table.streamArn == arn else { return nil }
            return ([DynamoTable.shardId], logs.entries(engine.dynamoStreamPath(table)), table.region, Self.dynamoRetentionMs)
        }
        return nil
    }

    /// The retention sentence of `expire` lines.
    static func retentionText(_ kind: EventSourceMapping.Kind, _ ms: Int64) -> String {
        kind == .kinesis ? "the stream's retention period (RetentionPeriodHours \(ms / 3_600_000))" : "the DynamoDB stream's 24-hour retention"
    }

    /// The record counter a new mapping starts after (LATEST: everything already there is skipped).
    static func startCounter(_ state: State, arn: String, position: String?) -> Int64 {
        guard position == "LATEST", let parsed = ResourceArn(arn) else { return 0 }
        if parsed.service == "kinesis" {
            return state.streamResources.kinesis[parsed.region + "/" + String(parsed.resource.dropFirst("stream/".count))]?.recordCount ?? 0
        }
        let name = String(parsed.resource.dropFirst("table/".count).prefix { $0 != "/" })
        return state.streamResources.tables[parsed.region + "/" + name]?.recordCount ?? 0
    }

    /// The record as the function receives it (reference §3.3, §3.4).
    static func record(_ entry: StreamEntry, kind: EventSourceMapping.Kind, sourceArn: String, region: String, role: String) -> JSON {
        if kind == .dynamodb { return entry.body }
        return .object(JSONObject([
            ("kinesis", .object(JSONObject([
                ("kinesisSchemaVersion", "1.0"), ("partitionKey", entry.body["k"] ?? ""), ("sequenceNumber", .string(entry.sequenceNumber)),
                ("data", entry.body["d"] ?? ""), ("approximateArrivalTimestamp", .double(TimeFormat.epochSeconds(entry.arrivalMs))),
            ]))),
            ("eventSource", "aws:kinesis"), ("eventVersion", "1.0"), ("eventID", .string(entry.shardId + ":" + entry.sequenceNumber)),
            ("eventName", "aws:kinesis:record"), ("invokeIdentityArn", .string(role)), ("awsRegion", .string(region)),
            ("eventSourceARN", .string(sourceArn)),
        ]))
    }

    /// The key group of a record with ParallelizationFactor `factor`: a stable hash (FNV-1a) of
    /// the Kinesis partition key or the DynamoDB item key, so one key's records stay in order.
    static func lane(_ entry: StreamEntry, kind: EventSourceMapping.Kind, factor: Int) -> Int {
        if factor <= 1 { return 0 }
        let bytes: [UInt8] = kind == .kinesis ? Array((entry.body["k"]?.stringValue ?? "").utf8)
            : JSONWriter.bytes(entry.body["dynamodb"]?["Keys"] ?? .null)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(hash % UInt64(factor))
    }

    static func atTimestamp(_ config: JSON) -> SimInstant? {
        config["StartingPosition"]?.stringValue == "AT_TIMESTAMP"
            ? config["StartingPositionTimestamp"].flatMap { $0.doubleValue.map { SimInstant($0 * 1000) } ?? $0.stringValue.flatMap(TimeFormat.parse) }
            : nil
    }

    /// A key group's records up to `counter` are done. With ParallelizationFactor 1 the shard
    /// checkpoint moves there; otherwise it moves past the records every key group has handled.
    private func advance(_ state: inout State, mapping: EventSourceMapping, shard: String, factor: Int, lane: Int,
                         laneDone: Int64, to counter: Int64)
    {
        if factor <= 1 {
            checkpoint(&state, uuid: mapping.uuid, shard: shard, to: counter)
            return
        }
        let config = mapping.config
        guard let arn = config["EventSourceArn"]?.stringValue, let source = source(state, arn: arn) else { return }
        let stored = state.streamResources.checkpoints[mapping.uuid]?[shard] ?? (state.streamResources.startCounters[mapping.uuid] ?? 0)
        let dones = (0..<factor).map { l in
            l == lane ? max(stored, laneDone) : max(stored, work[mapping.uuid + "|" + shard + "|" + String(l)]?.laneDone ?? stored)
        }
        let at = Self.atTimestamp(config)
        var target = stored
        for entry in source.entries where entry.shardId == shard && entry.counter > stored {
            if let at, entry.arrivalMs < at {
                target = entry.counter
                continue
            }
            guard entry.counter <= dones[Self.lane(entry, kind: mapping.kind, factor: factor)] else { break }
            target = entry.counter
        }
        if target > stored { checkpoint(&state, uuid: mapping.uuid, shard: shard, to: target) }
    }

    private func checkpoint(_ state: inout State, uuid: String, shard: String, to counter: Int64) {
        var resources = state.streamResources
        var shards = resources.checkpoints[uuid] ?? [:]
        shards[shard] = max(shards[shard] ?? 0, counter)
        resources.checkpoints[uuid] = shards
        state.streamResources = resources
    }

    // MARK: - Polling, under the lock

    /// `running` counts each function's batches in flight (SQS and streams): a function's
    /// reserved concurrency caps them; with 0 the stream mappings wait (a `throttle` line).
    func poll(_ state: inout State, at t: SimInstant, running: inout [String: Int], wake: (SimInstant) -> Void)
        -> [EventSourceRunner.Batch]
    {
        var toRun: [EventSourceRunner.Batch] = []
        let mappings = (state.eventSourceMappings ?? [:]).values.filter { $0.enabled && Self.isStream($0) }
            .sorted { ($0.lastModifiedMs, $0.uuid) < ($1.lastModifiedMs, $1.uuid) }
        for mapping in mappings {
            let config = mapping.config
            guard let arn = config["EventSourceArn"]?.stringValue, let source = source(state, arn: arn),
                let record = state.functions[mapping.functionKey]
            else { continue }
            let qualifier = mapping.qualifier ?? "$LATEST"
            guard let function = record.version(qualifier) ?? record.aliases[qualifier].flatMap({ record.version($0.functionVersion) })
            else { continue }
            let display = qualifier == "$LATEST" ? function.name : function.name + ":" + qualifier
            let batchSize = max(1, config["BatchSize"]?.intValue ?? 100)
            let windowMs = Int64(config["MaximumBatchingWindowInSeconds"]?.intValue ?? 0) * 1000
            let tumblingMs = Int64(config["TumblingWindowInSeconds"]?.intValue ?? 0) * 1000
            let maxAge = config["MaximumRecordAgeInSeconds"]?.intValue ?? -1
            let reportFailures = (config["FunctionResponseTypes"]?.arrayValue ?? []).contains { $0.stringValue == "ReportBatchItemFailures" }
            let atTimestamp = Self.atTimestamp(config)
            let factor = min(10, max(1, config["ParallelizationFactor"]?.intValue ?? 1))
            if filters[mapping.uuid] == nil {
                filters[mapping.uuid] = (try? EventFilters(criteria: config["FilterCriteria"], kind: mapping.kind))
                    ?? (try? EventFilters(criteria: nil, kind: mapping.kind))
            }
            let filter = filters[mapping.uuid]
            let start = state.streamResources.startCounters[mapping.uuid] ?? 0
            let sourceName = mapping.kind == .kinesis ? "Kinesis" : "DynamoDB stream"
            for shard in source.shards {
                for lane in 0..<factor {
                    let key = factor == 1 ? mapping.uuid + "|" + shard : mapping.uuid + "|" + shard + "|" + String(lane)
                    let at = factor == 1 ? shard : "\(shard) key group \(lane + 1) of \(factor)"
                    var w = work[key] ?? ShardWork()
                    defer { work[key] = w }
                    if w.inFlight { continue }
                    if w.retryAt > t {
                        wake(w.retryAt)
                        continue
                    }
                    if let reserved = record.reservedConcurrency, running[mapping.functionKey, default: 0] >= reserved {
                        // Reserved concurrency: the shard waits until one of the function's batches ends.
                        if reserved == 0, throttleNoted.insert(mapping.uuid).inserted {
                            emit(TimelineEntry(timeMs: t, event: .throttle, function: display, requestId: "", source: mapping.uuid,
                                               result: "throttled", errorType: "TooManyRequestsException",
                                               why: .eventSource(reason: "Reserved concurrency is 0: the poller cannot invoke the function, so the records stay in the stream and the checkpoint does not move.",
                                                                 detail: "reserved concurrency 0: records stay in the stream")))
                        }
                        continue
                    }
                    while true {
                        if w.queue.isEmpty {
                            let shardDone = state.streamResources.checkpoints[mapping.uuid]?[shard] ?? start
                            let done = factor == 1 ? shardDone : max(shardDone, w.laneDone ?? shardDone)
                            var available = source.entries.filter { entry in
                                entry.shardId == shard && entry.counter > done && (atTimestamp.map { entry.arrivalMs >= $0 } ?? true)
                                    && (factor == 1 || Self.lane(entry, kind: mapping.kind, factor: factor) == lane)
                            }
                            // Records past the source's retention are gone: the poller skips them.
                            if let firstLive = available.firstIndex(where: { t - $0.arrivalMs < source.retentionMs }) ?? (available.isEmpty ? nil : available.count),
                                firstLive > 0
                            {
                                let expired = available[..<firstLive]
                                let lastExpired = expired[expired.index(before: expired.endIndex)]
                                available.removeFirst(firstLive)
                                w.laneDone = max(w.laneDone ?? 0, lastExpired.counter)
                                advance(&state, mapping: mapping, shard: shard, factor: factor, lane: lane, laneDone: lastExpired.counter,
                                        to: lastExpired.counter)
                                emit(TimelineEntry(timeMs: t, event: .expire, function: display, requestId: "", source: mapping.uuid,
                                                   records: expired.count,
                                                   why: .eventSource(reason: "The record\(expired.count == 1 ? " is" : "s are") older than \(Self.retentionText(mapping.kind, source.retentionMs)): \(expired.count == 1 ? "it has" : "they have") expired from the stream, so the poller can no longer read \(expired.count == 1 ? "it" : "them") and moves on.",
                                                                     detail: "\(expired.count) record\(expired.count == 1 ? "" : "s") expired from \(shard)")))
                            }
                            var window: TumblingWindow?
                            if tumblingMs > 0 {
                                // Tumbling windows: only the open window's records go together; when the window
                                // has ended, a last invocation (possibly without records) closes it.
                                guard let start = w.windowStart ?? available.first.map({ $0.arrivalMs / tumblingMs * tumblingMs }) else { break }
                                w.windowStart = start
                                let end = start + tumblingMs
                                available = available.filter { $0.arrivalMs < end }
                                window = TumblingWindow(start: start, end: end, final: t >= end && available.count <= batchSize)
                                if available.isEmpty {
                                    if t < end {
                                        wake(end)
                                        break
                                    }
                                    w.queue = [Segment(entries: [], lastCounter: done, window: window)]
                                    w.attempts = 0
                                    emit(TimelineEntry(timeMs: t, event: .batch, function: display, requestId: "", source: mapping.uuid, records: 0,
                                                       why: .eventSource(reason: "The tumbling window (TumblingWindowInSeconds \(tumblingMs / 1000)) has ended: Lambda invokes the function a last time with the window's state (isFinalInvokeForWindow true).",
                                                                         detail: "window \(TimeFormat.iso(start)) closes on \(shard)")))
                                    continue
                                }
                            }
                            guard let first = available.first else { break }
                            if windowMs > 0, available.count < batchSize, t < first.arrivalMs + windowMs {
                                wake(first.arrivalMs + windowMs)
                                break
                            }
                            var taken: [StreamEntry] = []
                            var bytes = 0
                            for entry in available.prefix(batchSize) {
                                let size = JSONWriter.bytes(entry.body).count + 512
                                if !taken.isEmpty, bytes + size > EventSourceRunner.maxBatchBytes { break }
                                taken.append(entry)
                                bytes += size
                            }
                            guard let last = taken.last else { break }
                            emit(TimelineEntry(timeMs: t, event: .poll, function: display, requestId: "", source: mapping.uuid, records: taken.count,
                                               why: .eventSource(reason: "The \(sourceName) poller read \(taken.count) record\(taken.count == 1 ? "" : "s") from \(shard) after the mapping's checkpoint, in order.",
                                                                 detail: "read \(taken.count) from \(shard)")))
                            let kept = taken.filter { entry in
                                guard let filter, !filter.isEmpty else { return true }
                                return filter.matches(record: Self.record(entry, kind: mapping.kind, sourceArn: arn, region: source.region, role: function.role))
                            }
                            if kept.count < taken.count {
                                let dropped = taken.count - kept.count
                                emit(TimelineEntry(timeMs: t, event: .filtered, function: display, requestId: "", source: mapping.uuid, records: dropped,
                                                   why: .eventSource(reason: "The record\(dropped == 1 ? "" : "s") matched none of the mapping's FilterCriteria: Lambda skips filtered-out stream records without invoking the function.",
                                                                     detail: "\(dropped) record\(dropped == 1 ? "" : "s") filtered out")))
                            }
                            if kept.isEmpty {
                                w.laneDone = max(w.laneDone ?? 0, last.counter)
                                advance(&state, mapping: mapping, shard: shard, factor: factor, lane: lane, laneDone: last.counter, to: last.counter)
                                emit(TimelineEntry(timeMs: t, event: .checkpoint, function: display, requestId: "", source: mapping.uuid, records: taken.count,
                                                   why: .eventSource(reason: "Every record read was filtered out: the checkpoint moves past them.",
                                                                     detail: "\(at) at \(last.sequenceNumber)")))
                                continue
                            }
                            if var open = window {
                                open.final = open.final && taken.count == available.count
                                window = open
                            }
                            w.queue = [Segment(entries: kept, lastCounter: last.counter, window: window)]
                            w.attempts = 0
                            emit(TimelineEntry(timeMs: t, event: .batch, function: display, requestId: "", source: mapping.uuid, records: kept.count,
                                               why: .eventSource(reason: kept.count >= batchSize
                                                   ? "The batch is full (BatchSize \(batchSize)): Lambda invokes the function synchronously with the shard's records, in order."
                                                   : (windowMs > 0 ? "The batching window (MaximumBatchingWindowInSeconds \(windowMs / 1000)) has elapsed: Lambda invokes the function with the records gathered."
                                                      : "No batching window (MaximumBatchingWindowInSeconds 0): Lambda invokes the function as soon as a read returns records."),
                                                                 detail: "\(kept.count) record\(kept.count == 1 ? "" : "s") from \(shard)")))
                        }
                        guard var segment = w.queue.first else { break }
                        if let firstLive = segment.entries.firstIndex(where: { t - $0.arrivalMs < source.retentionMs }) ?? (segment.entries.isEmpty ? nil : segment.entries.count),
                            firstLive > 0
                        {
                            // A batch retried past its records' retention (MaximumRetryAttempts and
                            // MaximumRecordAgeInSeconds -1): the expired records are gone, and Lambda moves on.
                            let expired = segment.entries[..<firstLive]
                            let lastExpired = expired[expired.index(before: expired.endIndex)]
                            emit(TimelineEntry(timeMs: t, event: .expire, function: display, requestId: "", source: mapping.uuid,
                                               condition: "RecordExpired", records: expired.count,
                                               why: .eventSource(reason: "The failing batch's record\(expired.count == 1 ? " is" : "s are") older than \(Self.retentionText(mapping.kind, source.retentionMs)): with MaximumRetryAttempts \(config["MaximumRetryAttempts"]?.intValue ?? -1) Lambda retried until the record\(expired.count == 1 ? "" : "s") expired from the stream; it stops retrying them and moves on.",
                                                                 detail: "\(expired.count) record\(expired.count == 1 ? "" : "s") expired from \(shard) after \(w.attempts) tr\(w.attempts == 1 ? "y" : "ies")")))
                            segment.entries.removeFirst(firstLive)
                            let through = segment.entries.isEmpty ? segment.lastCounter : lastExpired.counter
                            w.laneDone = max(w.laneDone ?? 0, through)
                            advance(&state, mapping: mapping, shard: shard, factor: factor, lane: lane, laneDone: through, to: through)
                            if segment.entries.isEmpty {
                                w.queue.removeFirst()
                                w.attempts = 0
                                continue
                            }
                            w.queue[0] = segment
                        }
                        let oldest = segment.entries.first
                        if maxAge >= 0, let oldest, t - oldest.arrivalMs > Int64(maxAge) * 1000 {
                            emit(TimelineEntry(timeMs: t, event: .expire, function: display, requestId: "", source: mapping.uuid,
                                               condition: "RecordAgeExceeded", records: segment.entries.count,
                                               why: .eventSource(reason: "The oldest record of the batch is older than MaximumRecordAgeInSeconds (\(maxAge) s): Lambda stops retrying, sends the batch's details to the on-failure destination and moves on.",
                                                                 detail: "\(segment.entries.count) record\(segment.entries.count == 1 ? "" : "s") older than \(maxAge) s")))
                            deliverFailure(&state, mapping: mapping, display: display, segment: segment, shard: shard, sourceArn: arn,
                                           condition: "RecordAgeExceeded", attempts: w.attempts, requestId: state.rng.uuid(), output: nil, at: t)
                            w.laneDone = max(w.laneDone ?? 0, segment.lastCounter)
                            advance(&state, mapping: mapping, shard: shard, factor: factor, lane: lane, laneDone: segment.lastCounter, to: segment.lastCounter)
                            w.queue.removeFirst()
                            w.attempts = 0
                            continue
                        }
                        var batch = EventSourceRunner.Batch(
                            uuid: mapping.uuid, functionKey: mapping.functionKey, display: display, function: function,
                            invokedArn: config["FunctionArn"]?.stringValue ?? function.unqualifiedArn, queueArn: arn,
                            reportFailures: reportFailures, firstMs: oldest?.arrivalMs ?? t, windowMs: windowMs, visibilityTimeout: 0)
                        for entry in segment.entries {
                            let bytes = JSONWriter.bytes(Self.record(entry, kind: mapping.kind, sourceArn: arn, region: source.region, role: function.role))
                            batch.records.append(bytes)
                            batch.bytes += bytes.count + 1
                            batch.messageIds.append(entry.sequenceNumber)
                        }
                        batch.startMs = t
                        batch.attempt = w.attempts + 1
                        batch.stream = StreamBatch(kind: mapping.kind, shardId: shard, sourceArn: arn, segment: segment, factor: factor, lane: lane)
                        if let window = segment.window {
                            // The tumbling-window members after Records (reference §3.7).
                            func seconds(_ ms: SimInstant) -> JSON { .string(String(TimeFormat.iso(ms).prefix(19)) + "Z") }
                            let extra = JSONObject([
                                ("window", .object(JSONObject([("start", seconds(window.start)), ("end", seconds(window.end))]))),
                                ("state", w.windowState), ("shardId", .string(shard)), ("eventSourceARN", .string(arn)),
                                ("isFinalInvokeForWindow", .bool(window.final)), ("isWindowTerminatedEarly", false),
                            ])
                            let text = JSONWriter.bytes(.object(extra))
                            // `{"window":…}` without its braces, after `"Records":[…]`.
                            batch.payloadExtra = [UInt8(ascii: ",")] + text.dropFirst().dropLast()
                        }
                        w.inFlight = true
                        running[mapping.functionKey, default: 0] += 1
                        toRun.append(batch)
                        break
                    }
                }
            }
        }
        return toRun
    }

    // MARK: - Settling, under the lock

    func settle(_ batch: EventSourceRunner.Batch, state: inout State, wake: (SimInstant) -> Void) {
        guard let stream = batch.stream, let mapping = state.eventSourceMappings?[batch.uuid] else { return }
        let key = stream.factor == 1 ? batch.uuid + "|" + stream.shardId : batch.uuid + "|" + stream.shardId + "|" + String(stream.lane)
        var w = work[key] ?? ShardWork()
        defer { work[key] = w }
        w.inFlight = false
        guard !w.queue.isEmpty else { return }
        var segment = w.queue[0]
        w.attempts += 1
        let config = mapping.config
        let shard = stream.shardId
        let at = stream.factor == 1 ? shard : "\(shard) key group \(stream.lane + 1) of \(stream.factor)"
        func done(_ counter: Int64, _ count: Int, why: String) {
            w.laneDone = max(w.laneDone ?? 0, counter)
            advance(&state, mapping: mapping, shard: shard, factor: stream.factor, lane: stream.lane, laneDone: counter, to: counter)
            if count == 0 { return }
            let sequence = segment.entries.last { $0.counter <= counter }?.sequenceNumber ?? ""
            emit(TimelineEntry(timeMs: batch.endMs, event: .checkpoint, function: batch.display, requestId: batch.requestId, source: batch.uuid,
                               records: count, why: .eventSource(reason: why, detail: "\(at) at \(sequence)")))
        }
        var failedWhole = true
        var answer = EventSourceRunner.partialFailures(batch)
        if let window = segment.window, answer != nil {
            // With a tumbling window the response must carry the window's state.
            if let output = batch.output, let state = (try? JSONParser.parse(bytes: output.payload))?["state"], state.objectValue != nil {
                w.windowState = state
                if window.final, answer?.isEmpty == true {
                    w.windowStart = nil
                    w.windowState = .object(JSONObject())
                }
            } else {
                answer = nil
            }
        }
        if let failures = answer {
            if failures.isEmpty {
                if !segment.entries.isEmpty {
                    done(segment.lastCounter, segment.entries.count,
                         why: "The function succeeded: the shard's checkpoint moves past the batch.")
                }
                w.queue.removeFirst()
                w.attempts = 0
                wake(batch.endMs)
                return
            }
            // ReportBatchItemFailures: retry from the lowest failed sequence number.
            let failed = Set(failures)
            let index = segment.entries.firstIndex { failed.contains($0.sequenceNumber) } ?? 0
            if index > 0 {
                done(segment.entries[index - 1].counter, index,
                     why: "ReportBatchItemFailures: the checkpoint moves to just before the lowest failed sequence number; the batch is retried from there.")
                segment.entries.removeFirst(index)
                w.queue[0] = segment
            }
            failedWhole = false
        }
        let maxRetries = config["MaximumRetryAttempts"]?.intValue ?? -1
        let bisect = config["BisectBatchOnFunctionError"]?.boolValue ?? false
        if bisect, segment.entries.count > 1, failedWhole || batch.output?.isError == true {
            let half = segment.entries.count / 2
            let first = Segment(entries: Array(segment.entries[..<half]), lastCounter: segment.entries[half - 1].counter)
            let second = Segment(entries: Array(segment.entries[half...]), lastCounter: segment.lastCounter)
            w.queue.replaceSubrange(0...0, with: [first, second])
            w.attempts = 0
            emit(TimelineEntry(timeMs: batch.endMs, event: .bisect, function: batch.display, requestId: batch.requestId, source: batch.uuid,
                               records: segment.entries.count,
                               why: .eventSource(reason: "BisectBatchOnFunctionError: the failed batch is split in two and each half retried (splitting does not count against MaximumRetryAttempts).",
                                                 detail: "\(segment.entries.count) -> \(first.entries.count) + \(second.entries.count)")))
            w.retryAt = batch.endMs
            wake(batch.endMs)
            return
        }
        if maxRetries >= 0, w.attempts > maxRetries {
            deliverFailure(&state, mapping: mapping, display: batch.display, segment: segment, shard: shard, sourceArn: stream.sourceArn,
                           condition: "RetryAttemptsExhausted", attempts: w.attempts, requestId: batch.requestId, output: batch.output,
                           executedVersion: batch.function.version, at: batch.endMs)
            done(segment.lastCounter, segment.entries.count,
                 why: "MaximumRetryAttempts (\(maxRetries)) is used up: Lambda gives up on the batch and moves the checkpoint past it.")
            w.queue.removeFirst()
            w.attempts = 0
            if segment.window?.final == true {
                w.windowStart = nil
                w.windowState = .object(JSONObject())
            }
            wake(batch.endMs)
            return
        }
        let delay = min(Self.maxRetryMs, Self.firstRetryMs << min(16, w.attempts - 1))
        w.retryAt = batch.endMs + delay
        emit(TimelineEntry(timeMs: batch.endMs, event: .retryScheduled, function: batch.display, requestId: batch.requestId, source: batch.uuid,
                           attempt: w.attempts + 1, records: segment.entries.count,
                           why: .eventSource(reason: "The batch failed: the shard is blocked and Lambda retries the same records in order (MaximumRetryAttempts \(maxRetries < 0 ? "-1, until the records expire" : String(maxRetries))); lambda-sim waits 1 s, doubling up to 60 s, between tries.",
                                             detail: "retry \(segment.entries.count) record\(segment.entries.count == 1 ? "" : "s") at \(TimeFormat.iso(w.retryAt))")))
        wake(w.retryAt)
    }

    /// The on-failure destination record (reference §3.5), when the mapping has a destination.
    private func deliverFailure(_ state: inout State, mapping: EventSourceMapping, display: String, segment: Segment, shard: String,
                                sourceArn: String, condition: String, attempts: Int, requestId: String, output: InvocationOutput?,
                                executedVersion: String = "$LATEST", at t: SimInstant)
    {
        guard let target = mapping.config["DestinationConfig"]?["OnFailure"]?["Destination"]?.stringValue,
            let first = segment.entries.first, let last = segment.entries.last
        else { return }
        let functionArn = Arn.function(region: mapping.region, name: String(mapping.functionKey.split(separator: "/").last ?? ""))
        func arrival(_ ms: SimInstant) -> String {
            let iso = TimeFormat.iso(ms)
            return mapping.kind == .dynamodb ? String(iso.prefix(19)) + "Z" : iso
        }
        var body = JSONObject()
        body["requestContext"] = .object(JSONObject([
            ("requestId", .string(requestId)), ("functionArn", .string(functionArn)), ("condition", .string(condition)),
            ("approximateInvokeCount", .int(attempts)),
        ]))
        if condition != "RecordAgeExceeded", let output {
            var response = JSONObject([("statusCode", 200), ("executedVersion", .string(executedVersion))])
            if output.isError { response["functionError"] = "Unhandled" }
            body["responseContext"] = .object(response)
        }
        body["version"] = "1.0"
        body["timestamp"] = .string(TimeFormat.iso(t))
        body[mapping.kind == .dynamodb ? "DDBStreamBatchInfo" : "KinesisBatchInfo"] = .object(JSONObject([
            ("shardId", .string(shard)), ("startSequenceNumber", .string(first.sequenceNumber)),
            ("endSequenceNumber", .string(last.sequenceNumber)), ("approximateArrivalOfFirstRecord", .string(arrival(first.arrivalMs))),
            ("approximateArrivalOfLastRecord", .string(arrival(last.arrivalMs))), ("batchSize", .int(segment.entries.count)),
            ("streamArn", .string(sourceArn)),
        ]))
        var s3Key: String?
        if target.hasPrefix("arn:aws:s3:") {
            let region = ResourceArn(sourceArn)?.region ?? mapping.region
            let records = segment.entries.map { Self.record($0, kind: mapping.kind, sourceArn: sourceArn, region: region, role: "") }
            body["payload"] = .object(JSONObject([("Records", .array(records))]))
            let iso = TimeFormat.iso(t)
            let day = String(iso.prefix(10).map { $0 == "-" ? "/" : $0 })
            let stamp = String(iso.prefix(19).map { $0 == ":" ? "." : $0 })
            s3Key = "aws/lambda/\(mapping.uuid)/\(shard)/\(day)/\(stamp)-\(state.rng.uuid())"
        }
        var result = "success"
        var reason = "Lambda sends the failed batch's details (not its records) to the mapping's on-failure destination."
        do {
            try engine.deliverToResource(&state, arn: target, body: JSONWriter.string(.object(body)), attributes: [:],
                                         eventBridgeDetailType: nil, eventBridgeSource: "lambda", s3Key: s3Key)
        } catch {
            result = "error"
            reason = "The on-failure destination could not take the record: \(error)"
        }
        emit(TimelineEntry(timeMs: t, event: .destination, function: display, requestId: requestId, source: mapping.uuid, result: result,
                           condition: condition, target: target, records: segment.entries.count,
                           why: .eventSource(reason: reason, detail: "\(condition) -> \(target)")))
    }
}
