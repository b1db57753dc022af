import LambdaSim
import LambdaSimJSON

/// `logs [--function-name F] [--since DURATION]`: each invocation's lines at their simulated times.
struct LogsCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let settings = context.engineSettings()
        let engine = Engine(settings: settings)
        let state: State
        do {
            state = try engine.store.read()
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
        let now = state.clock.now(wall: WallClock.nowMs())
        var since: SimInstant?
        if let text = parsed.value("since") {
            guard let ms = TimeFormat.parseDuration(text) else {
                throw CLIError.parameter("Error parsing parameter '--since': not a duration (90s, 5m, 6h, 1d): \(text)")
            }
            since = now - ms
        }
        var name = parsed.value("function-name")
        if let n = name, let ref = FunctionReference.parse(n) { name = ref.name }
        let entries = FunctionLogs(directory: engine.store.directory).entries(region: settings.region, function: name)
        var out = ""
        for entry in entries where since.map({ entry.timeMs >= $0 }) ?? true {
            let prefix = name == nil ? "\(entry.function) " : ""
            for line in entry.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                out += "\(TimeFormat.iso(entry.timeMs)) \(prefix)\(line)\n"
            }
        }
        if !out.isEmpty { context.streams.stdout(Array(out.utf8)) }
        return 0
    }
}
