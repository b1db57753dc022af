import LambdaSimJSON
import XCTest

final class FormatTextTests: XCTestCase {
    func testFixtures() {
        let cases = FormatFixtures.cases(FormatFixtures.text)
        XCTAssertGreaterThan(cases.count, 100)
        var failures = 0
        for c in cases {
            let result = Result { () throws(OutputFormatError) -> String in try TextFormatter.render(c.input) }
            switch result {
            case let .success(output):
                if let error = c.error {
                    failures += 1
                    XCTFail("\(c.name): expected \(error), got output \(output.debugDescription)")
                } else if output != c.expected {
                    failures += 1
                    XCTFail("\(c.name): \(formatDiff(output, c.expected))")
                }
            case let .failure(error):
                if let expectedError = c.error {
                    XCTAssertEqual(error.description, expectedError, c.name)
                    XCTAssertEqual(error.partialOutput, c.expected, "\(c.name): partial output")
                    XCTAssertEqual(TextFormatter.format(c.input), c.expected, "\(c.name): format()")
                } else {
                    failures += 1
                    XCTFail("\(c.name): unexpected \(error)")
                }
            }
            if failures > 20 { return }
        }
    }

    func testInvokeShapes() {
        XCTAssertEqual(TextFormatter.format(["StatusCode": 200]), "200\n")
        XCTAssertEqual(TextFormatter.format(["StatusCode": 200, "ExecutedVersion": "$LATEST"]), "$LATEST\t200\n")
        XCTAssertEqual(
            TextFormatter.format(["StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST"]),
            "$LATEST\tUnhandled\t200\n")
        XCTAssertEqual(TextFormatter.format(nil), "None\n")
        XCTAssertEqual(TextFormatter.format("Unhandled"), "Unhandled\n")
        XCTAssertEqual(TextFormatter.format(["s": 200, "e": "Unhandled"]), "Unhandled\t200\n")
    }

    func testPythonSpellings() {
        XCTAssertEqual(TextFormatter.format([true, false, nil, 1.0, 1e16, 1e-5, 0.0001, -0.0]),
                       "True\tFalse\tNone\t1.0\t1e+16\t1e-05\t0.0001\t-0.0\n")
        XCTAssertEqual(TextFormatter.format(["k": ["a", "b"]]), "K\ta\nK\tb\n")
    }

    func testMixedListReportsTheCLIError() {
        XCTAssertThrowsError(try TextFormatter.render([["a": 1], 2])) { error in
            XCTAssertEqual((error as? OutputFormatError)?.message, "'int' object has no attribute 'items'")
        }
    }
}
