import Foundation
import LambdaSimJSON
import XCTest

/// The state's layout (docs/state.md): one file per function beside the state file, read and
/// written only by the commands that need that function; `state show` prints the whole state.
final class StateLayoutTests: XCTestCase {
    private func create(_ s: Sandbox, _ name: String) throws {
        try s.setup("create-function", "--function-name", name, "--runtime", "builtin", "--handler", "echo")
    }

    private func json(_ s: Sandbox, _ relative: String) throws -> JSON {
        try JSONParser.parse(bytes: s.read(relative) ?? [])
    }

    private func mode(_ s: Sandbox, _ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: s.path(relative))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testEachFunctionHasItsOwnPrivateFileAndStateShowPrintsTheWhole() throws {
        let s = try Sandbox()
        s.clock = .wall
        try create(s, "alpha")
        try create(s, "beta")
        try s.setup("update-function-configuration", "--function-name", "beta", "--timeout", "9")
        let state = try json(s, "state.json")
        XCTAssertEqual(state["schemaVersion"]?.intValue, 2)
        XCTAssertEqual(state["functions"]?.objectValue?.count, 0, "records live in functions/, not in state.json")
        XCTAssertEqual(try json(s, "functions/us-east-1/alpha.json")["latest"]?["name"]?.stringValue, "alpha")
        XCTAssertEqual(try json(s, "functions/us-east-1/beta.json")["latest"]?["timeout"]?.intValue, 9)
        XCTAssertEqual(try mode(s, "functions/us-east-1/beta.json"), 0o600)
        XCTAssertEqual(try mode(s, "functions"), 0o700)
        XCTAssertEqual(try mode(s, "state.json"), 0o600)

        let shown = try s.run(["state", "show"])
        XCTAssertEqual(shown.exitCode, 0, shown.stderrText)
        let whole = try JSONParser.parse(shown.stdoutText)
        XCTAssertEqual(whole["functions"]?.objectValue?.keys, ["us-east-1/alpha", "us-east-1/beta"])
        XCTAssertEqual(whole["functions"]?["us-east-1/beta"], try json(s, "functions/us-east-1/beta.json"))
        XCTAssertEqual(whole["rng"], state["rng"])
        XCTAssertEqual(whole["clock"], state["clock"])

        try s.setup("delete-function", "--function-name", "alpha")
        XCTAssertFalse(s.exists("functions/us-east-1/alpha.json"))
        let after = try JSONParser.parse(try s.run(["state", "show"]).stdoutText)
        XCTAssertEqual(after["functions"]?.objectValue?.keys, ["us-east-1/beta"])

        try s.setup("state", "reset")
        XCTAssertFalse(s.exists("functions"), "reset removes the function files with the rest of the state")
        let listed = try s.run(["list-functions", "--query", "length(Functions)", "--output", "text"])
        XCTAssertEqual(listed.stdoutText, "0\n")
    }

    // A function file that does not parse stops the commands that need it, is never overwritten,
    // and leaves every other function usable.
    func testAFunctionFileThatDoesNotParseIsNeverOverwritten() throws {
        let s = try Sandbox()
        try create(s, "good")
        try create(s, "broken")
        let broken: [UInt8] = Array("{\"latest\": \n".utf8)
        try s.write("functions/us-east-1/broken.json", broken)
        let message = "lambda-sim: cannot use the state file \(s.path("functions/us-east-1/broken.json")): does not parse as JSON:"
        for command in [
            ["invoke", "--function-name", "broken", "out.json"],
            ["update-function-configuration", "--function-name", "broken", "--timeout", "5"],
            ["create-function", "--function-name", "broken", "--runtime", "builtin", "--handler", "echo"],
            ["delete-function", "--function-name", "broken"],
            ["put-function-concurrency", "--function-name", "broken", "--reserved-concurrent-executions", "1"],
            ["list-functions"],
            ["state", "show"],
        ] {
            let result = try s.run(command)
            XCTAssertEqual(result.exitCode, 255, "\(command): \(result.stdoutText)")
            XCTAssertTrue(result.stderrText.contains(message), "\(command): \(result.stderrText)")
            XCTAssertEqual(s.read("functions/us-east-1/broken.json"), broken, "\(command) replaced the file")
        }
        let other = try s.run(["invoke", "--function-name", "good", "--payload", "{\"a\":1}", "out.json"])
        XCTAssertEqual(other.exitCode, 0, other.stderrText)
        XCTAssertEqual(s.read("out.json"), Array("{\"a\":1}".utf8))
        try s.setup("update-function-configuration", "--function-name", "good", "--timeout", "7")
        XCTAssertEqual(try json(s, "functions/us-east-1/good.json")["latest"]?["timeout"]?.intValue, 7)
    }

