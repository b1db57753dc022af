import Foundation
import XCTest

/// Fixed-seed fuzzing of the command line, payloads, shorthand, `--cli-input-json`, `--query`,
/// filter patterns, scenario files and garbled state files. Every run must end with a documented
/// exit status (0, 252, 253, 254, 255), never a signal or a hang; a failure says why on stderr;
/// a state file that does not parse is never rewritten.
///
/// `LAMBDA_SIM_FUZZ_COUNT` (default 300) sets the number of inputs per seed and
/// `LAMBDA_SIM_FUZZ_SEEDS` (default `1`) the seeds (comma-separated): bench/fuzz-soak.sh runs
/// the long version.
final class FuzzTests: XCTestCase {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let allowed: Set<Int32> = [0, 252, 253, 254, 255]
    static let queue = "https://sqs.us-east-1.amazonaws.com/123456789012/q"

    static let corpus: [[String]] = [
        ["invoke", "--function-name", "f", "--payload", "{}", "out.json"],
        ["invoke", "--function-name", "f", "--invocation-type", "Event", "--payload", "{\"a\":1}", "/dev/null"],
        ["invoke", "--function-name", "f:1", "--log-type", "Tail", "--query", "StatusCode", "out.json"],
        ["create-function", "--function-name", "g", "--runtime", "builtin", "--handler", "echo", "--timeout", "3"],
        ["update-function-configuration", "--function-name", "f", "--environment", "Variables={A=b,C=d}"],
        ["put-function-event-invoke-config", "--function-name", "f", "--maximum-retry-attempts", "1",
         "--destination-config", "OnFailure={Destination=arn:aws:sqs:us-east-1:123456789012:q}"],
        ["create-event-source-mapping", "--function-name", "f", "--event-source-arn", "arn:aws:sqs:us-east-1:123456789012:q",
         "--filter-criteria", "{\"Filters\":[{\"Pattern\":\"{\\\"body\\\":{\\\"a\\\":[1]}}\"}]}"],
        ["list-functions", "--query", "Functions[?Runtime=='builtin'].FunctionName", "--output", "text"],
        ["sqs", "send-message", "--queue-url", queue, "--message-body", "hello"],
        ["sqs", "receive-message", "--queue-url", queue, "--max-number-of-messages", "10"],
        ["get-function", "--cli-input-json", "{\"FunctionName\":\"f\"}"],
        ["simulate", "--for", "1m", "--format", "json"],
        ["logs", "--function-name", "f", "--since", "1h"],
        ["create-alias", "--function-name", "f", "--name", "live", "--function-version", "$LATEST"],
        ["kinesis", "put-record", "--stream-name", "s", "--data", "eA==", "--partition-key", "p"],
    ]

    static let hostile: [String] = [
        "", "-", "--", "NaN", "inf", "-1", "0", "1e309", "99999999999999999999", "9223372036854775807s", "../x",
        "/etc/passwd", "%s%n", "{", "[", "}", "{\"a\":", "[1,2", "Name=", "A=b,", "Variables={A=", "file://nonexistent",
        "fileb://", "file://", "\u{1F600}", "é", "'", "\"", "\\", "a b", "*", "[?", "@.x", "`x`", "Functions[", "&&",
        String(repeating: "a", count: 10_000), "arn:aws:lambda:us-east-1:123456789012:function:f", "f:$LATEST", "f:",
        ":", "2026-99-99", "1s", "10m", "-5m", "true", "null", "{\"Filters\":[{\"Pattern\":\"{\"}]}", "--payload",
        "--query", "--cli-input-json", "--output", "--region", "us-east-1", "--debug", "text", "table", "yaml",
    ]

    static let options = ["--payload", "--query", "--output", "--cli-input-json", "--qualifier", "--function-name",
                          "--region", "--invocation-type", "--log-type", "--timeout", "--for", "--until", "--format",
                          "--environment", "--filter-criteria", "--batch-size", "--message-body", "--no-paginate"]

