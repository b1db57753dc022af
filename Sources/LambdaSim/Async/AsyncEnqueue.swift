#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Engine {
    /// Queues `count` asynchronous invocations of one function with the same payload, as that
    /// many `invoke --invocation-type Event` calls would, in one state update. The events go
    /// straight into the async queue file, so 100,000 of them do not grow the state file
    /// (scenario files and benchmarks use this). Returns their timeline `enqueue` entries when
    /// `collectTimeline` is set.
    public func enqueueBatch(functionName: String, qualifier: String?, payload: [UInt8], count: Int,
                             source: String = "scenario", collectTimeline: Bool = true) throws -> [TimelineEntry]
    {
        let body = payload.isEmpty ? Array("{}".utf8) : payload
        if body.count > PayloadLimits.asyncRequest {
            throw ServiceError("RequestEntityTooLargeException",
                               "\(body.count) byte payload is too large for the Event invocation type (limit \(PayloadLimits.asyncRequest) bytes)",
                               status: 413)
        }
        if let problem = JSONSyntax.jacksonProblem(body) {
            throw ServiceError("InvalidRequestContentException",
                               "Could not parse request body into json: Could not parse payload into json: \(problem)", status: 400)
        }
        let file = AsyncQueueFile(stateDirectory: store.directory)
        while true {
            let entries = try store.update { state -> [TimelineEntry]? in
                let wall = WallClock.nowMs()
                if let lease = state.asyncState?.lease, !lease.isVoid(wallNow: wall) { return nil }
                let found = try self.resolve(state, functionName: functionName, qualifier: qualifier)
                let now = state.clock.now(wall: wall)
                var info = state.asyncState ?? AsyncState()
                if info.storeId == nil { info.storeId = state.rng.hex32() }
                let storeId = info.storeId ?? ""
                let q = found.qualifier ?? "$LATEST"
                let display = q == "$LATEST" ? found.version.name : found.version.name + ":" + q
                var events: [QueuedEvent] = []
                events.reserveCapacity(count)
                var entries: [TimelineEntry] = []
                for _ in 0..<max(0, count) {
                    let event = QueuedEvent(requestId: state.rng.uuid(), functionKey: found.key, qualifier: q,
                                            executedVersion: found.version.version, payload: body, enqueuedMs: now, dueMs: now,
                                            source: source, sequence: state.nextSequence())
                    events.append(event)
                    if collectTimeline {
                        entries.append(TimelineEntry(timeMs: now, event: .enqueue, function: display, requestId: event.requestId,
                                                     why: .enqueued(from: source, parent: nil)))
                    }
                }
                var existing = (info.pending ?? 0) > 0 ? try file.load(storeId: storeId) : []
                existing += events
                try file.write(existing, storeId: storeId)
                info.pending = existing.count
                info.nextDueMs = min(info.nextDueMs ?? now, now)
                state.asyncState = info
                return entries
            }
            if let entries { return entries }
            usleep(20_000)
        }
    }
}
