import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Engine {
    /// `simulate` when enabled event source mappings exist: the pollers and the async queue
    /// advance together; nil when there are none (the async scheduler runs alone).
    func simulateWithEventSources(_ options: SimulationOptions) throws -> SimulationResult? {
        let state = try store.read()
        guard EventSourceRunner.hasMappings(state) else { return nil }
        return try EventSourceRunner(engine: self, options: options).run()
    }
}

/// One run of the event source mappings' pollers (SQS), interleaved with the async queue.
///
/// Each round happens at one simulated instant, under the state lock: the batches whose
/// invocation has ended are settled (deleted, or left to their visibility timeout), then every
/// mapping with free concurrency receives messages into batches. The functions then run without
/// the lock, and the next round is the earliest of: a batch ending, a batching window closing,
/// a message becoming visible, async work coming due. The SQS visibility timeout is the
/// poller's lease: another process never receives a message this run holds.
final class EventSourceRunner {
    /// Lambda's SQS pollers start with 5 concurrent batches and add up to 300 a minute (5 a
    /// second), to at most 1,250 (reference §3.2).
    static let initialConcurrency = 5
    static let concurrencyPerSecond = 5
    static let maxConcurrency = 1250
    /// A batch's payload never exceeds the synchronous invoke limit.
    static let maxBatchBytes = 6_291_456

    static func hasMappings(_ state: State) -> Bool {
        state.eventSourceMappings?.values.contains { $0.enabled } ?? false
    }

    let engine: Engine
    let options: SimulationOptions
    private var rng = SeededGenerator(seed: 1)
    private var seeded = false
    private var timeline: [TimelineEntry] = []
    private var attempts = 0
    private var inFlight: [Batch] = []
    private var pending: [String: Batch] = [:]
    private var activeSince: [String: SimInstant] = [:]
    private var throttleNoted: Set<String> = []
    private var filters: [String: EventFilters] = [:]
    private var lastStep: SimInstant = 0
    /// The Kinesis and DynamoDB stream pollers (StreamPoller.swift).
    private lazy var streams = StreamPoller(engine: engine) { [unowned self] entry in self.emit(entry) }

    init(engine: Engine, options: SimulationOptions) {
        self.engine = engine
        self.options = options
    }

    /// Messages received for one invocation.
    struct Batch {
        var uuid: String
        var functionKey: String
        var display: String
        var function: FunctionVersion
        var invokedArn: String
        var queueArn: String
        var reportFailures: Bool
        var records: [[UInt8]] = []
        var messageIds: [String] = []
        var handles: [String] = []
        var bytes = 0
        var firstMs: SimInstant
        var windowMs: Int64
        var visibilityTimeout: Int
        var requestId = ""
        var startMs: SimInstant = 0
        var endMs: SimInstant = 0
        var output: InvocationOutput?
        /// The attempt number (stream batches are retried).
        var attempt = 1
        /// Set for Kinesis and DynamoDB stream batches.
        var stream: StreamBatch?
        /// Members after `"Records":[…]` in the event (`,"window":…` for tumbling windows).
        var payloadExtra: [UInt8]?
        /// `put-function-recursion-config --recursive-loop Allow` (SQS batches).
        var allowRecursion = false
    }

    /// What one locked round hands back.
    struct Round {
        var toRun: [Batch] = []
        var nextWake: SimInstant?
        var asyncNext: SimInstant?
        var now: SimInstant = 0
    }

    func run() throws -> SimulationResult {
        let first = try engine.store.read()
        let startMs = engine.now(first)
        let horizon: SimInstant
        switch options.horizon {
        case .idle: horizon = options.idleCapMs.map { startMs + max(0, $0) } ?? .max
        case .now: horizon = startMs
        case let .duration(ms): horizon = startMs + max(0, ms)
        case let .until(t): horizon = max(t, startMs)
        }
        lastStep = startMs
        // Take over the pollers' progress (one run at a time owns it, under a lease).
        while true {
            if try engine.store.update({ state in self.claim(&state) }) { break }
            guard options.waitForOtherRuns else {
                return SimulationResult(timeline: [], startMs: startMs, endMs: startMs, attempts: 0, nextWakeMs: startMs)
            }
            usleep(20_000)
        }
        do {
            return try runClaimed(startMs: startMs, horizon: horizon)
        } catch {
            // Give the progress back; what this run did since its last locked step is done again.
            try? engine.store.update { state in
                if state.pollers?.lease?.owner == ProcessIdentity.current { state.pollers?.lease = nil }
            }
            throw error
        }
    }

