import XCTest

/// The region is a directory name beside the state file (logs/, kinesis/, dynamodb/): every
/// way a region enters is checked as the AWS SDKs check it (a DNS host label), so a region
/// like `../escape` is refused before anything is written.
final class RegionNameTests: XCTestCase {
    let hostile = ["../escape", "../../outside/x", "a/b", "-us-east-1", "12345", String(repeating: "a", count: 64), "us east 1"]

    func assertRefused(_ result: ProcessResult, region: String, status: Int32 = 253,
                       file: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(result.exitCode, status, result.stderrText, file: file, line: line)
        XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, result.stderrText, file: file, line: line)
        XCTAssertTrue(result.stderrText.contains("Provided region_name '\(region)' doesn't match a supported format."),
                      result.stderrText, file: file, line: line)
    }

    /// Nothing but the state directory's usual entries: no `escape` beside them.
    func assertNothingEscaped(_ s: Sandbox, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertFalse(s.exists("escape"), file: file, line: line)
        let parent = (s.directory as NSString).deletingLastPathComponent
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/outside"), file: file, line: line)
    }

    func testEverySourceOfTheRegionIsChecked() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        for region in hostile {
            let invoke = ["invoke", "--function-name", "f", "/dev/null"]
            assertRefused(try s.run(invoke + ["--region", region]), region: region)
            assertRefused(try s.run(invoke, environment: ["AWS_REGION": region]), region: region)
            assertRefused(try s.run(invoke, environment: ["AWS_DEFAULT_REGION": region]), region: region)
            try s.write("config", "[default]\nregion = \(region)\n")
            assertRefused(try s.run(invoke, environment: ["AWS_CONFIG_FILE": s.path("config")]), region: region)
            assertRefused(try s.run(["kinesis", "create-stream", "--stream-name", "s", "--region", region]), region: region)
            try assertNothingEscaped(s)
        }
    }

    func testAScenarioRegionIsChecked() throws {
        let s = try Sandbox()
        for region in hostile {
            try s.write("sc.json", """
                {"region": "\(region)", "steps": [["create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo"],
                 ["invoke", "--function-name", "f", "/dev/null"]]}
                """)
            let result = try s.run(["simulate", "--scenario", "sc.json"])
            assertRefused(result, region: region, status: 255)
            try assertNothingEscaped(s)
        }
    }

    /// Empty values count as unset, and real region names (including ones the SDKs accept
    /// without knowing them) still work.
    func testValidAndEmptyRegions() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo", "--region", "eu-west-3")
        let listed = try s.run(["list-functions", "--query", "Functions[0].FunctionArn", "--output", "text"],
                               environment: ["AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-3"])
        XCTAssertEqual(listed.exitCode, 0, listed.stderrText)
        XCTAssertEqual(listed.stdoutText, "arn:aws:lambda:eu-west-3:123456789012:function:f\n")
        XCTAssertEqual(try s.run(["list-functions", "--region", "local"]).exitCode, 0)
    }
}
