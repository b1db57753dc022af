import Foundation
import XCTest

/// Reserved concurrency and the account's pool across processes (docs/concurrency.md): every
/// running execution holds a lease in `concurrency-leases.tsv`, so two `lambda-sim` processes
/// (or a `serve` client) never run more executions than the limit allows.
final class ConcurrencyLimitTests: XCTestCase {
    /// The AWS CLI's text once its retries (3 attempts in v2's standard mode) ran out.
    static let throttled = "\nAn error occurred (TooManyRequestsException) when calling the Invoke operation (reached max retries: 2): Rate Exceeded.\n"

    /// An exec function that takes `seconds` of real time and notes each run in `runs.txt`.
    private func slowFunction(_ s: Sandbox, name: String = "slow", seconds: Int, timeout: Int, reserved: Int?) throws {
        try s.write("code/fn.sh", "#!/bin/sh\necho run >> \(s.path("runs.txt"))\nsleep \(seconds)\ncat\n")
        chmod(s.path("code/fn.sh"), 0o755)
        try s.setup("create-function", "--function-name", name, "--runtime", "exec", "--handler", "./fn.sh",
                    "--code-path", s.path("code"), "--timeout", String(timeout))
        if let reserved {
            try s.setup("put-function-concurrency", "--function-name", name, "--reserved-concurrent-executions", String(reserved))
        }
    }

    private func leases(_ s: Sandbox) -> [[Substring]] {
        String(decoding: s.read("concurrency-leases.tsv") ?? [], as: UTF8.self).split(separator: "\n")
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    /// Starts `lambda-sim invoke` without waiting; returns once it holds its lease.
    private func startHolder(_ s: Sandbox, function: String = "slow") throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: s.binary)
        process.arguments = ["invoke", "--function-name", function, "holder.json"]
        process.environment = s.processEnvironment()
        process.currentDirectoryURL = URL(fileURLWithPath: s.directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 where leases(s).isEmpty { usleep(20_000) }
        XCTAssertEqual(leases(s).count, 1, "the first invoke holds a lease")
        return process
    }

    // Two `lambda-sim invoke` processes at once against reserved concurrency 1 and a handler that
    // takes 5 s: exactly one runs (200); the other is throttled on every one of the CLI's three
    // attempts (they end within 3 s) and exits 254 with the AWS CLI's text, its outfile untouched.
    func testTwoInvokeProcessesWithReservedConcurrencyOneRunExactlyOne() throws {
        let s = try Sandbox()
        try slowFunction(s, seconds: 5, timeout: 10, reserved: 1)
        let results = try s.runConcurrently([["invoke", "--function-name", "slow", "--payload", "{}", "a.json"],
                                             ["invoke", "--function-name", "slow", "--payload", "{}", "b.json"]])
        let ran = results.enumerated().filter { $0.element.exitCode == 0 }
        let refused = results.enumerated().filter { $0.element.exitCode != 0 }
        XCTAssertEqual(ran.count, 1, results.map(\.stderrText).joined(separator: "\n"))
        XCTAssertEqual(refused.count, 1)
        if let (index, result) = refused.first {
            XCTAssertEqual(result.exitCode, 254)
            XCTAssertEqual(result.stderrText, Self.throttled)
            XCTAssertEqual(result.stdoutText, "")
            XCTAssertFalse(s.exists(index == 0 ? "a.json" : "b.json"), "a throttled invoke leaves the outfile alone")
        }
        XCTAssertEqual(String(decoding: s.read("runs.txt") ?? [], as: UTF8.self), "run\n", "the handler ran once")
        XCTAssertEqual(leases(s).count, 0, "the lease is released when the function ends")
        // Free again: the next invoke runs.
        XCTAssertEqual(try s.run(["invoke", "--function-name", "slow", "c.json"]).exitCode, 0)
    }

    // The lease holder is killed with SIGKILL mid-invocation: its unit stays taken until the lease
    // expires (the function's 6 s time-out after the start, plus 1 s), then the next invoke runs.
    func testAKilledHolderFreesItsUnitWhenTheLeaseExpires() throws {
        let s = try Sandbox()
        try slowFunction(s, seconds: 5, timeout: 6, reserved: 1)
        let holder = try startHolder(s)
        let lease = try XCTUnwrap(leases(s).first)
        XCTAssertEqual(lease.count, 7)
        XCTAssertEqual(lease[1], "us-east-1/slow")
        XCTAssertEqual(lease[3], "sync")
        let expires = try XCTUnwrap(Int64(lease[5]))
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        XCTAssertEqual(holder.terminationReason, .uncaughtSignal)
        // Still held: AWS_MAX_ATTEMPTS=1 makes the CLI give up at once.
        let early = try s.run(["invoke", "--function-name", "slow", "early.json"], environment: ["AWS_MAX_ATTEMPTS": "1"])
        XCTAssertEqual(early.exitCode, 254)
        XCTAssertEqual(early.stderrText,
                       "\nAn error occurred (TooManyRequestsException) when calling the Invoke operation (reached max retries: 0): Rate Exceeded.\n")
        XCTAssertLessThan(Int64(Date().timeIntervalSince1970 * 1000), expires, "the check ran before the lease expired")
        // After the expiry the unit is free.
        let wait = Double(expires) / 1000 - Date().timeIntervalSince1970 + 0.2
        if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        let late = try s.run(["invoke", "--function-name", "slow", "late.json"], environment: ["AWS_MAX_ATTEMPTS": "1"])
        XCTAssertEqual(late.exitCode, 0, late.stderrText)
        XCTAssertEqual(leases(s).count, 0)
    }

