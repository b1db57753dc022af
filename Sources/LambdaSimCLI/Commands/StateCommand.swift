import Foundation
import LambdaSim
import LambdaSimJSON

/// `state show | path | reset [--clock wall|manual] [--start ISO-TIME] [--iam permissive|strict]
/// [--account-concurrency N]`.
struct StateCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let action = parsed.positionals["action"] ?? "show"
        let settings = context.engineSettings()
        switch action {
        case "path":
            context.streams.stdout(Array((settings.statePath + "\n").utf8))
        case "show":
            let store = StateStore(path: settings.statePath, initialClock: settings.initialClock, seed: settings.seed)
            do {
                context.streams.stdout(try store.wholeDocument())
            } catch let error as StateFileError {
                throw CLIError.stateFile(error)
            }
        case "reset":
            var clock = ClockState()
            let mode = parsed.value("clock") ?? "wall"
            var start: SimInstant?
            if let text = parsed.value("start") {
                guard let parsedStart = TimeFormat.parse(text) else {
                    throw CLIError.parameter("Error parsing parameter '--start': not an ISO 8601 time: \(text)")
                }
                start = parsedStart
            }
            if mode == "manual" {
                clock = ClockState(mode: .manual, offsetMs: 0, nowMs: start ?? WallClock.nowMs())
            } else if let start {
                clock = ClockState(mode: .wall, offsetMs: start - WallClock.nowMs(), nowMs: 0)
            }
            let accountConcurrency = try parsed.value("account-concurrency").map(Self.accountConcurrency)
            let seed = settings.seed ?? UInt64.random(in: 1...UInt64.max)
            let store = StateStore(path: settings.statePath, initialClock: clock, seed: seed)
            // A background runner of the old state stops first (it never writes into the new one).
            let runner = BackgroundRunner(engine: Engine(settings: settings))
            BackgroundRunner.requestYield(runner.paths)
            runner.acquireBlocking()
            defer {
                try? FileManager.default.removeItem(atPath: runner.paths.history)
                runner.release()
                BackgroundRunner.clearYield(runner.paths)
            }
            do {
                // A corrupt file is replaced only by an explicit reset, and only after it was named.
                var fresh = State(clock: clock, seed: seed)
                if parsed.value("iam") == "strict" { fresh.iam = IAMState(mode: "strict") }
                fresh.accountConcurrency = accountConcurrency
                try store.replace(with: fresh)
            } catch let error as StateFileError {
                throw CLIError.stateFile(error)
            }
            let logs = store.directory + "/logs"
            try? FileManager.default.removeItem(atPath: logs)
            // Queued messages, bus event logs and bucket contents belong to the old state too.
            for directory in LocalResources.fileDirectories + StreamResources.fileDirectories {
                try? FileManager.default.removeItem(atPath: store.directory + "/" + directory)
            }
        default:
            throw CLIError.usage(Suggestions.invalidChoice(argument: "action", value: action, choices: ["show", "path", "reset"]))
        }
        return 0
    }

    /// `--account-concurrency`: the account's limit, 1 to 10,000,000 (new AWS accounts start at 10).
    static func accountConcurrency(_ text: String) throws -> Int {
        guard let value = Int(text), value >= 1, value <= 10_000_000 else {
            throw CLIError.parameter("Error parsing parameter '--account-concurrency': must be an integer from 1 to 10000000: \(text)")
        }
        return value
    }
}
