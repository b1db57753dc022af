import Foundation
import LambdaSim
import LambdaSimJSON

/// `s3api put-object --body FILE` and `s3api get-object … OUTFILE`: awscli reads a streaming
/// blob input from a file and writes a streaming blob output to the positional outfile.
struct S3ObjectCommand {
    var context: CommandContext
    var renderer: OutputRenderer

    func run(_ parsed: ParsedArguments, params: JSONObject, engine: Engine) throws -> Int32 {
        let model = parsed.spec.model
        let bucket = params["Bucket"]?.stringValue ?? ""
        let key = params["Key"]?.stringValue ?? ""
        let response: JSON
        do {
            if model?.command == "put-object" {
                var bytes: [UInt8] = []
                if let path = parsed.value("body") {
                    let full = path.hasPrefix("/") ? path : context.workingDirectory + "/" + path
                    guard let data = FileManager.default.contents(atPath: full) else {
                        throw CLIError.parameter("Error parsing parameter '--body': Blob values must be a path to a file.")
                    }
                    bytes = [UInt8](data)
                }
                var metadata: [(String, String)] = []
                for (k, v) in params["Metadata"]?.objectValue ?? JSONObject() { metadata.append((k.lowercased(), v.stringValue ?? "")) }
                response = try engine.s3PutObject(bucket: bucket, key: key, bytes: bytes, contentType: params["ContentType"]?.stringValue,
                                                  metadata: metadata)
            } else {
                let state = try engine.store.read()
                let (bytes, info) = try engine.s3ReadObject(state, bucket: bucket, key: key)
                try InvokeCommand.writeOutfile(parsed.positionals["outfile"] ?? "", bytes: bytes,
                                               workingDirectory: context.workingDirectory)
                response = Engine.s3ObjectHeaders(info)
            }
        } catch let error as ServiceError {
            throw CLIError.service(error, operation: model?.operation ?? "")
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
        let text = try renderer.render(response, model: model, title: model?.operation ?? "")
        if !text.isEmpty { context.streams.stdout(Array(text.utf8)) }
        return 0
    }
}
