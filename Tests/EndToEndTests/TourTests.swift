import Foundation
import XCTest

/// `lambda-sim tour` (issue 11, item 1): the non-interactive tour is a golden file (manual clock,
/// fixed seed, its own scratch state under HOME), `--list` and `--step N` show parts of the same
/// text, and every command it shows, pasted into a shell on a fresh state, prints what the tour
/// printed for it. Re-record with RECORD_GOLDEN=1 and review the diff.
final class TourTests: XCTestCase {
    static var goldenPath: String { LambdaSimBinary.packageRoot.path + "/Tests/EndToEndTests/Fixtures/tour/non-interactive.txt" }

    func testNonInteractiveTourMatchesItsGoldenFile() throws {
        let s = try Sandbox()
        s.clock = .wall
        let r = try s.run(["tour", "--non-interactive"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        XCTAssertEqual(r.stderrText, "")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: (Self.goldenPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try r.stdoutText.write(toFile: Self.goldenPath, atomically: true, encoding: .utf8)
            XCTFail("recorded the tour")
            return
        }
        XCTAssertEqual(r.stdoutText, try String(contentsOfFile: Self.goldenPath, encoding: .utf8))
        // The scratch state is private and stays for the user to go on with.
        var st = stat()
        XCTAssertEqual(stat(s.directory + "/.lambda-sim/tour", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        XCTAssertEqual(stat(s.directory + "/.lambda-sim/tour/state.json", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        // A second run starts again from scratch: the same bytes.
        XCTAssertEqual(try s.run(["tour", "--non-interactive"]).stdoutText, r.stdoutText)
    }

    func testListAndStep() throws {
        let s = try Sandbox()
        let golden = try String(contentsOfFile: Self.goldenPath, encoding: .utf8)
        let list = try s.run(["tour", "--list"])
        XCTAssertEqual(list.exitCode, 0, list.stderrText)
        let titles = list.stdoutText.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(titles.count, 8)
        for (i, title) in titles.enumerated() {
            let name = title.drop { $0 != " " }.dropFirst()
            XCTAssertTrue(golden.contains("== Step \(i + 1) of \(titles.count): \(name) =="), String(title))
        }
        // --step 5 shows step 5 exactly as the whole tour does (steps 1-4 ran quietly first).
        let step = try s.run(["tour", "--step", "5"])
        XCTAssertEqual(step.exitCode, 0, step.stderrText)
        let body = step.stdoutText.components(separatedBy: "== Step 5 of").dropFirst().first ?? ""
        XCTAssertFalse(body.isEmpty)
        XCTAssertFalse(step.stdoutText.contains("== Step 4 of"))
        let section = golden.components(separatedBy: "== Step 5 of").dropFirst().first?.components(separatedBy: "== Step 6 of").first ?? "-"
        XCTAssertEqual(body, section)
        XCTAssertEqual(try s.run(["tour", "--step", "0"]).exitCode, 252)
        XCTAssertEqual(try s.run(["tour", "--step", "99"]).exitCode, 252)
    }

    // Every `$ …` line of the tour, pasted into sh in order on a fresh state (the same manual clock
    // and seed), prints exactly what the tour showed under it.
    func testEveryCommandWorksWhenPasted() throws {
        let s = try Sandbox()
        s.clock = .manual(start: "2026-01-01T00:00:00Z")
        s.environment["LAMBDA_SIM_SEED"] = "1"
        let bin = (s.binary as NSString).deletingLastPathComponent
        let golden = try String(contentsOfFile: Self.goldenPath, encoding: .utf8)
        let commands = golden.split(separator: "\n").filter { $0.hasPrefix("$ ") }.map { String($0.dropFirst(2)) }
        XCTAssertGreaterThan(commands.count, 20)
        for command in commands {
            let r = try ProcessRunner.run(ProcessSpec(
                executable: "/bin/sh", arguments: ["-c", command],
                environment: s.processEnvironment(extra: ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]),
                workingDirectory: s.directory, stdin: nil))
            let shown = "$ " + command + "\n" + r.stdoutText + r.stderrText
            XCTAssertTrue(golden.contains(shown), "pasted `\(command)` printed:\n\(r.stdoutText)\(r.stderrText)")
            XCTAssertEqual(r.exitCode, 0, command)
        }
    }
}
