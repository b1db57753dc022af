/// Small helpers for building text straight into byte buffers: `simulate` writes hundreds of
/// thousands of records, log lines and timeline lines, and Swift string interpolation is the
/// expensive part of each.
extension Array where Element == UInt8 {
    /// Appends a literal's bytes without making an array of them first.
    @inline(__always)
    mutating func appendStatic(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends a string's UTF-8 bytes.
    @inline(__always)
    mutating func appendUTF8(_ s: String) {
        var copy = s
        copy.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends a decimal integer.
    mutating func appendDecimal<T: BinaryInteger>(_ value: T) {
        var v = Int64(value)
        if v < 0 {
            append(UInt8(ascii: "-"))
            if v == .min {
                appendUTF8(String(v))
                return
            }
            v = -v
        }
        var divisor: Int64 = 1
        while divisor <= v / 10 { divisor *= 10 }
        while divisor > 0 {
            append(UInt8(48 + (v / divisor) % 10))
            divisor /= 10
        }
    }

    /// Appends `value` zero-padded to `width` digits (value must be non-negative and fit).
    @inline(__always)
    mutating func appendPadded(_ value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            append(UInt8(48 + (v / divisor) % 10))
            v %= divisor
            divisor /= 10
        }
    }

    /// Appends a non-negative number with two decimals (`Engine.twoDecimals`).
    mutating func appendTwoDecimals(_ v: Double) {
        let hundredths = Int64((v * 100).rounded())
        appendDecimal(hundredths / 100)
        append(UInt8(ascii: "."))
        appendPadded(hundredths % 100, width: 2)
    }
}

/// `2026-01-01T00:03:00.001Z` (`TimeFormat.iso`) into bytes, remembering the date part: the
/// instants of one run are mostly on the same day.
struct ISOWriter {
    private var day: Int64 = .min
    private var datePrefix: [UInt8] = []

    mutating func append(_ ms: SimInstant, into out: inout [UInt8]) {
        let dayMs: Int64 = 86_400_000
        let d = ms >= 0 ? ms / dayMs : (ms - dayMs + 1) / dayMs
        if d != day {
            day = d
            datePrefix = Array(TimeFormat.iso(d * dayMs).utf8.prefix(11))
        }
        let t = ms - d * dayMs
        out += datePrefix
        out.appendPadded(t / 3_600_000, width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendPadded(t / 60_000 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendPadded(t / 1000 % 60, width: 2)
        out.append(UInt8(ascii: "."))
        out.appendPadded(t % 1000, width: 3)
        out.append(UInt8(ascii: "Z"))
    }

    mutating func string(_ ms: SimInstant) -> String {
        var out: [UInt8] = []
        append(ms, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
