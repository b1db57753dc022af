import LambdaSim

/// Turns any error into the text, stream and exit status the AWS CLI would produce.
struct ErrorPresenter {
    var dialect: Dialect

    static let usageBanner = """
        usage: lambda-sim [options] <command> <subcommand> [<subcommand> ...] [parameters]
        To see help text, you can run:

          lambda-sim help
          lambda-sim <command> help
          lambda-sim <command> <subcommand> help

        """

    /// (stderr text, exit status); help goes to stdout with status 0.
    func present(_ error: any Error) -> (stdout: String, stderr: String, status: Int32) {
        let v1 = dialect == .v1
        switch error {
        case let cli as CLIError:
            switch cli {
            case let .usage(message):
                let gap = v1 ? "" : "\n"
                return ("", "\(Self.usageBanner)\(gap)lambda-sim: error: \(message)\n", v1 ? 2 : 252)
            case let .unknownOptions(names):
                return ("", "\(Self.usageBanner)\nUnknown options: \(names.joined(separator: ", "))\n", v1 ? 255 : 252)
            case let .parameter(message):
                return ("", "\n\(message)\n", v1 ? 255 : 252)
            case let .validation(details):
                return ("", "\nParameter validation failed:\n\(details.joined(separator: "\n"))\n", v1 ? 255 : 252)
            case let .service(e, operation):
                return ("", "\nAn error occurred (\(e.code)) when calling the \(operation) operation: \(e.message)\n", v1 ? 255 : 254)
            case let .serviceAfterRetries(e, operation, retries):
                return ("", "\nAn error occurred (\(e.code)) when calling the \(operation) operation (reached max retries: \(retries)): \(e.message)\n",
                        v1 ? 255 : 254)
            case let .configuration(message):
                return ("", "\(message)\n", v1 ? 255 : 253)
            case let .stateFile(e):
                return ("", "\nlambda-sim: cannot use the state file \(e.path): \(e.reason)\n", 255)
            case let .other(message):
                return ("", "\n\(message)\n", 255)
            case let .help(text):
                return (text, "", 0)
            }
        case let e as StateFileError:
            return ("", "\nlambda-sim: cannot use the state file \(e.path): \(e.reason)\n", 255)
        case let e as ServiceError:
            return ("", "\nAn error occurred (\(e.code)) when calling the operation: \(e.message)\n", v1 ? 255 : 254)
        default:
            return ("", "\n\(error)\n", 255)
        }
    }
}
