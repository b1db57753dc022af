/// The environment a function process sees: its configured variables plus Lambda's reserved
/// ones, and never the caller's shell environment or AWS credentials.
enum FunctionEnvironment {
    static func variables(for f: FunctionVersion, logStreamName: String, settings: EngineSettings,
                          taskRoot: String, extraPath: [String] = []) -> [String: String]
    {
        var env: [String: String] = [:]
        for (k, v) in f.environment ?? [:] { env[k] = v }
        // The function's layers stand in for /opt (see LayerFiles).
        let stateDirectory = settings.statePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let opt = LayerFiles.optDirectory(stateDirectory: stateDirectory, layers: f.layers) ?? "/opt"
        let pathDirs = extraPath + ["/usr/local/bin", "/usr/bin", "/bin", opt + "/bin"]
        var seen = Set<String>()
        env["PATH"] = pathDirs.filter { seen.insert($0).inserted }.joined(separator: ":")
        env["LANG"] = "en_US.UTF-8"
        env["TZ"] = "UTC"
        env["LD_LIBRARY_PATH"] = "/lib64:/usr/lib64:\(taskRoot):\(taskRoot)/lib:\(opt)/lib"
        if opt != "/opt" {
            for (k, v) in LayerFiles.searchPaths(opt: opt, runtime: f.runtime) { env[k] = v }
        }
        env["AWS_LAMBDA_FUNCTION_NAME"] = f.name
        env["AWS_LAMBDA_FUNCTION_VERSION"] = f.version
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(f.memorySize)
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/\(f.name)"
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        env["AWS_REGION"] = f.region
        env["AWS_DEFAULT_REGION"] = f.region
        env["AWS_EXECUTION_ENV"] = "AWS_Lambda_\(f.runtime ?? "exec")"
        env["_HANDLER"] = f.handler ?? ""
        env["LAMBDA_TASK_ROOT"] = taskRoot
        env["LAMBDA_RUNTIME_DIR"] = "/var/runtime"
        // Placeholder credentials, as a function with an execution role would have.
        env["AWS_ACCESS_KEY_ID"] = "ASIALAMBDASIMEXAMPLE"
        env["AWS_SECRET_ACCESS_KEY"] = "lambda-sim/placeholder/secret/access/key0000"
        env["AWS_SESSION_TOKEN"] = "lambda-sim-placeholder-session-token"
        return env
    }

    /// `2026/11/23/[$LATEST]<32 hex>`.
    static func logStreamName(version: String, startMs: SimInstant, hex: String) -> String {
        let day = String(TimeFormat.iso(startMs).prefix(10)).split(separator: "-").joined(separator: "/")
        return "\(day)/[\(version)]\(hex)"
    }
}
