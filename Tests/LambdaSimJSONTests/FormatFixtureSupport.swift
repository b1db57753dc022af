import LambdaSimJSON
import XCTest

/// Ground truth for the output formats, generated from the real AWS CLI
/// Python code by `Fixtures/formats/generate.py` (see there).
enum FormatFixtures {
    struct Case {
        var name: String
        var input: JSON
        var expected: String
        /// `Type: message` of the Python exception the real CLI hits, if any.
        var error: String?
        var fields: JSONObject
    }

    static func cases(_ document: String, file: StaticString = #filePath, line: UInt = #line) -> [Case] {
        let parsed: JSON
        do {
            parsed = try JSONParser.parse(document)
        } catch {
            XCTFail("fixture document does not parse: \(error)", file: file, line: line)
            return []
        }
        return (parsed.arrayValue ?? []).compactMap { item -> Case? in
            guard let object = item.objectValue, let name = object["name"]?.stringValue,
                let expected = object["expected"]?.stringValue
            else {
                XCTFail("malformed fixture case: \(item)", file: file, line: line)
                return nil
            }
            return Case(
                name: name, input: object["input"] ?? .null, expected: expected,
                error: object["error"]?.stringValue, fields: object)
        }
    }
}

/// Shows where two outputs first differ.
func formatDiff(_ actual: String, _ expected: String) -> String {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, e.count) {
        let x = i < a.count ? String(a[i]) : "<none>"
        let y = i < e.count ? String(e[i]) : "<none>"
        if x != y {
            return "line \(i + 1):\n  got:      \(x.debugDescription)\n  expected: \(y.debugDescription)"
        }
    }
    return "(same lines; got \(actual.debugDescription), expected \(expected.debugDescription))"
}
