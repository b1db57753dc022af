/// Finds numbers in a JSON document that lie outside the range lambda-sim can compute with.
///
/// Every time (milliseconds since the epoch), duration, count and size lambda-sim keeps fits
/// well inside ±10^15; a hand-edited file with a larger number (or one written as `1e300`)
/// would make later arithmetic overflow and trap. The files are checked when they are read, so
/// such a file is reported as unusable instead.
public enum NumberRange {
    /// The largest magnitude accepted: 10^15 (milliseconds: about the year 33658).
    public static let limit: Double = 1e15

    /// The first number token in `bytes` (outside strings) whose value is not finite or exceeds
    /// `limit` in magnitude, with the object key it belongs to; numbers under a key in `exempt`
    /// (a generator's 64-bit state) are skipped. Does not check that `bytes` is valid JSON.
    public static func firstOutOfRange<C: Collection>(in bytes: C, exempt: Set<String> = [])
        -> (key: String, number: String)? where C.Element == UInt8
    {
        var key = ""
        var lastString: [UInt8] = []
        var iterator = bytes.makeIterator()
        var pending: UInt8?
        func next() -> UInt8? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            switch c {
            case UInt8(ascii: "\""):
                lastString.removeAll(keepingCapacity: true)
                var escaped = false
                while let s = next() {
                    if escaped { escaped = false; lastString.append(s); continue }
                    if s == UInt8(ascii: "\\") { escaped = true; continue }
                    if s == UInt8(ascii: "\"") { break }
                    lastString.append(s)
                }
            case UInt8(ascii: ":"):
                key = String(decoding: lastString, as: UTF8.self)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var token: [UInt8] = [c]
                while let d = next() {
                    if (d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9")) || d == UInt8(ascii: ".") || d == UInt8(ascii: "e")
                        || d == UInt8(ascii: "E") || d == UInt8(ascii: "+") || d == UInt8(ascii: "-")
                    {
                        token.append(d)
                    } else {
                        pending = d
                        break
                    }
                }
                // Short tokens without an exponent are always in range: skip the conversion.
                if token.count <= 15, !token.contains(UInt8(ascii: "e")), !token.contains(UInt8(ascii: "E")) { continue }
                if exempt.contains(key) { continue }
                let text = String(decoding: token, as: UTF8.self)
                if let value = Double(text), value.isFinite, abs(value) <= limit { continue }
                return (key, text)
            default:
                continue
            }
        }
        return nil
    }
}
