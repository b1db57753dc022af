import LambdaSimJSON

/// Describes why a payload is not JSON in the words of Lambda's (Jackson) parser.
enum JSONSyntax {
    static let expecting = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
    static let location = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: %L, column: %C]"

    /// nil when `bytes` is one valid JSON value.
    static func jacksonProblem(_ bytes: [UInt8]) -> String? {
        do {
            _ = try JSONParser.parse(bytes: bytes)
            return nil
        } catch {
            let offset = min(error.offset, bytes.count)
            var line = 1
            var column = 1
            for b in bytes[0..<offset] { if b == 0x0A { line += 1; column = 1 } else { column += 1 } }
            var message: String
            if offset >= bytes.count {
                message = "Unexpected end-of-input: expected close marker for Object"
                if bytes.first != UInt8(ascii: "{") { message = "Unexpected end-of-input within/between Array entries" }
                if !bytes.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") }) {
                    message = "Unexpected end-of-input: expected a valid value \(expecting)"
                }
            } else {
                let b = bytes[offset]
                if (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) {
                    var end = offset
                    while end < bytes.count, bytes[end] > 0x20, !"{}[],:\"".utf8.contains(bytes[end]) { end += 1 }
                    let token = String(decoding: bytes[offset..<end], as: UTF8.self)
                    message = "Unrecognized token '\(token)': was expecting \(expecting)"
                    column += end - offset
                } else if b < 0x20 || b >= 0x80 {
                    message = "Unexpected character ((CTRL-CHAR, code \(b))): expected a valid value \(expecting)"
                } else {
                    let c = Character(Unicode.Scalar(b))
                    message = "Unexpected character ('\(c)' (code \(b))): expected a valid value \(expecting)"
                }
            }
            return message + location.replacingFirst("%L", String(line)).replacingFirst("%C", String(column))
        }
    }
}

extension String {
    func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
