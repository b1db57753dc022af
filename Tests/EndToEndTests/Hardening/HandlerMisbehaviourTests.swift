import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Handlers that misbehave: floods of output, children left running, children holding the
/// output open, and lambda-sim itself SIGKILLed mid-invocation. lambda-sim's own memory stays
/// bounded, the invocation gets AWS's error, no process of the function outlives it, and the
/// next invocation works.
final class HandlerMisbehaviourTests: XCTestCase {
    /// lambda-sim's ceiling for one invocation, whatever the handler prints.
    static let memoryCeilingKB = 64 * 1024

    func exec(_ s: Sandbox, _ name: String, _ script: String, timeout: Int = 10) throws {
        try s.write("code-\(name)/fn.sh", "#!/bin/sh\n" + script)
        chmod(s.path("code-\(name)/fn.sh"), 0o755)
        try s.setup("create-function", "--function-name", name, "--runtime", "exec", "--handler", "fn.sh",
                    "--code-path", s.path("code-\(name)"), "--timeout", String(timeout))
    }

    /// A token no other process on the machine has in its command line.
    func marker() -> String { "1000.\(UInt32.random(in: 100_000...999_999))" }

    /// The processes whose command line contains `token`.
    static func processes(with token: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != getpid(),
                  let bytes = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let text = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return text.contains(token) ? pid : nil
        }
    }

    func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    func testAFloodOnStdoutIsResponseSizeTooLargeInBoundedMemory() throws {
        let s = try Sandbox()
        try exec(s, "flood", "head -c 200000000 /dev/zero | tr '\\0' a\n")
        let r = try s.run(["invoke", "--function-name", "flood", "out.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertTrue(r.stdoutText.contains("\"FunctionError\": \"Unhandled\""), r.stdoutText)
        let answer = String(decoding: s.read("out.json") ?? [], as: UTF8.self)
        XCTAssertTrue(answer.contains("Function.ResponseSizeTooLarge"), String(answer.prefix(300)))
        XCTAssertLessThan(r.maxRSSKB, Self.memoryCeilingKB, "lambda-sim's peak memory")
    }

    func testAFloodOnStderrIsCappedInTheLogInBoundedMemory() throws {
        let s = try Sandbox()
        try exec(s, "flood", "head -c 200000000 /dev/zero | tr '\\0' a >&2\necho '{\"done\":true}'\n")
        let r = try s.run(["invoke", "--function-name", "flood", "--log-type", "Tail", "out.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertFalse(r.stdoutText.contains("FunctionError"), r.stdoutText)
        XCTAssertEqual(String(decoding: s.read("out.json") ?? [], as: UTF8.self), "{\"done\":true}\n")
        XCTAssertLessThan(r.maxRSSKB, Self.memoryCeilingKB, "lambda-sim's peak memory")
        let logs = try s.run(["logs", "--function-name", "flood"])
        XCTAssertTrue(logs.stdoutText.contains("more bytes of output were dropped"))
        let logFile = s.read("logs/us-east-1/flood.jsonl") ?? []
        XCTAssertLessThan(logFile.count, 2 << 20, "the log keeps at most the cap (1 MiB)")
    }

    // A child left running by the handler, holding stdout, neither delays the answer nor
    // outlives the invocation.
    func testChildrenEndWithTheInvocation() throws {
        let s = try Sandbox()
        let token = marker()
        try exec(s, "stray", "sleep \(token) &\nsleep \(token) >/dev/null 2>&1 </dev/null &\nprintf '{}'\n", timeout: 20)
        let started = Date()
        let r = try s.run(["invoke", "--function-name", "stray", "out.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertFalse(r.stdoutText.contains("FunctionError"), r.stdoutText + String(decoding: s.read("out.json") ?? [], as: UTF8.self))
        XCTAssertEqual(s.read("out.json"), Array("{}".utf8))
        // Generous: only catches waiting for the held pipe until the 20 s timeout.
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertTrue(eventually { Self.processes(with: token).isEmpty }, "the handler's children were killed")
        let again = try s.run(["invoke", "--function-name", "stray", "out.json"])
        XCTAssertEqual(again.exitCode, 0, again.stderrText)
        XCTAssertEqual(s.read("out.json"), Array("{}".utf8), "the next invocation works")
        XCTAssertTrue(eventually { Self.processes(with: token).isEmpty })
    }

    // lambda-sim SIGKILLed while a handler and its children run: the whole group goes too.
    func testHandlersDieWithASIGKILLedLambdaSim() throws {
        for runtime in ["exec", "provided"] {
            let s = try Sandbox()
            let token = marker()
            if runtime == "exec" {
                try exec(s, "slow", "sleep \(token) &\nsleep \(token)\n", timeout: 600)
            } else {
                // A custom runtime: a warm process speaking the Runtime API, with a child.
                try s.write("code/bootstrap", "#!/bin/sh\nsleep \(token) &\nsleep \(token)\n")
                chmod(s.path("code/bootstrap"), 0o755)
                try s.setup("create-function", "--function-name", "slow", "--runtime", "provided.al2023", "--handler", "x",
                            "--role", "arn:aws:iam::123456789012:role/r", "--code-path", s.path("code"), "--timeout", "600")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: s.binary)
            process.arguments = ["invoke", "--function-name", "slow", "/dev/null"]
            process.environment = s.processEnvironment()
            process.currentDirectoryURL = URL(fileURLWithPath: s.directory)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            XCTAssertTrue(eventually { Self.processes(with: token).count == 2 }, "\(runtime): the handler and its child run")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertTrue(eventually { Self.processes(with: token).isEmpty },
                          "\(runtime): still running after lambda-sim was killed: \(Self.processes(with: token))")
            for pid in Self.processes(with: token) { kill(pid, SIGKILL) }
        }
    }
}
