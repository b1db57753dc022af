import LambdaSimJSON
import XCTest

/// `PythonText` and `JSONWriter` against Python itself.  Every expected value
/// below was computed at dev time with python3 (3.11): `repr(x)`, `str(x)`,
/// `json.dumps(...)` and python jmespath 1.1.0.
final class PythonTextTests: XCTestCase {
    func testFloatReprMatchesPython() {
        // for f in [...]: print(repr(f))
        let cases: [(Double, String)] = [
            (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (0.1, "0.1"), (100.0, "100.0"),
            (1e16, "1e+16"), (1e22, "1e+22"), (1e-05, "1e-05"), (0.0001, "0.0001"), (0.00012345, "0.00012345"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (9.1e15, "9100000000000000.0"), (9007199254740994.0, "9007199254740994.0"),
            (9999999999999998.0, "9999999999999998.0"), (1e15, "1000000000000000.0"),
            (1234567890123456.8, "1234567890123456.8"), (0.30000000000000004, "0.30000000000000004"),
            (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (1e-7, "1e-07"), (-2.5e-10, "-2.5e-10"),
            (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(PythonText.floatRepr(value), expected, "\(value)")
        }
    }

    func testStringReprMatchesPython() {
        // for s in [...]: print(repr(s))
        let cases: [(String, String)] = [
            ("abc", "'abc'"),
            ("it's", "\"it's\""),
            ("say \"hi\"", "'say \"hi\"'"),
            ("both ' and \"", "'both \\' and \"'"),
            ("back\\slash", "'back\\\\slash'"),
            ("tab\tnl\ncr\r", "'tab\\tnl\\ncr\\r'"),
            ("\u{00}\u{1F}\u{7F}", "'\\x00\\x1f\\x7f'"),
            ("\u{80}\u{9F}", "'\\x80\\x9f'"),
            ("nb\u{A0}sp", "'nb\\xa0sp'"),
            ("soft\u{AD}hy", "'soft\\xadhy'"),
            ("é日本", "'é日本'"),
            ("\u{2028}\u{2029}", "'\\u2028\\u2029'"),
            ("zw\u{200B}sp", "'zw\\u200bsp'"),
            ("\u{3000}", "'\\u3000'"),
            ("\u{E000}", "'\\ue000'"),
            ("😀", "'😀'"),
            ("\u{E0001}", "'\\U000e0001'"),
            ("\u{10FFFF}", "'\\U0010ffff'"),
            // A quote and a combining accent are one Character but two code points:
            // Python looks at code points, so it picks double quotes.
            ("'\u{301}", "\"'\u{301}\""),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(PythonText.stringRepr(value), expected, value.debugDescription)
        }
    }

    func testStrAndReprOfContainers() throws {
        let value = try JSONParser.parse(#"{"a": [1, 2.5, null, true, "it's"], "b": {"c": "x\u00a0y"}, "d": 9100000000000000.0}"#)
        // print(repr(value)); str() of a dict is the same; str() of a str is itself.
        XCTAssertEqual(
            PythonText.repr(value),
            #"{'a': [1, 2.5, None, True, "it's"], 'b': {'c': 'x\xa0y'}, 'd': 9100000000000000.0}"#)
        XCTAssertEqual(PythonText.str(value), PythonText.repr(value))
        XCTAssertEqual(PythonText.str("x\u{A0}y"), "x\u{A0}y")
        XCTAssertEqual(PythonText.repr("x\u{A0}y"), #"'x\xa0y'"#)
        XCTAssertEqual(PythonText.str(.double(1e22)), "1e+22")
        XCTAssertEqual(PythonText.typeName(.null), "NoneType")
        XCTAssertEqual(PythonText.typeName(.object(JSONObject())), "dict")
    }

    func testJSONWriterFloatsAreJSONDumps() throws {
        let value = try JSONParser.parse(#"{"a": [1, 9100000000000000.0, "é"], "b": {}, "c": 1e22, "d": 0.0001}"#)
        // json.dumps(value, separators=(',', ':'), ensure_ascii=False)
        XCTAssertEqual(JSONWriter.string(value), #"{"a":[1,9100000000000000.0,"é"],"b":{},"c":1e+22,"d":0.0001}"#)
        // json.dumps(value, ensure_ascii=False)
        XCTAssertEqual(
            JSONWriter.string(value, style: .python), #"{"a": [1, 9100000000000000.0, "é"], "b": {}, "c": 1e+22, "d": 0.0001}"#)
        // json.dumps(value, indent=4, ensure_ascii=False)
        XCTAssertEqual(JSONWriter.string(value, style: .pretty), """
            {
                "a": [
                    1,
                    9100000000000000.0,
                    "é"
                ],
                "b": {},
                "c": 1e+22,
                "d": 0.0001
            }
            """)
        XCTAssertEqual(JSONWriter.formatDouble(9.1e15), "9100000000000000.0")
        XCTAssertEqual(JSONWriter.formatDouble(-9.465442812124738e15), "-9465442812124738.0")
        XCTAssertEqual(JSONWriter.formatDouble(1e16), "1e+16")
        XCTAssertEqual(JSONWriter.formatDouble(.nan), "NaN")
        XCTAssertEqual(JSONWriter.formatDouble(-.infinity), "-Infinity")
    }

    func testJSONWriterEnsureASCII() throws {
        let value = try JSONParser.parse(#"["é", "\u007f", "😀", "q\"\\\n\u0001", {"k": "\u2028"}]"#)
        // json.dumps(value, separators=(',', ':'))
        XCTAssertEqual(
            JSONWriter.string(value, ensureASCII: true),
            #"["\u00e9","\u007f","\ud83d\ude00","q\"\\\n\u0001",{"k":"\u2028"}]"#)
        // json.dumps(value, separators=(',', ':'), ensure_ascii=False)
        XCTAssertEqual(JSONWriter.string(value), "[\"é\",\"\u{7F}\",\"😀\",\"q\\\"\\\\\\n\\u0001\",{\"k\":\"\u{2028}\"}]")
        var out = ""
        JSONWriter.writeString("a\u{A0}", ensureASCII: true, into: &out)
        JSONWriter.writeString("a\u{A0}", into: &out)
        XCTAssertEqual(out, "\"a\\u00a0\"\"a\u{A0}\"")
    }

    func testJMESPathUsesPythonText() throws {
        let data = #"{"a": 9100000000000000.0, "b": ["\u00e9\u00a0", 1e22], "c": "x\u00a0y"}"#
        func search(_ expression: String) throws -> JSON {
            try JMESPathExpression(expression).search(try JSONParser.parse(data))
        }
        func message(_ expression: String) -> String? {
            do {
                _ = try search(expression)
                return nil
            } catch {
                return (error as? JMESPathError)?.message
            }
        }
        // jmespath.search('to_string(@)', data)
        XCTAssertEqual(
            try search("to_string(@)"), .string(#"{"a":9100000000000000.0,"b":["\u00e9\u00a0",1e+22],"c":"x\u00a0y"}"#))
        XCTAssertEqual(try search("to_string(a)"), "9100000000000000.0")
        XCTAssertEqual(
            message("abs(b)"),
            "In function abs(), invalid type for value: ['é\\xa0', 1e+22], expected one of: ['number'], received: \"array\"")
        XCTAssertEqual(
            message("length(a)"),
            "In function length(), invalid type for value: 9100000000000000.0, expected one of: ['string', 'array', 'object'], received: \"number\"")
        XCTAssertEqual(
            message("sum(b)"),
            "In function sum(), invalid type for value: é\u{A0}, expected one of: ['array-number'], received: \"str\"")
    }
}
