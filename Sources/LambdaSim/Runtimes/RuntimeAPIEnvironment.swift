#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LambdaSimJSON

/// Python, Node.js and `provided` runtimes: one execution environment is one process speaking
/// the Lambda Runtime API to a `RuntimeAPIServer` of its own.
///
/// A cold start spawns the process (the bootstrap shipped inside lambda-sim for Python and
/// Node.js, the function's own `bootstrap` for `provided`) in its own process group, with the
/// function's environment plus `AWS_LAMBDA_RUNTIME_API`, in the code directory. `Init
/// Duration` runs from the spawn to the runtime's first `/invocation/next`. The process stays
/// warm for the next invocation of the same function version until the command ends; a
/// timeout, a crash or an initialisation error ends it (the next invocation starts cold).
///
/// While an invocation runs, the invoking thread drives the server and reads the process's
/// output (stdout and stderr share one pipe), so everything the function printed before it
/// answered is in that invocation's log, in order.
final class RuntimeAPIEnvironment: ExecutionEnvironment {
    enum Language: String {
        case python, node, provided
    }

    static func language(of runtime: String) -> Language? {
        if runtime.hasPrefix("python3.") { return .python }
        if runtime.hasPrefix("nodejs") { return .node }
        if runtime == "provided" || runtime.hasPrefix("provided.") { return .provided }
        return nil
    }

    static func make(function: FunctionVersion, settings: EngineSettings) -> any ExecutionEnvironment {
        guard let language = language(of: function.runtime ?? "") else {
            return UnsupportedRuntimeEnvironment(runtime: function.runtime ?? "")
        }
        return RuntimeAPIEnvironment(language: language, settings: settings)
    }

    /// Lambda's limit on the init phase.
    static let initLimitNs: UInt64 = 10_000_000_000
    /// Output kept per invocation; anything beyond is dropped (with a note in the log).
    /// (1 MiB: lambda-sim's own memory for an invocation stays under 64 MB whatever the
    /// function prints; bench/handler-output-memory.sh.)
    static let maxLogBytes = 1 << 20

    let language: Language
    let settings: EngineSettings
    private var process: ChildProcess?
    private var server: RuntimeAPIServer?
    private var spawnNs: UInt64 = 0
    private var output: [UInt8] = []
    private var droppedOutput = 0
    private var outputEOF = false
    private var failed = false

    init(language: Language, settings: EngineSettings) {
        self.language = language
        self.settings = settings
    }

    deinit { stop() }

    var isReusable: Bool {
        guard !failed, let process else { return false }
        return !process.pollExit()
    }

    func shutdown() { stop() }

    private func stop() {
        if let process {
            kill(-process.pid, SIGKILL)
            process.killGroup()
            ProcessGroups.remove(process.pid)
        }
        process = nil
        server?.close()
        server = nil
        output = []
        droppedOutput = 0
        outputEOF = false
    }

    // MARK: - Invoke