    /// Under the lock: takes the lease on the pollers' progress (false when a live run holds
    /// it) and restores what earlier runs left.
    private func claim(_ state: inout State) -> Bool {
        let wall = WallClock.nowMs()
        var progress = state.pollers ?? PollerProgress()
        if let lease = progress.lease, !lease.isVoid(wallNow: wall) { return false }
        let running = (progress.running ?? []).compactMap { Batch($0, state: state) }
        inFlight = running
        pending = [:]
        for (uuid, stored) in progress.gathering ?? [:] {
            if let batch = Batch(stored, state: state) { pending[uuid] = batch }
        }
        activeSince = progress.activeSince ?? [:]
        let throttles = Set(progress.throttleNoted ?? [])
        throttleNoted = throttles
        let runningKeys = Set(running.compactMap { b in
            b.stream.map { StreamPoller.workKey(b.uuid, shard: $0.shardId, factor: $0.factor, lane: $0.lane) }
        })
        streams.restore(progress.shards ?? [:], throttles: throttles, running: runningKeys, state: state)
        progress.lease = AsyncLease(owner: ProcessIdentity.current, expiresWallMs: wall + AsyncScheduler.leaseMs)
        state.pollers = progress
        return true
    }

    /// Under the lock: writes what this run has in progress back to the state.
    private func persist(_ state: inout State, release: Bool) {
        var progress = PollerProgress()
        progress.lease = release ? nil : AsyncLease(owner: ProcessIdentity.current, expiresWallMs: WallClock.nowMs() + AsyncScheduler.leaseMs)
        if !inFlight.isEmpty { progress.running = inFlight.map { $0.stored(keepRecords: false) } }
        if !pending.isEmpty { progress.gathering = pending.mapValues { $0.stored(keepRecords: true) } }
        if !activeSince.isEmpty { progress.activeSince = activeSince }
        let throttles = throttleNoted.union(streams.notedThrottles)
        if !throttles.isEmpty { progress.throttleNoted = throttles.sorted() }
        let shards = streams.snapshot()
        if !shards.isEmpty { progress.shards = shards }
        state.pollers = progress
    }

    private func runClaimed(startMs: SimInstant, horizon: SimInstant) throws -> SimulationResult {
        var t = startMs
        var asyncAttempts = 0
        var asyncStalled = false
        var nextWake: SimInstant?
        while true {
            // Rounds whose batches all run in-process (builtin functions) chain under one lock:
            // each is exactly the round it would be alone, but the state is read and written
            // once per chunk of rounds instead of once per simulated millisecond.
            let step = try engine.store.update { state -> Step in
                defer { self.persist(&state, release: false) }
                let started = WallClock.monotonicNs()
                var chained = 0
                while true {
                    let round = try self.round(&state, at: t)
                    t = round.now
                    if !round.toRun.isEmpty { lastStep = max(lastStep, t) }
                    guard round.toRun.allSatisfy({ $0.function.runtime == RuntimeName.builtin }) else { return .invoke(round) }
                    for var batch in round.toRun {
                        invoke(&batch)
                        inFlight.append(batch)
                    }
                    let decision = self.decide(round, asyncStalled: asyncStalled, horizon: horizon)
                    guard case let .wake(wake) = decision else { return .decided(decision) }
                    t = max(t, wake)
                    chained += 1
                    if chained >= Self.roundsPerLock || WallClock.monotonicNs() &- started >= Self.lockBudgetNs {
                        return .decided(decision)
                    }
                }
            }
            let decision: Decision
            switch step {
            case let .decided(d):
                decision = d
            case let .invoke(round):
                // Functions that run as processes run without the lock, holding a lease in wall
                // mode so that other processes count them.
                let leases = ConcurrencyLeases(store: engine.store)
                let current = try? engine.store.read()
                let wallMode = current?.clock.mode == .wall
                for var batch in round.toRun {
                    let reserved = current?.functions[batch.functionKey]?.reservedConcurrency != nil
                    let lease = wallMode
                        ? leases.hold(functionKey: batch.functionKey, reserved: reserved, holder: "esm",
                                      ttlMs: Int64(batch.function.timeout) * 1000 + 1000)
                        : nil
                    invoke(&batch)
                    if let lease { leases.release(lease) }
                    inFlight.append(batch)
                }
                decision = decide(round, asyncStalled: asyncStalled, horizon: horizon)
            }
            switch decision {
            case let .stop(next):
                nextWake = next
            case let .wake(wake):
                t = max(t, wake)
                continue
            case let .async(until, asyncDue):
                // Async work comes first: run the async queue up to the next poller step (or to the end).
                var asyncOptions = SimulationOptions(
                    horizon: options.horizon == .now ? .now : (until == .max ? .idle : .until(until)),
                    seed: seeded ? rng.next() : options.seed, collectTimeline: options.collectTimeline,
                    waitForOtherRuns: options.waitForOtherRuns)
                asyncOptions.collectPayloads = options.collectPayloads
                // `.until` moves the clock to its end; a capped idle run must not pass its last step.
                if options.horizon == .idle, until == horizon, horizon != .max {
                    asyncOptions.horizon = .idle
                    asyncOptions.idleCapMs = horizon - t
                }
                let result = try AsyncScheduler(engine: engine, options: asyncOptions).run()
                timeline += result.timeline
                asyncAttempts += result.attempts
                if result.attempts > 0 || !result.timeline.isEmpty { lastStep = max(lastStep, result.endMs) }
                t = max(t, result.endMs)
                // Another process holds the async queue (or its due time did not move): leave it to them.
                // A run that only completed attempts (no new attempt, no timeline line) moved the due time on.
                if result.busy || (result.attempts == 0 && result.timeline.isEmpty && result.nextWakeMs == asyncDue) {
                    asyncStalled = true
                }
                continue
            }
            break
        }
        let endMs = try engine.store.update { state -> SimInstant in
            self.persist(&state, release: true)
            if let due = Self.asyncNextDue(state) { nextWake = min(nextWake ?? due, due) }
            let wall = WallClock.nowMs()
            switch options.horizon {
            case .idle: state.clock.advance(to: lastStep, wall: wall)
            case .duration, .until: state.clock.advance(to: horizon, wall: wall)
            case .now: break
            }
            return state.clock.now(wall: wall)
        }
        if options.collectTimeline {
            timeline = timeline.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
        }
        return SimulationResult(timeline: timeline, startMs: startMs, endMs: endMs, attempts: attempts + asyncAttempts,
                                nextWakeMs: nextWake)
    }

