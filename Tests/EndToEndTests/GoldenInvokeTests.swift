import XCTest

/// Reference aws-cli-v1-observed.md §4: invocation types.
final class GoldenInvokeTests: XCTestCase {
    // 10-invoke-default: moto's canned "Simple Lambda happy path OK" → builtin echo of the empty payload (`{}`); AWS adds ExecutedVersion (§14 #2).
    func test10InvokeDefault() throws {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        try s.assertGolden(GoldenCase("10-invoke-default", ["invoke", "--function-name", "my-fn", "out.json"], outfile: "out.json"))
    }
}
