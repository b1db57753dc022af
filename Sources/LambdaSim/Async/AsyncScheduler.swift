import Dispatch
import LambdaSimJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How far one `simulate` (or catch-up) runs.
public struct SimulationOptions: Sendable {
    public enum Horizon: Sendable, Equatable {
        /// Until nothing is left to do, moving the clock to the last step.
        case idle
        /// Only work due by the current simulated time (wall-clock catch-up); the clock stays.
        case now
        /// Up to now + this many milliseconds; the clock ends there.
        case duration(Int64)
        /// Up to this instant; the clock ends there.
        case until(SimInstant)
    }

    public var horizon: Horizon
    /// Seeds the run's own generator (request ids of destination invocations, S3 keys);
    /// nil draws the seed from the state's generator.
    public var seed: UInt64?
    public var collectTimeline: Bool
    /// When another process holds the queue: wait for it (`simulate`) or return at once (catch-up).
    public var waitForOtherRuns: Bool
    /// `.idle` runs stop here (ms after the start) even if work is left, so a scenario that
    /// retries forever cannot spin forever; the result's `nextWakeMs` then says what is left.
    public var idleCapMs: Int64?
    /// Keep each step's event and response (truncated) on the timeline (`--show-payloads`,
    /// the background runner's history).
    public var collectPayloads = false

    public init(horizon: Horizon, seed: UInt64? = nil, collectTimeline: Bool = true, waitForOtherRuns: Bool = true) {
        self.horizon = horizon
        self.seed = seed
        self.collectTimeline = collectTimeline
        self.waitForOtherRuns = waitForOtherRuns
    }
}

/// What a run did.
public struct SimulationResult: Sendable {
    /// The steps in time order (empty when the timeline was not collected).
    public var timeline: [TimelineEntry]
    /// Simulated time when the run started and where the clock stands after it.
    public var startMs: SimInstant
    public var endMs: SimInstant
    /// Function attempts the run made.
    public var attempts: Int
    /// When the next piece of work left queued is due (nil: nothing is left, or the run could
    /// not tell); the background runner sleeps until then.
    public var nextWakeMs: SimInstant? = nil
    /// Another process held the async queue, so this run did nothing.
    public var busy = false
}

extension Engine {
    /// Advances simulated time through the async queue: every due attempt, retry, throttle
    /// back-off, destination and dead-letter delivery up to the options' horizon.
    ///
    /// The whole queue is claimed (leased) under the state lock, run without it, and the
    /// results recorded under the lock in batches (every second of real time and at the end),
    /// so function code never runs while the lock is held and two processes never run the same
    /// attempt.
    public func simulate(_ options: SimulationOptions) throws -> SimulationResult {
        // Scheduled rules fire first, in chunks (Services/EventBridge/ScheduledRules.swift).
        if let result = try simulateWithSchedules(options) { return result }
        // With enabled event source mappings the pollers drive the run (EventSources/EventSourceRunner.swift).
        if let result = try simulateWithEventSources(options) { return result }
        return try AsyncScheduler(engine: self, options: options).run()
    }
}

/// One run of the async queue. See `Engine.simulate` and docs/async.md.
final class AsyncScheduler {
    /// A lease lasts this long without renewal (longer than any function's 15-minute time-out).
    static let leaseMs: Int64 = 20 * 60 * 1000
    /// Results are recorded under the lock at least this often (real time).
    /// (with the queue: a kill repeats at most the work since the last record). Stretched to
    /// twice what the last record took, so recording a large queue never dominates a run.
    static let batchNs: UInt64 = 250_000_000
    /// AWS stops recursive loops through destinations after about 16 invocations.
    static let maxDepth = 16

    let engine: Engine
    let options: SimulationOptions
    let queueFile: AsyncQueueFile

    private var storeId = ""
    private var horizon: SimInstant = .max
    private var startMs: SimInstant = 0
    private var simNow: SimInstant = 0
    private var maxIngestedSequence: Int64 = .min
    private var rng = SeededGenerator(seed: 1)
    private var functions = FunctionTable()
    private var pendingInFile = 0

    private var events: [QueuedEvent?] = []
    private var freeSlots: [Int32] = []
    private var heap = PriorityQueue<ScheduledItem>()
    private var order: Int64 = 0
    private var knownRequestIds = Set<String>()
    /// Events' targets by id: (function, qualifier) pairs are interned when an event is added,
    /// and resolved once per batch (the function configuration can change between batches).
    private var targetIds: [String: Int32] = [:]
    private var targetKeys: [(functionKey: String, qualifier: String)] = []
    private var resolvedTargets: [Target??] = []
    private var eventTargets: [Int32] = []
    private var iso = ISOWriter()
    private var builtinEnvironments: [Int: BuiltinEnvironment] = [:]
    /// Warm builtin environments of the versions weighted aliases route to, by version ARN.
    private var routedEnvironments: [String: BuiltinEnvironment] = [:]
    private var destinations: [String: (service: String, kind: String)] = [:]
    private var runningEnds: [String: PriorityQueue<Int64>] = [:]
    /// Ends of the running executions of functions without reserved concurrency (the account's pool).
    private var unreservedEnds = PriorityQueue<Int64>()
    private var accountLimit = Engine.defaultAccountConcurrency
    private var unreservedFloor = Engine.defaultAccountConcurrency
    private var cachedUnreservedLimit: Int?
    /// Wall mode: simulated minus wall time, and what other processes run (leases), refreshed every batch.
    private var wallOffset: Int64?
    private var external = ConcurrencyUsage()
    private var timeline: [TimelineEntry] = []
    private var deliveries: [PendingDelivery] = []
    private var logs = LogBatch()
    private var attemptsRun = 0
    private var nextDueLeft: SimInstant?
    /// How long the last checkpointed record took on the recorder (ns).
    private var lastRecordCostNs: UInt64 = 0
    private let recorder = DispatchQueue(label: "lambda-sim.async.recorder")
    private var inFlight: RecordJob?

