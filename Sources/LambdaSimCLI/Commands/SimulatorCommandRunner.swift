import LambdaSim
import LambdaSimJSON

/// The simulator commands with a runner of their own: `simulate`, `s3 mb` and `serve` (the other
/// simulator commands are dispatched by `CommandRunner.run`).
enum SimulatorCommandRunner {
    static func run(_ name: String, _ parsed: ParsedArguments, context: CommandContext) throws -> Int32 {
        switch name {
        case "simulate": return try SimulateCommand(context: context).run(parsed)
        case "mb": return try MakeBucketCommand(context: context).run(parsed)
        case "cp", "ls", "rm", "rb": return try S3TransferCommand(context: context).run(name, parsed)
        case "serve": return try ServeCommand(context: context).run(parsed)
        case "tour": return try TourCommand(context: context).run(parsed)
        // Not reached: every command in `SimulatorCommands.all` is dispatched here or by `CommandRunner.run`.
        default: throw CLIError.other("lambda-sim: '\(name)' is not available in this build yet.")
        }
    }
}

/// `completion <shell>` and `__generate man|bash|zsh|fish|spec|all`.
struct GenerateCommand {
    var context: CommandContext
    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let what = parsed.positionals["shell"] ?? parsed.positionals["what"] ?? ""
        let files = Generators.files()
        let text: String
        switch what {
        case "man", "bash", "zsh", "fish":
            let path = ["man": "man/lambda-sim.1", "bash": "completions/lambda-sim.bash",
                        "zsh": "completions/_lambda-sim", "fish": "completions/lambda-sim.fish"][what] ?? ""
            text = files.first { $0.0 == path }?.1 ?? ""
        case "spec": text = Generators.specDump(CommandRegistry.all)
        case "all":
            // Writes every generated file under the current directory (the repository root).
            for (path, contents) in files {
                try InvokeCommand.writeOutfile(path, bytes: Array(contents.utf8), workingDirectory: context.workingDirectory)
            }
            return 0
        default:
            throw CLIError.usage(Suggestions.invalidChoice(argument: "what", value: what, choices: ["man", "bash", "zsh", "fish", "spec", "all"]))
        }
        context.streams.stdout(Array(text.utf8))
        return 0
    }
}

/// `__complete function|queue`: names from the state file for shell completion.
struct CompleteCommand {
    var context: CommandContext
    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let engine = Engine(settings: context.engineSettings())
        guard let state = try? engine.store.read() else { return 0 }
        var out = ""
        switch parsed.positionals["kind"] ?? "" {
        case "function":
            for key in state.functions.keys.sorted() where key.hasPrefix(context.region + "/") {
                out += String(key.dropFirst(context.region.count + 1)) + "\n"
            }
        default: break
        }
        if !out.isEmpty { context.streams.stdout(Array(out.utf8)) }
        return 0
    }
}