    static func mutate(_ base: [String], _ rng: inout SplitMix) -> [String] {
        var argv = base
        for _ in 0...rng.below(3) {
            let i = argv.isEmpty ? 0 : rng.below(argv.count)
            switch rng.below(6) {
            case 0 where !argv.isEmpty: argv[i] = rng.pick(hostile)
            case 1 where argv.count > 1: argv.remove(at: i)
            case 2: argv.insert(rng.pick(options), at: min(i + 1, argv.count))
            case 3: argv.insert(rng.pick(hostile), at: min(i + 1, argv.count))
            case 4 where !argv.isEmpty:
                // Random bytes (valid UTF-8, no NUL) in place of one argument.
                let bytes = (0..<rng.below(40)).map { _ in UInt8(1 + rng.below(126)) }
                argv[i] = String(decoding: bytes, as: UTF8.self)
            default:
                if !argv.isEmpty { argv[i] = String(argv[i].prefix(rng.below(argv[i].count + 1))) }
            }
        }
        return argv
    }

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        try s.setup("publish-version", "--function-name", "f")
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("kinesis", "create-stream", "--stream-name", "s", "--shard-count", "1")
        return s
    }

    var count: Int { Int(ProcessInfo.processInfo.environment["LAMBDA_SIM_FUZZ_COUNT"] ?? "") ?? 300 }
    var seeds: [UInt64] {
        (ProcessInfo.processInfo.environment["LAMBDA_SIM_FUZZ_SEEDS"] ?? "1").split(separator: ",").compactMap { UInt64($0) }
    }

    /// Checks one result; returns a description of the violation, if any.
    func violation(_ argv: [String], _ r: ProcessResult) -> String? {
        if r.timedOut { return "hung: \(argv)" }
        if !Self.allowed.contains(r.exitCode) { return "exit \(r.exitCode): \(argv)\n\(r.stderrText.prefix(500))" }
        if r.exitCode != 0, r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return "exit \(r.exitCode) without a message: \(argv)"
        }
        return nil
    }

    func testFuzzedCommandLines() throws {
        var inputs = 0
        var violations: [String] = []
        for seed in seeds {
            let s = try sandbox()
            var rng = SplitMix(state: seed)
            var batch: [[String]] = []
            for _ in 0..<count {
                batch.append(Self.mutate(rng.pick(Self.corpus), &rng))
                if batch.count == 4 {
                    let results = try s.runConcurrently(batch)
                    for (argv, r) in zip(batch, results) { if let v = violation(argv, r) { violations.append(v) } }
                    inputs += batch.count
                    batch = []
                }
            }
            for argv in batch {
                if let v = violation(argv, try s.run(argv)) { violations.append(v) }
                inputs += 1
            }
            // The state still parses after all of it.
            XCTAssertEqual(try s.run(["state", "show"]).exitCode, 0, "seed \(seed)")
        }
        print("FuzzTests: \(inputs) command lines, \(violations.count) violations")
        XCTAssertEqual(violations, [])
    }

    func testFuzzedScenarioFiles() throws {
        let s = try Sandbox()
        var rng = SplitMix(state: seeds.first ?? 1)
        let base = #"{"start":"2026-01-01T00:00:00Z","seed":1,"steps":[["create-function","--function-name","f","--runtime","builtin","--handler","flaky:1"],["invoke","--function-name","f","--invocation-type","Event","/dev/null"],{"simulate":"5m"},{"enqueue":{"function":"f","count":3}}],"simulate":{"for":"10m"}}"#
        var violations: [String] = []
        let n = max(20, count / 10)
        for _ in 0..<n {
            var bytes = Array(base.utf8)
            for _ in 0...rng.below(4) {
                let i = rng.below(bytes.count)
                switch rng.below(3) {
                case 0: bytes[i] = UInt8(1 + rng.below(126))
                case 1: bytes.remove(at: i)
                default: bytes.insert(contentsOf: Array(rng.pick(Self.hostile).utf8.prefix(50)), at: i)
                }
            }
            try s.write("sc.json", bytes)
            let argv = ["simulate", "--scenario", "sc.json", "--format", "json"]
            if let v = violation(argv, try s.run(argv)) { violations.append(v + "\n" + String(decoding: bytes, as: UTF8.self)) }
        }
        XCTAssertEqual(violations, [])
    }

    // A state file cut short (a disk that filled, an editor) does not parse: every command stops
    // with exit 255 and one line, and the file is left exactly as it was.
    func testTruncatedStateFilesAreReportedAndNeverRewritten() throws {
        let s = try sandbox()
        let whole = s.read("state.json") ?? []
        let record = s.read("functions/us-east-1/f.json") ?? []
        XCTAssertGreaterThan(whole.count, 10)
        var rng = SplitMix(state: seeds.first ?? 1)
        var violations: [String] = []
        for round in 0..<max(10, count / 15) {
            let (file, original) = round % 2 == 0 ? ("state.json", whole) : ("functions/us-east-1/f.json", record)
            let cut = Array(original.prefix(1 + rng.below(original.count - 3)))
            try s.write(file, cut)
            // Every command needs state.json; these need f's own file.
            let needsF: Set<String> = ["invoke", "update-function-configuration", "get-function", "create-alias",
                                       "put-function-event-invoke-config", "list-functions"]
            let argv = rng.pick(round % 2 == 0 ? Self.corpus : Self.corpus.filter { needsF.contains($0[0]) })
            let r = try s.run(argv)
            if r.exitCode == 0 || !Self.allowed.contains(r.exitCode) {
                violations.append("\(file) cut at \(cut.count): \(argv) exited \(r.exitCode)")
            }
            if s.read(file) != cut { violations.append("\(file) cut at \(cut.count) was rewritten by \(argv)") }
            if r.stderrText.split(separator: "\n").count != 1 { violations.append("\(argv): \(r.stderrText)") }
            try s.write(file, original)
        }
        XCTAssertEqual(violations, [])
    }
}
