// Standard base64 (RFC 4648 section 4): alphabet A-Z a-z 0-9 + /, with '=' padding.

public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Maps an ASCII byte to its 6-bit value, or 0xFF when it is not in the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()

    private static let pad = UInt8(ascii: "=")

    /// Encodes `bytes` as standard base64 with padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var text = [UInt8]()
        text.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            text.append(alphabet[Int(group >> 18)])
            text.append(alphabet[Int((group >> 12) & 0x3F)])
            text.append(alphabet[Int((group >> 6) & 0x3F)])
            text.append(alphabet[Int(group & 0x3F)])
            index += 3
        }
        switch bytes.count - index {
        case 1:
            let group = UInt32(bytes[index]) << 16
            text.append(alphabet[Int(group >> 18)])
            text.append(alphabet[Int((group >> 12) & 0x3F)])
            text.append(pad)
            text.append(pad)
        case 2:
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            text.append(alphabet[Int(group >> 18)])
            text.append(alphabet[Int((group >> 12) & 0x3F)])
            text.append(alphabet[Int((group >> 6) & 0x3F)])
            text.append(pad)
        default:
            break
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes standard base64 with padding. Returns nil unless the length is a multiple of four,
    /// every character is in the standard alphabet, and '=' appears only as one or two padding
    /// characters at the very end. Whitespace and the URL-safe alphabet are rejected.
    /// (Like most decoders, the unused low bits of a padded final group are not checked.)
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(utf8: $0) }
    }

    private static func decode(utf8 input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = input.count
        if count % 4 != 0 { return nil }
        if count == 0 { return [] }
        var padding = 0
        if input[count - 1] == pad {
            padding = input[count - 2] == pad ? 2 : 1
        }
        var output = [UInt8]()
        output.reserveCapacity(count / 4 * 3 - padding)
        var index = 0
        while index < count {
            let isLast = index + 4 == count
            var group: UInt32 = 0
            for offset in 0..<4 {
                let character = input[index + offset]
                let value: UInt8
                if isLast && offset >= 4 - padding {
                    value = 0  // checked to be '=' above
                } else {
                    value = values[Int(character)]
                    if value == 0xFF { return nil }
                }
                group = group << 6 | UInt32(value)
            }
            output.append(UInt8(truncatingIfNeeded: group >> 16))
            if !isLast || padding < 2 { output.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if !isLast || padding < 1 { output.append(UInt8(truncatingIfNeeded: group)) }
            index += 4
        }
        return output
    }
}