    /// At most this many rounds (or this much wall time) chain under one lock.
    static let roundsPerLock = 1000
    static let lockBudgetNs: UInt64 = 200_000_000

    /// What a locked step hands back: the round still to invoke (outside the lock), or what
    /// comes after the rounds it already ran.
    enum Step {
        case invoke(Round)
        case decided(Decision)
    }

    /// After a round's batches have started: the next round's time, async work first (run
    /// until this instant), or the end of the run.
    enum Decision {
        case wake(SimInstant)
        case async(until: SimInstant, due: SimInstant)
        /// The run is over; the pollers' next step (nil: nothing until something new arrives).
        case stop(next: SimInstant?)
    }

    private func decide(_ round: Round, asyncStalled: Bool, horizon: SimInstant) -> Decision {
        var next = inFlight.map(\.endMs).min()
        if let wake = round.nextWake { next = min(next ?? wake, wake) }
        if !asyncStalled, let due = round.asyncNext, due <= (next ?? .max), due <= horizon {
            return .async(until: next.map { min($0, horizon) } ?? horizon, due: due)
        }
        guard let wake = next, wake <= horizon else { return .stop(next: next) }
        return .wake(wake)
    }

    private func emit(_ entry: TimelineEntry) {
        guard options.collectTimeline else { return }
        var entry = entry
        if entry.cause == nil, let cause = causes[entry.source] { entry.cause = cause }
        timeline.append(entry)
    }

    /// Each mapping's cause text (`SQS poller of mapping 1a2b3c4d (queue orders)`), by UUID.
    private var causes: [String: String] = [:]

    private func noteCauses(_ state: State) {
        guard options.collectTimeline else { return }
        for (uuid, mapping) in state.eventSourceMappings ?? [:] where causes[uuid] == nil {
            causes[uuid] = Self.cause(mapping)
        }
    }

    /// `SQS poller of mapping 1a2b3c4d (queue orders)`, `Kinesis shard poller of mapping … (stream s)`.
    static func cause(_ mapping: EventSourceMapping) -> String {
        let arn = mapping.config["EventSourceArn"]?.stringValue ?? ""
        let name = arn.split(separator: ":").last.map(String.init) ?? arn
        let short = String(mapping.uuid.prefix(8))
        switch mapping.kind {
        case .sqs: return "SQS poller of mapping \(short) (queue \(name))"
        case .kinesis: return "Kinesis shard poller of mapping \(short) (stream \(name.replacingOccurrences(of: "stream/", with: "")))"
        case .dynamodb:
            let table = name.split(separator: "/").dropFirst().first.map(String.init) ?? name
            return "DynamoDB stream poller of mapping \(short) (table \(table))"
        }
    }

    // MARK: - One round, under the lock

