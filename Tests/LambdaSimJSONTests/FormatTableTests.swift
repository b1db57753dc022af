import LambdaSimJSON
import XCTest

final class FormatTableTests: XCTestCase {
    func testFixtures() {
        let cases = FormatFixtures.cases(FormatFixtures.table)
        XCTAssertGreaterThan(cases.count, 100)
        var failures = 0
        for c in cases {
            guard let title = c.fields["title"]?.stringValue, let width = c.fields["width"]?.intValue else {
                XCTFail("\(c.name): missing title or width")
                continue
            }
            let result = Result { () throws(OutputFormatError) -> String in
                try TableFormatter.render(c.input, title: title, terminalWidth: width)
            }
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
                    XCTAssertEqual(TableFormatter.format(c.input, title: title, terminalWidth: width), "", c.name)
                } else {
                    failures += 1
                    XCTFail("\(c.name): unexpected \(error)")
                }
            }
            if failures > 20 { return }
        }
    }

    func testInvokeDefaultWidth() {
        XCTAssertEqual(
            TableFormatter.format(["StatusCode": 200], title: "Invoke"),
            """
            -----------------------
            |       Invoke        |
            +-------------+-------+
            |  StatusCode |  200  |
            +-------------+-------+

            """)
        XCTAssertEqual(
            TableFormatter.format(["StatusCode": 200, "ExecutedVersion": "$LATEST"], title: "Invoke"),
            """
            -----------------------------------
            |             Invoke              |
            +------------------+--------------+
            |  ExecutedVersion | StatusCode   |
            +------------------+--------------+
            |  $LATEST         |  200         |
            +------------------+--------------+

            """)
    }

    func testFalsyResultsPrintNothing() {
        for value: JSON in [nil, 0, false, "", [], [:]] {
            XCTAssertEqual(TableFormatter.format(value, title: "Invoke"), "")
        }
    }

    func testRaggedRowsReportTheCLIError() {
        XCTAssertThrowsError(try TableFormatter.render([[1, 2], [3]], title: "X")) { error in
            XCTAssertEqual((error as? OutputFormatError)?.message, "Row should have 2 elements, instead it has 1")
        }
    }
}
