import Foundation
import LambdaSimJSON
import XCTest

/// Runs the official JMESPath compliance suite kept in `shared/testdata/jmespath`
/// beside the package (see `shared/testdata/README.md`).
final class JMESPathComplianceTests: XCTestCase {
    /// `<package root>/../shared/testdata/jmespath`, found from this file's path.
    private static var suiteDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // LambdaSimJSONTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .deletingLastPathComponent()
            .appendingPathComponent("shared/testdata/jmespath")
    }

    func testComplianceSuite() throws {
        let directory = Self.suiteDirectory.standardizedFileURL
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
            .filter { $0.hasSuffix(".json") }
            .sorted() ?? []
        if files.isEmpty {
            let message = "JMESPath compliance suite not found at \(directory.path); skipping"
            print(message)
            throw XCTSkip(message)
        }

        var total = 0
        var passed = 0
        var failures: [String] = []
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let suites: JSON
            do {
                suites = try JSONParser.parse(bytes: data)
            } catch {
                XCTFail("\(file): not JSON: \(error)")
                continue
            }
            for suite in suites.arrayValue ?? [] {
                let given = suite["given"] ?? .null
                for testCase in suite["cases"]?.arrayValue ?? [] {
                    guard let expression = testCase["expression"]?.stringValue else { continue }
                    total += 1
                    let outcome: Result<JSON, JMESPathError>
                    do throws(JMESPathError) {
                        outcome = .success(try JMESPathExpression(expression).search(given))
                    } catch {
                        outcome = .failure(error)
                    }
                    let failure = Self.check(testCase, outcome)
                    if let failure {
                        failures.append("\(file): \(expression)\n    expected: \(failure.expected)\n    got:      \(failure.got)")
                    } else {
                        passed += 1
                    }
                }
            }
        }
        print("JMESPath compliance: \(passed)/\(total) cases passed")
        XCTAssertGreaterThan(total, 0)
        if !failures.isEmpty {
            XCTFail("JMESPath compliance: \(failures.count) of \(total) cases failed:\n" + failures.joined(separator: "\n"))
        }
    }

    private static func check(_ testCase: JSON, _ outcome: Result<JSON, JMESPathError>) -> (expected: String, got: String)? {
        let got: String
        switch outcome {
        case let .success(value): got = "result \(value)"
        case let .failure(error): got = "error \(error.kind.rawValue): \(error.message)"
        }
        if let expectedKind = testCase["error"]?.stringValue {
            if case let .failure(error) = outcome, error.kind.rawValue == expectedKind { return nil }
            return ("error \(expectedKind)", got)
        }
        if let expected = testCase["result"] {
            if case let .success(value) = outcome, sameJSON(value, expected) { return nil }
            return ("result \(expected)", got)
        }
        // A "bench" case: it only has to compile and run.
        if case .success = outcome { return nil }
        return ("to compile and run (bench)", got)
    }

    /// Deep equality that also keeps integers and doubles apart (`1` is not `1.0`), so
    /// integer results must come back as `.int` where the suite writes an integer.
    private static func sameJSON(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { sameJSON(value, $0) } ?? false }
        case (.int, .double), (.double, .int):
            return false
        default:
            return a == b
        }
    }
}
