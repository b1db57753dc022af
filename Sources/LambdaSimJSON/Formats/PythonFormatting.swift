/// How Python spells JSON values, for the output formats ported from awscli.
///
/// awscli builds its text and table output with Python's `str()`, sorts keys
/// by code point and measures nothing by grapheme; these helpers reproduce
/// exactly that, so the Swift ports can stay line-for-line faithful.
enum PyFormat {
    /// Python `str(value)` of a JSON-decoded value.
    static func str(_ value: JSON) -> String {
        switch value {
        case .null: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .double(d): return floatRepr(d)
        case let .string(s): return s
        case .array, .object: return repr(value)
        }
    }

    /// Python `repr(value)`: what `str()` of a list or dict shows for its members.
    static func repr(_ value: JSON) -> String {
        switch value {
        case let .string(s): return stringRepr(s)
        case let .array(items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case let .object(object):
            return "{" + object.map { stringRepr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        default: return str(value)
        }
    }

    /// Python `repr(float)`: the shortest round-trip digits, positional when the
    /// decimal exponent is in [-4, 16), scientific (`1e+16`, `1e-05`) otherwise.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let (negative, digits, point) = shortestDigits(d)
        let sign = negative ? "-" : ""
        if point > -4 && point <= 16 {
            if point <= 0 {
                return sign + "0." + String(repeating: "0", count: -point) + digits
            }
            if point < digits.count {
                let cut = digits.index(digits.startIndex, offsetBy: point)
                return sign + digits[..<cut] + "." + digits[cut...]
            }
            return sign + digits + String(repeating: "0", count: point - digits.count) + ".0"
        }
        let exponent = point - 1
        var mantissa = String(digits.prefix(1))
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let magnitude = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
            + (magnitude.count < 2 ? "0" : "") + magnitude
    }

    /// The shortest round-trip decimal digits of a finite double, as
    /// (negative, digits without leading/trailing zeros, decimal point position):
    /// the value is 0.DIGITS × 10^point.  Zero is ("0", 1).
    static func shortestDigits(_ d: Double) -> (negative: Bool, digits: String, point: Int) {
        // Swift's description already holds the shortest round-trip digits;
        // only the layout differs from Python's, so re-derive it.
        var text = Substring(d.description)
        var negative = false
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        var digits = ""
        var point = 0
        var seenPoint = false
        for ch in text {
            if ch == "." {
                seenPoint = true
            } else {
                digits.append(ch)
                if !seenPoint { point += 1 }
            }
        }
        point += exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return (negative, "0", 1) }
        return (negative, digits, point)
    }

    /// Python `json.dumps(value, ensure_ascii=False)` of a scalar.
    static func jsonScalar(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return floatRepr(d)
        case let .string(s):
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\u{08}": out += "\\b"
                case "\u{0C}": out += "\\f"
                default:
                    if scalar.value < 0x20 {
                        out += "\\u" + hex(scalar.value, width: 4)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        case .array, .object:
            return JSONWriter.string(value)
        }
    }

    /// Python `repr(str)`: single quotes unless the text holds `'` and no `"`,
    /// backslash escapes for quotes, `\t\n\r`, and non-printable characters.
    static func stringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case quote, "\\":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value <= 0xFFFF {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// Python `str.isprintable()` for one character: everything but the
    /// Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp, Zs) categories, space excepted.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x20 && scalar.value != 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
            .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Python's `<` on strings: code point order (Swift's `<` is not).
    static func codePointLess(_ a: String, _ b: String) -> Bool {
        var left = a.unicodeScalars.makeIterator()
        var right = b.unicodeScalars.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x != y { return x.value < y.value }
            }
        }
    }

    /// `sorted(set(keys))` for string keys.
    static func sortedUnique<S: Sequence>(_ keys: S) -> [String] where S.Element == String {
        Array(Set(keys)).sorted(by: codePointLess)
    }

    /// Python type name, for error messages.
    static func typeName(_ value: JSON) -> String {
        switch value {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }

    /// Python truthiness.
    static func truthy(_ value: JSON) -> Bool {
        switch value {
        case .null: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .array(a): return !a.isEmpty
        case let .object(o): return !o.isEmpty
        }
    }

    /// Not a list or a dict.
    static func isScalar(_ value: JSON) -> Bool {
        switch value {
        case .array, .object: return false
        default: return true
        }
    }

    /// awscli's `get_text_length`: code points, East Asian Wide, Fullwidth
    /// and Ambiguous ones counting 2.
    static func textLength(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (EastAsianWidth.isWide($1) ? 2 : 1) }
    }

    /// Python `str.upper()`.
    static func upper(_ s: String) -> String { s.uppercased() }
}

/// A Python exception that the real AWS CLI would raise while formatting
/// (for instance `ValueError: Row should have 2 elements, instead it has 1`
/// in a table, or `AttributeError` in text output for a list mixing objects
/// and scalars).  The CLI prints the message to stderr, after whatever output
/// was already written: `partialOutput`.
public struct OutputFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Python exception class, e.g. `ValueError`.
    public var type: String
    /// `str(exception)`: what awscli prints (between blank lines) on stderr.
    public var message: String
    /// What reached stdout before the failure.
    public var partialOutput: String

    public init(type: String, message: String, partialOutput: String = "") {
        self.type = type
        self.message = message
        self.partialOutput = partialOutput
    }

    public var description: String { "\(type): \(message)" }
}
