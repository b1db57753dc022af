import LambdaSim
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `invoke`: run the function, write the response bytes to the outfile (only after success,
/// raw, truncated for Event and DryRun), then print the summary.
struct InvokeCommand {
    var context: CommandContext
    var renderer: OutputRenderer

    func run(_ parsed: ParsedArguments, params converted: ParamConverter.Result, engine: Engine) throws -> Int32 {
        let params = converted.params
        let outfile = parsed.positionals["outfile"] ?? ""
        let request = InvokeRequest(
            functionName: params["FunctionName"]?.stringValue ?? "", qualifier: params["Qualifier"]?.stringValue,
            invocationType: params["InvocationType"]?.stringValue, logType: params["LogType"]?.stringValue,
            clientContext: params["ClientContext"]?.stringValue, payload: converted.blobs["Payload"] ?? [])
        let response: InvokeResponse
        do {
            response = try engine.invoke(request)
        } catch let error as ServiceError {
            throw CLIError.service(error, operation: "Invoke")
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
        try Self.writeOutfile(outfile, bytes: response.payload, workingDirectory: context.workingDirectory)
        let text = try renderer.render(response.summary, model: parsed.spec.model, title: "Invoke")
        if !text.isEmpty { context.streams.stdout(Array(text.utf8)) }
        return 0
    }

    /// Python's `open(path, 'wb')` + write, with its error texts.
    static func writeOutfile(_ path: String, bytes: [UInt8], workingDirectory: String) throws {
        let full = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        if fd < 0 {
            let code = errno
            let reason: String
            switch code {
            case ENOENT: reason = "No such file or directory"
            case EISDIR: reason = "Is a directory"
            case EACCES: reason = "Permission denied"
            case ENOTDIR: reason = "Not a directory"
            default: reason = String(cString: strerror(code))
            }
            throw CLIError.other("[Errno \(code)] \(reason): \(Suggestions.pythonRepr(path))")
        }
        defer { close(fd) }
        do {
            try FileIO.writeAll(fd: fd, bytes: bytes, chunk: 32768)
        } catch {
            throw CLIError.other("[Errno \(error.code)] \(error.reason): \(Suggestions.pythonRepr(path))")
        }
    }
}
