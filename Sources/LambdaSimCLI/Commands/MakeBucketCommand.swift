import LambdaSim
import LambdaSimJSON

/// `s3 mb s3://BUCKET`. (Placeholder.)
struct MakeBucketCommand {
    var context: CommandContext
    func run(_ parsed: ParsedArguments) throws -> Int32 {
        throw CLIError.other("lambda-sim: 's3 mb' is not available in this build yet.")
    }
}
