/// Serialises `JSON` the way the tools lambda-sim imitates do.
public enum JSONWriter {
    public enum Style: Sendable {
        /// `{"a":1,"b":[1,2]}`: what services put on the wire.
        case compact
        /// `{"a": 1, "b": [1, 2]}`: Python's `json.dumps` default.
        case python
        /// Python's `json.dump(indent=4, ensure_ascii=False)`: what the AWS CLI prints.
        case pretty
    }

    public static func string(_ value: JSON, style: Style = .compact) -> String {
        var out = ""
        out.reserveCapacity(64)
        write(value, style: style, indent: 0, into: &out)
        return out
    }

    public static func bytes(_ value: JSON, style: Style = .compact) -> [UInt8] {
        Array(string(value, style: style).utf8)
    }

    static func write(_ value: JSON, style: Style, indent: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += formatDouble(d)
        case let .string(s): writeString(s, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += style == .compact ? "," : (style == .python ? ", " : ",") }
                if style == .pretty { newline(indent + 4, &out) }
                write(item, style: style, indent: indent + 4, into: &out)
            }
            if style == .pretty { newline(indent, &out) }
            out += "]"
        case let .object(object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (key, item) in object {
                if !first { out += style == .compact ? "," : (style == .python ? ", " : ",") }
                first = false
                if style == .pretty { newline(indent + 4, &out) }
                writeString(key, into: &out)
                out += style == .compact ? ":" : ": "
                write(item, style: style, indent: indent + 4, into: &out)
            }
            if style == .pretty { newline(indent, &out) }
            out += "}"
        }
    }

    private static func newline(_ indent: Int, _ out: inout String) {
        out += "\n"
        out += String(repeating: " ", count: indent)
    }

    /// Python's `repr(float)`: shortest round-trip digits, `1.0` for integral values.
    public static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return "\(d)"
    }

    public static func writeString(_ s: String, into out: inout String) {
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
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
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
