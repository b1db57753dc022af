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
        // Escape byte by byte (UTF-8 sequences pass through unchanged), then append once:
        // appending scalar by scalar to a String is an order of magnitude slower.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 16)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            let escaped: UInt8
            switch b {
            case 0x22, 0x5C: escaped = b
            case 0x0A: escaped = 0x6E
            case 0x0D: escaped = 0x72
            case 0x09: escaped = 0x74
            case 0x08: escaped = 0x62
            case 0x0C: escaped = 0x66
            case 0..<0x20:
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0x0F)]])
                continue
            default:
                bytes.append(b)
                continue
            }
            bytes.append(0x5C)
            bytes.append(escaped)
        }
        out += String(decoding: bytes, as: UTF8.self)
        out += "\""
    }
}

extension JSON: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter.string(self) }
}
