import Foundation
import XCTest

/// `simulate --cost` (docs/concurrency.md, "Cost"): what a run's invocations cost at AWS
/// Lambda's public prices, per function and invocation model, with retries apart.
final class CostTests: XCTestCase {
    static let fixtures = LambdaSimBinary.packageRoot.path + "/Tests/EndToEndTests/Fixtures/cost"
    static let scenario = LambdaSimBinary.packageRoot.path + "/examples/scenarios/cost-of-retries.json"

    // The golden figures, checked by hand against https://aws.amazon.com/lambda/pricing/
    // (US East (N. Virginia)): requests $0.20 per million = $0.0000002 each; duration, first
    // tier, x86 $0.0000166667 and Arm $0.0000133334 per GB-second; ephemeral storage above
    // 512 MB $0.0000000309 per GB-second.
    //
    // resize (x86_64, 1,024 MB = 1 GB, times out at 3 s; async, 3 attempts):
    //   requests 3 × 0.0000002 = 0.0000006000
    //   duration 3 × 3 s × 1 GB = 9 GB-s × 0.0000166667 = 0.0001500003
    //   total 0.0001506003; retries (attempts 2 and 3): 2 × 0.0000002 + 6 × 0.0000166667 = 0.0001004002
    // thumb (arm64, 2,048 MB = 2 GB, 1,536 MB storage = 1 GB over 512 MB; sync, 4 × 250 ms):
    //   requests 4 × 0.0000002 = 0.0000008000
    //   duration 4 × 0.25 s × 2 GB = 2 GB-s × 0.0000133334 = 0.0000266668
    //   storage 4 × 0.25 s × 1 GB = 1 GB-s × 0.0000000309 = 0.0000000309
    //   total 0.0000274977
    // run total 0.0001780980, of which retries 0.0001004002 (56.4%).
    func testCostOfAFixedScenarioMatchesTheGoldenFiles() throws {
        let s = try Sandbox()
        for (format, golden) in [("timeline", "cost-of-retries.timeline"), ("json", "cost-of-retries.jsonl")] {
            let r = try s.run(["simulate", "--scenario", Self.scenario, "--cost", "--format", format])
            XCTAssertEqual(r.exitCode, 0, r.stderrText)
            let expected = try String(contentsOfFile: Self.fixtures + "/" + golden, encoding: .utf8)
            XCTAssertEqual(r.stdoutText, expected, golden)
        }
        // The figures above, from the JSON line (not only the bytes of the golden file).
        let r = try s.run(["simulate", "--scenario", Self.scenario, "--cost", "--format", "json"])
        let last = try XCTUnwrap(r.stdoutText.split(separator: "\n").last)
        let cost = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])?["cost"] as? [String: Any])
        XCTAssertEqual(cost["totalUSD"] as? String, "0.0001780980")
        XCTAssertEqual(cost["retriesUSD"] as? String, "0.0001004002")
        let rows = try XCTUnwrap(cost["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["function"] as? String }, ["resize", "thumb"])
        XCTAssertEqual(rows.map { $0["model"] as? String }, ["async", "sync"])
        XCTAssertEqual(rows.map { $0["requests"] as? Int }, [3, 4])
        XCTAssertEqual(rows.map { $0["durationUSD"] as? String }, ["0.0001500003", "0.0000266668"])
        XCTAssertEqual(rows.map { $0["storageUSD"] as? String }, ["0.0000000000", "0.0000000309"])
        XCTAssertEqual((cost["freeTier"] as? [String: Any])?["subtracted"] as? Bool, false)
    }

    // Without --cost nothing is added; with it, a run with no invocations prints a zero total.
    func testCostIsOnlyPrintedWhenAskedFor() throws {
        let s = try Sandbox()
        let plain = try s.run(["simulate", "--scenario", Self.scenario])
        XCTAssertFalse(plain.stdoutText.contains("Cost ("))
        try s.setup("create-function", "--function-name", "idle", "--runtime", "builtin", "--handler", "echo")
        let empty = try s.run(["simulate", "--cost"])
        XCTAssertEqual(empty.exitCode, 0, empty.stderrText)
        let total = empty.stdoutText.split(separator: "\n").first { $0.hasPrefix("total") }?.split(separator: " ")
        XCTAssertEqual(total?.prefix(3).map(String.init), ["total", "0", "0.000000"], empty.stdoutText)
        XCTAssertTrue(empty.stdoutText.contains("this run used 0 requests"), empty.stdoutText)
    }
}
