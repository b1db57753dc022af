import LambdaSim
import LambdaSimJSON

/// `simulate`: advance simulated time and print what happened. (Placeholder.)
struct SimulateCommand {
    var context: CommandContext
    func run(_ parsed: ParsedArguments) throws -> Int32 {
        throw CLIError.other("lambda-sim: 'simulate' is not available in this build yet.")
    }
}
