import Foundation
import XCTest

/// Which AWS CLI the case imitates: `.v1` runs with `LAMBDA_SIM_CLI_VERSION=1` (the reference
/// bytes came from CLI v1), `.v2` with lambda-sim's default dialect.
enum CLIDialect: Sendable {
    case v1, v2
}

/// One golden end-to-end case: a command line run in a `Sandbox`, whose stdout, stderr, exit
/// code and outfile must equal the files in `Tests/EndToEndTests/Fixtures/golden/<name>/`
/// byte for byte (after `normalizer`):
///
/// - `cmd`: the case's environment extras as `NAME=value` lines, then `lambda-sim` and one
///   argument per line (a `# stdin: …` line first when the case feeds stdin), normalised like
///   the output (an ESM UUID argument becomes `<uuid>`);
/// - `stdout`, `stderr`: the bytes (`stderr` is not compared when `compareStderr` is false);
/// - `exit`: the exit code and a newline;
/// - `outfile`: the bytes of the case's `outfile` after the run; no such golden file means the
///   outfile must not exist afterwards (not created).
///
/// `RECORD_GOLDEN=1` rewrites the files from the actual run and then fails the test, so a
/// re-recording is always reviewed (`git diff`) before it is trusted.
struct GoldenCase {
    var name: String
    var arguments: [String]
    var dialect: CLIDialect = .v1
    var stdin: [UInt8]?
    var environment: [String: String] = [:]
    /// The outfile path relative to the sandbox, when the case has one.
    var outfile: String?
    var compareStderr = true
    var normalizer = Normalizer()

    init(_ name: String, _ arguments: [String], dialect: CLIDialect = .v1, outfile: String? = nil,
         stdin: [UInt8]? = nil, environment: [String: String] = [:], normalize options: Normalizer.Options = [],
         compareStderr: Bool = true)
    {
        self.name = name
        self.arguments = arguments
        self.dialect = dialect
        self.outfile = outfile
        self.stdin = stdin
        self.environment = environment
        self.normalizer = Normalizer(options: options)
        self.compareStderr = compareStderr
    }

    var runEnvironment: [String: String] {
        var env = environment
        if dialect == .v1 { env["LAMBDA_SIM_CLI_VERSION"] = "1" }
        return env
    }

    var cmdFile: String {
        var lines: [String] = []
        if let stdin { lines.append("# stdin: " + Normalizer.escape(String(decoding: stdin, as: UTF8.self))) }
        for (key, value) in runEnvironment.sorted(by: { $0.key < $1.key }) { lines.append("\(key)=\(value)") }
        lines.append("lambda-sim")
        lines += arguments
        return lines.joined(separator: "\n") + "\n"
    }
}

enum Golden {
    static let root = LambdaSimBinary.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/golden")

    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" }
}

extension Sandbox {
    /// Runs the case and compares it with its golden files (or records them, see `GoldenCase`).
    /// Returns the raw result for extra assertions.
    @discardableResult
    func assertGolden(_ golden: GoldenCase, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let result = try run(golden.arguments, stdin: golden.stdin, environment: golden.runEnvironment)
        if result.timedOut {
            XCTFail("\(golden.name): lambda-sim did not finish in time", file: file, line: line)
        }
        var actual: [(String, [UInt8]?)] = [
            ("cmd", golden.normalizer.apply(Array(golden.cmdFile.utf8))),
            ("stdout", golden.normalizer.apply(result.stdout, isStdout: true)),
            ("exit", Array("\(result.exitCode)\n".utf8)),
        ]
        if golden.compareStderr {
            actual.append(("stderr", golden.normalizer.apply(result.stderr)))
        }
        if let outfile = golden.outfile {
            actual.append(("outfile", read(outfile).map { golden.normalizer.apply($0) }))
        }
        let directory = Golden.root.appendingPathComponent(golden.name)
        if Golden.recording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, bytes) in actual {
                let url = directory.appendingPathComponent(name)
                if let bytes {
                    try Data(bytes).write(to: url)
                } else {
                    try? FileManager.default.removeItem(at: url)
                }
            }
            XCTFail("\(golden.name): recorded golden files in \(directory.path); review the diff, then run again "
                + "without RECORD_GOLDEN", file: file, line: line)
            return result
        }
        for (name, bytes) in actual {
            let url = directory.appendingPathComponent(name)
            let expected = FileManager.default.contents(atPath: url.path).map { [UInt8]($0) }
            if expected == nil, name != "outfile" {
                XCTFail("\(golden.name): missing golden file \(url.path); record it with RECORD_GOLDEN=1",
                        file: file, line: line)
                continue
            }
            if expected != bytes {
                XCTFail("""
                    \(golden.name): \(name) differs from the golden file \(url.path)
                    --- expected (\(Self.describe(expected)))
                    \(Self.show(expected))
                    --- actual (\(Self.describe(bytes)))
                    \(Self.show(bytes))
                    --- raw stderr
                    \(result.stderrText)
                    """, file: file, line: line)
            }
        }
        return result
    }

    private static func describe(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "file absent" }
        return "\(bytes.count) bytes"
    }

    /// The bytes as text with invisible characters made visible (`\r`, `\t` shown escaped).
    private static func show(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "<absent>" }
        guard let text = String(validatingUTF8Bytes: bytes) else {
            return bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
        }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: "\\t⇥")
    }
}
