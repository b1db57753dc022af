/// How Python spells JSON-decoded values: `str()`, `repr()`, `type().__name__`,
/// truthiness and `<` on strings.
///
/// The AWS CLI, botocore and python jmespath are Python programs, so every
/// text they derive from a value (text and table output, error messages,
/// `to_string`) goes through these rules; Python is the ground truth.
/// `json.dumps` itself is ``JSONWriter``, which prints floats with
/// ``floatRepr(_:)`` as Python's `json` module does.
public enum PythonText {
    /// Python `str(value)`: a string as it is, anything else as `repr`.
    public static func str(_ value: JSON) -> String {
        if case let .string(text) = value { return text }
        return repr(value)
    }

    /// Python `repr(value)`; `str()` of a list or dict shows its members so.
    public static func repr(_ value: JSON) -> String {
        var out = ""
        writeRepr(value, into: &out)
        return out
    }

    private static func writeRepr(_ value: JSON, into out: inout String) {
        switch value {
        case .null: out += "None"
        case let .bool(flag): out += flag ? "True" : "False"
        case let .int(number): out += String(number)
        case let .double(number): out += floatRepr(number)
        case let .string(text): out += stringRepr(text)
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
                out += stringRepr(key)
                out += ": "
                writeRepr(item, into: &out)
            }
            out += "}"
        }
    }

    /// Python `repr(str)`: single quotes unless the text holds `'` and no `"`
    /// (code points, not characters, are compared); backslash escapes for the
    /// quote, `\`, `\t\n\r`, and for every character `str.isprintable()`
    /// rejects (`\xHH`, `\uHHHH` or `\UHHHHHHHH`).
    public static func stringRepr(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let quote: Unicode.Scalar = scalars.contains("'") && !scalars.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in scalars {
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

    /// Python `repr(float)` (also `str(float)` and what `json.dumps` writes):
    /// the shortest round-trip digits, positional when the decimal exponent is
    /// in [-4, 16), scientific (`1e+16`, `1e-05`) otherwise; `nan`, `inf`, `-inf`.
    ///
    /// Swift's `description` has the same digits but goes scientific from 2^53
    /// on (`9.1e+15` where Python writes `9100000000000000.0`).
    public static func floatRepr(_ d: Double) -> String {
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

    /// Python's `type(value).__name__` for a JSON-decoded value.
    public static func typeName(_ value: JSON) -> String {
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

    /// Lower-case hexadecimal, zero-padded to `width` digits.
    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