    init(engine: Engine, options: SimulationOptions) {
        self.engine = engine
        self.options = options
        queueFile = AsyncQueueFile(stateDirectory: engine.store.directory)
    }

    /// Whether a catch-up has anything to do: an event or the end of an attempt due by `now`,
    /// and no other process running the queue.
    static func hasDueWork(_ state: State, now: SimInstant) -> Bool {
        if let lease = state.asyncState?.lease, !lease.isVoid(wallNow: WallClock.nowMs()) { return false }
        if state.asyncQueue.contains(where: { $0.dueMs <= now }) { return true }
        if let next = state.asyncState?.nextDueMs, next <= now, (state.asyncState?.pending ?? 0) > 0 { return true }
        return false
    }

    // MARK: - The run

    private enum Claim {
        case busy
        case nothing(SimInstant, SimInstant)
        case claimed([AsyncEvent])
    }

    func run() throws -> SimulationResult {
        var inbox: [AsyncEvent] = []
        while true {
            let claim = try engine.store.update { state in try self.claim(&state) }
            switch claim {
            case .busy:
                guard options.waitForOtherRuns else {
                    return SimulationResult(timeline: [], startMs: startMs, endMs: startMs, attempts: 0, busy: true)
                }
                usleep(20_000)
                continue
            case let .nothing(start, end):
                return SimulationResult(timeline: [], startMs: start, endMs: end, attempts: 0)
            case let .claimed(claimed):
                inbox = claimed
            }
            break
        }
        do {
            if pendingInFile > 0 {
                let loaded = try queueFile.load(storeId: storeId)
                events.reserveCapacity(loaded.count + inbox.count)
                eventTargets.reserveCapacity(loaded.count + inbox.count)
                if options.collectTimeline {
                    // About six steps per event (attempts, retries, a destination): growing a
                    // timeline of hundreds of thousands of entries step by step copies it often.
                    timeline.reserveCapacity(min((loaded.count + inbox.count) * 6, 5_000_000))
                }
                for event in loaded { add(event, emitEnqueue: false) }
            }
            simNow = startMs
            ingest(inbox, initial: true)
            try loop()
            let endMs = try finish()
            if options.collectTimeline, !isSorted(timeline) {
                timeline = timeline.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }
                    .map(\.element)
            }
            return SimulationResult(timeline: timeline, startMs: startMs, endMs: endMs, attempts: attemptsRun, nextWakeMs: nextDueLeft)
        } catch {
            if let job = inFlight { _ = job.wait() }
            logs.flush(logsDirectory: engine.store.directory + "/logs")
            // Give the queue back; what this run did since its last record is done again later
            // (at least once, as on AWS).
            try? engine.store.update { state in
                if state.asyncState?.lease?.owner == ProcessIdentity.current { state.asyncState?.lease = nil }
            }
            throw error
        }
    }

    /// Under the lock: takes the queue (or finds it busy or empty) and the state it needs.
    private func claim(_ state: inout State) throws -> Claim {
        let wall = WallClock.nowMs()
        let now = state.clock.now(wall: wall)
        if let lease = state.asyncState?.lease, !lease.isVoid(wallNow: wall) { return .busy }
        switch options.horizon {
        case .idle: horizon = options.idleCapMs.map { now + max(0, $0) } ?? .max
        case .now: horizon = now
        case let .duration(ms): horizon = now + max(0, ms)
        case let .until(t): horizon = max(t, now)
        }
        startMs = now
        var info = state.asyncState ?? AsyncState()
        let filePending = info.pending ?? 0
        if state.asyncQueue.isEmpty, filePending == 0 {
            if options.horizon != .idle, horizon != .max, horizon > now { state.clock.advance(to: horizon, wall: wall) }
            if info.lease != nil {
                info.lease = nil
                state.asyncState = info
            }
            return .nothing(now, options.horizon == .idle || horizon == .max ? now : horizon)
        }
        if info.storeId == nil { info.storeId = state.rng.hex32() }
        storeId = info.storeId ?? ""
        info.lease = AsyncLease(owner: ProcessIdentity.current, expiresWallMs: wall + Self.leaseMs)
        state.asyncState = info
        pendingInFile = filePending
        rng = SeededGenerator(seed: options.seed ?? state.rng.next())
        functions = state.functions
        maxIngestedSequence = state.asyncQueue.map(\.sequence).max() ?? .min
        accountLimit = state.accountConcurrency ?? Engine.defaultAccountConcurrency
        unreservedFloor = Engine.minimumUnreservedConcurrency(limit: accountLimit)
        if state.clock.mode == .wall {
            wallOffset = state.clock.offsetMs
            external = ConcurrencyLeases(store: engine.store).usage(excludingOwn: "async")
        }
        return .claimed(state.asyncQueue)
    }

    private func loop() throws {
        var lastRecord = WallClock.monotonicNs()
        while true {
            while let top = heap.first, top.timeMs <= horizon {
                _ = heap.pop()
                if top.timeMs > simNow { simNow = top.timeMs }
                process(slot: Int(top.index), at: top.timeMs)
                if deliveries.count >= Self.recordEvery || WallClock.monotonicNs() - lastRecord > max(Self.batchNs, 2 * lastRecordCostNs) {
                    // Hand the batch to the recorder and go on simulating while it holds the lock;
                    // wait for the previous batch only when too much has piled up.
                    if try collect(wait: deliveries.count >= Self.recordBacklog) {
                        startRecord()
                        lastRecord = WallClock.monotonicNs()
                    }
                }
            }
            _ = try collect(wait: true)
            let more = heap.first.map { $0.timeMs <= horizon } ?? false
            // The last record before `finish` needs no checkpoint: finish writes the queue.
            startRecord(checkpoint: more)
            _ = try collect(wait: true)
            lastRecord = WallClock.monotonicNs()
            guard let top = heap.first, top.timeMs <= horizon else { break }
        }
    }

    /// Deliveries handed to the recorder at a time, and how many may wait before the run
    /// waits for the recorder.
    static let recordEvery = 20_000
    static let recordBacklog = 200_000

    /// One batch of results being recorded under the lock on the recorder thread.
    final class RecordJob: @unchecked Sendable {
        var startedNs: UInt64 = 0
        var finishedNs: UInt64 = 0
        private let done = DispatchSemaphore(value: 0)
        private let lock = Mutex()
        private var outcome: Result<RecordOutcome, any Error>?

        func finish(_ result: Result<RecordOutcome, any Error>) {
            lock.withLock {
                outcome = result
                finishedNs = WallClock.monotonicNs()
            }
            done.signal()
        }

        var isFinished: Bool { lock.withLock { outcome != nil } }

        func wait() -> Result<RecordOutcome, any Error> {
            done.wait()
            return lock.withLock { outcome } ?? .failure(StateFileError(path: "", reason: "recorder finished without a result"))
        }
    }

    struct RecordOutcome: Sendable {
        var fresh: [AsyncEvent]
        var functions: FunctionTable
        var maxIngestedSequence: Int64
        var failures: [(entry: Int, error: ServiceError)]
    }

    /// Starts recording what the run did so far (deliveries, logs, the clock, the lease) on the
    /// recorder thread. At most one batch is in flight.
    /// `checkpoint`: also write the queue as it stands (what a run killed after this record
    /// starts from), so a kill repeats at most the work since the last record (docs/background.md).
    private func startRecord(checkpoint: Bool = true) {
        let job = RecordJob()
        job.startedNs = WallClock.monotonicNs()
        let batch = deliveries
        deliveries.removeAll(keepingCapacity: true)
        let pendingLogs = logs
        logs = LogBatch()
        let engine = engine
        let now = simNow
        let moveClock = options.horizon != .now
        let taken = maxIngestedSequence
        let logsDirectory = engine.store.directory + "/logs"
        let snapshot: [QueuedEvent]? = checkpoint ? heap.elements.sorted().compactMap { events[Int($0.index)] } : nil
        let queueFile = queueFile
        let storeId = storeId
        inFlight = job
        recorder.async {
            var written = pendingLogs
            written.flush(logsDirectory: logsDirectory)
            job.finish(Result {
                let outcome = try engine.store.update { state -> RecordOutcome in
                    guard state.asyncState?.lease?.owner == ProcessIdentity.current else { throw Self.lostLease(engine.store.path) }
                    let failures = Self.apply(batch, to: &state, engine: engine)
                    let wall = WallClock.nowMs()
                    if moveClock { state.clock.advance(to: now, wall: wall) }
                    state.asyncState?.lease?.expiresWallMs = wall + Self.leaseMs
                    let fresh = state.asyncQueue.filter { $0.sequence > taken }
                    return RecordOutcome(fresh: fresh, functions: state.functions,
                                         maxIngestedSequence: max(taken, fresh.map(\.sequence).max() ?? taken), failures: failures)
                }
                // The deliveries are recorded; now the queue they leave behind, and only then are
                // the inbox events it holds taken out of the state (a kill in between repeats, never loses).
                if let snapshot {
                    try queueFile.write(snapshot, storeId: storeId)
                    try engine.store.update { state in
                        guard state.asyncState?.lease?.owner == ProcessIdentity.current else { throw Self.lostLease(engine.store.path) }
                        state.asyncQueue.removeAll { $0.sequence <= taken }
                        state.asyncState?.pending = snapshot.count
                        state.asyncState?.nextDueMs = snapshot.map(\.dueMs).min()
                    }
                }
                return outcome
            })
        }
    }

    /// Takes the result of the batch in flight: marks failed deliveries, picks up events other
    /// processes queued meanwhile and the current function configuration. Returns false (and
    /// leaves the batch in flight) when `wait` is false and it is not done yet.
    private func collect(wait: Bool) throws -> Bool {
        guard let job = inFlight else { return true }
        if !wait, !job.isFinished { return false }
        inFlight = nil
        let outcome = try job.wait().get()
        lastRecordCostNs = job.finishedNs &- job.startedNs
        for failure in outcome.failures { markFailed(failure.entry, failure.error) }
        functions = outcome.functions
        cachedUnreservedLimit = nil
        if wallOffset != nil { external = ConcurrencyLeases(store: engine.store).usage(excludingOwn: "async") }
        maxIngestedSequence = outcome.maxIngestedSequence
        resolvedTargets = Array(repeating: nil, count: targetKeys.count)
        ingest(outcome.fresh, initial: false)
        return true
    }

    /// Writes the remaining queue, then, under the lock, removes the events taken from the
    /// state's inbox, sets the clock and gives the queue back. Returns the clock's new time.
    private func finish() throws -> SimInstant {
        let remaining = heap.elements.sorted().compactMap { events[Int($0.index)] }
        nextDueLeft = remaining.map(\.dueMs).min()
        try queueFile.write(remaining, storeId: storeId)
        return try engine.store.update { state -> SimInstant in
            guard state.asyncState?.lease?.owner == ProcessIdentity.current else { throw Self.lostLease(engine.store.path) }
            for failure in Self.apply(self.deliveries, to: &state, engine: self.engine) { self.markFailed(failure.entry, failure.error) }
            self.deliveries.removeAll()
            let wall = WallClock.nowMs()
            switch options.horizon {
            case .idle: state.clock.advance(to: simNow, wall: wall)
            case .duration, .until: state.clock.advance(to: horizon, wall: wall)
            case .now: break
            }
            let taken = maxIngestedSequence
            state.asyncQueue.removeAll { $0.sequence <= taken }
            var info = state.asyncState ?? AsyncState()
            info.pending = remaining.count
            info.nextDueMs = remaining.map(\.dueMs).min()
            info.lease = nil
            state.asyncState = info
            return state.clock.now(wall: wall)
        }
    }

    static func lostLease(_ path: String) -> StateFileError {
        StateFileError(path: path, reason: "another process took over the asynchronous queue (this run's lease expired)")
    }

    // MARK: - Queue

    private func add(_ event: QueuedEvent, emitEnqueue: Bool) {
        guard knownRequestIds.insert(event.requestId).inserted else { return }
        let key = event.functionKey + "\u{1}" + event.qualifier
        var targetId = targetIds[key] ?? -1
        if targetId < 0 {
            targetId = Int32(targetKeys.count)
            targetIds[key] = targetId
            targetKeys.append((event.functionKey, event.qualifier))
            resolvedTargets.append(nil)
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            events[Int(free)] = event
            eventTargets[Int(free)] = targetId
        } else {
            slot = Int32(events.count)
            events.append(event)
            eventTargets.append(targetId)
        }
        if event.running {
            runningEnds[event.functionKey, default: PriorityQueue()].push(event.dueMs)
            if functions[event.functionKey]?.reservedConcurrency == nil { unreservedEnds.push(event.dueMs) }
        }
        schedule(slot, at: event.dueMs)
        if emitEnqueue {
            emit(TimelineEntry(timeMs: event.enqueuedMs, event: .enqueue, function: display(event), requestId: event.requestId,
                               why: .enqueued(from: event.source, parent: nil)))
        }
    }

    /// Events from the state's inbox (queued by `invoke`, SNS, S3): those queued while this run
    /// went on cannot start before the run's current time.
    private func ingest(_ inbox: [AsyncEvent], initial: Bool) {
        for event in inbox {
            var queued = QueuedEvent(event)
            if !initial { queued.dueMs = max(queued.dueMs, simNow) }
            add(queued, emitEnqueue: true)
        }
    }

    private func schedule(_ slot: Int32, at time: SimInstant) {
        order += 1
        heap.push(ScheduledItem(timeMs: time, order: order, index: slot))
    }

    private func done(_ slot: Int) {
        events[slot] = nil
        freeSlots.append(Int32(slot))
    }

    private func emit(_ entry: TimelineEntry) {
        if options.collectTimeline { timeline.append(entry) }
    }

    private func isSorted(_ entries: [TimelineEntry]) -> Bool {
        var previous = SimInstant.min
        for e in entries {
            if e.timeMs < previous { return false }
            previous = e.timeMs
        }
        return true
    }

    // MARK: - Targets

    /// A function as one event's qualifier resolves it now.
    struct Target {
        var functionKey: String
        var version: FunctionVersion
        var qualifiedArn: String
        var invokedArn: String
        var display: String
        var policy: AsyncPolicy
        var reserved: Int?
        var deadLetterArn: String?
        /// `region/name`: the function's log file.
        var logKey: String
        /// An alias's `additionalVersionWeights` (versions in key order); empty otherwise.
        var routes: [(weight: Double, version: FunctionVersion, policy: AsyncPolicy)] = []

        /// The target as it applies to the version an attempt ran on: a routed version brings its
        /// own dead-letter queue, and its event invoke config when the alias has none.
        func ran(_ executedVersion: String?) -> Target {
            guard !routes.isEmpty, let executedVersion, executedVersion != version.version,
                let route = routes.first(where: { $0.version.version == executedVersion })
            else { return self }
            var routed = self
            routed.policy = route.policy
            routed.deadLetterArn = AsyncPolicy.nonEmpty(route.version.deadLetterTargetArn)
            return routed
        }
    }

    /// The version one attempt runs on: for a weighted alias a draw from the run's generator
    /// (so a seed replays the same choices), as `Engine.routed` does for synchronous invokes.
    private func routedVersion(_ target: Target) -> FunctionVersion {
        guard !target.routes.isEmpty else { return target.version }
        var draw = Double(rng.next() >> 11) * 0x1p-53
        for route in target.routes {
            if draw < route.weight { return route.version }
            draw -= route.weight
        }
        return target.version
    }

    private func target(slot: Int) -> Target? {
        let id = Int(eventTargets[slot])
        if let cached = resolvedTargets[id] { return cached }
        let (functionKey, qualifier) = targetKeys[id]
        var resolved: Target?
        if let record = functions[functionKey] {
            var version = record.version(qualifier)
            if version == nil, let alias = record.aliases[qualifier] { version = record.version(alias.functionVersion) }
            if let version {
                let unqualified = version.unqualifiedArn
                let name = version.name
                resolved = Target(
                    functionKey: functionKey, version: version, qualifiedArn: unqualified + ":" + qualifier,
                    invokedArn: qualifier == "$LATEST" ? unqualified : unqualified + ":" + qualifier,
                    display: qualifier == "$LATEST" ? name : name + ":" + qualifier,
                    policy: record.asyncPolicy(qualifier: qualifier, executedVersion: version.version),
                    reserved: record.reservedConcurrency, deadLetterArn: AsyncPolicy.nonEmpty(version.deadLetterTargetArn),
                    logKey: version.region + "/" + version.name)
                if let weights = record.aliases[qualifier]?.additionalVersionWeights {
                    resolved?.routes = weights.keys.sorted().compactMap { key in
                        guard let weight = weights[key], weight > 0, let routed = record.version(key) else { return nil }
                        return (weight, routed, record.asyncPolicy(qualifier: qualifier, executedVersion: routed.version))
                    }
                }
            }
        }
        resolvedTargets[id] = .some(resolved)
        return resolved
    }

    private func display(_ event: QueuedEvent) -> String {
        let name = event.functionKey.split(separator: "/", maxSplits: 1).last.map(String.init) ?? event.functionKey
        return event.qualifier == "$LATEST" ? name : name + ":" + event.qualifier
    }

    /// Executions of functions without reserved concurrency still running at `t`.
    private func runningUnreserved(at t: SimInstant) -> Int {
        while let first = unreservedEnds.first, first <= t { _ = unreservedEnds.pop() }
        return unreservedEnds.count
    }

    /// The account's unreserved pool, computed once per batch and only when needed (it reads every function).
    private func unreservedLimit() -> Int {
        if let cached = cachedUnreservedLimit { return cached }
        let limit = accountLimit - functions.values.compactMap(\.reservedConcurrency).reduce(0, +)
        cachedUnreservedLimit = limit
        return limit
    }

    /// Executions of the function still running at `t` (their attempts end after `t`).
    private func running(_ functionKey: String, at t: SimInstant) -> Int {
        guard var ends = runningEnds[functionKey] else { return 0 }
        while let first = ends.first, first <= t { _ = ends.pop() }
        runningEnds[functionKey] = ends
        return ends.count
    }

    // MARK: - Steps

    private func process(slot: Int, at t: SimInstant) {
        guard let event = events[slot] else { return }
        if event.running { complete(event, slot: slot, at: t) } else { attempt(event, slot: slot, at: t) }
    }

    private func attempt(_ original: QueuedEvent, slot: Int, at t: SimInstant) {
        var event = original
        guard let target = target(slot: slot) else {
            emit(TimelineEntry(timeMs: t, event: .discard, function: display(event), requestId: event.requestId,
                               why: .functionDeleted))
            done(slot)
            return
        }
        let policy = target.policy
        let maxAgeMs = Int64(policy.maximumEventAgeSeconds) * 1000
        if t - event.enqueuedMs >= maxAgeMs {
            fail(event, slot: slot, target: target.ran(event.last?.executedVersion), condition: "EventAgeExceeded", at: t,
                 expired: .ageExceeded(maxAgeSeconds: policy.maximumEventAgeSeconds, attempts: event.attempts, nextMs: nil,
                                       enqueuedMs: event.enqueuedMs))
            return
        }
        if target.reserved == 0 {
            emit(TimelineEntry(timeMs: t, event: .throttle, function: target.display, requestId: event.requestId,
                               result: "throttled", errorType: "TooManyRequestsException", condition: "ZeroReservedConcurrency",
                               why: .zeroReserved))
            fail(event, slot: slot, target: target, condition: "ZeroReservedConcurrency", at: t, expired: nil)
            return
        }
        // Concurrency (docs/concurrency.md): this run's own executions plus, in wall mode, those
        // other processes hold (sync invokes, serve) as leases.
        func throttle(_ why: (_ delay: Int64, _ next: SimInstant) -> TimelineEntry.Why) {
            event.throttles += 1
            let delay = min(Int64(300_000), Int64(1000) << Int64(min(event.throttles - 1, 20)))
            let next = t + delay
            emit(TimelineEntry(timeMs: t, event: .throttle, function: target.display, requestId: event.requestId,
                               result: "throttled", errorType: "TooManyRequestsException", why: why(delay, next)))
            if next - event.enqueuedMs >= maxAgeMs {
                fail(event, slot: slot, target: target.ran(event.last?.executedVersion), condition: "EventAgeExceeded", at: t,
                     expired: .ageExceeded(maxAgeSeconds: policy.maximumEventAgeSeconds, attempts: event.attempts,
                                           nextMs: next, enqueuedMs: event.enqueuedMs))
            } else {
                event.dueMs = next
                events[slot] = event
                schedule(Int32(slot), at: next)
            }
        }
        if let reserved = target.reserved {
            let busy = running(target.functionKey, at: t) + external.byFunction[target.functionKey, default: 0]
            if busy >= reserved {
                throttle { .throttled(reserved: reserved, running: busy, delayMs: $0, nextMs: $1) }
                return
            }
        } else {
            let busy = runningUnreserved(at: t) + external.unreserved
            if busy >= unreservedFloor, busy >= unreservedLimit() {
                let limit = unreservedLimit()
                throttle { .accountThrottled(limit: limit, running: busy, delayMs: $0, nextMs: $1) }
                return
            }
        }
        event.attempts += 1
        let version = routedVersion(target)
        var stream = ""
        if version.runtime != RuntimeName.builtin {
            stream = FunctionEnvironment.logStreamName(version: version.version, startMs: t, hex: rng.hex32())
        }
        let input = InvocationInput(requestId: event.requestId, payload: event.payload, function: version,
                                    invokedArn: target.invokedArn, clientContext: nil, startMs: t, attempt: event.attempts,
                                    logStreamName: stream)
        var output: InvocationOutput
        if version.runtime == RuntimeName.builtin {
            // Builtin handlers run in-process: one warm environment per target (per routed
            // version for weighted aliases) for the whole run (what the pool would hand out),
            // without the pool's bookkeeping per attempt.
            let environment: BuiltinEnvironment
            if target.routes.isEmpty {
                let id = Int(eventTargets[slot])
                if let warm = builtinEnvironments[id], warm.isReusable {
                    environment = warm
                } else {
                    environment = BuiltinEnvironment()
                    builtinEnvironments[id] = environment
                }
            } else if let warm = routedEnvironments[version.qualifiedArn], warm.isReusable {
                environment = warm
            } else {
                environment = BuiltinEnvironment()
                routedEnvironments[version.qualifiedArn] = environment
            }
            output = environment.invoke(input)
        } else if wallOffset != nil {
            // A real process runs in real time: other processes count it through a lease.
            let leases = ConcurrencyLeases(store: engine.store)
            let lease = try? leases.acquire(functionKey: target.functionKey, reserved: target.reserved,
                                            unreservedFloor: unreservedFloor, unreservedLimit: { self.unreservedLimit() },
                                            holder: "async", ttlMs: Int64(version.timeout) * 1000 + 1000, untilRelease: true)
            if case let .failure(reason)? = lease {
                event.attempts -= 1
                let busy = target.reserved.map { _ in running(target.functionKey, at: t) } ?? runningUnreserved(at: t)
                switch reason {
                case .reserved:
                    throttle { .throttled(reserved: target.reserved ?? 0, running: busy + 1, delayMs: $0, nextMs: $1) }
                case .account:
                    let limit = unreservedLimit()
                    throttle { .accountThrottled(limit: limit, running: busy + 1, delayMs: $0, nextMs: $1) }
                }
                return
            }
            output = engine.environments.run(input)
            if case let .success(id)? = lease { leases.release(id) }
        } else {
            output = engine.environments.run(input)
        }
        if output.payload.count > PayloadLimits.response, !output.isError {
            output.payload = JSONWriter.bytes(.object(JSONObject([
                ("errorMessage", .string("Response payload size exceeded maximum allowed payload size (\(PayloadLimits.response) bytes).")),
                ("errorType", "Function.ResponseSizeTooLarge"),
            ])))
            output.errorType = "Function.ResponseSizeTooLarge"
        }
        attemptsRun += 1
        let end = t + max(1, Int64(output.durationMs.rounded(.up)))
        logs.add(function: version, key: target.logKey, requestId: event.requestId, startMs: t, output: output)
        runningEnds[target.functionKey, default: PriorityQueue()].push(end)
        if target.reserved == nil { unreservedEnds.push(end) }
        if let offset = wallOffset, version.runtime == RuntimeName.builtin, end - offset > WallClock.nowMs() {
            // A simulated duration that reaches past now: other processes count it until it ends.
            try? ConcurrencyLeases(store: engine.store).addTimed([(target.functionKey, target.reserved != nil, "async", end - offset)])
        }
        event.last = LastAttempt(startMs: t, endMs: end, executedVersion: version.version, errorType: output.errorType,
                                 timedOut: output.timedOut, response: output.payload)
        event.running = true
        event.dueMs = end
        events[slot] = event
        schedule(Int32(slot), at: end)
        if options.collectTimeline {
            var entry = TimelineEntry(timeMs: t, event: .invoke, function: target.display, requestId: event.requestId,
                                      attempt: event.attempts,
                                      result: output.timedOut ? "timeout" : (output.isError ? "error" : "success"),
                                      errorType: output.errorType, billedMs: Int(end - t),
                                      why: .attempt(number: event.attempts, maxRetries: policy.maximumRetryAttempts,
                                                    afterThrottles: event.throttles))
            if options.collectPayloads {
                entry.payload = TimelineEntry.clip(event.payload)
                entry.response = TimelineEntry.clip(output.payload)
            }
            emit(entry)
        }
    }

    private func complete(_ original: QueuedEvent, slot: Int, at t: SimInstant) {
        var event = original
        event.running = false
        guard let target = target(slot: slot)?.ran(event.last?.executedVersion), let last = event.last else {
            emit(TimelineEntry(timeMs: t, event: .discard, function: display(event), requestId: event.requestId,
                               why: .functionDeleted))
            done(slot)
            return
        }
        let policy = target.policy
        if last.errorType == nil {
            if let arn = policy.onSuccess {
                deliverRecord(event, target: target, condition: "Success", arn: arn, onSuccess: true, at: t)
            }
            done(slot)
            return
        }
        guard event.attempts <= policy.maximumRetryAttempts else {
            fail(event, slot: slot, target: target, condition: "RetriesExhausted", at: t, expired: nil)
            return
        }
        let delay = 60_000 * Int64(event.attempts)
        let next = max(last.startMs + delay, t)
        if next - event.enqueuedMs >= Int64(policy.maximumEventAgeSeconds) * 1000 {
            fail(event, slot: slot, target: target, condition: "EventAgeExceeded", at: t,
                 expired: .ageExceeded(maxAgeSeconds: policy.maximumEventAgeSeconds, attempts: event.attempts, nextMs: next,
                                       enqueuedMs: event.enqueuedMs))
            return
        }
        emit(TimelineEntry(timeMs: t, event: .retryScheduled, function: target.display, requestId: event.requestId,
                           attempt: event.attempts + 1,
                           why: .retry(failed: event.attempts, nextAttempt: event.attempts + 1, delayMs: delay, nextMs: next,
                                       maxRetries: policy.maximumRetryAttempts)))
        event.dueMs = next
        events[slot] = event
        schedule(Int32(slot), at: next)
    }

    /// Failure handling: the on-failure destination and the dead-letter queue, or nothing.
    private func fail(_ event: QueuedEvent, slot: Int, target: Target, condition: String, at t: SimInstant,
                      expired: TimelineEntry.Why?)
    {
        if let expired {
            emit(TimelineEntry(timeMs: t, event: .expire, function: target.display, requestId: event.requestId,
                               condition: condition, why: expired))
        }
        let onFailure = target.policy.onFailure
        if onFailure == nil, target.deadLetterArn == nil {
            emit(TimelineEntry(timeMs: t, event: .discard, function: target.display, requestId: event.requestId,
                               condition: condition, why: .noFailureTarget))
        }
        if let onFailure {
            deliverRecord(event, target: target, condition: condition, arn: onFailure, onSuccess: false, at: t)
        }
        if let dlq = target.deadLetterArn {
            let functionError = event.last?.errorType != nil
            let code = functionError ? 200 : 429
            let message = event.last.map { AsyncRecords.errorMessage($0.response) } ?? "Rate Exceeded."
            let attributes = AsyncRecords.deadLetterAttributes(requestId: event.requestId, errorCode: code,
                                                                errorMessage: message)
            let kind = destination(dlq).kind
            let entry = timeline.count
            emit(TimelineEntry(timeMs: t, event: .dlq, function: target.display, requestId: event.requestId, result: "success",
                               condition: condition, target: dlq,
                               why: .deadLetter(targetKind: kind, errorCode: code, deliveryError: nil)))
            deliveries.append(PendingDelivery(timeMs: t, arn: dlq, body: event.payload, attributes: attributes,
                                              detailType: nil, source: nil, s3Key: nil, entry: entry, role: target.version.role))
        }
        done(slot)
    }

    private func deliverRecord(_ event: QueuedEvent, target: Target, condition: String, arn: String, onSuccess: Bool,
                               at t: SimInstant)
    {
        let record = AsyncRecords.invocationRecord(timestampMs: t, requestId: event.requestId, functionArn: target.qualifiedArn,
                                                   condition: condition, approximateInvokeCount: event.attempts,
                                                   payload: event.payload, last: event.last, iso: &iso)
        let info = destination(arn)
        let kind = info.kind
        let entry = timeline.count
        var line = TimelineEntry(timeMs: t, event: .destination, function: target.display, requestId: event.requestId,
                                 result: "success", condition: condition, target: arn,
                                 why: .destination(onSuccess: onSuccess, targetKind: kind, deliveryError: nil))
        switch info.service {
        case "lambda":
            guard let ref = FunctionReference.parse(arn),
                let record2 = functions[State.functionKey(region: ref.region ?? engine.region, name: ref.name)]
            else {
                line.result = "error"
                line.errorType = "ResourceNotFoundException"
                line.why = .destination(onSuccess: onSuccess, targetKind: kind, deliveryError: "the function does not exist")
                emit(line)
                return
            }
            // The record is an asynchronous invocation of the target: the 1 MB Event limit applies
            // (so two functions that are each other's destination cannot grow it without bound).
            guard record.count <= PayloadLimits.asyncRequest else {
                line.result = "error"
                line.errorType = "RequestEntityTooLargeException"
                line.why = .destination(onSuccess: onSuccess, targetKind: kind, deliveryError:
                    "the \(record.count) byte record is too large for the Event invocation type (limit \(PayloadLimits.asyncRequest) bytes)")
                emit(line)
                return
            }
            emit(line)
            let qualifier = ref.qualifier ?? "$LATEST"
            let version = record2.version(qualifier)?.version
                ?? record2.aliases[qualifier]?.functionVersion ?? "$LATEST"
            var next = QueuedEvent(requestId: rng.uuid(), functionKey: State.functionKey(region: ref.region ?? engine.region, name: ref.name),
                                   qualifier: qualifier, executedVersion: version, payload: record, enqueuedMs: t, dueMs: t,
                                   source: "destination", depth: event.depth + 1, sequence: 0)
            next.sequence = Int64(order)
            if next.depth > Self.maxDepth {
                emit(TimelineEntry(timeMs: t, event: .discard, function: display(next), requestId: next.requestId,
                                   why: .recursion(depth: next.depth)))
                return
            }
            add(next, emitEnqueue: false)
            emit(TimelineEntry(timeMs: t, event: .enqueue, function: display(next), requestId: next.requestId,
                               why: .enqueued(from: "destination", parent: target.display)))
        case "s3":
            let key = Self.s3Key(function: target.version.name, at: t, uuid: rng.uuid())
            emit(line)
            deliveries.append(PendingDelivery(timeMs: t, arn: arn, body: record, attributes: [:], detailType: nil, source: nil,
                                              s3Key: key, entry: entry, role: target.version.role))
        case "events":
            emit(line)
            deliveries.append(PendingDelivery(
                timeMs: t, arn: arn, body: record, attributes: [:],
                detailType: onSuccess ? "Lambda Function Invocation Result - Success" : "Lambda Function Invocation Result - Failure",
                source: "lambda", s3Key: nil, entry: entry, role: target.version.role))
        default:
            emit(line)
            deliveries.append(PendingDelivery(timeMs: t, arn: arn, body: record, attributes: [:], detailType: nil, source: nil,
                                              s3Key: nil, entry: entry, role: target.version.role))
        }
    }

    /// `aws/lambda/async/<function>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>` (reference §2.2).
    static func s3Key(function: String, at t: SimInstant, uuid: String) -> String {
        let iso = TimeFormat.iso(t)
        let day = iso.prefix(10).split(separator: "-").joined(separator: "/")
        let stamp = iso.prefix(19).split(separator: ":", omittingEmptySubsequences: false).joined(separator: ".")
        return "aws/lambda/async/\(function)/\(day)/\(stamp)-\(uuid)"
    }

    /// The service of a destination ARN and how sentences name it (`SQS queue`, …), cached:
    /// a run sends many records to the same few targets.
    private func destination(_ arn: String) -> (service: String, kind: String) {
        if let known = destinations[arn] { return known }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        let service = parts.count > 2 ? String(parts[2]) : ""
        let kind: String
        switch service {
        case "sqs": kind = "SQS queue"
        case "sns": kind = "SNS topic"
        case "events": kind = "EventBridge event bus"
        case "s3": kind = "S3 bucket"
        case "lambda": kind = "Lambda function"
        default: kind = "target"
        }
        destinations[arn] = (service, kind)
        return (service, kind)
    }

    // MARK: - Deliveries

    struct PendingDelivery: Sendable {
        var timeMs: SimInstant
        var arn: String
        var body: [UInt8]
        var attributes: [String: MessageAttributeValue]
        var detailType: String?
        var source: String?
        var s3Key: String?
        /// The timeline entry to mark when delivery fails.
        var entry: Int
        /// The function's execution role, which must be allowed the delivery (Services/IAM/).
        var role: String? = nil
    }

    /// Under the lock: hands the deliveries to the local resources, each at its simulated time.
    /// Returns the ones that failed, by timeline entry.
    static func apply(_ deliveries: [PendingDelivery], to state: inout State, engine: Engine) -> [(entry: Int, error: ServiceError)] {
        guard !deliveries.isEmpty else { return [] }
        var failures: [(entry: Int, error: ServiceError)] = []
        let saved = state.clock
        let wall = WallClock.nowMs()
        for delivery in deliveries {
            switch saved.mode {
            case .manual: state.clock.nowMs = delivery.timeMs
            case .wall: state.clock.offsetMs = delivery.timeMs - wall
            }
            do {
                if let role = delivery.role { try engine.requireDelivery(state, roleArn: role, targetArn: delivery.arn) }
                try engine.deliverToResource(&state, arn: delivery.arn, body: String(decoding: delivery.body, as: UTF8.self),
                                             attributes: delivery.attributes, eventBridgeDetailType: delivery.detailType,
                                             eventBridgeSource: delivery.source, s3Key: delivery.s3Key)
            } catch let error as ServiceError {
                failures.append((delivery.entry, error))
            } catch {
                failures.append((delivery.entry, ServiceError("DeliveryFailed", "\(error)", status: 500)))
            }
        }
        state.clock = saved
        return failures
    }

    private func markFailed(_ index: Int, _ error: ServiceError) {
        guard options.collectTimeline, index < timeline.count else { return }
        let text = "\(error.code): \(error.message)"
        timeline[index].result = "error"
        timeline[index].errorType = error.code
        switch timeline[index].why {
        case let .destination(onSuccess, kind, _):
            timeline[index].why = .destination(onSuccess: onSuccess, targetKind: kind, deliveryError: text)
        case let .deadLetter(kind, code, _):
            timeline[index].why = .deadLetter(targetKind: kind, errorCode: code, deliveryError: text)
        default: break
        }
    }
}
