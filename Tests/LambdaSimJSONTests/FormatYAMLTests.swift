import LambdaSimJSON
import XCTest

final class FormatYAMLTests: XCTestCase {
    func testFixtures() {
        let cases = FormatFixtures.cases(FormatFixtures.yaml)
        XCTAssertGreaterThan(cases.count, 100)
        var failures = 0
        for c in cases {
            let output = YAMLFormatter.format(c.input)
            if output != c.expected {
                failures += 1
                XCTFail("\(c.name): \(formatDiff(output, c.expected))")
            }
            let stream = YAMLFormatter.formatStream(c.input)
            if let expected = c.fields["stream"]?.stringValue, stream != expected {
                failures += 1
                XCTFail("\(c.name) (stream): \(formatDiff(stream, expected))")
            }
            if failures > 20 { return }
        }
    }

    func testInvokeShape() {
        // ruamel's safe representer sorts keys: v2 does not keep response order.
        XCTAssertEqual(
            YAMLFormatter.format(["StatusCode": 200, "ExecutedVersion": "$LATEST"]),
            "ExecutedVersion: $LATEST\nStatusCode: 200\n")
        XCTAssertEqual(
            YAMLFormatter.formatStream(["StatusCode": 200, "ExecutedVersion": "$LATEST"]),
            "- ExecutedVersion: $LATEST\n  StatusCode: 200\n")
        XCTAssertEqual(YAMLFormatter.formatStream(["TableNames": ["MyTable"]]), "- TableNames:\n  - MyTable\n")
    }

    func testTopLevelScalarsPrintAsJSON() {
        XCTAssertEqual(YAMLFormatter.format("foo"), "\"foo\"\n")
        XCTAssertEqual(YAMLFormatter.format(1), "1\n")
        XCTAssertEqual(YAMLFormatter.format(1.2), "1.2\n")
        XCTAssertEqual(YAMLFormatter.format(true), "true\n")
        XCTAssertEqual(YAMLFormatter.format(nil), "null\n")
        XCTAssertEqual(YAMLFormatter.format([:]), "")
    }

    func testQuoting() {
        XCTAssertEqual(
            YAMLFormatter.format(["a": "", "b": "123", "c": "true", "d": "x: y", "e": "#c", "f": "yes"]),
            "a: ''\nb: '123'\nc: 'true'\nd: 'x: y'\ne: '#c'\nf: yes\n")
        XCTAssertEqual(YAMLFormatter.format(["t": "a\tb", "u": "😀"]), "t: \"a\\tb\"\nu: \"\\U0001F600\"\n")
        XCTAssertEqual(
            YAMLFormatter.format(["LastModified": "2026-11-22T20:03:29.720+0000", "Date": "2026-11-22T20:03:29Z"]),
            "Date: '2026-11-22T20:03:29Z'\nLastModified: 2026-11-22T20:03:29.720+0000\n")
    }

    func testFoldsPastColumn80() {
        let words = String(repeating: "word ", count: 20) + "end"
        XCTAssertEqual(
            YAMLFormatter.format(["Description": .string(words)]),
            "Description: word word word word word word word word word word word word word word\n"
                + "  word word word word word word end\n")
    }
}