    private func round(_ state: inout State, at requested: SimInstant) throws -> Round {
        let wall = WallClock.nowMs()
        let t = max(requested, state.clock.now(wall: wall))
        if options.horizon != .now { state.clock.advance(to: t, wall: wall) }
        if !seeded {
            rng = SeededGenerator(seed: options.seed ?? state.rng.next())
            seeded = true
        }
        var round = Round()
        round.now = t
        noteCauses(state)
        // Settle the batches that have ended.
        var stillRunning: [Batch] = []
        // The settled batches' deletes, one journal write per queue (in the batches' order).
        var deletes: [(queueArn: String, handles: [String])] = []
        for batch in inFlight {
            if batch.endMs > t {
                stillRunning.append(batch)
            } else if batch.stream != nil {
                streams.settle(batch, state: &state) { self.wake(&round, $0) }
            } else {
                let handles = settle(batch)
                if handles.isEmpty { continue }
                if let i = deletes.firstIndex(where: { $0.queueArn == batch.queueArn }) {
                    deletes[i].handles += handles
                } else {
                    deletes.append((batch.queueArn, handles))
                }
            }
        }
        for (queueArn, handles) in deletes {
            try? engine.sqsDeleteMessages(state, queueArn: queueArn, receiptHandles: handles)
        }
        inFlight = stillRunning
        let mappings = (state.eventSourceMappings ?? [:]).values.filter { $0.enabled && $0.kind == .sqs }
            .sorted { ($0.lastModifiedMs, $0.uuid) < ($1.lastModifiedMs, $1.uuid) }
        // In wall mode, executions other processes hold (sync invokes, serve, the async queue) count too.
        var runningByFunction = state.clock.mode == .wall
            ? ConcurrencyLeases(store: engine.store).usage(excludingOwn: "esm").byFunction : [:]
        // Their ends wake no poller: look again in a second while they run.
        if !runningByFunction.isEmpty { wake(&round, t + 1000) }
        for batch in inFlight { runningByFunction[batch.functionKey, default: 0] += 1 }
        for mapping in mappings {
            try poll(mapping, state: &state, at: t, running: &runningByFunction, round: &round)
        }
        round.toRun += streams.poll(&state, at: t, running: &runningByFunction) { self.wake(&round, $0) }
        round.asyncNext = Self.asyncNextDue(state)
        return round
    }

    static func asyncNextDue(_ state: State) -> SimInstant? {
        var next = state.asyncQueue.map(\.dueMs).min()
        if (state.asyncState?.pending ?? 0) > 0, let due = state.asyncState?.nextDueMs { next = min(next ?? due, due) }
        return next
    }

    private func wake(_ round: inout Round, _ at: SimInstant?) {
        guard let at else { return }
        round.nextWake = min(round.nextWake ?? at, at)
    }

