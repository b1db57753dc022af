import Foundation
import LambdaSim
import LambdaSimJSON

/// `simulate [--for D | --until T] [--explain] [--format timeline|json|mermaid] [--seed N]
/// [--scenario FILE]`: advance simulated time through the work that comes due and print what
/// happened. Idle (nothing queued, no --for/--until): prints nothing, exits 0.
struct SimulateCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let format = parsed.value("format") ?? "timeline"
        let explain = parsed.flag("explain") ?? false
        let payloads = parsed.flag("show-payloads") ?? false
        var seed: UInt64?
        if let text = parsed.value("seed") {
            guard let value = UInt64(text) ?? Int64(text).map({ UInt64(bitPattern: $0) }) else {
                throw CLIError.parameter("Error parsing parameter '--seed': not an integer: \(text)")
            }
            seed = value
        }
        let horizon = try Self.horizon(parsed)
        let wantsCost = parsed.flag("cost") ?? false
        if parsed.flag("history") ?? false {
            for name in ["for", "until", "horizon", "scenario", "seed"] where parsed.value(name) != nil {
                throw CLIError.parameter("Error parsing parameters: --history replays what already ran and cannot be used with --\(name)")
            }
            return try history(parsed, format: format, explain: explain, payloads: payloads)
        }
        if parsed.value("since") != nil {
            throw CLIError.parameter("Error parsing parameter '--since': only with --history")
        }
        let timeline: [TimelineEntry]
        var cost: LambdaCost?
        do {
            if let path = parsed.value("scenario") {
                var runner = ScenarioRunner(context: context, path: path, seed: seed, horizon: horizon)
                runner.cost = wantsCost
                runner.payloads = payloads
                (timeline, cost) = try runner.run()
            } else {
                let engine = Engine(settings: context.engineSettings())
                if case let .until(t)? = horizon {
                    let now = try engine.store.read().clock.now(wall: WallClock.nowMs())
                    if t < now {
                        throw CLIError.parameter("Error parsing parameter '--until': \(TimeFormat.iso(t)) is before the simulated time now (\(TimeFormat.iso(now)))")
                    }
                }
                var options = SimulationOptions(horizon: horizon ?? .idle, seed: seed)
                options.collectPayloads = payloads
                if horizon == nil { options.idleCapMs = try Self.idleCap(parsed) }
                let (steps, result) = try Self.simulate(engine, options)
                let denials = try engine.takeDenials() + engine.takeRuleSteps()
                timeline = denials.isEmpty ? steps : ScenarioRunner.sorted(denials + steps)
                if wantsCost {
                    let state = try engine.store.read()
                    cost = LambdaCost(timeline) { engine.costConfig(state, display: $0) }
                }
                if horizon == nil, let next = result.nextWakeMs, let cap = options.idleCapMs {
                    // The run stopped at the horizon with work still due: say so (stdout stays the timeline).
                    let text = "lambda-sim simulate: stopped at the horizon (\(TimeFormat.durationText(cap)) of simulated time, at \(TimeFormat.iso(result.endMs))) with work still queued (next at \(TimeFormat.iso(next))); run simulate again to go on, or set --horizon.\n"
                    context.streams.stderr(Array(text.utf8))
                }
                if timeline.isEmpty {
                    // A quiet moment: say so on stderr (stdout stays empty for scripts that pipe it).
                    let now = try engine.store.read().clock
                    let text = "lambda-sim simulate: nothing was due; the simulated time is \(TimeFormat.iso(now.now(wall: WallClock.nowMs()))) (\(now.mode == .wall ? "wall" : "manual") clock). simulate --history shows what already ran.\n"
                    context.streams.stderr(Array(text.utf8))
                }
            }
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        } catch let error as ServiceError {
            throw CLIError.other("\(error.code): \(error.message)")
        }
        write(timeline, format: format, explain: explain, payloads: payloads)
        if let cost {
            let stdout = context.streams.stdout
            // After the timeline: the table (timeline, mermaid), or one more JSON line (json).
            if format == "json" {
                stdout(JSONWriter.bytes(cost.json()) + [0x0A])
            } else {
                stdout(Array(((format == "timeline" ? "\n" : "") + cost.text()).utf8))
            }
        }
        return 0
    }

    private func write(_ timeline: [TimelineEntry], format: String, explain: Bool, payloads: Bool) {
        let stdout = context.streams.stdout
        TimelineFormat.render(timeline, format: format, explain: explain, payloads: payloads) { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 1 << 20)
                stdout(Array(bytes[offset..<end]))
                offset = end
            }
        }
    }

    /// `simulate --history [--since T|D]`: the history file, read back; nothing runs.
    private func history(_ parsed: ParsedArguments, format: String, explain: Bool, payloads: Bool) throws -> Int32 {
        let engine = Engine(settings: context.engineSettings())
        var since: SimInstant?
        if let text = parsed.value("since") {
            if let t = TimeFormat.parse(text) {
                since = t
            } else if let ms = TimeFormat.parseDuration(text) {
                do {
                    since = try engine.store.read().clock.now(wall: WallClock.nowMs()) - ms
                } catch let error as StateFileError {
                    throw CLIError.stateFile(error)
                }
            } else {
                throw CLIError.parameter("Error parsing parameter '--since': not an ISO 8601 time or a duration (90s, 5m, 6h, 1d): \(text)")
            }
        }
        var entries = History.read(History.path(directory: engine.store.directory), from: 0).entries
        if let since { entries = entries.filter { $0.timeMs >= since } }
        entries = ScenarioRunner.sorted(entries)
        if entries.isEmpty {
            let text = "lambda-sim simulate: the history holds nothing\(since.map { " from " + TimeFormat.iso($0) + " on" } ?? "") yet.\n"
            context.streams.stderr(Array(text.utf8))
        }
        write(entries, format: format, explain: explain, payloads: payloads)
        return 0
    }

    /// Runs the due work and returns it after what the history holds that no `simulate` showed
    /// yet: the steps the background runner took (wall clock) and synchronous invokes. In
    /// wall-clock mode the background runner steps aside while `simulate` runs (so the two
    /// never race). The run's own steps go to the history too (`simulate --history`).
    static func simulate(_ engine: Engine, _ options: SimulationOptions) throws -> ([TimelineEntry], SimulationResult) {
        let paths = BackgroundRunner.Paths(statePath: engine.store.path, directory: engine.store.directory)
        var runner: BackgroundRunner?
        if try engine.store.read().clock.mode == .wall {
            let background = BackgroundRunner(engine: engine)
            BackgroundRunner.requestYield(paths)
            background.acquireBlocking()
            runner = background
        }
        defer {
            if let runner {
                runner.release()
                BackgroundRunner.clearYield(paths)
            }
        }
        let shown = try engine.store.read().historyShownBytes ?? 0
        let history = History.read(paths.history, from: shown)
        let result = try engine.simulate(options)
        let own = result.timeline
        History.append(own, to: paths.history)
        let end = History.size(paths.history) ?? history.end
        if end != shown { try engine.store.update { $0.historyShownBytes = end } }
        guard !history.entries.isEmpty else { return (own, result) }
        let merged = (history.entries + own).enumerated()
            .sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
        return (merged, result)
    }

    /// The default horizon of a run without --for/--until: 30 days of simulated time.
    static let defaultIdleCapMs: Int64 = 30 * 86_400_000

    static func idleCap(_ parsed: ParsedArguments) throws -> Int64 {
        guard let text = parsed.value("horizon") else { return defaultIdleCapMs }
        guard let ms = TimeFormat.parseDuration(text), ms > 0 else {
            throw CLIError.parameter("Error parsing parameter '--horizon': not a positive duration (90s, 5m, 6h, 1d): \(text)")
        }
        return ms
    }

    /// `--for` / `--until`, or nil for "until idle".
    static func horizon(_ parsed: ParsedArguments) throws -> SimulationOptions.Horizon? {
        let forText = parsed.value("for")
        let untilText = parsed.value("until")
        if forText != nil, untilText != nil {
            throw CLIError.parameter("Error parsing parameters: --for and --until cannot be used together")
        }
        if let forText {
            guard let ms = TimeFormat.parseDuration(forText) else {
                throw CLIError.parameter("Error parsing parameter '--for': not a duration (90s, 5m, 6h, 1d): \(forText)")
            }
            return .duration(ms)
        }
        if let untilText {
            guard let t = TimeFormat.parse(untilText) else {
                throw CLIError.parameter("Error parsing parameter '--until': not an ISO 8601 time: \(untilText)")
            }
            return .until(t)
        }
        return nil
    }
}

