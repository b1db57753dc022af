import Foundation
import LambdaSimJSON
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGKILL at random points, over many rounds: `simulate` (manual clock) and the wall-mode
/// background runner. Every async event and every SQS message must be processed at least once
/// and never lost; what a kill repeats must stay within the documented bound (docs/background.md:
/// the async queue is recorded every second of real time, the pollers at every locked step).
/// The rounds here are few (CI); bench/kill-soak.sh runs the long version.
final class KillRecoveryTests: XCTestCase {
    static let account = "123456789012"
    /// About 15 ms of real time per attempt: a run is long enough to be killed in the middle.
    static func handler(log: String) -> String {
        "#!/bin/sh\nsleep 0.01\ninput=$(cat)\nprintf '%s\\n' \"$input\" >> '\(log)'\nprintf '%s' \"$input\"\n"
    }

    func queueUrl(_ name: String) -> String { "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(name)" }
    func queueArn(_ name: String) -> String { "arn:aws:sqs:us-east-1:\(Self.account):\(name)" }

    /// Spawns `lambda-sim args` in the sandbox without waiting; returns its pid.
    func spawn(_ s: Sandbox, _ args: [String]) -> pid_t {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        let argv = [s.binary] + args
        var cArgs = argv.map { strdup($0) } + [nil]
        let envp = s.processEnvironment().map { "\($0.key)=\($0.value)" }
        var cEnv = envp.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        let cwd = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(s.directory)
        posix_spawn(&pid, s.binary, &actions, nil, &cArgs, &cEnv)
        _ = FileManager.default.changeCurrentDirectoryPath(cwd)
        return pid
    }

