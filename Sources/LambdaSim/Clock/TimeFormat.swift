#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calendar formatting of `SimInstant`s without Foundation's formatters (they cost start-up time).
public enum TimeFormat {
    struct Fields { var year, month, day, hour, minute, second, millis: Int; var offsetSeconds: Int }

    static func fields(_ ms: SimInstant, local: Bool) -> Fields {
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - SimInstant(seconds) * 1000)
        var t = tm()
        if local { localtime_r(&seconds, &t) } else { gmtime_r(&seconds, &t) }
        return Fields(year: Int(t.tm_year) + 1900, month: Int(t.tm_mon) + 1, day: Int(t.tm_mday),
                      hour: Int(t.tm_hour), minute: Int(t.tm_min), second: Int(t.tm_sec), millis: millis,
                      offsetSeconds: local ? Int(t.tm_gmtoff) : 0)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func date(_ f: Fields) -> String {
        "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2))"
    }

    /// `2019-08-14T22:26:11.234+0000`: Lambda's string timestamps (function `LastModified`).
    public static func lambda(_ ms: SimInstant) -> String {
        let f = fields(ms, local: false)
        return date(f) + "." + pad(f.millis, 3) + "+0000"
    }

    /// `2026-11-22T19:58:59.383Z`: ISO 8601 in UTC with milliseconds (timelines, records).
    public static func iso(_ ms: SimInstant) -> String {
        let f = fields(ms, local: false)
        return date(f) + "." + pad(f.millis, 3) + "Z"
    }

    /// `2026-11-22T14:58:59.383000-05:00`: how the AWS CLI v2 prints a timestamp, in the local
    /// time zone, with microseconds only when there is a fraction.
    public static func cliV2(seconds: Double) -> String {
        let ms = SimInstant((seconds * 1000).rounded())
        let micros = Int(((seconds - (seconds).rounded(.down)) * 1_000_000).rounded())
        let f = fields(ms - SimInstant(micros / 1000) + SimInstant(micros / 1000), local: true)
        var text = date(f)
        if micros != 0 { text += "." + pad(micros, 6) }
        let off = f.offsetSeconds
        let sign = off < 0 ? "-" : "+"
        text += sign + pad(abs(off) / 3600, 2) + ":" + pad((abs(off) % 3600) / 60, 2)
        return text
    }

    /// `2026-11-22T19:58:59+00:00`: a timestamp the wire gave as ISO text in UTC, as the AWS
    /// CLI v2 prints it (milliseconds as microseconds only when there is a fraction).
    public static func cliV2UTC(ms: SimInstant) -> String {
        let f = fields(ms, local: false)
        var text = date(f)
        if f.millis != 0 { text += "." + pad(f.millis * 1000, 6) }
        return text + "+00:00"
    }

    /// Epoch seconds with milliseconds, as Lambda puts ESM and event invoke config timestamps on the wire.
    public static func epochSeconds(_ ms: SimInstant) -> Double { Double(ms) / 1000 }

    /// The earliest instant lambda-sim accepts or keeps: 0001-01-01T00:00:00Z.
    public static let minInstant: SimInstant = -62_135_596_800_000
    /// The latest instant lambda-sim accepts or keeps: 9999-12-31T23:59:59.999Z. Every time and
    /// duration is bounded by these, so adding or subtracting two of them can never overflow.
    public static let maxInstant: SimInstant = 253_402_300_799_999
    /// The longest duration accepted (`--for`, `--since`): the whole supported range.
    public static let maxDurationMs: Int64 = maxInstant - minInstant

    /// Whether `ms` lies in the supported range (0001-01-01 … 9999-12-31).
    public static func inRange(_ ms: Int64) -> Bool { ms >= minInstant && ms <= maxInstant }

