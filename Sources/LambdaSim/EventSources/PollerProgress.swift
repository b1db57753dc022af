import LambdaSimJSON
import LambdaSimSupport

/// What the event source mapping pollers have started and not finished, kept in the state
/// (`pollers`) so that a batch is settled exactly once however many runs it spans — a
/// `simulate`, the background runner's rounds, `serve` — and a dead runner's work is picked up
/// again (docs/event-sources.md, "Progress").
///
/// One run at a time owns it, under `lease` (the same discipline as the async queue): the run
/// restores it when it starts, and writes it back at the end of every locked step.
public struct PollerProgress: Codable, Sendable {
    public var lease: AsyncLease?
    /// Batches that were invoked and have not been settled (their outcome is known; they settle
    /// when their invocation ends in simulated time).
    var running: [StoredBatch]?
    /// SQS batches being gathered in a batching window, by mapping UUID (with their records).
    var gathering: [String: StoredBatch]?
    /// When each SQS mapping's poller started scaling up (5 concurrent batches, +5 a second).
    var activeSince: [String: SimInstant]?
    /// Mappings whose reserved-concurrency-0 throttle was already noted on the timeline.
    var throttleNoted: [String]?
    /// Stream shards (key groups): queued segments, retries, tumbling windows.
    var shards: [String: StoredShardWork]?

    public init() {}

    /// Nothing in progress: no run has anything to settle, gather or retry.
    public var isIdle: Bool {
        (running ?? []).isEmpty && (gathering ?? [:]).isEmpty
            && (shards ?? [:]).values.allSatisfy { $0.queue.isEmpty && $0.windowStart == nil }
    }
}

/// A function's answer, as much of it as settling a batch needs.
struct StoredOutput: Codable, Sendable {
    /// The response (or error document), base64.
    var payload: String
    var errorType: String?
    var durationMs: Double
    var timedOut: Bool?

    init(_ output: InvocationOutput) {
        payload = Base64.encode(output.payload)
        errorType = output.errorType
        durationMs = output.durationMs
        timedOut = output.timedOut ? true : nil
    }

    var output: InvocationOutput {
        InvocationOutput(payload: Base64.decode(payload) ?? [], errorType: errorType, durationMs: durationMs, maxMemoryUsedMB: 0,
                         timedOut: timedOut ?? false)
    }
}

/// A stream segment by the counters of its records (the records themselves are in the stream's file).
struct StoredSegment: Codable, Sendable {
    var counters: [Int64]
    var lastCounter: Int64
    var windowStart: SimInstant?
    var windowEnd: SimInstant?
    var windowFinal: Bool?
}

struct StoredShardWork: Codable, Sendable {
    var queue: [StoredSegment]
    var attempts: Int
    var retryAt: SimInstant
    var laneDone: Int64?
    var windowStart: SimInstant?
    var windowState: JSON?
}

struct StoredBatch: Codable, Sendable {
    var uuid: String
    var functionKey: String
    var version: String
    var display: String
    var invokedArn: String
    var queueArn: String
    var reportFailures: Bool
    /// The records' JSON (SQS batches still being gathered only).
    var records: [String]?
    var messageIds: [String]
    var handles: [String]?
    var bytes: Int
    var firstMs: SimInstant
    var windowMs: Int64
    var visibilityTimeout: Int
    var requestId: String
    var startMs: SimInstant
    var endMs: SimInstant
    var output: StoredOutput?
    var attempt: Int
    var payloadExtra: String?
    /// Stream batches: where they came from.
    var streamKind: EventSourceMapping.Kind?
    var shardId: String?
    var factor: Int?
    var lane: Int?
}

extension StreamPoller.Segment {
    var stored: StoredSegment {
        StoredSegment(counters: entries.map(\.counter), lastCounter: lastCounter, windowStart: window?.start, windowEnd: window?.end,
                      windowFinal: window?.final)
    }

    /// nil when a record is no longer in the stream's file.
    init?(_ stored: StoredSegment, entries byCounter: [Int64: StreamEntry]) {
        var entries: [StreamEntry] = []
        entries.reserveCapacity(stored.counters.count)
        for counter in stored.counters {
            guard let entry = byCounter[counter] else { return nil }
            entries.append(entry)
        }
        var window: StreamPoller.TumblingWindow?
        if let start = stored.windowStart, let end = stored.windowEnd {
            window = StreamPoller.TumblingWindow(start: start, end: end, final: stored.windowFinal ?? false)
        }
        self.init(entries: entries, lastCounter: stored.lastCounter, window: window)
    }
}

extension EventSourceRunner.Batch {
    /// `keepRecords`: a batch still being gathered keeps its records; a started one does not need them.
    func stored(keepRecords: Bool) -> StoredBatch {
        StoredBatch(uuid: uuid, functionKey: functionKey, version: function.version, display: display, invokedArn: invokedArn,
                    queueArn: queueArn, reportFailures: reportFailures,
                    records: keepRecords ? records.map { String(decoding: $0, as: UTF8.self) } : nil,
                    messageIds: messageIds, handles: handles.isEmpty ? nil : handles, bytes: bytes, firstMs: firstMs,
                    windowMs: windowMs, visibilityTimeout: visibilityTimeout, requestId: requestId, startMs: startMs,
                    endMs: endMs, output: output.map(StoredOutput.init), attempt: attempt,
                    payloadExtra: payloadExtra.map { String(decoding: $0, as: UTF8.self) },
                    streamKind: stream?.kind, shardId: stream?.shardId, factor: stream?.factor, lane: stream?.lane)
    }

    /// nil when the function (or the version that ran) no longer exists.
    init?(_ s: StoredBatch, state: State) {
        guard let record = state.functions[s.functionKey], let function = record.version(s.version) ?? Optional(record.latest)
        else { return nil }
        self.init(uuid: s.uuid, functionKey: s.functionKey, display: s.display, function: function, invokedArn: s.invokedArn,
                  queueArn: s.queueArn, reportFailures: s.reportFailures, firstMs: s.firstMs, windowMs: s.windowMs,
                  visibilityTimeout: s.visibilityTimeout)
        records = (s.records ?? []).map { Array($0.utf8) }
        messageIds = s.messageIds
        handles = s.handles ?? []
        bytes = s.bytes
        requestId = s.requestId
        startMs = s.startMs
        endMs = s.endMs
        output = s.output?.output
        attempt = s.attempt
        payloadExtra = s.payloadExtra.map { Array($0.utf8) }
        if let kind = s.streamKind, let shard = s.shardId {
            stream = StreamBatch(kind: kind, shardId: shard, sourceArn: s.queueArn,
                                 segment: StreamPoller.Segment(entries: [], lastCounter: 0, window: nil),
                                 factor: s.factor ?? 1, lane: s.lane ?? 0)
        }
    }
}
