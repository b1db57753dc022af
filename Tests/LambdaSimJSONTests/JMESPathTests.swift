import LambdaSimJSON
import XCTest

/// Unit tests for behaviour the compliance suite does not pin down: error text,
/// key order, integer results, and limits.
final class JMESPathTests: XCTestCase {
    private func search(_ expression: String, _ data: String = "{}", file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let json = try JSONParser.parse(data)
            return JSONWriter.string(try JMESPathExpression(expression).search(json))
        } catch {
            XCTFail("\(expression): \(error)", file: file, line: line)
            return ""
        }
    }

    private func error(_ expression: String, _ data: String = "{}") -> JMESPathError? {
        do {
            let json = try JSONParser.parse(data)
            _ = try JMESPathExpression(expression).search(json)
            return nil
        } catch let error as JMESPathError {
            return error
        } catch {
            return nil
        }
    }

    // MARK: - Syntax error messages, as python jmespath (and so the AWS CLI) prints them

    func testIncompleteExpressionMessage() {
        XCTAssertEqual(error("[[")?.kind, .syntax)
        XCTAssertEqual(error("[[")?.awsCLIMessage, "Invalid jmespath expression: Incomplete expression:\n\"[[\"\n   ^")
        XCTAssertEqual(error("foo.bar[")?.awsCLIMessage, "Invalid jmespath expression: Incomplete expression:\n\"foo.bar[\"\n         ^")
    }

    func testParseErrorMessages() {
        let cases: [(String, String)] = [
            ("foo]", "Unexpected token: ]: Parse error at column 3, token \"]\" (RBRACKET), for expression:\n\"foo]\"\n    ^"),
            (
                "foo.1",
                "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: number: "
                    + "Parse error at column 4, token \"1\" (NUMBER), for expression:\n\"foo.1\"\n     ^"
            ),
            ("foo[0:", "syntax error: Parse error at column 6, token \"\" (EOF), for expression:\n\"foo[0:\"\n       ^"),
            (
                "foo[abc]",
                "Expecting: star, got: unquoted_identifier: Parse error at column 4, token \"abc\" (UNQUOTED_IDENTIFIER), "
                    + "for expression:\n\"foo[abc]\"\n     ^"
            ),
            ("@(foo)", "Invalid function name '@': Parse error at column 0, token \"@\" (CURRENT), for expression:\n\"@(foo)\"\n ^"),
            ("foo#", "Bad jmespath expression: Unknown token #:\nfoo#\n   ^"),
            ("\"foo", "Bad jmespath expression: Unclosed \" delimiter:\n\"foo\n^"),
            ("a = b", "Bad jmespath expression: Unknown token '=':\na = b\n  ^"),
            ("", "Invalid JMESPath expression: cannot be empty."),
        ]
        for (expression, message) in cases {
            let failure = error(expression)
            XCTAssertEqual(failure?.kind, .syntax, expression)
            XCTAssertEqual(failure?.awsCLIMessage, message, expression)
        }
    }

    func testColumnsCountCodePoints() {
        XCTAssertEqual(
            error("\"é😀\" ]")?.awsCLIMessage,
            "Unexpected token: ]: Parse error at column 5, token \"]\" (RBRACKET), for expression:\n\"\"é😀\" ]\"\n      ^")
    }

    // MARK: - Runtime errors

    func testRuntimeErrorKinds() {
        XCTAssertEqual(error("abs('x')")?.kind, .invalidType)
        XCTAssertEqual(
            error("abs('x')")?.message,
            "In function abs(), invalid type for value: x, expected one of: ['number'], received: \"string\"")
        XCTAssertEqual(error("abs(`1`, `2`)")?.kind, .invalidArity)
        XCTAssertEqual(error("abs(`1`, `2`)")?.message, "Expected 1 argument for function abs(), received 2")
        XCTAssertEqual(error("not_null()")?.message, "Expected at least 1 argument for function not_null(), received 0")
        XCTAssertEqual(error("nope(@)")?.kind, .unknownFunction)
        XCTAssertEqual(error("[`1`][::0]")?.kind, .invalidValue)
        XCTAssertEqual(error("sort_by(@, &a)", #"[{"a": 1}, {"a": "x"}]"#)?.kind, .invalidType)
        XCTAssertEqual(error("max(@)", #"[1, "a"]"#)?.kind, .invalidType)
        XCTAssertEqual(error("length(&a)")?.kind, .invalidType)
    }

    func testUnknownFunctionIsReportedAtSearchTime() throws {
        // As in python jmespath: it compiles, and an unused branch never fails.
        let expression = try JMESPathExpression("a || nope(@)")
        XCTAssertEqual(try expression.search(["a": 1]), 1)
        XCTAssertThrowsError(try expression.search([:]))
    }

    // MARK: - Values

    func testMultiSelectHashKeepsKeyOrder() {
        XCTAssertEqual(search("{z: a, a: b, m: c}", #"{"a": 1, "b": 2, "c": 3}"#), #"{"z":1,"a":2,"m":3}"#)
        XCTAssertEqual(search("{b: a, a: a, b: `9`}", #"{"a": 1}"#), #"{"b":9,"a":1}"#)
        XCTAssertEqual(search("keys(@)", #"{"z": 1, "a": 2, "m": 3}"#), #"["z","a","m"]"#)
        XCTAssertEqual(search("*", #"{"z": 1, "a": 2, "m": 3}"#), "[1,2,3]")
        XCTAssertEqual(search("merge(@, `{\"a\": 9, \"n\": 0}`)", #"{"z": 1, "a": 2}"#), #"{"z":1,"a":9,"n":0}"#)
    }

    func testIntegersStayIntegers() {
        XCTAssertEqual(search("length(@)", "[1, 2, 3]"), "3")
        XCTAssertEqual(search("sum(@)", "[1, 2, 3]"), "6")
        XCTAssertEqual(search("sum(@)", "[1, 2.5]"), "3.5")
        XCTAssertEqual(search("sum(@)", "[]"), "0")
        XCTAssertEqual(search("avg(@)", "[1, 2, 3]"), "2.0")
        XCTAssertEqual(search("max(@)", "[1, 3.0, 2]"), "3.0")
        XCTAssertEqual(search("abs(`-4`)"), "4")
        XCTAssertEqual(search("ceil(`1.5`)"), "2")
        XCTAssertEqual(search("floor(`-1.5`)"), "-2")
        XCTAssertEqual(search("to_number('42')"), "42")
        XCTAssertEqual(search("to_number('4.5')"), "4.5")
        XCTAssertEqual(search("sum(@)", "[9223372036854775807, 1]"), "9.223372036854776e+18")
    }

    func testToStringIsCompactASCIIJSON() {
        XCTAssertEqual(search("to_string(@)", #"{"a": [1, 2.5, null], "b": "é😀"}"#), #""{\"a\":[1,2.5,null],\"b\":\"\\u00e9\\ud83d\\ude00\"}""#)
        XCTAssertEqual(search("to_string('x')"), #""x""#)
    }

    func testStringsSortAndCountByCodePoint() {
        XCTAssertEqual(search("sort(@)", #"["b", "é", "a", "Z", "😀", "e\u0301"]"#), #"["Z","a","b","é","é","😀"]"#)
        XCTAssertEqual(search("length(@)", #""é😀""#), "2")
        XCTAssertEqual(search("length(@)", #""e\u0301""#), "2")
        XCTAssertEqual(search("reverse(@)", #""ab😀""#), #""😀ba""#)
        XCTAssertEqual(search("contains(@, 'e')", #""e\u0301""#), "true")
    }

    func testOrderingComparesNumbersOnly() {
        XCTAssertEqual(search("`1` < `2.5`"), "true")
        XCTAssertEqual(search("'a' < 'b'"), "null")
        XCTAssertEqual(search("`true` < `false`"), "null")
        XCTAssertEqual(search("`1` == `1.0`"), "true")
        XCTAssertEqual(search("`{\"a\": 1, \"b\": 2}` == `{\"b\": 2, \"a\": 1}`"), "true")
    }

    func testSlicesAndLiterals() {
        XCTAssertEqual(search("[::-1]", "[0, 1, 2, 3, 4]"), "[4,3,2,1,0]")
        XCTAssertEqual(search("[-2::-2]", "[0, 1, 2, 3, 4]"), "[3,1]")
        XCTAssertEqual(search("[10:-10:-3]", "[0, 1, 2, 3, 4]"), "[4,1]")
        XCTAssertEqual(search("[0][1:]", "[[0, 1, 2]]"), "[1,2]")
        XCTAssertEqual(search("`foo`"), #""foo""#)
        XCTAssertEqual(search(#"'a\'b\\c'"#), #""a'b\\\\c""#)
        XCTAssertEqual(search(#""\u00e9""#, #"{"é": 1}"#), "1")
    }

    // MARK: - Limits

    func testDeepNestingIsRefusedNotACrash() {
        let parens = String(repeating: "(", count: 300) + "a" + String(repeating: ")", count: 300)
        XCTAssertEqual(error(parens)?.kind, .syntax)
        let chain = Array(repeating: "a", count: 3000).joined(separator: " || ")
        XCTAssertEqual(error(chain)?.kind, .syntax)
        let path = Array(repeating: "a", count: 3000).joined(separator: ".")
        XCTAssertEqual(search(path, #"{"a": 1}"#), "null")
        let fine = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        XCTAssertEqual(search(fine, #"{"a": 1}"#), "1")
    }
}