    func invoke(_ input: InvocationInput) -> InvocationOutput {
        var cold = false
        if process == nil || !isReusable {
            stop()
            failed = false
            if let failure = start(input) {
                failed = true
                stop()
                return failure
            }
            cold = true
        }
        guard let process, let server else {
            failed = true
            return Self.entrypointError(input, detail: "the runtime process is not running")
        }
        let function = input.function
        let invokeStartNs = WallClock.monotonicNs()
        let timeoutNs = UInt64(max(function.timeout, 1)) * 1_000_000_000
        server.offer(RuntimeAPIServer.Event(
            requestId: input.requestId, payload: input.payload.isEmpty ? Array("{}".utf8) : input.payload,
            invokedFunctionArn: input.invokedArn, traceId: Self.traceId(input),
            clientContext: input.clientContext.map(Self.singleLine), cognitoIdentity: nil,
            timeoutMs: Int64(timeoutNs / 1_000_000)))

        var outcome: RuntimeAPIServer.Outcome?
        var exited = false
        var timedOut = false
        // An initialisation that outlasts Lambda's 10 s init phase goes on inside the invoke
        // phase (AWS initialises again there), which the function's timeout then bounds.
        let initPhaseEnd = spawnNs + Self.initLimitNs
        func invokePhaseStart() -> UInt64 {
            if let delivered = server.deliveredNs { return cold && delivered > initPhaseEnd ? initPhaseEnd : delivered }
            return cold ? initPhaseEnd : invokeStartNs
        }
        while true {
            let now = WallClock.monotonicNs()
            let deadline = invokePhaseStart() + timeoutNs
            if now >= deadline {
                timedOut = true
                break
            }
            let waitMs = Int32(min((deadline - now) / 1_000_000 + 1, 100))
            let watched = server.poll(timeoutMs: waitMs, watch: outputEOF ? [] : [process.stdoutFD])
            if !watched.isEmpty { readOutput() }
            if let done = server.takeOutcome() {
                outcome = done
                break
            }
            if process.pollExit() {
                // Serve what the runtime sent just before it went away, then decide.
                server.drain()
                readOutput()
                if let done = server.takeOutcome() { outcome = done } else { exited = true }
                break
            }
        }
        readOutput()
        server.flushAll()

        let endNs = WallClock.monotonicNs()
        // The invoke phase; an initialisation that failed counts as the phase (AWS re-runs it there).
        let phaseStart = server.deliveredNs ?? (cold ? spawnNs : invokeStartNs)
        let phaseEnd = server.outcomeNs ?? endNs
        let durationMs = Self.ms(phaseEnd > phaseStart ? phaseEnd - phaseStart : 0)
        var initMs: Double?
        if cold { initMs = Self.ms((server.initDoneNs ?? server.outcomeNs ?? endNs) &- spawnNs) }
        let memory = Self.memoryUsedMB(process)

        if timedOut {
            failed = true
            kill(-process.pid, SIGKILL)
            process.killGroup()
            readOutput()
            let elapsed = Self.ms(WallClock.monotonicNs() &- invokePhaseStart())
            var result = BuiltinEnvironment.timeout(input, elapsedMs: elapsed, initMs: initMs, memory: memory)
            result.log = takeLog() + result.log
            stop()
            return result
        }
        if exited {
            failed = true
            let reason: String
            if process.exitSignal != 0 {
                reason = "Runtime exited with error: signal: \(ExecEnvironment.signalName(process.exitSignal))"
            } else if process.exitStatus != 0 {
                reason = "Runtime exited with error: exit status \(process.exitStatus)"
            } else {
                reason = "Runtime exited without providing a reason"
            }
            let message = "RequestId: \(input.requestId) Error: \(reason)"
            let log = takeLog() + message + "\nRuntime.ExitError\n"
            stop()
            return InvocationOutput(
                payload: Self.platformError(type: "Runtime.ExitError", message: message), errorType: "Runtime.ExitError",
                log: log, durationMs: durationMs, initDurationMs: initMs, maxMemoryUsedMB: memory)
        }
        let log = takeLog()
        switch outcome {
        case let .response(bytes):
            return InvocationOutput(payload: bytes, log: log, durationMs: durationMs, initDurationMs: initMs,
                                    maxMemoryUsedMB: memory)
        case let .error(body, type):
            return InvocationOutput(payload: body, errorType: type, log: log, durationMs: durationMs,
                                    initDurationMs: initMs, maxMemoryUsedMB: memory)
        case .responseTooLarge:
            let message = "Response payload size exceeded maximum allowed payload size (\(PayloadLimits.response) bytes)."
            let body = JSONWriter.bytes(.object(JSONObject([
                ("errorMessage", .string(message)), ("errorType", "Function.ResponseSizeTooLarge"),
            ])))
            return InvocationOutput(payload: body, errorType: "Function.ResponseSizeTooLarge", log: log,
                                    durationMs: durationMs, initDurationMs: initMs, maxMemoryUsedMB: memory)
        case let .initError(body, type):
            // The runtime exits after reporting; the next invocation initialises again, as on AWS.
            failed = true
            stop()
            return InvocationOutput(payload: body, errorType: type, log: log, durationMs: durationMs,
                                    initDurationMs: initMs, maxMemoryUsedMB: memory)
        case nil:
            failed = true
            stop()
            return Self.entrypointError(input, detail: "the runtime stopped answering")
        }
    }

    // MARK: - Start

