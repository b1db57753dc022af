import LambdaSim

/// Every way a command can fail, before the one `ErrorPresenter` turns it into text and an exit code.
enum CLIError: Error {
    /// argparse errors: usage banner + `lambda-sim: error: <message>` (v1 exit 2, v2 252).
    case usage(String)
    /// Unknown options: usage banner + blank line + `Unknown options: a, b` (v1 255, v2 252).
    case unknownOptions([String])
    /// A parameter value that cannot be used: `\n<message>\n` (v1 255, v2 252).
    case parameter(String)
    /// Parameter validation (botocore): `\nParameter validation failed:\n<details>\n` (v1 255, v2 252).
    case validation([String])
    /// The service answered with an error (v1 255, v2 254).
    case service(ServiceError, operation: String)
    /// The same after the CLI's retries ran out (throttling): ` (reached max retries: N)` before the colon.
    case serviceAfterRetries(ServiceError, operation: String, retries: Int)
    /// Configuration (no region, bad profile): message without a leading blank line (v1 255, v2 253).
    case configuration(String)
    /// The state file cannot be used (255).
    case stateFile(StateFileError)
    /// Anything else, printed as `\n<message>\n` (255), e.g. an outfile that cannot be opened.
    case other(String)
    /// Help text requested: printed to stdout, exit 0.
    case help(String)
}

/// Which AWS CLI major version lambda-sim imitates (`LAMBDA_SIM_CLI_VERSION=1` for v1).
enum Dialect: Sendable {
    case v1, v2
}
