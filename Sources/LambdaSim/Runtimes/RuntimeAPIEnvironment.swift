import LambdaSimJSON

/// Python, Node.js and `provided` runtimes: a process speaking the Lambda Runtime API.
enum RuntimeAPIEnvironment {
    static func make(function: FunctionVersion, settings: EngineSettings) -> any ExecutionEnvironment {
        UnsupportedRuntimeEnvironment(runtime: function.runtime ?? "")
    }
}

/// Answers every invocation with `Runtime.InvalidRuntime` (runtimes lambda-sim cannot run, e.g. java).
final class UnsupportedRuntimeEnvironment: ExecutionEnvironment {
    let runtime: String
    init(runtime: String) { self.runtime = runtime }
    var isReusable: Bool { true }
    func shutdown() {}
    func invoke(_ input: InvocationInput) -> InvocationOutput {
        let message = "RequestId: \(input.requestId) Error: lambda-sim cannot run runtime \(runtime)"
        return InvocationOutput(
            payload: JSONWriter.bytes(.object(JSONObject([("errorType", "Runtime.InvalidRuntime"), ("errorMessage", .string(message))]))),
            errorType: "Runtime.InvalidRuntime", log: message + "\n", durationMs: 0, maxMemoryUsedMB: 0)
    }
}
