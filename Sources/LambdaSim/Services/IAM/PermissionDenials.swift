/// Deliveries a permission check refused outside `simulate` (an SNS publish, an S3 upload),
/// kept in the state until the next `simulate` shows them as `denied` timeline lines.
public struct PermissionDenial: Codable, Sendable {
    public var timeMs: SimInstant
    /// The function (display name) the delivery was for.
    public var function: String
    /// Who was refused (`sns.amazonaws.com`) and what it tried (`lambda:InvokeFunction`).
    public var principal: String
    public var action: String
    /// The source: the topic, bucket or rule ARN.
    public var source: String
    /// The decision's explanation (which statement, or which absence).
    public var explanation: String
}

/// A refusal by a permission check: the service error the caller gets, and what the timeline
/// records (`denied`). `Engine.perform` and `invoke` record it and rethrow the service error.
public struct DeniedByPolicy: Error {
    public var error: ServiceError
    public var function: String
    public var principal: String
    public var action: String
    public var source: String
    public var explanation: String
}

extension Engine {
    /// Runs `body`; a permission refusal is recorded for the timeline and surfaces as its
    /// service error (the refused operation itself changes nothing).
    func recordingDenials<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let denied as DeniedByPolicy {
            try? store.update { state in
                var list = state.permissionDenials ?? []
                list.append(PermissionDenial(timeMs: self.now(state), function: denied.function, principal: denied.principal,
                                             action: denied.action, source: denied.source, explanation: denied.explanation))
                state.permissionDenials = list
            }
            throw denied.error
        }
    }

    /// Records a refused delivery for the timeline.
    public func recordDenial(_ state: inout State, function: String, principal: String, action: String, source: String,
                             decision: PolicyDecision)
    {
        var list = state.permissionDenials ?? []
        list.append(PermissionDenial(timeMs: now(state), function: function, principal: principal, action: action,
                                     source: source, explanation: decision.explanation))
        state.permissionDenials = list
    }

    /// The denials recorded so far as timeline entries, removed from the state (each is shown once).
    public func takeDenials() throws -> [TimelineEntry] {
        try store.update { state -> [TimelineEntry] in
            let list = state.permissionDenials ?? []
            if list.isEmpty { return [] }
            state.permissionDenials = nil
            return list.map { d in
                TimelineEntry(timeMs: d.timeMs, event: .denied, function: d.function, requestId: "", source: d.principal,
                              result: "denied", target: d.source,
                              why: .denied(reason: d.source.isEmpty
                                                ? "\(d.principal) is not allowed to perform \(d.action): \(d.explanation)."
                                                : "\(d.principal) is not allowed to perform \(d.action) on the function, so the delivery from \(d.source) failed: \(d.explanation).",
                                           detail: "\(d.principal) \(d.action) refused (\(d.explanation))"))
            }
        }
    }
}
