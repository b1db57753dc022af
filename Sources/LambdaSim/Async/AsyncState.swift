import LambdaSimJSON

/// The async scheduler's bookkeeping kept in the state. (Placeholder: filled in by the
/// asynchronous-invocation work.)
public struct AsyncState: Codable, Sendable {
    public init() {}
}

extension Engine {
    /// Event invoke config operations; nil when `operation` is not one of them.
    func performAsyncOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        nil
    }

    /// Runs the work that has come due since the last command (wall-clock mode only).
    /// Every command calls this before it reads or changes service state.
    public func catchUp() throws {}
}