    /// `seconds * factor` in milliseconds, or nil when it is not finite or lies outside `limit`
    /// (the conversion to an integer would trap).
    static func milliseconds(_ value: Double, factor: Double, limit: ClosedRange<Int64>) -> Int64? {
        guard value.isFinite else { return nil }
        let ms = (value * factor).rounded()
        guard ms.isFinite, ms >= Double(limit.lowerBound), ms <= Double(limit.upperBound) else { return nil }
        return Int64(ms)
    }

    /// Parses `2026-01-01T00:00:00Z`, `2026-01-01T00:00:00.5Z`, `…+02:00`, `2026-01-01`, or epoch
    /// seconds; nil for anything else, for impossible dates (`2026-02-30`, hour 24) and for
    /// times outside 0001-01-01 … 9999-12-31.
    public static func parse(_ text: String) -> SimInstant? {
        if let seconds = Double(text) { return milliseconds(seconds, factor: 1000, limit: minInstant...maxInstant) }
        let chars = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var v = 0
            for c in chars[from..<(from + count)] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), chars.count >= 10, chars[4] == 45, let mo = num(5, 2), chars[7] == 45, let d = num(8, 2)
        else { return nil }
        var h = 0, mi = 0, s = 0, ms = 0, idx = 10, offset = 0
        if idx < chars.count, chars[idx] == 84 || chars[idx] == 32 {
            guard let hh = num(11, 2), chars.count > 13, chars[13] == 58, let mm = num(14, 2) else { return nil }
            h = hh; mi = mm; idx = 16
            if idx < chars.count, chars[idx] == 58 {
                guard let ss = num(17, 2) else { return nil }
                s = ss; idx = 19
                if idx < chars.count, chars[idx] == 46 {
                    idx += 1
                    var digits = 0
                    var frac = 0
                    while idx < chars.count, chars[idx] >= 48, chars[idx] <= 57 {
                        if digits < 3 { frac = frac * 10 + Int(chars[idx] - 48); digits += 1 }
                        idx += 1
                    }
                    while digits < 3 { frac *= 10; digits += 1 }
                    ms = frac
                }
            }
            if idx < chars.count {
                if chars[idx] == 90 { idx += 1 } else if chars[idx] == 43 || chars[idx] == 45 {
                    let sign = chars[idx] == 45 ? -1 : 1
                    guard let oh = num(idx + 1, 2) else { return nil }
                    var om = 0
                    if let m = num(idx + 4, 2), chars[idx + 3] == 58 { om = m; idx += 6 } else if let m = num(idx + 3, 2) { om = m; idx += 5 } else { idx += 3 }
                    offset = sign * (oh * 3600 + om * 60)
                }
            }
            guard idx == chars.count else { return nil }
        } else if idx != chars.count {
            return nil
        }
        guard mo >= 1, mo <= 12, d >= 1, d <= daysInMonth(y, mo), h <= 23, mi <= 59, s <= 59,
            abs(offset) <= 18 * 3600, y >= 1
        else { return nil }
        let days = daysFromCivil(y, mo, d)
        let total = SimInstant(days) * 86400 + SimInstant(h * 3600 + mi * 60 + s) - SimInstant(offset)
        let result = total * 1000 + SimInstant(ms)
        return inRange(result) ? result : nil
    }

    /// 28–31: the days of `month` in the proleptic Gregorian `year`.
    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Milliseconds as the largest whole unit `parseDuration` reads (`30d`, `6h`, `90s`, `250ms`).
    public static func durationText(_ ms: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms % size == 0 && ms != 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }

    /// `90s`, `5m`, `6h`, `1d`, `250ms`, or a bare number of seconds → milliseconds; nil for
    /// anything else, negative, not finite, or longer than `maxDurationMs`.
    public static func parseDuration(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if let v = Double(number) { return milliseconds(v, factor: factor, limit: 0...maxDurationMs) }
            if suffix == "s" { continue }
            return nil
        }
        if let v = Double(text) { return milliseconds(v, factor: 1000, limit: 0...maxDurationMs) }
        return nil
    }
}
