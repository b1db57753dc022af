import Foundation
import LambdaSim
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command's output goes; the real streams in `main`, buffers in tests.
public struct OutputStreams: Sendable {
    public var stdout: @Sendable ([UInt8]) -> Void
    public var stderr: @Sendable ([UInt8]) -> Void

    public init(stdout: @escaping @Sendable ([UInt8]) -> Void, stderr: @escaping @Sendable ([UInt8]) -> Void) {
        self.stdout = stdout
        self.stderr = stderr
    }

    public static let standard = OutputStreams(
        stdout: { bytes in try? FileIO.writeAll(fd: 1, bytes: bytes) },
        stderr: { bytes in try? FileIO.writeAll(fd: 2, bytes: bytes) })
}

/// Everything a command needs from its surroundings, resolved once.
struct CommandContext {
    var globals: GlobalOptions
    var dialect: Dialect
    var environment: [String: String]
    var workingDirectory: String
    var streams: OutputStreams
    var region: String
    var binaryFormat: String
    var statePath: String
    /// v1 `--v2-debug` (or `AWS_CLI_UPGRADE_DEBUG_MODE=true`): print the v2 upgrade warnings.
    var v2Debug = false
    /// `cli_pager` is set to the empty string in the profile, or `AWS_PAGER` is set.
    var pagerConfigured = false
    /// The profile's `cli_timestamp_format` (`iso8601` or `wire`), if set.
    var timestampFormat: String?
    /// The profile's name and `role_arn` / `role_session_name`: who calls (docs/permissions.md).
    var caller = CallerSettings()

    func engineSettings() -> EngineSettings {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        var clock = ClockState()
        if environment["LAMBDA_SIM_CLOCK"] == "manual" {
            clock = ClockState(mode: .manual, offsetMs: 0,
                               nowMs: environment["LAMBDA_SIM_START"].flatMap(TimeFormat.parse) ?? WallClock.nowMs())
        } else if let start = environment["LAMBDA_SIM_START"].flatMap(TimeFormat.parse) {
            clock = ClockState(mode: .wall, offsetMs: start - WallClock.nowMs(), nowMs: 0)
        }
        var settings = EngineSettings(
            region: region, statePath: statePath,
            pythonPath: environment["LAMBDA_SIM_PYTHON"] ?? "python3", nodePath: environment["LAMBDA_SIM_NODE"] ?? "node",
            searchPath: path, initialClock: clock, seed: environment["LAMBDA_SIM_SEED"].flatMap { UInt64($0) })
        settings.caller = caller
        if let temporary = environment["TMPDIR"], temporary.hasPrefix("/") { settings.temporaryDirectory = temporary }
        return settings
    }
}

public enum LambdaSimCLI {
    public static let version = "0.1.0"

    /// Runs one command line and returns the exit status. Never calls `exit`.
    /// `backgroundExecutable`: the lambda-sim binary to start as the background runner after a
    /// command that leaves work due in wall-clock mode (`main.swift` passes itself); nil (tests
    /// that run commands in-process) starts none.
    public static func main(arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            streams: OutputStreams = .standard, backgroundExecutable: String? = nil) -> Int32
    {
        signal(SIGPIPE, SIG_IGN)
        let dialect: Dialect = environment["LAMBDA_SIM_CLI_VERSION"] == "1" ? .v1 : .v2
        let presenter = ErrorPresenter(dialect: dialect)
        var statePath: String?
        defer {
            // The service goes on in the background, not in front of the next command.
            if let statePath, BackgroundLauncher.takeWrite(path: statePath), let executable = backgroundExecutable {
                let directory = statePath.lastIndex(of: "/").map { String(statePath[..<$0]) } ?? "."
                BackgroundLauncher.ensureRunner(statePath: statePath, directory: directory.isEmpty ? "/" : directory,
                                                executable: executable, environment: environment)
            }
        }
        do {
            return try run(arguments: arguments, environment: environment, streams: streams, dialect: dialect) { statePath = $0 }
        } catch {
            let (out, err, status) = presenter.present(error)
            if !out.isEmpty { streams.stdout(Array(out.utf8)) }
            if !err.isEmpty { streams.stderr(Array(err.utf8)) }
            return status
        }
    }

