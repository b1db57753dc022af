import Foundation
import XCTest

/// A scenario runs on a fresh private state: its steps cannot name another state file, and an
/// invoke's outfile stays inside the scenario's scratch directory.
final class ScenarioConfinementTests: XCTestCase {
    func scenario(_ s: Sandbox, _ step: String) throws -> ProcessResult {
        try s.write("sc.json", """
            {"steps": [["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo"], \(step)]}
            """)
        return try s.run(["simulate", "--scenario", "sc.json"])
    }

    func testStepsCannotNameAnotherState() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "outside", "--runtime", "builtin", "--handler", "echo")
        let before = s.read("state.json")
        for step in [
            #"["delete-function", "--function-name", "outside", "--state", "\#(s.statePath)"]"#,
            #"["delete-function", "--function-name", "outside", "--state=\#(s.statePath)"]"#,
            #"["create-function", "--function-name", "g", "--runtime", "builtin", "--handler", "echo", "--state", "\#(s.path("other.json"))"]"#,
        ] {
            let r = try scenario(s, step)
            XCTAssertEqual(r.exitCode, 255, r.stderrText)
            XCTAssertTrue(r.stderrText.contains("--state is not allowed"), r.stderrText)
            XCTAssertEqual(r.stderrText.split(separator: "\n").count, 1, r.stderrText)
        }
        XCTAssertEqual(s.read("state.json"), before, "the caller's state is untouched")
        XCTAssertFalse(s.exists("other.json"))
        XCTAssertEqual(try s.run(["get-function", "--function-name", "outside"]).exitCode, 0)
    }

    func testOutfilesStayInTheScratchDirectory() throws {
        let s = try Sandbox()
        // A name of this run's own: the sandbox's parent is shared.
        let name = "escaped-\(UInt32.random(in: 0...UInt32.max)).json"
        for outfile in [s.path(name), "../\(name)", "a/../../\(name)"] {
            let r = try scenario(s, #"["invoke", "--function-name", "f", "--payload", "{}", "\#(outfile)"]"#)
            XCTAssertEqual(r.exitCode, 255, r.stderrText)
            XCTAssertTrue(r.stderrText.contains("is outside the scenario's scratch directory"), r.stderrText)
            // Before the outfile, too.
            let first = try scenario(s, #"["invoke", "\#(outfile)", "--function-name", "f"]"#)
            XCTAssertEqual(first.exitCode, 255, first.stderrText)
        }
        XCTAssertFalse(s.exists(name))
        let parent = (s.directory as NSString).deletingLastPathComponent
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/" + name))
        // A relative outfile (in the scratch directory) and /dev/null work.
        for outfile in ["out.json", "/dev/null"] {
            let r = try scenario(s, #"["invoke", "--function-name", "f", "--payload", "{}", "\#(outfile)"]"#)
            XCTAssertEqual(r.exitCode, 0, r.stderrText)
        }
        XCTAssertFalse(s.exists("out.json"), "it was written in the scratch directory, not beside the scenario")
    }
}
