import Foundation

/// An EventBridge schedule expression: `rate(value unit)` or `cron(min hour dom month dow year)`
/// (all times UTC), with AWS's syntax rules (EventBridge User Guide, "Schedule expressions for rules").
///
/// - `rate`: a positive whole number and `minute`/`hour`/`day`; the unit is singular for 1 and
///   plural otherwise (`rate(1 minutes)` and `rate(5 minute)` are invalid).
/// - `cron`: six fields. Minutes 0-59, hours 0-23, day of month 1-31 (also `?`, `L`, `W`), month
///   1-12 or JAN-DEC, day of week 1-7 (1 = Sunday) or SUN-SAT (also `?`, `L`, `#`), year
///   1970-2199. Exactly one of day of month and day of week is `?`.
public enum ScheduleExpression: Sendable, Equatable {
    case rate(periodMs: Int64)
    case cron(Cron)

    public static func parse(_ text: String) -> ScheduleExpression? {
        if text.hasPrefix("rate("), text.hasSuffix(")") {
            let inner = text.dropFirst(5).dropLast().split(separator: " ", omittingEmptySubsequences: false)
            guard inner.count == 2, let value = Int64(inner[0]), value > 0, inner[0].allSatisfy(\.isNumber) else { return nil }
            let unit = String(inner[1])
            let base: Int64
            switch unit {
            case "minute", "minutes": base = 60_000
            case "hour", "hours": base = 3_600_000
            case "day", "days": base = 86_400_000
            default: return nil
            }
            guard (value == 1) == !unit.hasSuffix("s") else { return nil }
            return .rate(periodMs: value * base)
        }
        if text.hasPrefix("cron("), text.hasSuffix(")") {
            let fields = text.dropFirst(5).dropLast().split(separator: " ").map(String.init)
            guard fields.count == 6, let cron = Cron(fields) else { return nil }
            return .cron(cron)
        }
        return nil
    }

    /// The first firing strictly after `t`. Rate schedules count from `anchorMs` (when the rule
    /// was created, truncated to the minute); cron schedules fire at whole minutes.
    public func next(after t: SimInstant, anchorMs: SimInstant) -> SimInstant? {
        switch self {
        case let .rate(period):
            if t < anchorMs + period { return anchorMs + period }
            return anchorMs + ((t - anchorMs) / period + 1) * period
        case let .cron(cron):
            return cron.next(after: t)
        }
    }

    /// A cron expression's fields as sets of allowed values.
    public struct Cron: Sendable, Equatable {
        var minutes: Set<Int>
        var hours: Set<Int>
        /// Day of month: allowed days, or nil for `?`; `last` for `L`; `weekday` for `nW`/`LW`.
        var days: Set<Int>?
        var lastDay = false
        var nearestWeekday: Int?
        var lastWeekdayOfMonth = false
        var months: Set<Int>
        /// Day of week (1 = Sunday … 7), nil for `?`; `nthWeekday` for `d#n`, `lastWeekday` for `dL`.
        var weekdays: Set<Int>?
        var nthWeekday: (day: Int, n: Int)?
        var lastWeekday: Int?
        var years: Set<Int>

        public static func == (a: Cron, b: Cron) -> Bool {
            a.minutes == b.minutes && a.hours == b.hours && a.days == b.days && a.months == b.months && a.weekdays == b.weekdays
                && a.years == b.years && a.lastDay == b.lastDay && a.nearestWeekday == b.nearestWeekday
                && a.nthWeekday?.day == b.nthWeekday?.day && a.nthWeekday?.n == b.nthWeekday?.n && a.lastWeekday == b.lastWeekday
                && a.lastWeekdayOfMonth == b.lastWeekdayOfMonth
        }

        static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

        init?(_ f: [String]) {
            guard let minutes = Self.field(f[0], 0...59, names: []), let hours = Self.field(f[1], 0...23, names: []),
                let months = Self.field(f[3], 1...12, names: Self.monthNames), let years = Self.field(f[5], 1970...2199, names: [])
            else { return nil }
            self.minutes = minutes
            self.hours = hours
            self.months = months
            self.years = years
            let dom = f[2].uppercased()
            let dow = f[4].uppercased()
            // Exactly one of day-of-month and day-of-week is `?`.
            guard (dom == "?") != (dow == "?") else { return nil }
            if dom == "?" {
                days = nil
            } else if dom == "L" {
                days = []
                lastDay = true
            } else if dom == "LW" {
                days = []
                lastWeekdayOfMonth = true
            } else if dom.hasSuffix("W") {
                guard let n = Int(dom.dropLast()), (1...31).contains(n) else { return nil }
                days = []
                nearestWeekday = n
            } else {
                guard let set = Self.field(dom, 1...31, names: []) else { return nil }
                days = set
            }
            if dow == "?" {
                weekdays = nil
            } else if let hash = dow.firstIndex(of: "#") {
                guard let d = Self.value(String(dow[..<hash]), 1...7, names: Self.dayNames), let n = Int(dow[dow.index(after: hash)...]),
                    (1...5).contains(n)
                else { return nil }
                weekdays = []
                nthWeekday = (d, n)
            } else if dow.hasSuffix("L"), dow.count > 1 {
                guard let d = Self.value(String(dow.dropLast()), 1...7, names: Self.dayNames) else { return nil }
                weekdays = []
                lastWeekday = d
            } else if dow == "L" {
                weekdays = []
                lastWeekday = 7
            } else {
                guard let set = Self.field(dow, 1...7, names: Self.dayNames) else { return nil }
                weekdays = set
            }
        }