    static func run(arguments: [String], environment: [String: String], streams: OutputStreams, dialect: Dialect,
                    usesState: (String) -> Void = { _ in }) throws -> Int32
    {
        var parser = ArgumentParser(dialect: dialect)
        let line = try parser.split(arguments)
        if line.globals.version {
            streams.stdout(Array("lambda-sim/\(version) (imitating aws-cli/\(dialect == .v1 ? "1" : "2"))\n".utf8))
            return 0
        }
        guard let service = line.service, let commandName = line.command else {
            if line.globals.help || line.helpRequested {
                throw CLIError.help(HelpRenderer.overview())
            }
            // As the CLI's argparse: bare `aws` and `aws sqs` are usage errors (v1 exit 2, v2 252).
            throw CLIError.usage("the following arguments are required: \(line.service == nil ? "command" : "operation")")
        }
        if commandName == "help" {
            throw CLIError.help(HelpRenderer.overview(service: service))
        }
        guard let spec = CommandRegistry.find(service: service, name: commandName)
            ?? (service == .lambda ? CommandRegistry.find(service: .simulator, name: commandName) : nil)
        else {
            let choices = (CommandRegistry.commandNames(service: service)
                + (service == .lambda ? CommandRegistry.commandNames(service: .simulator).filter { !$0.hasPrefix("__") } : []))
                .sorted() + ["help"]
            throw CLIError.usage(Suggestions.invalidChoice(argument: "operation", value: commandName, choices: choices))
        }
        if line.helpRequested || line.globals.help {
            throw CLIError.help(HelpRenderer.command(spec))
        }
        parser.requiredSatisfiedByInputJSON = line.globals.cliInputJSON != nil || line.globals.generateSkeleton != nil
        let parsed = try parser.parse(line.rest, spec: spec)
        let context = try makeContext(line.globals, dialect: dialect, environment: environment, streams: streams)
        if spec.name != "__background", spec.name != "serve" { usesState(context.statePath) }
        return try CommandRunner(context: context).run(parsed)
    }

    /// The current user's home directory from the password database (`getpwuid`), if any.
    static func passwordDatabaseHome() -> String? {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        let path = String(cString: dir)
        return path.isEmpty ? nil : path
    }

    static func makeContext(_ globals: GlobalOptions, dialect: Dialect, environment: [String: String],
                            streams: OutputStreams) throws -> CommandContext
    {
        // As Python's expanduser: HOME, else the user's home directory from the password database.
        let home = environment["HOME"] ?? Self.passwordDatabaseHome() ?? "/"
        let profileName = globals.profile ?? environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"]
        let configPath = environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config"
        let config = AWSConfigFile.load(path: configPath)
        var profile: [String: String] = [:]
        if let profileName {
            guard let found = config.profile(profileName) else {
                throw CLIError.configuration("\nThe config profile (\(profileName)) could not be found")
            }
            profile = found
        } else {
            profile = config.profile("default") ?? [:]
        }
        // An empty variable or profile value counts as unset; whichever region wins must be a valid
        // name (it is also a directory name beside the state file).
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let region = globals.region ?? nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"])
            ?? nonEmpty(profile["region"]) ?? "us-east-1"
        guard RegionName.isValid(region) else { throw CLIError.configuration("\n" + RegionName.invalidMessage(region)) }
        if let start = environment["LAMBDA_SIM_START"], TimeFormat.parse(start) == nil {
            throw CLIError.configuration("\nLAMBDA_SIM_START is not an ISO 8601 time between 0001-01-01 and 9999-12-31: \(start)")
        }
        let binaryFormat = globals.cliBinaryFormat ?? profile["cli_binary_format"] ?? "raw-in-base64-out"
        // An empty LAMBDA_SIM_STATE (a script's "${UNSET}") means the default, not the working directory.
        let statePath = globals.state ?? environment["LAMBDA_SIM_STATE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? home + "/.lambda-sim/state.json"
        let cwd = FileManager.default.currentDirectoryPath
        var context = CommandContext(globals: globals, dialect: dialect, environment: environment, workingDirectory: cwd,
                                     streams: streams, region: region, binaryFormat: binaryFormat,
                                     statePath: statePath.hasPrefix("/") ? statePath : cwd + "/" + statePath)
        context.v2Debug = dialect == .v1
            && (globals.v2Debug || environment["AWS_CLI_UPGRADE_DEBUG_MODE"]?.lowercased() == "true")
        context.pagerConfigured = profile["cli_pager"] == "" || environment["AWS_PAGER"] != nil
        context.timestampFormat = profile["cli_timestamp_format"]
        context.caller = CallerSettings(profile: profileName, roleArn: profile["role_arn"],
                                        sessionName: profile["role_session_name"])
        return context
    }
}

/// The parts of ~/.aws/config lambda-sim reads (region, cli_binary_format).
struct AWSConfigFile {
    var sections: [String: [String: String]] = [:]

    static func load(path: String) -> AWSConfigFile {
        var file = AWSConfigFile()
        guard let data = FileManager.default.contents(atPath: path) else { return file }
        var current: String?
        for rawLine in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let line = String(rawLine).trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingSpaces()
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingSpaces() }
                current = name
                file.sections[name, default: [:]] = file.sections[name] ?? [:]
                continue
            }
            guard let current, let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmingSpaces()
            let value = String(line[line.index(after: eq)...]).trimmingSpaces()
            file.sections[current]?[key] = value
        }
        return file
    }

    func profile(_ name: String) -> [String: String]? { sections[name] }
}
