/// Serialises `JSON` the way the tools lambda-sim imitates do: Python's
/// `json.dumps` (the AWS CLI, botocore and python jmespath are Python), floats
/// included, which it writes with `repr(float)` (``PythonText/floatRepr(_:)``).
public enum JSONWriter {
    public enum Style: Sendable {
        /// `{"a":1,"b":[1,2]}`: what services put on the wire.
        case compact
        /// `{"a": 1, "b": [1, 2]}`: Python's `json.dumps` default.
        case python
        /// Python's `json.dump(indent=4, ensure_ascii=False)`: what the AWS CLI prints.
        case pretty
    }

    /// The JSON text of `value`.  `ensureASCII` is `json.dumps`'s
    /// `ensure_ascii`: every character outside printable ASCII as `\uXXXX`
    /// (a surrogate pair beyond the BMP) instead of as itself.
    public static func string(_ value: JSON, style: Style = .compact, ensureASCII: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(64)
        write(value, style: style, ensureASCII: ensureASCII, indent: 0, into: &out)
        return out
    }

    public static func bytes(_ value: JSON, style: Style = .compact, ensureASCII: Bool = false) -> [UInt8] {
        Array(string(value, style: style, ensureASCII: ensureASCII).utf8)
    }

    static func write(_ value: JSON, style: Style, ensureASCII: Bool, indent: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += formatDouble(d)
        case let .string(s): writeString(s, ensureASCII: ensureASCII, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += style == .python ? ", " : "," }
                if style == .pretty { newline(indent + 4, &out) }
                write(item, style: style, ensureASCII: ensureASCII, indent: indent + 4, into: &out)
            }
            if style == .pretty { newline(indent, &out) }
            out += "]"
        case let .object(object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (key, item) in object {
                if !first { out += style == .python ? ", " : "," }
                first = false
                if style == .pretty { newline(indent + 4, &out) }
                writeString(key, ensureASCII: ensureASCII, into: &out)
                out += style == .compact ? ":" : ": "
                write(item, style: style, ensureASCII: ensureASCII, indent: indent + 4, into: &out)
            }
            if style == .pretty { newline(indent, &out) }
            out += "}"
        }
    }

    private static func newline(_ indent: Int, _ out: inout String) {
        out += "\n"
        out += String(repeating: " ", count: indent)
    }

    /// A float as `json.dumps` writes it: Python's `repr(float)` (shortest
    /// round-trip digits, `1.0` for integral values, `1e+16`), and `NaN`,
    /// `Infinity`, `-Infinity`.
    public static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return PythonText.floatRepr(d)
    }

    /// A JSON string literal, escaped as `json.dumps` escapes it: `\"`, `\\`,
    /// `\n\r\t\b\f`, other control characters as `\u00XX`, and with
    /// `ensureASCII` everything from U+007F on as `\uXXXX`.
    public static func writeString(_ s: String, ensureASCII: Bool = false, into out: inout String) {
        if ensureASCII {
            writeASCIIString(s, into: &out)
            return
        }
        out += "\""
        var needsEscape = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape {
            out += s
            out += "\""
            return
        }
        // Escape byte by byte (UTF-8 sequences pass through unchanged), then append once:
        // appending scalar by scalar to a String is an order of magnitude slower.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 16)
        var copy = s
        copy.withUTF8 { appendEscaped($0, into: &bytes) }
        out += String(decoding: bytes, as: UTF8.self)
        out += "\""
    }

    /// The inside of a JSON string literal (no quotes) for UTF-8 `bytes`, escaped as
    /// `writeString` escapes without `ensureASCII` (UTF-8 sequences pass through), straight into
    /// a byte buffer: runs of plain bytes are copied at once.
    public static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = bytes.count
        var i = 0
        while i < n {
            let start = i
            while i < n, bytes[i] >= 0x20, bytes[i] != 0x22, bytes[i] != 0x5C { i += 1 }
            if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i])) }
            guard i < n else { break }
            let b = bytes[i]
            i += 1
            out.append(0x5C)
            switch b {
            case 0x22, 0x5C: out.append(b)
            case 0x0A: out.append(0x6E)
            case 0x0D: out.append(0x72)
            case 0x09: out.append(0x74)
            case 0x08: out.append(0x62)
            case 0x0C: out.append(0x66)
            default:
                let hex: StaticString = "0123456789abcdef"
                let digits = hex.utf8Start
                out.append(contentsOf: [0x75, 0x30, 0x30, digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
            }
        }
    }

    /// `writeString` with `ensure_ascii=True`.
    private static func writeASCIIString(_ s: String, into out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F || $0 == 0x22 || $0 == 0x5C }) {
            out += s
            out += "\""
            return
        }
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
                if scalar.value >= 0x20 && scalar.value < 0x7F {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    out += "\\u" + PythonText.hex(0xD800 + (v >> 10), width: 4)
                    out += "\\u" + PythonText.hex(0xDC00 + (v & 0x3FF), width: 4)
                } else {
                    out += "\\u" + PythonText.hex(scalar.value, width: 4)
                }
            }
        }
        out += "\""
    }
}

extension JSON: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter.string(self) }
}
