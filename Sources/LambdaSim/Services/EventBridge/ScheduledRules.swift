import LambdaSimJSON

/// Scheduled rules on the simulated clock: `simulate` (and the background runner, with horizon
/// `.now`) fires every firing that comes due up to its horizon, in chunks, and runs the async
/// queue (and the event source pollers) up to each chunk's last firing, so a `rate(1 minute)`
/// rule over 30 days is 43,200 invocations in one run. A run without `--for`/`--until` fires
/// only what is already due: a schedule never runs out of work.
extension Engine {
    /// Firings put into the async inbox before the queue runs.
    static let scheduleChunk = 5_000

    /// The earliest firing of an enabled scheduled rule.
    public static func nextScheduledFiring(_ state: State) -> SimInstant? {
        state.eventRules?.rules.values.compactMap { $0.isEnabled ? $0.nextFireMs : nil }.min()
    }

    func simulateWithSchedules(_ options: SimulationOptions) throws -> SimulationResult? {
        let first = try store.read()
        guard let firstFiring = Self.nextScheduledFiring(first) else { return nil }
        let startMs = now(first)
        let horizon: SimInstant
        switch options.horizon {
        case .idle, .now: horizon = startMs
        case let .duration(ms): horizon = startMs + max(0, ms)
        case let .until(t): horizon = max(t, startMs)
        }
        var timeline: [TimelineEntry] = []
        var attempts = 0
        var last: SimulationResult?
        var firing = firstFiring <= horizon
        repeat {
            var chunkEnd = horizon
            var more = false
            if firing {
                let fired = try store.update { state -> (entries: [TimelineEntry], end: SimInstant, more: Bool) in
                    self.fireSchedules(&state, upTo: horizon, max: Self.scheduleChunk, collect: options.collectTimeline)
                }
                if options.collectTimeline { timeline += fired.entries }
                more = fired.more
                if more { chunkEnd = fired.end }
            }
            var inner = options
            switch options.horizon {
            case .now, .idle: break
            case .duration, .until: inner.horizon = .until(chunkEnd)
            }
            let result = try simulateWithEventSources(inner) ?? AsyncScheduler(engine: self, options: inner).run()
            if options.collectTimeline { timeline += result.timeline }
            attempts += result.attempts
            last = result
            firing = more
        } while firing
        let sorted = timeline.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
        let after = try store.read()
        let nextFiring = Self.nextScheduledFiring(after)
        let wake = [last?.nextWakeMs, nextFiring].compactMap { $0 }.min()
        return SimulationResult(timeline: sorted, startMs: startMs, endMs: last?.endMs ?? startMs, attempts: attempts, nextWakeMs: wake,
                                busy: last?.busy ?? false)
    }

    /// Under the lock: fires due firings (at most `max`) in time order. Returns the lines, the
    /// time of the last firing and whether firings up to `limit` are left.
    func fireSchedules(_ state: inout State, upTo limit: SimInstant, max: Int, collect: Bool)
        -> (entries: [TimelineEntry], end: SimInstant, more: Bool)
    {
        var rules = state.rulesState.rules
        let inboxBefore = state.asyncQueue.count
        var due = rules.filter { $0.value.isEnabled && ($0.value.nextFireMs ?? .max) <= limit }
        var entries: [TimelineEntry] = []
        var end = limit
        var count = 0
        var parsed: [String: ScheduleExpression] = [:]
        while let (key, rule) = due.min(by: { ($0.value.nextFireMs ?? .max, $0.key) < ($1.value.nextFireMs ?? .max, $1.key) }) {
            guard let t = rule.nextFireMs, t <= limit else { break }
            if count >= max {
                state.rulesState.rules = rules
                entries += moveInboxToQueueFile(&state, after: inboxBefore, collect: collect)
                return (entries, end, true)
            }
            let event = Self.scheduledEvent(rule: rule, id: state.rng.uuid(), at: t)
            for target in rule.targets {
                let lines = deliverRuleTarget(&state, rule: rule, target: target, event: event, at: t, step: .schedule, hops: 0)
                if collect { entries += lines }
            }
            if rule.targets.isEmpty, collect {
                entries.append(TimelineEntry(timeMs: t, event: .schedule, function: rule.name, requestId: event["id"]?.stringValue ?? "",
                                             source: "events",
                                             why: .recorded(reason: "Scheduled rule \(rule.name) (\(rule.scheduleExpression ?? "")) fired, but it has no targets.",
                                                            detail: "\(rule.name): no targets")))
            }
            var next = rule
            if parsed[key] == nil, let text = rule.scheduleExpression { parsed[key] = ScheduleExpression.parse(text) }
            next.nextFireMs = parsed[key]?.next(after: t, anchorMs: rule.anchorMs ?? 0)
            rules[key] = next
            due[key] = next
            end = t
            count += 1
        }
        state.rulesState.rules = rules
        entries += moveInboxToQueueFile(&state, after: inboxBefore, collect: collect)
        return (entries, end, false)
    }

    /// Moves the events this firing put in the state's inbox into the async queue file (as
    /// `enqueueBatch` does), so thousands of firings never bloat the state file; left in the
    /// inbox when another process holds the queue.
    /// Returns their `enqueue` lines (the queue's run shows none for events read from the file).
    func moveInboxToQueueFile(_ state: inout State, after count: Int, collect: Bool) -> [TimelineEntry] {
        guard state.asyncQueue.count > count else { return [] }
        var info = state.asyncState ?? AsyncState()
        if let lease = info.lease, !lease.isVoid(wallNow: WallClock.nowMs()) { return [] }
        if info.storeId == nil { info.storeId = state.rng.hex32() }
        let storeId = info.storeId ?? ""
        let file = AsyncQueueFile(stateDirectory: store.directory)
        let fresh = state.asyncQueue[count...].map { QueuedEvent($0) }
        do {
            var existing = (info.pending ?? 0) > 0 ? try file.load(storeId: storeId) : []
            existing += fresh
            try file.write(existing, storeId: storeId)
            info.pending = existing.count
            info.nextDueMs = existing.map(\.dueMs).min()
        } catch {
            return []
        }
        let lines = collect ? state.asyncQueue[count...].map { e in
            TimelineEntry(timeMs: e.enqueuedMs, event: .enqueue,
                          function: String(e.functionKey.split(separator: "/").last ?? "") + (e.qualifier == "$LATEST" ? "" : ":" + e.qualifier),
                          requestId: e.requestId, why: .enqueued(from: "events", parent: nil))
        } : []
        state.asyncQueue.removeSubrange(count...)
        state.asyncState = info
        return lines
    }
}
