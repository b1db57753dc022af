import LambdaSim
import LambdaSimJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `logs [--function-name F] [--since DURATION] [--follow]`: each invocation's lines at their
/// simulated times: START and the function's output when the attempt started, END and REPORT
/// when it ended (start + its duration). Every retry of an async event is its own invocation,
/// so its lines carry that attempt's time.
struct LogsCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let settings = context.engineSettings()
        let engine = Engine(settings: settings)
        var since: Int64?
        if let text = parsed.value("since") {
            guard let ms = TimeFormat.parseDuration(text) else {
                throw CLIError.parameter("Error parsing parameter '--since': not a duration (90s, 5m, 6h, 1d): \(text)")
            }
            since = ms
        }
        var name = parsed.value("function-name")
        if let n = name, let ref = FunctionReference.parse(n) { name = ref.name }
        let follow = parsed.flag("follow") ?? false
        var printed = Set<String>()
        while true {
            let state: State
            do {
                // In wall-clock mode the background runner writes the logs of what comes due.
                state = try engine.store.read()
            } catch let error as StateFileError {
                throw CLIError.stateFile(error)
            }
            if let name, state.functions[State.functionKey(region: settings.region, name: name)] == nil {
                throw CLIError.other("lambda-sim logs: Function not found: \(Arn.function(region: settings.region, name: name))")
            }
            let now = state.clock.now(wall: WallClock.nowMs())
            let cutoff = since.map { now - $0 }
            let entries = FunctionLogs(directory: engine.store.directory).entries(region: settings.region, function: name)
            var lines: [(time: SimInstant, order: Int, text: String)] = []
            for (index, entry) in entries.enumerated() {
                if let cutoff, entry.timeMs < cutoff { continue }
                if follow, !printed.insert("\(entry.function)\u{0}\(entry.requestId)\u{0}\(entry.timeMs)\u{0}\(index)").inserted {
                    continue
                }
                let prefix = name == nil ? "\(entry.function) " : ""
                let endMs = entry.timeMs + Self.durationMs(entry.text)
                var ended = false
                for line in entry.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                    if line.hasPrefix("END RequestId:") { ended = true }
                    let time = ended ? endMs : entry.timeMs
                    // Each invocation's lines stay together, ordered by when it started.
                    lines.append((entry.timeMs, lines.count, "\(TimeFormat.iso(time)) \(prefix)\(line)\n"))
                }
            }
            lines.sort { ($0.time, $0.order) < ($1.time, $1.order) }
            let out = lines.map(\.text).joined()
            if !out.isEmpty { context.streams.stdout(Array(out.utf8)) }
            guard follow else { return 0 }
            usleep(500_000)
        }
    }

    /// The whole milliseconds of the REPORT line's `Duration` (the attempt's simulated length).
    static func durationMs(_ text: String) -> Int64 {
        guard let report = text.split(separator: "\n").last(where: { $0.hasPrefix("REPORT RequestId:") }),
            let range = report.range(of: "\tDuration: ")
        else { return 0 }
        let number = report[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let ms = Double(number) else { return 0 }
        return Int64(ms.rounded(.up))
    }
}
