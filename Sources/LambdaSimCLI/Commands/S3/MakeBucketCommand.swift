import LambdaSim
import LambdaSimJSON

/// `s3 mb s3://BUCKET`: creates a bucket (a directory `s3/BUCKET/` beside the state file) and
/// prints `make_bucket: BUCKET`, as awscli's `mb` does. A service error is printed as
/// `make_bucket failed: s3://BUCKET <error>` on stderr with exit status 1, also as awscli does.
struct MakeBucketCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let path = parsed.positionals["path"] ?? ""
        guard path.hasPrefix("s3://") else {
            // awscli raises TypeError here, which its driver prints as a bare message.
            throw CLIError.other("<S3Uri>\nError: Invalid argument type")
        }
        let bucket = String(path.dropFirst(5).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        var params = JSONObject([("Bucket", .string(bucket))])
        if context.region != "us-east-1" {
            params["CreateBucketConfiguration"] = .object(JSONObject([("LocationConstraint", .string(context.region))]))
        }
        let engine = Engine(settings: context.engineSettings())
        do {
            _ = try engine.perform("CreateBucket", params)
        } catch let error as ServiceError {
            let text = "make_bucket failed: \(path) An error occurred (\(error.code)) when calling the CreateBucket operation: \(error.message)\n"
            context.streams.stderr(Array(text.utf8))
            return 1
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
        context.streams.stdout(Array("make_bucket: \(bucket)\n".utf8))
        return 0
    }
}
