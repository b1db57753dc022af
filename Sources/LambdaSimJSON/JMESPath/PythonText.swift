/// How python shows JSON values: `str()`/`repr()` (in python jmespath's error
/// messages) and `json.dumps(value, separators=(',', ':'))` (its `to_string`).
enum JMESPathPythonText {
    /// `str(value)`: a string as it is, anything else as `repr`.
    static func str(_ value: JSON) -> String {
        if case let .string(text) = value { return text }
        return repr(value)
    }

    static func repr(_ value: JSON) -> String {
        var out = ""
        writeRepr(value, into: &out)
        return out
    }

    private static func writeRepr(_ value: JSON, into out: inout String) {
        switch value {
        case .null: out += "None"
        case let .bool(flag): out += flag ? "True" : "False"
        case let .int(number): out += String(number)
        case let .double(number):
            if number.isNaN {
                out += "nan"
            } else if number.isInfinite {
                out += number < 0 ? "-inf" : "inf"
            } else {
                out += JSONWriter.formatDouble(number)
            }
        case let .string(text): writeStringRepr(text, into: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                writeRepr(item, into: &out)
            }
            out += "]"
        case let .object(object):
            out += "{"
            var first = true
            for (key, item) in object {
                if !first { out += ", " }
                first = false
                writeStringRepr(key, into: &out)
                out += ": "
                writeRepr(item, into: &out)
            }
            out += "}"
        }
    }

    /// Python's string repr: single quotes unless the text has `'` and no `"`.
    private static func writeStringRepr(_ text: String, into out: inout String) {
        let quote: Unicode.Scalar = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
        out.unicodeScalars.append(quote)
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c == quote {
                    out += "\\"
                    out.unicodeScalars.append(c)
                } else if c.value < 0x20 || c.value == 0x7F {
                    out += "\\x" + hex(c.value, width: 2)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        out.unicodeScalars.append(quote)
    }

    /// `json.dumps(value, separators=(',', ':'))`: compact, and ASCII-only
    /// (python's default `ensure_ascii=True` writes other characters as `\uXXXX`).
    static func compactJSON(_ value: JSON) -> String {
        var out = ""
        writeJSON(value, into: &out)
        return out
    }

    private static func writeJSON(_ value: JSON, into out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(flag): out += flag ? "true" : "false"
        case let .int(number): out += String(number)
        case let .double(number):
            if number.isNaN {
                out += "NaN"
            } else if number.isInfinite {
                out += number < 0 ? "-Infinity" : "Infinity"
            } else {
                out += JSONWriter.formatDouble(number)
            }
        case let .string(text): writeJSONString(text, into: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                writeJSON(item, into: &out)
            }
            out += "]"
        case let .object(object):
            out += "{"
            var first = true
            for (key, item) in object {
                if !first { out += "," }
                first = false
                writeJSONString(key, into: &out)
                out += ":"
                writeJSON(item, into: &out)
            }
            out += "}"
        }
    }

    private static func writeJSONString(_ text: String, into out: inout String) {
        out += "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value >= 0x20 && c.value < 0x7F {
                    out.unicodeScalars.append(c)
                } else if c.value > 0xFFFF {
                    let v = c.value - 0x10000
                    out += "\\u" + hex(0xD800 + (v >> 10), width: 4) + "\\u" + hex(0xDC00 + (v & 0x3FF), width: 4)
                } else {
                    out += "\\u" + hex(c.value, width: 4)
                }
            }
        }
        out += "\""
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