    // A state file written before function records had their own files (schema version 1,
    // functions inline) loads as it is and is split at its next write; keys this lambda-sim
    // does not know survive, at the top level and in a function record.
    func testAVersionOneStateIsSplitAtItsNextWriteKeepingUnknownKeys() throws {
        let s = try Sandbox()
        s.clock = .wall
        try create(s, "one")
        try create(s, "two")
        var whole = try JSONParser.parse(try s.run(["state", "show"]).stdoutText).objectValue ?? JSONObject()
        whole["schemaVersion"] = .int(1)
        // The generator's state is a UInt64; keep it within what this JSON model holds exactly.
        whole["rng"] = .object(JSONObject([("state", .int(12345))]))
        whole["fromTheFuture"] = .object(JSONObject([("kept", .bool(true))]))
        try FileManager.default.removeItem(atPath: s.path("functions"))
        try s.write("state.json", JSONWriter.bytes(.object(whole), style: .pretty))

        let got = try s.run(["get-function-configuration", "--function-name", "two", "--query", "FunctionName", "--output", "text"])
        XCTAssertEqual(got.stdoutText, "two\n", got.stderrText)
        XCTAssertFalse(s.exists("functions"), "a read does not rewrite")
        let shownBefore = try JSONParser.parse(try s.run(["state", "show"]).stdoutText)
        XCTAssertEqual(shownBefore["functions"], whole["functions"])

        try s.setup("update-function-configuration", "--function-name", "one", "--timeout", "11")
        let state = try json(s, "state.json")
        XCTAssertEqual(state["schemaVersion"]?.intValue, 2)
        XCTAssertEqual(state["functions"]?.objectValue?.count, 0)
        XCTAssertEqual(state["fromTheFuture"]?["kept"], .bool(true))
        XCTAssertEqual(try json(s, "functions/us-east-1/two.json"), whole["functions"]?["us-east-1/two"])
        XCTAssertEqual(try json(s, "functions/us-east-1/one.json")["latest"]?["timeout"]?.intValue, 11)

        // An unknown key in a record file survives a change to that record.
        var two = try json(s, "functions/us-east-1/two.json").objectValue ?? JSONObject()
        two["addedLater"] = .array([.int(1), .int(2)])
        try s.write("functions/us-east-1/two.json", JSONWriter.bytes(.object(two)))
        try s.setup("put-function-concurrency", "--function-name", "two", "--reserved-concurrent-executions", "2")
        let rewritten = try json(s, "functions/us-east-1/two.json")
        XCTAssertEqual(rewritten["addedLater"], .array([.int(1), .int(2)]))
        XCTAssertEqual(rewritten["reservedConcurrency"]?.intValue, 2)
        let shown = try JSONParser.parse(try s.run(["state", "show"]).stdoutText)
        XCTAssertEqual(shown["functions"]?["us-east-1/two"]?["addedLater"], .array([.int(1), .int(2)]))
        XCTAssertEqual(shown["fromTheFuture"]?["kept"], .bool(true))
    }

    // A command killed between writing a change's files and renaming them left a commit file:
    // the next command (even one that only reads) completes the change before it looks.
    func testAnInterruptedChangeToSeveralFilesIsCompletedByTheNextCommand() throws {
        let s = try Sandbox()
        try create(s, "fn")
        var record = try json(s, "functions/us-east-1/fn.json").objectValue ?? JSONObject()
        var latest = record["latest"]?.objectValue ?? JSONObject()
        latest["description"] = .string("from the interrupted change")
        record["latest"] = .object(latest)
        try s.write("functions/us-east-1/fn.json.tmp.99999", JSONWriter.bytes(.object(record)))
        var state = try json(s, "state.json").objectValue ?? JSONObject()
        state["sequence"] = .int(4242)
        try s.write("state.json.tmp.99999", JSONWriter.bytes(.object(state)))
        try s.write("state.json.commit", #"{"rename":[["functions/us-east-1/fn.json.tmp.99999","functions/us-east-1/fn.json"],["state.json.tmp.99999","state.json"]],"remove":[]}"# + "\n")

        let got = try s.run(["get-function-configuration", "--function-name", "fn", "--query", "Description", "--output", "text"])
        XCTAssertEqual(got.stdoutText, "from the interrupted change\n", got.stderrText)
        XCTAssertFalse(s.exists("state.json.commit"))
        XCTAssertFalse(s.exists("state.json.tmp.99999"))
        XCTAssertEqual(try json(s, "state.json")["sequence"]?.intValue, 4242)
    }
}