/// Plays a scenario file (docs/async.md, "Scenario files") on a fresh private state: a
/// temporary directory, the manual clock at the scenario's start and a fixed seed, so the same
/// scenario prints the same timeline every time.
///
/// ```json
/// {
///   "description": "…",
///   "start": "2026-01-01T00:00:00Z", "seed": 1, "region": "us-east-1",
///   "resources": [["sqs", "create-queue", "--queue-name", "done"]],
///   "steps": [
///     ["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo"],
///     ["invoke", "--function-name", "f", "--invocation-type", "Event", "/dev/null"],
///     {"run": ["invoke", "--function-name", "nope", "/dev/null"], "mayFail": true, "repeat": 1},
///     {"enqueue": {"function": "f", "payload": {"n": 1}, "count": 1000}},
///     {"simulate": "2m"}
///   ],
///   "simulate": {"for": "10m"}
/// }
/// ```
struct ScenarioRunner {
    var context: CommandContext
    var path: String
    var seed: UInt64?
    var horizon: SimulationOptions.Horizon?
    /// Also add up what the run's invocations cost (`--cost`), from the scenario's own state.
    var cost = false
    var payloads = false

    struct Problem: Error { var message: String }

    func run() throws -> ([TimelineEntry], LambdaCost?) {
        let fullPath = path.hasPrefix("/") ? path : context.workingDirectory + "/" + path
        guard let data = FileManager.default.contents(atPath: fullPath) else {
            throw CLIError.other("scenario \(path): cannot read the file")
        }
        let doc: JSON
        do {
            doc = try JSONParser.parse(bytes: [UInt8](data))
        } catch {
            throw CLIError.other("scenario \(path): not JSON: \(error)")
        }
        guard let scenario = doc.objectValue else { throw CLIError.other("scenario \(path): the file must hold a JSON object") }
        let scenarioDirectory = URL(fileURLWithPath: fullPath).deletingLastPathComponent().path
        let startText = scenario["start"]?.stringValue ?? "2026-01-01T00:00:00Z"
        guard TimeFormat.parse(startText) != nil else { throw CLIError.other("scenario \(path): 'start' is not an ISO 8601 time") }
        let stateSeed = seed ?? scenario["seed"]?.intValue.map { UInt64(bitPattern: Int64($0)) } ?? 1
        let region = scenario["region"]?.stringValue ?? "us-east-1"
        guard RegionName.isValid(region) else { throw CLIError.other("scenario \(path): 'region': " + RegionName.invalidMessage(region)) }

        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment: [String: String] = [
            "HOME": directory, "LAMBDA_SIM_STATE": directory + "/state.json", "LAMBDA_SIM_CLOCK": "manual",
            "LAMBDA_SIM_START": startText, "LAMBDA_SIM_SEED": String(stateSeed), "AWS_REGION": region, "TZ": "UTC",
        ]
        for key in ["PATH", "LAMBDA_SIM_PYTHON", "LAMBDA_SIM_NODE", "LANG"] {
            if let value = context.environment[key] { environment[key] = value }
        }
        let settings = EngineSettings(
            region: region, statePath: directory + "/state.json", pythonPath: environment["LAMBDA_SIM_PYTHON"] ?? "python3",
            nodePath: environment["LAMBDA_SIM_NODE"] ?? "node", searchPath: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            initialClock: ClockState(mode: .manual, offsetMs: 0, nowMs: TimeFormat.parse(startText) ?? 0), seed: stateSeed)
        let engine = Engine(settings: settings)
        // `"iam": "strict"`: AWS's full permission checks for the whole scenario.
        if let mode = scenario["iam"]?.stringValue {
            guard ["strict", "permissive"].contains(mode) else {
                throw CLIError.other("scenario \(path): 'iam' must be \"strict\" or \"permissive\"")
            }
            try engine.store.update { state in state.iam = IAMState(mode: mode) }
        }
        // `"accountConcurrency": N`: the account's concurrency limit (a quota increase, or a small pool).
        if let value = scenario["accountConcurrency"] {
            guard let limit = value.intValue, limit >= 1, limit <= 10_000_000 else {
                throw CLIError.other("scenario \(path): 'accountConcurrency' must be an integer from 1 to 10000000")
            }
            try engine.store.update { state in state.accountConcurrency = limit }
        }

        let previousDirectory = FileManager.default.currentDirectoryPath
        guard FileManager.default.changeCurrentDirectoryPath(directory) else {
            throw CLIError.other("scenario \(path): cannot enter \(directory)")
        }
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previousDirectory) }

        var timeline: [TimelineEntry] = []
        let steps = (scenario["resources"]?.arrayValue ?? []) + (scenario["steps"]?.arrayValue ?? [])
        do {
            for (index, step) in steps.enumerated() {
                timeline += try play(step, number: index + 1, engine: engine, environment: environment,
                                     scenarioDirectory: scenarioDirectory)
            }
            var final = horizon
            if final == nil, let spec = scenario["simulate"] {
                // "none": play the steps only (the benchmark times setup this way).
                if spec.stringValue == "none" { return (Self.sorted(timeline), nil) }
                final = try Self.horizon(spec)
            }
            timeline += try engine.takeDenials() + engine.takeRuleSteps()
            var options = SimulationOptions(horizon: final ?? .idle)
            options.collectPayloads = payloads
            timeline += try engine.simulate(options).timeline
        } catch let problem as Problem {
            throw CLIError.other("scenario \(path): \(problem.message)")
        }
        let ordered = Self.sorted(timeline)
        guard cost else { return (ordered, nil) }
        let state = try engine.store.read()
        return (ordered, LambdaCost(ordered) { engine.costConfig(state, display: $0) })
    }

    /// In time order; steps at the same instant keep the order they happened in.
    static func sorted(_ timeline: [TimelineEntry]) -> [TimelineEntry] {
        if zip(timeline, timeline.dropFirst()).allSatisfy({ $0.timeMs <= $1.timeMs }) { return timeline }
        return timeline.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
    }

    static func horizon(_ spec: JSON) throws -> SimulationOptions.Horizon {
        if let text = spec.stringValue ?? spec["for"]?.stringValue {
            if text == "idle" { return .idle }
            guard let ms = TimeFormat.parseDuration(text) else { throw Problem(message: "not a duration: \(text)") }
            return .duration(ms)
        }
        if let text = spec["until"]?.stringValue {
            guard let t = TimeFormat.parse(text) else { throw Problem(message: "not an ISO 8601 time: \(text)") }
            return .until(t)
        }
        throw Problem(message: "'simulate' must be a duration, \"idle\", {\"for\": D} or {\"until\": T}")
    }

    private func play(_ step: JSON, number: Int, engine: Engine, environment: [String: String],
                      scenarioDirectory: String) throws -> [TimelineEntry]
    {
        if let argv = step.arrayValue {
            return try runCommand(argv, number: number, mayFail: false, engine: engine, environment: environment,
                                  scenarioDirectory: scenarioDirectory)
        }
        guard let object = step.objectValue else { throw Problem(message: "step \(number) must be an argument list or an object") }
        if let argv = object["run"]?.arrayValue {
            var out: [TimelineEntry] = []
            for _ in 0..<max(1, object["repeat"]?.intValue ?? 1) {
                out += try runCommand(argv, number: number, mayFail: object["mayFail"]?.boolValue ?? false, engine: engine,
                                      environment: environment, scenarioDirectory: scenarioDirectory)
            }
            return out
        }
        if let spec = object["simulate"] {
            var options = SimulationOptions(horizon: try Self.horizon(spec))
            options.collectPayloads = payloads
            return try engine.simulate(options).timeline
        }
        if let enqueue = object["enqueue"]?.objectValue {
            guard let function = enqueue["function"]?.stringValue else { throw Problem(message: "step \(number): enqueue needs \"function\"") }
            let payload = enqueue["payload"].map { JSONWriter.bytes($0) } ?? Array("{}".utf8)
            do {
                return try engine.enqueueBatch(functionName: function, qualifier: enqueue["qualifier"]?.stringValue,
                                               payload: payload, count: enqueue["count"]?.intValue ?? 1)
            } catch let error as ServiceError {
                throw Problem(message: "step \(number): \(error.code): \(error.message)")
            }
        }
        throw Problem(message: "step \(number): unknown step (use an argument list, run, simulate or enqueue)")
    }

    /// Runs one command line through lambda-sim's own front end, in process.
    private func runCommand(_ argvJSON: [JSON], number: Int, mayFail: Bool, engine: Engine, environment: [String: String],
                            scenarioDirectory: String) throws -> [TimelineEntry]
    {
        let argv = try argvJSON.map { item -> String in
            guard let text = item.stringValue ?? (item.intValue.map(String.init)) else {
                throw Problem(message: "step \(number): arguments must be strings")
            }
            return text.replacingOccurrences(of: "{dir}", with: scenarioDirectory)
        }
        if let refusal = Self.escape(argv) { throw Problem(message: "step \(number): \(refusal)") }
        let sync = Self.syncInvoke(argv)
        let logs = FunctionLogs(directory: engine.store.directory)
        let before = sync.map { logs.entries(region: engine.region, function: $0).count } ?? 0
        let stdout = Capture()
        let stderr = Capture()
        let streams = OutputStreams(stdout: { stdout.append($0) }, stderr: { stderr.append($0) })
        let status = LambdaSimCLI.main(arguments: argv, environment: environment, streams: streams)
        if status != 0, !mayFail {
            let command = (["lambda-sim"] + argv).joined(separator: " ")
            throw Problem(message: "step \(number) (\(command)) exited \(status): \(String(decoding: stderr.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard let function = sync, status == 0 else { return [] }
        let summary = try? JSONParser.parse(bytes: stdout.bytes)
        let failed = summary?["FunctionError"] != nil
        var errorType: String?
        if failed, let outfile = Self.outfile(argv), let data = FileManager.default.contents(atPath: outfile),
            let doc = try? JSONParser.parse(bytes: [UInt8](data))
        {
            errorType = doc["errorType"]?.stringValue
        }
        return logs.entries(region: engine.region, function: function).dropFirst(before).map { entry in
            TimelineEntry(timeMs: entry.timeMs, event: .invoke, function: function, requestId: entry.requestId, source: "sync",
                          result: failed ? "error" : "success", errorType: errorType,
                          billedMs: LambdaCost.billedMs(reportText: entry.text), why: .syncInvoke)
        }
    }

    /// Why a step's command line would reach outside the scenario's private state and scratch
    /// directory, or nil: `--state` is refused, and an `invoke` outfile must be a relative path
    /// without `..` (it lands in the scratch directory), `/dev/null` or `-`.
    static func escape(_ argv: [String]) -> String? {
        if argv.contains(where: { $0 == "--state" || $0.hasPrefix("--state=") }) {
            return "--state is not allowed: a scenario's steps run against its own private state"
        }
        var args = argv
        if args.first == "lambda" { args.removeFirst() }
        guard args.first == "invoke" else { return nil }
        // Values that are content, not paths.
        let content: Set<String> = ["--payload", "--client-context", "--cli-input-json", "--query"]
        var i = 1
        while i < args.count {
            let a = args[i]
            if content.contains(a) { i += 2; continue }
            if !a.hasPrefix("-"), a != "/dev/null",
                a.hasPrefix("/") || a.split(separator: "/", omittingEmptySubsequences: false).contains("..")
            {
                return "the outfile \(a) is outside the scenario's scratch directory (use a relative path, or /dev/null)"
            }
            i += 1
        }
        return nil
    }

    /// The function name when `argv` is a synchronous invoke.
    static func syncInvoke(_ argv: [String]) -> String? {
        var args = argv
        if args.first == "lambda" { args.removeFirst() }
        guard args.first == "invoke" else { return nil }
        var type = "RequestResponse"
        var name: String?
        var i = 1
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--invocation-type=") { type = String(a.dropFirst(18)) }
            if a == "--invocation-type", i + 1 < args.count { type = args[i + 1] }
            if a.hasPrefix("--function-name=") { name = String(a.dropFirst(16)) }
            if a == "--function-name", i + 1 < args.count { name = args[i + 1] }
            i += 1
        }
        guard type == "RequestResponse", let name else { return nil }
        return FunctionReference.parse(name)?.name
    }

    /// The outfile of an invoke command line: the last argument that is not an option or an option's value.
    static func outfile(_ argv: [String]) -> String? {
        guard let last = argv.last, !last.hasPrefix("-"), argv.count >= 2, !argv[argv.count - 2].hasPrefix("--") else { return nil }
        return last == "/dev/null" || last == "-" ? nil : last
    }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/lambda-sim-scenario-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw CLIError.other("cannot create a temporary directory") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Collects a stream's bytes (the scenario's commands run one at a time on this thread).
final class Capture: @unchecked Sendable {
    private(set) var bytes: [UInt8] = []
    func append(_ more: [UInt8]) { bytes += more }
}
