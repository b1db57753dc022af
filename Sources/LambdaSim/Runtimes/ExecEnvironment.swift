import LambdaSimJSON

/// `--runtime exec`: any executable. The event goes to stdin, the response comes from stdout,
/// stderr is the log, and a non-zero exit is a function error. One process per invocation.
final class ExecEnvironment: ExecutionEnvironment {
    let settings: EngineSettings
    init(settings: EngineSettings) { self.settings = settings }

    var isReusable: Bool { true }
    func shutdown() {}

    func invoke(_ input: InvocationInput) -> InvocationOutput {
        let f = input.function
        let handler = f.handler ?? ""
        let root = f.code.map { Self.directory(of: $0.path) } ?? "/"
        let executable = handler.hasPrefix("/") ? handler : root + "/" + (handler.hasPrefix("./") ? String(handler.dropFirst(2)) : handler)
        var env = FunctionEnvironment.variables(for: f, logStreamName: input.logStreamName, settings: settings, taskRoot: root)
        env["AWS_LAMBDA_REQUEST_ID"] = input.requestId
        env["AWS_LAMBDA_INVOKED_FUNCTION_ARN"] = input.invokedArn
        let payload = input.payload.isEmpty ? Array("{}".utf8) : input.payload
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: executable, arguments: [], environment: env, directory: root)
        } catch {
            let message = "RequestId: \(input.requestId) Error: fork/exec \(executable): \(error)"
            return InvocationOutput(
                payload: JSONWriter.bytes(.object(JSONObject([("errorType", "Runtime.InvalidEntrypoint"), ("errorMessage", .string(message))]))),
                errorType: "Runtime.InvalidEntrypoint", log: message + "\n", durationMs: 0, maxMemoryUsedMB: 0)
        }
        ProcessGroups.add(process.pid)
        // What is kept is bounded whatever the process prints: one byte more than the largest
        // response (so a larger one is recognised) and the log cap of the other runtimes.
        let result = process.communicate(input: payload, timeoutMs: f.timeout * 1000,
                                         maxStdout: PayloadLimits.response + 1, maxStderr: RuntimeAPIEnvironment.maxLogBytes)
        ProcessGroups.remove(process.pid)
        let memory = max(1, (process.maxRSSKB + 1023) / 1024)
        var log = String(decoding: result.stderr, as: UTF8.self)
        if !log.isEmpty, !log.hasSuffix("\n") { log += "\n" }
        if result.droppedStderr > 0 { log += "[lambda-sim] \(result.droppedStderr) more bytes of output were dropped\n" }
        if result.timedOut {
            var out = BuiltinEnvironment.timeout(input, elapsedMs: result.elapsedMs, initMs: nil, memory: memory)
            out.log = log + out.log
            return out
        }
        if process.exitSignal != 0 || process.exitStatus != 0 {
            if let doc = try? JSONParser.parse(bytes: result.stdout), doc["errorMessage"] != nil || doc["errorType"] != nil {
                return InvocationOutput(payload: result.stdout, errorType: doc["errorType"]?.stringValue ?? "Unhandled", log: log,
                                        durationMs: result.elapsedMs, maxMemoryUsedMB: memory)
            }
            let reason = process.exitSignal != 0 ? "signal: \(Self.signalName(process.exitSignal))" : "exit status \(process.exitStatus)"
            let message = "RequestId: \(input.requestId) Error: Runtime exited with error: \(reason)"
            return InvocationOutput(
                payload: JSONWriter.bytes(.object(JSONObject([("errorType", "Runtime.ExitError"), ("errorMessage", .string(message))]))),
                errorType: "Runtime.ExitError", log: log + message + "\nRuntime.ExitError\n", durationMs: result.elapsedMs,
                maxMemoryUsedMB: memory)
        }
        return InvocationOutput(payload: result.stdout, log: log, durationMs: result.elapsedMs, maxMemoryUsedMB: memory)
    }

    static func directory(of path: String) -> String {
        var isDir = false
        var st = stat()
        if stat(path, &st) == 0 { isDir = (st.st_mode & S_IFMT) == S_IFDIR }
        if isDir { return path }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGKILL: return "killed"
        case SIGSEGV: return "segmentation fault"
        case SIGABRT: return "aborted"
        case SIGTERM: return "terminated"
        default: return "signal \(s)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