    func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Lines the handler logged (one event or batch a line).
    func handled(_ s: Sandbox) -> [String] {
        String(decoding: s.read("handled.log") ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func setUpHandler(_ s: Sandbox) throws {
        try s.write("code/fn.sh", Self.handler(log: s.path("handled.log")))
        chmod(s.path("code/fn.sh"), 0o755)
        try s.setup("create-function", "--function-name", "fn", "--runtime", "exec", "--handler", "fn.sh", "--code-path", s.path("code"))
    }

    // simulate killed at random points: 80 async events (each attempted once, succeeding) and
    // 60 SQS messages through a mapping. After the kills a last simulate finishes the work.
    func testSimulateKilledAtRandomPointsLosesNothing() throws {
        let s = try Sandbox()
        s.clock = .manual(start: "2026-01-01T00:00:00Z")
        try setUpHandler(s)
        let events = 200, messages = 60
        for n in 0..<events {
            try s.setup("invoke", "--function-name", "fn", "--invocation-type", "Event", "--payload", #"{"event":\#(n)}"#, "/dev/null")
        }
        try s.setup("sqs", "create-queue", "--queue-name", "in", "--attributes", "VisibilityTimeout=30")
        for batch in stride(from: 0, to: messages, by: 10) {
            let entries = (batch..<min(messages, batch + 10)).map { #"{"Id":"m\#($0)","MessageBody":"message-\#($0)"}"# }
            try s.setup("sqs", "send-message-batch", "--queue-url", queueUrl("in"), "--entries", "[" + entries.joined(separator: ",") + "]")
        }
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--batch-size", "1", "--event-source-arn", queueArn("in"))

        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var killedAfter: [Int] = []
        for _ in 0..<8 {
            let before = handled(s).count
            let pid = spawn(s, ["simulate", "--format", "json"])
            let delay = Int.random(in: 500...1300, using: &generator)
            usleep(useconds_t(delay * 1000))
            kill(pid, SIGKILL)
            let status = wait(pid)
            if status & 0x7f == SIGKILL {
                kills += 1
                killedAfter.append(handled(s).count - before)
            }
        }
        // A last run finishes everything (and must find the state whole).
        let last = try s.run(["simulate", "--format", "json"])
        XCTAssertEqual(last.exitCode, 0, last.stderrText)
        XCTAssertFalse(last.stderrText.contains("stopped at the horizon"), "the run ended idle, not at the horizon: \(last.stderrText)")
        XCTAssertEqual(try s.run(["simulate", "--format", "json"]).stdoutText, "", "nothing left")
        let state = try JSONParser.parse(bytes: s.read("state.json") ?? [])
        XCTAssertEqual(state["asyncState"]?["pending"]?.intValue ?? 0, 0, "no attempt left half-finished in the queue")

        let lines = handled(s)
        var eventCounts: [Int: Int] = [:]
        var messageCounts: [String: Int] = [:]
        for line in lines {
            guard let json = try? JSONParser.parse(line) else { continue }
            if let n = json["event"]?.intValue { eventCounts[n, default: 0] += 1 }
            for record in json["Records"]?.arrayValue ?? [] {
                if let body = record["body"]?.stringValue { messageCounts[body, default: 0] += 1 }
            }
        }
        for n in 0..<events { XCTAssertGreaterThanOrEqual(eventCounts[n] ?? 0, 1, "event \(n) was never processed") }
        for n in 0..<messages { XCTAssertGreaterThanOrEqual(messageCounts["message-\(n)"] ?? 0, 1, "message \(n) was never processed") }
        let repeated = lines.count - events - messages
        // The bound: a kill repeats at most what ran since the last record — 250 ms of async
        // attempts (about 17 at ~15 ms each) and the mapping's batches in flight (5, growing by 5 a second);
        // before the queue was recorded during a run, a kill repeated everything the run had done.
        XCTAssertLessThanOrEqual(repeated, kills * 40, "repeated \(repeated) in \(kills) kills (handled per killed run: \(killedAfter))")
        XCTAssertLessThan(repeated * 2, killedAfter.reduce(0, +), "most of a killed run's work is kept (per killed run: \(killedAfter))")
        let left = try s.run(["sqs", "get-queue-attributes", "--queue-url", queueUrl("in"), "--attribute-names", "All",
                              "--query", "Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible]", "--output", "text"])
        XCTAssertEqual(left.stdoutText.split(whereSeparator: \.isWhitespace), ["0", "0"])
        print("kill test (simulate): \(kills) kills, \(lines.count) handled for \(events + messages) items, \(repeated) repeated "
            + "(events \(eventCounts.values.reduce(0, +) - events), messages \(messageCounts.values.reduce(0, +) - messages)); per killed run \(killedAfter)")
    }

    // The wall-mode background runner killed at random points while it works through 40 SQS
    // messages and 40 async events; the next command starts a new runner, which picks up the
    // dead one's work after its lease (a dead owner is noticed at once).
    func testBackgroundRunnerKilledAtRandomPointsLosesNothing() throws {
        let s = try Sandbox()
        s.clock = .wall
        try setUpHandler(s)
        try s.setup("sqs", "create-queue", "--queue-name", "in", "--attributes", "VisibilityTimeout=2")
        try s.setup("create-event-source-mapping", "--function-name", "fn", "--batch-size", "1", "--event-source-arn", queueArn("in"))
        let messages = 40, events = 40
        for batch in stride(from: 0, to: messages, by: 10) {
            let entries = (batch..<min(messages, batch + 10)).map { #"{"Id":"m\#($0)","MessageBody":"message-\#($0)"}"# }
            try s.setup("sqs", "send-message-batch", "--queue-url", queueUrl("in"), "--entries", "[" + entries.joined(separator: ",") + "]")
        }
        for n in 0..<events {
            try s.setup("invoke", "--function-name", "fn", "--invocation-type", "Event", "--payload", #"{"event":\#(n)}"#, "/dev/null")
        }
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            usleep(useconds_t(Int.random(in: 100...500, using: &generator) * 1000))
            let pids = try runnerPids(s)
            for pid in pids { kill(pid, SIGKILL) }
            kills += pids.count
            _ = try s.run(["sqs", "send-message", "--queue-url", queueUrl("in"), "--message-body", "probe"])
        }
        // Let the last runner finish (visibility timeouts of killed batches are 2 s).
        let deadline = Date().addingTimeInterval(40)
        var done = false
        while Date() < deadline, !done {
            usleep(300_000)
            let left = try s.run(["sqs", "get-queue-attributes", "--queue-url", queueUrl("in"), "--attribute-names", "All",
                                  "--query", "Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible]",
                                  "--output", "text"])
            let state = try JSONParser.parse(bytes: s.read("state.json") ?? [])
            let asyncIdle = (state["asyncQueue"]?.arrayValue ?? []).isEmpty && (state["asyncState"]?["pending"]?.intValue ?? 0) == 0
            done = left.stdoutText.split(whereSeparator: \.isWhitespace) == ["0", "0"] && asyncIdle
        }
        XCTAssertTrue(done, "the background finished the work after \(kills) kills")
        let lines = handled(s)
        var eventCounts: [Int: Int] = [:]
        var messageCounts: [String: Int] = [:]
        for line in lines {
            guard let json = try? JSONParser.parse(line) else { continue }
            if let n = json["event"]?.intValue { eventCounts[n, default: 0] += 1 }
            for record in json["Records"]?.arrayValue ?? [] {
                if let body = record["body"]?.stringValue { messageCounts[body, default: 0] += 1 }
            }
        }
        for n in 0..<events { XCTAssertGreaterThanOrEqual(eventCounts[n] ?? 0, 1, "event \(n) was never processed") }
        for n in 0..<messages { XCTAssertGreaterThanOrEqual(messageCounts["message-\(n)"] ?? 0, 1, "message \(n) was never processed") }
        XCTAssertGreaterThanOrEqual(messageCounts["probe"] ?? 0, 8, "every probe processed")
        // A kill repeats the batches in flight (at most 5, the poller's starting concurrency) and
        // the async attempts since the last record.
        let repeated = lines.count - (events + messages + 8)
        XCTAssertLessThanOrEqual(repeated, kills * 10, "repeated \(repeated) in \(kills) kills")
        print("kill test (runner): \(kills) kills, \(lines.count) handled for \(events + messages + 8) items")
    }

    /// The pids of background runners of this sandbox's state (from /proc).
    func runnerPids(_ s: Sandbox) throws -> [pid_t] {
        var pids: [pid_t] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if args.contains("__background"), args.contains(s.statePath) { pids.append(pid) }
        }
        return pids
    }
}
