import XCTest

/// `publish-version` makes a new version only when `$LATEST` changed since the last one, even
/// when the change happened at the same simulated instant (manual clock).
final class PublishVersionTests: XCTestCase {
    func testChangesAtTheSameInstantStillPublishANewVersion() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo", "--publish")
        func publish() throws -> String {
            let result = try s.run(["publish-version", "--function-name", "f", "--query", "Version", "--output", "text"])
            XCTAssertEqual(result.exitCode, 0, result.stderrText)
            return result.stdoutText
        }
        XCTAssertEqual(try publish(), "1\n", "nothing changed since create --publish")
        try s.setup("update-function-configuration", "--function-name", "f", "--handler", "fail")
        XCTAssertEqual(try publish(), "2\n", "the handler changed at the same instant")
        XCTAssertEqual(try publish(), "2\n", "nothing changed since version 2")
        let handler = try s.run(["get-function-configuration", "--function-name", "f", "--qualifier", "2",
                                 "--query", "Handler", "--output", "text"])
        XCTAssertEqual(handler.stdoutText, "fail\n")
    }
}