    /// Receives messages for one mapping into batches while it has concurrency to spare.
    private func poll(_ mapping: EventSourceMapping, state: inout State, at t: SimInstant, running: inout [String: Int],
                      round: inout Round) throws
    {
        let config = mapping.config
        guard let queueArn = config["EventSourceArn"]?.stringValue,
            let arn = ResourceArn(queueArn), let queue = state.localResources.queues[arn.regionalKey],
            let record = state.functions[mapping.functionKey]
        else { return }
        let qualifier = mapping.qualifier ?? "$LATEST"
        guard let function = record.version(qualifier) ?? record.aliases[qualifier].flatMap({ record.version($0.functionVersion) })
        else { return }
        let display = qualifier == "$LATEST" ? function.name : function.name + ":" + qualifier
        let batchSize = max(1, config["BatchSize"]?.intValue ?? 10)
        let windowMs = Int64(config["MaximumBatchingWindowInSeconds"]?.intValue ?? 0) * 1000
        let reportFailures = (config["FunctionResponseTypes"]?.arrayValue ?? []).contains { $0.stringValue == "ReportBatchItemFailures" }
        if filters[mapping.uuid] == nil {
            filters[mapping.uuid] = (try? EventFilters(criteria: config["FilterCriteria"], kind: .sqs))
                ?? (try? EventFilters(criteria: nil, kind: .sqs))
        }
        let filter = filters[mapping.uuid]

        // Concurrency: the poller's scaling, ScalingConfig.MaximumConcurrency, reserved concurrency.
        let since = activeSince[mapping.uuid] ?? t
        var limit = min(Self.maxConcurrency,
                        Self.initialConcurrency + Self.concurrencyPerSecond * Int((t - since) / 1000))
        if let max = config["ScalingConfig"]?["MaximumConcurrency"]?.intValue { limit = min(limit, max) }
        if let reserved = record.reservedConcurrency {
            if reserved == 0 {
                if throttleNoted.insert(mapping.uuid).inserted {
                    emit(TimelineEntry(timeMs: t, event: .throttle, function: display, requestId: "", source: mapping.uuid,
                                       result: "throttled", errorType: "TooManyRequestsException",
                                       why: .eventSource(reason: "Reserved concurrency is 0: the poller cannot invoke the function, so the messages stay in the queue (they reach a dead-letter queue only through its redrive policy when received).",
                                                         detail: "reserved concurrency 0: messages stay in \(queue.name)")))
                }
                return
            }
        }
        // The execution role must still hold the queue's actions (Services/IAM/): else no poll,
        // and one `denied` line per mapping (noted with the throttle notes, prefixed).
        if let missing = engine.missingEventSourceAction(state, roleArn: function.role, sourceArn: queueArn) {
            if throttleNoted.insert("denied:" + mapping.uuid).inserted {
                emit(TimelineEntry(timeMs: t, event: .denied, function: display, requestId: "", source: mapping.uuid,
                                   result: "denied", errorType: "AccessDeniedException",
                                   why: .denied(reason: "The execution role may not perform \(missing.action) on the queue, so the event source mapping cannot poll it: \(missing.decision.explanation).",
                                                detail: "\(missing.action) refused: messages stay in \(queue.name)")))
            }
            return
        }
        var slots = limit - inFlight.filter { $0.uuid == mapping.uuid }.count
        if let reserved = record.reservedConcurrency { slots = min(slots, reserved - (running[mapping.functionKey] ?? 0)) }
        var batch = pending[mapping.uuid] ?? Batch(uuid: mapping.uuid, functionKey: mapping.functionKey, display: display,
                                                 function: function, invokedArn: config["FunctionArn"]?.stringValue ?? function.unqualifiedArn,
                                                 queueArn: queueArn, reportFailures: reportFailures, firstMs: t,
                                                 windowMs: windowMs, visibilityTimeout: queue.visibilityTimeout)
        let allowRecursion = record.recursiveLoop == "Allow"
        batch.allowRecursion = allowRecursion
        var exhausted = false
        func close() {
            if batch.records.isEmpty { return }
            emit(TimelineEntry(timeMs: t, event: .batch, function: display, requestId: "", source: mapping.uuid,
                               records: batch.records.count,
                               why: .eventSource(reason: Self.batchReason(batch, batchSize: batchSize, at: t),
                                                 detail: "\(batch.records.count) record\(batch.records.count == 1 ? "" : "s") from \(queue.name)")))
            batch.startMs = t
            round.toRun.append(batch)
            running[mapping.functionKey, default: 0] += 1
            slots -= 1
            batch = Batch(uuid: mapping.uuid, functionKey: mapping.functionKey, display: display, function: function,
                          invokedArn: batch.invokedArn, queueArn: queueArn, reportFailures: reportFailures, firstMs: t,
                          windowMs: windowMs, visibilityTimeout: queue.visibilityTimeout)
            batch.allowRecursion = allowRecursion
        }
        while slots > 0 {
            let want = batchSize - batch.records.count
            let received = try engine.sqsReceive(&state, queueArn: queueArn, maxMessages: want)
            for (id, target) in received.redriven {
                emit(TimelineEntry(timeMs: t, event: .redrive, function: display, requestId: id, source: mapping.uuid, target: target,
                                   why: .eventSource(reason: "The message was received as often as the queue's redrive policy allows (maxReceiveCount): SQS moves it to the dead-letter queue with the same message id.",
                                                     detail: "message \(id) -> \(target)")))
            }
            if received.messages.isEmpty {
                exhausted = true
                break
            }
            if activeSince[mapping.uuid] == nil { activeSince[mapping.uuid] = t }
            var dropped: [String] = []
            var kept = 0
            for message in received.messages {
                let bytes = Self.record(message, queueArn: queueArn, region: queue.region)
                if let filter, !filter.isEmpty {
                    let parsed = (try? JSONParser.parse(bytes: bytes)) ?? .null
                    if !filter.matches(record: parsed) {
                        dropped.append(message.receiptHandle)
                        continue
                    }
                }
                if batch.bytes + bytes.count + 16 > Self.maxBatchBytes, !batch.records.isEmpty { close() }
                if batch.records.isEmpty { batch.firstMs = t }
                batch.records.append(bytes)
                batch.messageIds.append(message.messageId)
                batch.handles.append(message.receiptHandle)
                batch.bytes += bytes.count + 1
                kept += 1
            }
            emit(TimelineEntry(timeMs: t, event: .poll, function: display, requestId: "", source: mapping.uuid,
                               records: received.messages.count,
                               why: .eventSource(reason: "The SQS poller of the event source mapping received \(received.messages.count) message\(received.messages.count == 1 ? "" : "s"); they stay invisible for the queue's visibility timeout (\(queue.visibilityTimeout) s) while Lambda works on them.",
                                                 detail: "received \(received.messages.count) from \(queue.name)")))
            if !dropped.isEmpty {
                try engine.sqsDeleteMessages(state, queueArn: queueArn, receiptHandles: dropped)
                emit(TimelineEntry(timeMs: t, event: .filtered, function: display, requestId: "", source: mapping.uuid,
                                   records: dropped.count,
                                   why: .eventSource(reason: "The message\(dropped.count == 1 ? "" : "s") matched none of the mapping's FilterCriteria: Lambda deletes filtered-out SQS messages from the queue without invoking the function.",
                                                     detail: "\(dropped.count) message\(dropped.count == 1 ? "" : "s") filtered out and deleted")))
            }
            if batch.records.count >= batchSize || windowMs == 0 {
                close()
            } else if kept == 0 {
                continue
            } else {
                // A batching window is open: wait for more messages until it closes.
                break
            }
        }
        if !batch.records.isEmpty, t >= batch.firstMs + batch.windowMs, slots > 0 { close() }
        if !batch.records.isEmpty {
            pending[mapping.uuid] = batch
            // The window closes later; with no concurrency free, a batch ending wakes the poller.
            if slots > 0 { wake(&round, batch.firstMs + batch.windowMs) }
        } else {
            pending[mapping.uuid] = nil
        }
        if exhausted {
            // Nothing visible now: wake when a message becomes visible (a delay or a visibility timeout ends).
            wake(&round, try engine.sqsNextVisibleTime(state, queueArn: queueArn))
        }
    }

