import Foundation
import XCTest

/// A private temporary directory that one test runs `lambda-sim` in.
///
/// Every run gets a scrubbed environment: only `PATH`, `HOME=<dir>`,
/// `LAMBDA_SIM_STATE=<dir>/state.json`, `LANG=C.UTF-8` and `TZ` (default `UTC`), plus
/// `environment` (set on the sandbox for all runs) and the run's own extras. By default the
/// state starts on the manual clock at `fixedStart` (`LAMBDA_SIM_CLOCK=manual`,
/// `LAMBDA_SIM_START`), so timestamps are the same on every run; set `clock = .wall` to test
/// the wall clock instead.
///
///     let sandbox = try Sandbox()
///     try sandbox.writeStandardFixtures()
///     try sandbox.setup("create-function", "--function-name", "my-fn", "--runtime", "builtin", "--handler", "echo")
///     let result = try sandbox.run(["invoke", "--function-name", "my-fn", "out.json"])
///     XCTAssertEqual(result.exitCode, 0)
///
/// The directory is removed when the sandbox is released, unless `LAMBDA_SIM_KEEP_SANDBOX=1`.
final class Sandbox {
    enum Clock {
        case manual(start: String)
        case wall
    }

    /// The manual clock's start for every sandbox: the date the reference was recorded.
    static let fixedStart = "2026-11-22T19:58:59.383Z"

    let directory: String
    let binary: String
    var clock: Clock = .manual(start: Sandbox.fixedStart)
    var timeZone = "UTC"
    /// Extra variables for every run in this sandbox.
    var environment: [String: String] = [:]
    /// Setup commands run so far, for failure messages.
    private(set) var history: [String] = []

    var statePath: String { directory + "/state.json" }

    init() throws {
        binary = try LambdaSimBinary.locate()
        let template = NSTemporaryDirectory() + "/lambda-sim-e2e-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else {
            throw ProcessRunnerError(description: "mkdtemp failed for \(template)")
        }
        let made = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Resolve symlinks (macOS /var -> /private/var) so paths printed by the binary match.
        directory = URL(fileURLWithPath: made).resolvingSymlinksInPath().path
    }

    deinit {
        if ProcessInfo.processInfo.environment["LAMBDA_SIM_KEEP_SANDBOX"] != "1" {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The exact environment a run gets.
    func processEnvironment(extra: [String: String] = [:]) -> [String: String] {
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": directory,
            "LAMBDA_SIM_STATE": statePath,
            "LANG": "C.UTF-8",
            "TZ": timeZone,
        ]
        if case let .manual(start) = clock {
            env["LAMBDA_SIM_CLOCK"] = "manual"
            env["LAMBDA_SIM_START"] = start
        }
        env.merge(environment) { _, new in new }
        env.merge(extra) { _, new in new }
        return env
    }

    func spec(_ arguments: [String], stdin: [UInt8]? = nil, environment extra: [String: String] = [:]) -> ProcessSpec {
        ProcessSpec(executable: binary, arguments: arguments, environment: processEnvironment(extra: extra),
                    workingDirectory: directory, stdin: stdin)
    }

    /// Runs `lambda-sim <arguments>` in the sandbox and waits for it.
    func run(_ arguments: [String], stdin: [UInt8]? = nil, environment extra: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run(spec(arguments, stdin: stdin, environment: extra))
    }

    /// Runs several command lines at the same time (one process each); results in order.
    func runConcurrently(_ commands: [[String]], environment extra: [String: String] = [:]) throws -> [ProcessResult] {
        try ProcessRunner.runAll(commands.map { spec($0, environment: extra) })
    }

    /// Runs a preparatory command that must succeed; fails the test with its output otherwise.
    @discardableResult
    func setup(_ arguments: String..., environment extra: [String: String] = [:],
               file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult
    {
        let result = try run(arguments, environment: extra)
        history.append(arguments.joined(separator: " "))
        if result.exitCode != 0 {
            XCTFail("setup `lambda-sim \(arguments.joined(separator: " "))` exited \(result.exitCode)\n"
                + "stdout:\n\(result.stdoutText)\nstderr:\n\(result.stderrText)", file: file, line: line)
            throw ProcessRunnerError(description: "setup failed")
        }
        return result
    }

    // MARK: Files

    func path(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : directory + "/" + relative
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func write(_ relative: String, _ text: String) throws {
        try write(relative, Array(text.utf8))
    }

    /// Writes a file beside the state as a person editing it by hand should while a background
    /// runner may be working: holding the state's lock (`state.json.lock`), so the runner's next
    /// locked step reads the edit instead of overwriting it with what it read before.
    func writeHoldingTheStateLock(_ relative: String, _ text: String) throws {
        let fd = open(statePath + ".lock", O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else { throw ProcessRunnerError(description: "cannot open the state lock") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ProcessRunnerError(description: "cannot lock the state") }
        defer { flock(fd, LOCK_UN) }
        try write(relative, text)
    }

    /// The file's bytes, or nil when it does not exist (or is a directory).
    func read(_ relative: String) -> [UInt8]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path(relative), isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: path(relative))
        else { return nil }
        return [UInt8](data)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    /// Writes the reference's fixture files (aws-cli-v1-observed.md §2) into the sandbox:
    /// `x.json`, `y.json`, `bin.dat`, `existing.json`, `fn.zip` (see `Fixtures`).
    func writeStandardFixtures() throws {
        for (name, bytes) in Fixtures.standard {
            try write(name, bytes)
        }
    }
}