        static func value(_ text: String, _ range: ClosedRange<Int>, names: [String]) -> Int? {
            if let i = names.firstIndex(of: text.uppercased()) { return range.lowerBound + i }
            guard !text.isEmpty, text.allSatisfy(\.isNumber), let v = Int(text), range.contains(v) else { return nil }
            return v
        }

        /// `*`, `a`, `a-b`, `a/b`, `*/b`, `a-b/c`, comma lists of those.
        static func field(_ text: String, _ range: ClosedRange<Int>, names: [String]) -> Set<Int>? {
            var out = Set<Int>()
            for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                var base = part
                var step = 1
                if let slash = part.firstIndex(of: "/") {
                    base = String(part[..<slash])
                    guard let s = Int(part[part.index(after: slash)...]), s > 0 else { return nil }
                    step = s
                }
                var lo: Int
                var hi: Int
                if base == "*" {
                    (lo, hi) = (range.lowerBound, range.upperBound)
                } else if let dash = base.firstIndex(of: "-") {
                    guard let a = value(String(base[..<dash]), range, names: names),
                        let b = value(String(base[base.index(after: dash)...]), range, names: names), a <= b
                    else { return nil }
                    (lo, hi) = (a, b)
                } else {
                    guard let a = value(base, range, names: names) else { return nil }
                    (lo, hi) = (a, part.contains("/") ? range.upperBound : a)
                }
                var v = lo
                while v <= hi {
                    out.insert(v)
                    v += step
                }
            }
            return out.isEmpty ? nil : out
        }

        static let utc: Calendar = {
            var c = Calendar(identifier: .gregorian)
            c.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? c.timeZone
            return c
        }()

        func dayMatches(year: Int, month: Int, day: Int) -> Bool {
            let cal = Self.utc
            guard let date = cal.date(from: DateComponents(year: year, month: month, day: day)),
                let length = cal.range(of: .day, in: .month, for: date)?.count
            else { return false }
            let weekday = cal.component(.weekday, from: date)  // 1 = Sunday, as EventBridge counts
            if let days {
                if lastDay { return day == length }
                if lastWeekdayOfMonth || nearestWeekday != nil {
                    var target = lastWeekdayOfMonth ? length : min(nearestWeekday ?? 1, length)
                    let wd = cal.component(.weekday, from: cal.date(from: DateComponents(year: year, month: month, day: target)) ?? date)
                    if wd == 7 { target = target == 1 ? 3 : target - 1 }
                    if wd == 1 { target = target == length ? target - 2 : target + 1 }
                    return day == target
                }
                return days.contains(day)
            }
            if let nth = nthWeekday { return weekday == nth.day && (day - 1) / 7 + 1 == nth.n }
            if let last = lastWeekday { return weekday == last && day + 7 > length }
            return weekdays?.contains(weekday) ?? false
        }

        /// The first matching whole minute strictly after `t` (searching up to the last allowed year).
        func next(after t: SimInstant) -> SimInstant? {
            let cal = Self.utc
            var minuteStart = (t / 60_000 + 1) * 60_000
            let sortedMinutes = minutes.sorted()
            let sortedHours = hours.sorted()
            var guardDays = 0
            while guardDays < 366 * 232 {
                let date = Date(timeIntervalSince1970: TimeInterval(minuteStart / 1000))
                let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: date)
                guard let y = c.year, let mo = c.month, let d = c.day, let h = c.hour, let mi = c.minute else { return nil }
                if y > (years.max() ?? 2199) { return nil }
                let dayStart = minuteStart - Int64(h * 3_600_000 + mi * 60_000)
                if years.contains(y), months.contains(mo), dayMatches(year: y, month: mo, day: d) {
                    for hour in sortedHours where hour >= h {
                        for minute in sortedMinutes where hour > h || minute >= mi {
                            return dayStart + Int64(hour) * 3_600_000 + Int64(minute) * 60_000
                        }
                    }
                }
                minuteStart = dayStart + 86_400_000
                guardDays += 1
            }
            return nil
        }
    }
}
