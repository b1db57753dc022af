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
        var response: InvokeResponse?
        let retry = RetryPolicy(environment: context.environment, dialect: context.dialect)
        var attempt = 1
        while response == nil {
            do {
                response = try engine.invoke(request)
            } catch let error as ServiceError {
                // As botocore does: a throttle is retried with exponential back-off and jitter
                // until the attempts run out (3 in v2's standard mode, 5 in v1's legacy mode).
                guard error.code == "TooManyRequestsException" else { throw CLIError.service(error, operation: "Invoke") }
                guard attempt < retry.maxAttempts else {
                    throw CLIError.serviceAfterRetries(error, operation: "Invoke", retries: retry.maxAttempts - 1)
                }
                usleep(useconds_t(retry.delaySeconds(afterAttempt: attempt) * 1_000_000))
                attempt += 1
            } catch let error as StateFileError {
                throw CLIError.stateFile(error)
            }
        }
        guard let response else { return 255 }
        try Self.writeOutfile(outfile, bytes: response.payload, workingDirectory: context.workingDirectory)
        let text = try renderer.render(response.summary, model: parsed.spec.model, title: "Invoke")
        if !text.isEmpty { context.streams.stdout(Array(text.utf8)) }
        return 0
    }

    /// Python's `open(path, 'wb')` + write, with its error texts.
    static func writeOutfile(_ path: String, bytes: [UInt8], workingDirectory: String) throws {
        let full = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        let existed = access(full, F_OK) == 0
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        // The caller's file: created as the AWS CLI creates it, under the caller's own umask.
        if fd >= 0, !existed, let mask = FileModes.callerUmask { fchmod(fd, 0o666 & ~mask) }
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

/// The AWS CLI's retry behaviour for throttling errors (botocore `retries/standard.py` and
/// `_retry.json`): `AWS_RETRY_MODE` (`standard`, v2's default; `legacy`, v1's) and
/// `AWS_MAX_ATTEMPTS` (attempts in all, first included: 3 standard, 5 legacy).
struct RetryPolicy {
    var maxAttempts: Int
    var legacy: Bool

    init(environment: [String: String], dialect: Dialect) {
        let mode = environment["AWS_RETRY_MODE"] ?? (dialect == .v1 ? "legacy" : "standard")
        legacy = mode == "legacy"
        maxAttempts = environment["AWS_MAX_ATTEMPTS"].flatMap { Int($0) }.map { max(1, $0) } ?? (legacy ? 5 : 3)
    }

    /// rand(0, 1) × 2^(attempt − 1) seconds; standard mode caps the factor at 20 s.
    func delaySeconds(afterAttempt attempt: Int) -> Double {
        let factor = Double(1 << min(attempt - 1, 20))
        return Double.random(in: 0..<1) * (legacy ? factor : min(factor, 20))
    }
}