    // A `serve` client while a CLI invoke holds the only unit: 429 with AWS's body and Reason.
    func testServeAnswers429WhileACLIProcessHoldsTheUnit() throws {
        let s = try Sandbox()
        try slowFunction(s, seconds: 4, timeout: 10, reserved: 1)
        let server = try ServeProcess(s)
        let holder = try startHolder(s)
        let refused = try RawHTTP.request(port: server.port, method: "POST", path: "/2015-03-31/functions/slow/invocations",
                                          body: Array("{}".utf8))
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(refused.header("x-amzn-ErrorType"), "TooManyRequestsException")
        let body = try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: String]
        XCTAssertEqual(body, ["Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."])
        holder.waitUntilExit()
        XCTAssertEqual(holder.terminationStatus, 0)
        let ran = try RawHTTP.request(port: server.port, method: "POST", path: "/2015-03-31/functions/slow/invocations",
                                      body: Array(#"{"k":1}"#.utf8))
        XCTAssertEqual(ran.status, 200, ran.text)
        XCTAssertEqual(ran.text, #"{"k":1}"#)
        XCTAssertEqual(server.stop(), 0)
    }

    // The account pool counts across processes too: with an account limit of 1 (no reservation),
    // a second function's invoke is refused while the first runs, with ConcurrentInvocationLimitExceeded.
    func testTheAccountPoolCountsAcrossProcessesAndFunctions() throws {
        let s = try Sandbox()
        try s.setup("state", "reset", "--clock", "manual", "--start", Sandbox.fixedStart, "--account-concurrency", "1")
        try slowFunction(s, seconds: 4, timeout: 10, reserved: nil)
        try s.setup("create-function", "--function-name", "other", "--runtime", "builtin", "--handler", "echo")
        let server = try ServeProcess(s)
        let holder = try startHolder(s)
        XCTAssertEqual(leases(s).first?[2], "U", "an unreserved function's lease counts against the pool")
        let cli = try s.run(["invoke", "--function-name", "other", "o.json"], environment: ["AWS_MAX_ATTEMPTS": "1"])
        XCTAssertEqual(cli.exitCode, 254)
        XCTAssertTrue(cli.stderrText.contains("(TooManyRequestsException)"), cli.stderrText)
        let refused = try RawHTTP.request(port: server.port, method: "POST", path: "/2015-03-31/functions/other/invocations",
                                          body: Array("{}".utf8))
        XCTAssertEqual(refused.status, 429)
        let body = try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: String]
        XCTAssertEqual(body?["Reason"], "ConcurrentInvocationLimitExceeded")
        holder.waitUntilExit()
        XCTAssertEqual(try s.run(["invoke", "--function-name", "other", "o.json"]).exitCode, 0)
        XCTAssertEqual(server.stop(), 0)
    }

    // MARK: - The background runner (wall mode)

    /// The background's steps in the history (the holder's own synchronous invokes are recorded
    /// there too, as `source` `sync`: left out).
    private func history(_ s: Sandbox) -> [[String: Any]] {
        String(decoding: s.read("history.jsonl") ?? [], as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["source"] as? String != "sync" }
    }

    private func eventually(_ seconds: Double = 25, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    // A sync invoke holds the only unit; an Event invoke's attempt in the background runner is
    // throttled (back-off 1 s, 2 s, …, no retry used up) and runs once the sync invoke has ended.
    func testTheBackgroundRunnerBacksOffWhileAnotherProcessHoldsTheUnit() throws {
        let s = try Sandbox()
        s.clock = .wall
        try slowFunction(s, seconds: 3, timeout: 10, reserved: 1)
        let holder = try startHolder(s)
        let started = Date()
        let queued = try s.run(["invoke", "--function-name", "slow", "--invocation-type", "Event", "--payload", #"{"a":1}"#, "e.json"])
        XCTAssertEqual(queued.exitCode, 0, queued.stderrText)
        XCTAssertTrue(eventually { history(s).contains { $0["event"] as? String == "invoke" } }, "the event ran in the end")
        holder.waitUntilExit()
        let steps = history(s)
        let throttles = steps.filter { $0["event"] as? String == "throttle" }
        XCTAssertGreaterThanOrEqual(throttles.count, 1, "\(steps)")
        XCTAssertEqual(throttles.first?["errorType"] as? String, "TooManyRequestsException")
        XCTAssertEqual(throttles.first?["reason"] as? String,
                       "Reserved concurrency 1 is taken by 1 running execution: the event goes back to the queue and is retried in 1 s (back-off from 1 s doubling to 5 min, up to the maximum event age; throttles do not use up retries).")
        let invokes = steps.filter { $0["event"] as? String == "invoke" }
        XCTAssertEqual(invokes.count, 1)
        XCTAssertEqual(invokes.first?["attempt"] as? Int, 1, "throttles use up no attempt")
        XCTAssertEqual(invokes.first?["result"] as? String, "success")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 2.5, "the attempt waited for the sync invoke")
        XCTAssertEqual(String(decoding: s.read("runs.txt") ?? [], as: UTF8.self), "run\nrun\n")
    }

    // The background runner runs an Event invoke's attempt (a real process): meanwhile a sync
    // invoke from another process is refused with 429; afterwards the unit is free.
    func testASyncInvokeIsThrottledWhileTheBackgroundRunnerHoldsTheUnit() throws {
        let s = try Sandbox()
        s.clock = .wall
        try slowFunction(s, seconds: 3, timeout: 10, reserved: 1)
        XCTAssertEqual(try s.run(["invoke", "--function-name", "slow", "--invocation-type", "Event", "e.json"]).exitCode, 0)
        XCTAssertTrue(eventually(10) { leases(s).first?[3] == "async" }, "the runner's attempt holds a lease")
        let refused = try s.run(["invoke", "--function-name", "slow", "x.json"], environment: ["AWS_MAX_ATTEMPTS": "1"])
        XCTAssertEqual(refused.exitCode, 254)
        XCTAssertEqual(refused.stderrText,
                       "\nAn error occurred (TooManyRequestsException) when calling the Invoke operation (reached max retries: 0): Rate Exceeded.\n")
        XCTAssertTrue(eventually(10) { leases(s).isEmpty }, "released when the attempt ends")
        XCTAssertEqual(try s.run(["invoke", "--function-name", "slow", "y.json"]).exitCode, 0)
    }

    // A builtin `sleep:4000` attempt in the background takes no real time, but its simulated
    // 4 s reach past now: other processes count it (a timed lease) until it ends.
    func testASimulatedDurationInTheBackgroundCountsAcrossProcesses() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("create-function", "--function-name", "nap", "--runtime", "builtin", "--handler", "sleep:4000", "--timeout", "10")
        try s.setup("put-function-concurrency", "--function-name", "nap", "--reserved-concurrent-executions", "1")
        XCTAssertEqual(try s.run(["invoke", "--function-name", "nap", "--invocation-type", "Event", "e.json"]).exitCode, 0)
        XCTAssertTrue(eventually(10) { leases(s).first.map { $0[3] == "async" && $0[6] == "0" } ?? false }, "a timed lease")
        let refused = try s.run(["invoke", "--function-name", "nap", "x.json"], environment: ["AWS_MAX_ATTEMPTS": "1"])
        XCTAssertEqual(refused.exitCode, 254, refused.stderrText)
        XCTAssertTrue(try eventually(10) { try s.run(["invoke", "--function-name", "nap", "y.json"]).exitCode == 0 })
    }

    // An SQS event source mapping's poller leaves the message in the queue while a sync invoke
    // in another process holds the function's only unit, and invokes it once the unit is free.
    func testAPollerWaitsForAUnitAnotherProcessHolds() throws {
        let s = try Sandbox()
        s.clock = .wall
        try slowFunction(s, seconds: 3, timeout: 10, reserved: 1)
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("create-event-source-mapping", "--function-name", "slow", "--batch-size", "1",
                    "--event-source-arn", "arn:aws:sqs:us-east-1:123456789012:q")
        let holder = try startHolder(s)
        try s.setup("sqs", "send-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/123456789012/q", "--message-body", "m1")
        holder.waitUntilExit()
        let holderEnded = Int64(Date().timeIntervalSince1970 * 1000)
        XCTAssertEqual(history(s).filter { $0["event"] as? String == "invoke" }.count, 0, "no batch while the unit was taken")
        XCTAssertTrue(eventually { history(s).contains { $0["event"] as? String == "invoke" } }, "the batch ran afterwards")
        let invoke = history(s).first { $0["event"] as? String == "invoke" }
        XCTAssertEqual(invoke?["records"] as? Int, 1)
        XCTAssertGreaterThanOrEqual(Int64(invoke?["time"] as? Int ?? 0), holderEnded - 1000)
        XCTAssertEqual(String(decoding: s.read("runs.txt") ?? [], as: UTF8.self), "run\nrun\n")
    }
}
