import LambdaSimJSON
import XCTest

/// A record delivered to a function destination is an Event invocation of it: the 1 MB limit
/// applies, so two functions that are each other's destination cannot double it up to 6 MB.
final class DestinationSizeTests: XCTestCase {
    func testARecordAboveTheAsyncLimitIsNotDeliveredToAFunction() throws {
        let s = try Sandbox()
        for name in ["a", "b"] {
            try s.setup("create-function", "--function-name", name, "--runtime", "builtin", "--handler", "echo")
        }
        for (from, to) in [("a", "b"), ("b", "a")] {
            try s.setup("put-function-event-invoke-config", "--function-name", from, "--maximum-retry-attempts", "0",
                        "--destination-config", #"{"OnSuccess":{"Destination":"arn:aws:lambda:us-east-1:123456789012:function:\#(to)"}}"#)
        }
        // 300 KB: a's record (request + response) is ~600 KB, b's ~1.2 MB.
        try s.write("big.json", "{\"pad\":\"" + String(repeating: "x", count: 300_000) + "\"}")
        try s.setup("invoke", "--function-name", "a", "--invocation-type", "Event", "--cli-binary-format", "raw-in-base64-out",
                    "--payload", "file://big.json", "/dev/null")
        let r = try s.run(["simulate", "--for", "10m", "--format", "json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        let steps = try r.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let invoked = steps.filter { $0["event"]?.stringValue == "invoke" }.compactMap { $0["function"]?.stringValue }
        XCTAssertEqual(invoked, ["a", "b"], r.stdoutText.prefix(2000).description)
        let deliveries = steps.filter { $0["event"]?.stringValue == "destination" }
        XCTAssertEqual(deliveries.count, 2)
        XCTAssertEqual(deliveries.last?["result"]?.stringValue, "error")
        XCTAssertEqual(deliveries.last?["errorType"]?.stringValue, "RequestEntityTooLargeException")
    }
}