    static func batchReason(_ batch: Batch, batchSize: Int, at t: SimInstant) -> String {
        if batch.records.count >= batchSize {
            return "The batch is full (BatchSize \(batchSize)): Lambda invokes the function synchronously with the batch."
        }
        if batch.windowMs > 0, t >= batch.firstMs + batch.windowMs {
            return "The batching window (MaximumBatchingWindowInSeconds \(batch.windowMs / 1000)) has elapsed: Lambda invokes the function with the \(batch.records.count) record\(batch.records.count == 1 ? "" : "s") gathered."
        }
        if batch.bytes + 1024 > maxBatchBytes { return "The batch reached the 6 MB payload limit: Lambda invokes the function with what it has." }
        return "No batching window (MaximumBatchingWindowInSeconds 0): Lambda invokes the function as soon as a poll returns messages."
    }

    /// The system attributes of an SQS event record, in the record's order.
    private static let recordAttributeNames = [
        "ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
        "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader", "DeadLetterQueueSourceArn",
    ]

    /// The SQS event record (reference §3.2), as JSON bytes, written straight into a buffer
    /// (no JSON tree): the same bytes `JSONWriter` writes for the record object.
    static func record(_ m: SQSReceivedMessage, queueArn: String, region: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(m.body.utf8.count + queueArn.utf8.count + 512)
        func string(_ s: String) {
            out.append(UInt8(ascii: "\""))
            var copy = s
            copy.withUTF8 { JSONWriter.appendEscaped($0, into: &out) }
            out.append(UInt8(ascii: "\""))
        }
        out.appendStatic(#"{"messageId":"#)
        string(m.messageId)
        out.appendStatic(#","receiptHandle":"#)
        string(m.receiptHandle)
        out.appendStatic(#","body":"#)
        string(m.body)
        out.appendStatic(#","attributes":{"#)
        var first = true
        for name in recordAttributeNames {
            // The first attribute of a name counts, as a dictionary built from the list keeps it.
            guard let value = m.attributes.first(where: { $0.name == name })?.value else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            string(name)
            out.append(UInt8(ascii: ":"))
            string(value)
        }
        out.appendStatic(#"},"messageAttributes":"#)
        if m.messageAttributes.isEmpty {
            out.appendStatic("{}")
        } else {
            var messageAttributes = JSONObject()
            for name in m.messageAttributes.keys.sorted() {
                guard let value = m.messageAttributes[name] else { continue }
                var o = JSONObject()
                if let s = value.stringValue { o["stringValue"] = .string(s) }
                if let b = value.binaryValue { o["binaryValue"] = .string(b) }
                o["stringListValues"] = .array([])
                o["binaryListValues"] = .array([])
                o["dataType"] = .string(value.dataType)
                messageAttributes[name] = .object(o)
            }
            out += JSONWriter.bytes(.object(messageAttributes))
        }
        out.appendStatic(#","md5OfMessageAttributes":"#)
        if let md5 = m.md5OfMessageAttributes { string(md5) } else { out.appendStatic("null") }
        out.appendStatic(#","md5OfBody":"#)
        string(m.md5OfBody)
        out.appendStatic(#","eventSource":"aws:sqs","eventSourceARN":"#)
        string(queueArn)
        out.appendStatic(#","awsRegion":"#)
        string(region)
        out.append(UInt8(ascii: "}"))
        return out
    }

    // MARK: - Invoking, without the lock

    private func invoke(_ batch: inout Batch) {
        var payload: [UInt8] = []
        payload.reserveCapacity(batch.bytes + 16)
        payload.append(contentsOf: Array(#"{"Records":["#.utf8))
        for (index, record) in batch.records.enumerated() {
            if index > 0 { payload.append(UInt8(ascii: ",")) }
            payload.append(contentsOf: record)
        }
        payload.append(UInt8(ascii: "]"))
        if let extra = batch.payloadExtra { payload.append(contentsOf: extra) }
        payload.append(UInt8(ascii: "}"))
        batch.requestId = rng.uuid()
        // Recursive loop detection: the chain the records carry (their AWSTraceHeader's Lineage).
        var lineage: String?
        if batch.stream == nil {
            let arn = batch.function.unqualifiedArn
            let chain = RecursionChain.fromRecords(batch.records) ?? RecursionChain()
            let count = chain.count(functionArn: arn)
            if count >= RecursionChain.maximumInvocations, !batch.allowRecursion {
                stopRecursion(&batch, count: count)
                return
            }
            lineage = chain.invoking(functionArn: arn).lineage
        }
        let result = engine.runInvocation(function: batch.function, requestId: batch.requestId, payload: payload,
                                          invokedArn: batch.invokedArn, clientContext: nil, startMs: batch.startMs, attempt: batch.attempt,
                                          streamHex: rng.hex32(), lineage: lineage)
        attempts += 1
        batch.output = result.output
        batch.endMs = batch.startMs + max(1, Int64(result.output.durationMs.rounded(.up)))
        let output = result.output
        guard options.collectTimeline else { return }
        // A partial batch response (ReportBatchItemFailures) that names some items: `partial`.
        let failed = output.isError ? [] : (Self.partialFailures(batch) ?? [])
        let outcome = output.timedOut ? "timeout" : output.isError ? "error" : failed.isEmpty ? "success" : "partial"
        var detail = "\(batch.records.count) record\(batch.records.count == 1 ? "" : "s")  \(outcome)"
        if let errorType = output.errorType { detail += " " + errorType }
        if !failed.isEmpty { detail += " \(failed.count) failed: " + failed.joined(separator: ",") }
        let kind = batch.stream.map { $0.kind == .kinesis ? "Kinesis" : "DynamoDB stream" } ?? "SQS"
        var reason = "The event source mapping invokes the function synchronously with a batch of \(batch.records.count) \(kind) record\(batch.records.count == 1 ? "" : "s")."
        if !failed.isEmpty {
            reason += " The function answered a partial batch response (ReportBatchItemFailures) naming \(failed.count) of them as failed."
        }
        var entry = TimelineEntry(timeMs: batch.startMs, event: .invoke, function: batch.display, requestId: batch.requestId,
                                  source: batch.uuid, attempt: batch.attempt, result: outcome, errorType: output.errorType,
                                  records: batch.records.count, billedMs: Int(batch.endMs - batch.startMs),
                                  why: .eventSource(reason: reason, detail: detail))
        if !failed.isEmpty { entry.failedItems = failed }
        if options.collectPayloads {
            entry.payload = Self.recordSummaries(batch)
            entry.response = TimelineEntry.clip(output.payload)
        }
        emit(entry)
    }

    /// `--show-payloads` for a batch: one line per record (its id and body or data), the first few.
    static func recordSummaries(_ batch: Batch) -> String {
        var lines: [String] = []
        for (index, record) in batch.records.prefix(TimelineEntry.recordsShown).enumerated() {
            let json = try? JSONParser.parse(bytes: record)
            let id = index < batch.messageIds.count ? batch.messageIds[index] : String(index + 1)
            var body: String
            if let text = json?["body"]?.stringValue {
                body = text
            } else if let data = json?["kinesis"]?["data"]?.stringValue {
                body = Base64.decode(data).flatMap { String(validating: $0, as: UTF8.self) } ?? data
            } else if let image = json?["dynamodb"] {
                body = String(decoding: JSONWriter.bytes(image), as: UTF8.self)
            } else {
                body = String(decoding: record, as: UTF8.self)
            }
            body = TimelineEntry.clip(Array(body.utf8), limit: TimelineEntry.recordLimit)
            lines.append(id + ": " + body)
        }
        if batch.records.count > TimelineEntry.recordsShown {
            lines.append("… \(batch.records.count - TimelineEntry.recordsShown) more")
        }
        return lines.joined(separator: "\n")
    }

    /// Lambda does not run the batch: it answers the poller RecursiveInvocationException, so the
    /// messages return to the queue after the visibility timeout (and its redrive policy, if any,
    /// moves them to the dead-letter queue after maxReceiveCount receives).
    private func stopRecursion(_ batch: inout Batch, count: Int) {
        let message = "Lambda has detected your function being invoked in a recursive loop with other AWS resources and stopped your function's invocation."
        batch.output = InvocationOutput(payload: JSONWriter.bytes(.object(JSONObject([
            ("errorMessage", .string(message)), ("errorType", "RecursiveInvocationException"),
        ]))), errorType: "RecursiveInvocationException", durationMs: 0, maxMemoryUsedMB: 0)
        batch.endMs = batch.startMs
        emit(TimelineEntry(timeMs: batch.startMs, event: .recursionStopped, function: batch.display, requestId: batch.requestId,
                           source: batch.uuid, result: "stopped", errorType: "RecursiveInvocationException",
                           condition: "RecursiveInvocationException", records: batch.records.count,
                           why: .eventSource(reason: "Recursive loop detection: this chain of requests (the messages' AWSTraceHeader Lineage) has already invoked the function \(count) times, and Lambda stops the next invocation after \(RecursionChain.maximumInvocations); the function does not run and the messages return to the queue when their visibility timeout (\(batch.visibilityTimeout) s) ends (its redrive policy moves them to the dead-letter queue). The function's recursion config is Terminate; put-function-recursion-config --recursive-loop Allow lets the loop run.",
                                             detail: "invoked \(count) times in one chain: stopped (RecursiveInvocationException)")))
    }

    // MARK: - Settling, under the lock

    /// What the function's answer means for the batch: nil for a complete success, the ids to
    /// retry, or every id when the whole batch failed (reference §3.6).
    static func failedIds(_ batch: Batch) -> [String] { settlement(batch).failed }

    /// The ids to retry, and whether the response was an invalid partial-batch answer.
    static func settlement(_ batch: Batch) -> (failed: [String], invalid: Bool) {
        let ids = partialFailures(batch)
        return (ids ?? batch.messageIds, ids == nil && !(batch.output?.isError ?? true))
    }

    /// nil when the whole batch failed (a function error or an invalid response).
    static func partialFailures(_ batch: Batch) -> [String]? {
        guard let output = batch.output, !output.isError else { return nil }
        guard batch.reportFailures else { return [] }
        let text = output.payload
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
        guard let response = try? JSONParser.parse(bytes: text) else { return nil }
        switch response {
        case .null: return []
        case let .string(s) where s.isEmpty: return []
        case let .array(items) where items.isEmpty: return []
        case let .object(o):
            guard let failures = o["batchItemFailures"] else { return [] }
            if failures.isNull { return [] }
            guard let items = failures.arrayValue else { return nil }
            var ids: [String] = []
            let known = Set(batch.messageIds)
            for item in items {
                guard let id = item["itemIdentifier"]?.stringValue, !id.isEmpty, known.contains(id) else { return nil }
                ids.append(id)
            }
            return ids
        default:
            return nil
        }
    }

    /// Notes the batch's failures on the timeline and returns the receipt handles to delete.
    private func settle(_ batch: Batch) -> [String] {
        let (failed, invalid) = Self.settlement(batch)
        guard !failed.isEmpty else { return batch.handles }
        let failedSet = Set(failed)
        var delete: [String] = []
        for (id, handle) in zip(batch.messageIds, batch.handles) where !failedSet.contains(id) { delete.append(handle) }
        let visibleAt = batch.firstMs + Int64(batch.visibilityTimeout) * 1000
        let reason: String
        if batch.output?.isError ?? true {
            reason = "The function returned an error: the whole batch stays in the queue and each message becomes visible again when its visibility timeout (\(batch.visibilityTimeout) s) ends; its receive count grows with every receive."
        } else if invalid {
            reason = "ReportBatchItemFailures: the response is not a valid batchItemFailures list (or names an unknown id), so the whole batch counts as failed and returns after the visibility timeout (\(batch.visibilityTimeout) s)."
        } else {
            reason = "ReportBatchItemFailures: only the \(failed.count) message\(failed.count == 1 ? "" : "s") the function listed in batchItemFailures return to the queue after the visibility timeout (\(batch.visibilityTimeout) s); the others are deleted."
        }
        emit(TimelineEntry(timeMs: batch.endMs, event: .visibilityTimeout, function: batch.display, requestId: batch.requestId,
                           source: batch.uuid, records: failed.count,
                           why: .eventSource(reason: reason,
                                             detail: "\(failed.count) of \(batch.messageIds.count) visible again at \(TimeFormat.iso(visibleAt))")))
        return delete
    }
}