    /// Spawns the runtime process and its server; returns the invocation's answer when that fails.
    private func start(_ input: InvocationInput) -> InvocationOutput? {
        let function = input.function
        let root = function.code.map { ExecEnvironment.directory(of: $0.path) } ?? "/"
        var executable: String
        var arguments: [String] = []
        var extraPath: [String] = []
        switch language {
        case .python, .node:
            let isPython = language == .python
            let wanted = isPython ? settings.pythonPath : settings.nodePath
            guard let interpreter = isPython
                ? RuntimeFiles.interpreter(wanted, directory: root, settings: settings)
                : ChildProcess.which(wanted, searchPath: settings.searchPath)
            else {
                let variable = isPython ? "LAMBDA_SIM_PYTHON" : "LAMBDA_SIM_NODE"
                return Self.entrypointError(
                    input, detail: "lambda-sim cannot run \(function.runtime ?? "") functions: \(wanted) was not found on PATH (install it or set \(variable))")
            }
            let script: String
            do {
                script = isPython
                    ? try RuntimeFiles.bootstrap(language: "python", name: PythonBootstrap.fileName,
                                                 source: PythonBootstrap.source, settings: settings)
                    : try RuntimeFiles.bootstrap(language: "node", name: NodeBootstrap.fileName,
                                                 source: NodeBootstrap.source, settings: settings)
            } catch {
                return Self.entrypointError(input, detail: "\(error)")
            }
            executable = interpreter
            arguments = isPython ? PythonBootstrap.arguments(script: script) : [script]
            if let slash = interpreter.lastIndex(of: "/") { extraPath = [String(interpreter[..<slash])] }
        case .provided:
            executable = root + "/bootstrap"
            guard access(executable, F_OK) == 0 else {
                return Self.entrypointError(input, detail: "Couldn't find valid bootstrap(s): [\(executable) /opt/bootstrap]")
            }
        }
        let server: RuntimeAPIServer
        do {
            server = try RuntimeAPIServer()
        } catch {
            return Self.entrypointError(input, detail: "cannot start the Runtime API: \(error)")
        }
        var environment = FunctionEnvironment.variables(
            for: function, logStreamName: input.logStreamName, settings: settings, taskRoot: root, extraPath: extraPath)
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(server.port)"
        spawnNs = WallClock.monotonicNs()
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                       directory: root, mergeOutput: true)
        } catch {
            server.close()
            return Self.entrypointError(input, detail: "fork/exec \(executable): \(Self.goStyle(error))")
        }
        ProcessGroups.add(process.pid)
        process.closeStdin()
        let flags = fcntl(process.stdoutFD, F_GETFL)
        _ = fcntl(process.stdoutFD, F_SETFL, flags | O_NONBLOCK)
        self.process = process
        self.server = server
        output = []
        droppedOutput = 0
        outputEOF = false
        return nil
    }

    // MARK: - Output

    private func readOutput() {
        guard let process, !outputEOF, process.stdoutFD >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(process.stdoutFD, &buffer, buffer.count)
            if n > 0 {
                let room = Self.maxLogBytes - output.count
                if room > 0 { output += buffer[0..<min(n, room)] }
                droppedOutput += max(0, n - max(room, 0))
                continue
            }
            if n == 0 {
                outputEOF = true
                return
            }
            if errno == EINTR { continue }
            return
        }
    }

    /// The output since the last invocation, as log lines (each ending in a newline).
    private func takeLog() -> String {
        var text = String(decoding: output, as: UTF8.self)
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        if droppedOutput > 0 { text += "[lambda-sim] \(droppedOutput) more bytes of output were dropped\n" }
        output.removeAll(keepingCapacity: true)
        droppedOutput = 0
        return text
    }

    // MARK: - Helpers

    static func ms(_ ns: UInt64) -> Double { Double(ns) / 1_000_000 }

    static func memoryUsedMB(_ process: ChildProcess) -> Int {
        let kb = process.exited ? process.maxRSSKB : (ChildProcess.peakRSSKB(of: process.pid) ?? process.maxRSSKB)
        return max(1, (kb + 1023) / 1024)
    }

    /// `{"errorType":…,"errorMessage":…}`, the shape of the platform's own errors (reference §1.2).
    static func platformError(type: String, message: String) -> [UInt8] {
        JSONWriter.bytes(.object(JSONObject([("errorType", .string(type)), ("errorMessage", .string(message))])))
    }

    static func entrypointError(_ input: InvocationInput, detail: String) -> InvocationOutput {
        let message = "RequestId: \(input.requestId) Error: \(detail)"
        return InvocationOutput(
            payload: platformError(type: "Runtime.InvalidEntrypoint", message: message), errorType: "Runtime.InvalidEntrypoint",
            log: message + "\nRuntime.InvalidEntrypoint\n", durationMs: 0, maxMemoryUsedMB: 0)
    }

    /// An errno text as Go (and so Lambda's init) prints it: `permission denied`.
    static func goStyle(_ error: any Error) -> String {
        let text = "\(error)"
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// An X-Ray trace header derived from the request id, so it is stable for a seeded run.
    static func traceId(_ input: InvocationInput) -> String {
        let hex = Array(input.requestId.lowercased().filter(\.isHexDigit)) + Array(repeating: "0", count: 32)
        var seconds = String(UInt64(max(input.startMs, 0) / 1000), radix: 16)
        seconds = String(repeating: "0", count: max(0, 8 - seconds.count)) + seconds
        return "Root=1-\(seconds)-\(String(hex[0..<24]));Parent=\(String(hex[16..<32]));Sampled=0"
            + (input.lineage.map { ";Lineage=" + $0 } ?? "")
    }

    /// A JSON document on one line (it travels in an HTTP header).
    static func singleLine(_ json: String) -> String {
        guard json.contains("\n") || json.contains("\r") else { return json }
        if let parsed = try? JSONParser.parse(bytes: Array(json.utf8)) { return JSONWriter.string(parsed) }
        return RuntimeAPIServer.headerSafe(json)
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
