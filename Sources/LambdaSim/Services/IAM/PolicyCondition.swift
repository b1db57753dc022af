import Foundation

/// A condition operator as written in a policy: its base comparison, `…IfExists`, and the
/// `ForAnyValue:` / `ForAllValues:` set qualifiers (IAM User Guide, "IAM JSON policy elements:
/// Condition operators" and "Multivalued context keys").
public struct ConditionOperator: Sendable, Equatable {
    public enum Base: String, Sendable, CaseIterable {
        case stringEquals = "StringEquals", stringNotEquals = "StringNotEquals"
        case stringEqualsIgnoreCase = "StringEqualsIgnoreCase", stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
        case stringLike = "StringLike", stringNotLike = "StringNotLike"
        case numericEquals = "NumericEquals", numericNotEquals = "NumericNotEquals"
        case numericLessThan = "NumericLessThan", numericLessThanEquals = "NumericLessThanEquals"
        case numericGreaterThan = "NumericGreaterThan", numericGreaterThanEquals = "NumericGreaterThanEquals"
        case dateEquals = "DateEquals", dateNotEquals = "DateNotEquals"
        case dateLessThan = "DateLessThan", dateLessThanEquals = "DateLessThanEquals"
        case dateGreaterThan = "DateGreaterThan", dateGreaterThanEquals = "DateGreaterThanEquals"
        case bool = "Bool", binaryEquals = "BinaryEquals"
        case ipAddress = "IpAddress", notIpAddress = "NotIpAddress"
        case arnEquals = "ArnEquals", arnLike = "ArnLike", arnNotEquals = "ArnNotEquals", arnNotLike = "ArnNotLike"
        case null = "Null"

        /// Negated operators hold when the request value matches none of the policy's values.
        var isNegated: Bool {
            switch self {
            case .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals, .dateNotEquals,
                .notIpAddress, .arnNotEquals, .arnNotLike:
                return true
            default:
                return false
            }
        }
    }

    public enum SetQualifier: String, Sendable { case forAnyValue = "ForAnyValue", forAllValues = "ForAllValues" }

    public var base: Base
    public var ifExists: Bool
    public var qualifier: SetQualifier?

    public init?(_ text: String) {
        var rest = Substring(text)
        qualifier = nil
        if let colon = rest.firstIndex(of: ":") {
            guard let q = SetQualifier(rawValue: String(rest[..<colon])) else { return nil }
            qualifier = q
            rest = rest[rest.index(after: colon)...]
        }
        ifExists = rest.hasSuffix("IfExists")
        if ifExists { rest = rest.dropLast("IfExists".count) }
        guard let base = Base(rawValue: String(rest)), !(ifExists && base == .null) else { return nil }
        self.base = base
    }
}

/// One `operator: { key: values }` entry of a statement's `Condition` block.
public struct PolicyCondition: Sendable, Equatable {
    public var op: ConditionOperator
    public var key: String
    public var values: [String]

    /// Whether the condition holds for a request context (keys are case-insensitive).
    ///
    /// - A key missing from the request: `…IfExists` holds; `Null: true` holds; a negated
    ///   operator holds; any other operator does not.
    /// - `ForAllValues` holds when every request value matches (also when there are none);
    ///   `ForAnyValue` when at least one does.
    func holds(in context: RequestContext) -> Bool {
        let requestValues = context.values(for: key)
        if op.base == .null {
            let wantsAbsent = values.contains { $0.lowercased() == "true" }
            let wantsPresent = values.contains { $0.lowercased() == "false" }
            let present = requestValues.map { !$0.isEmpty } ?? false
            return (wantsAbsent && !present) || (wantsPresent && present)
        }
        guard let requestValues, !requestValues.isEmpty else {
            switch op.qualifier {
            case .forAllValues?: return true
            case .forAnyValue?: return false
            case nil: return op.ifExists || op.base.isNegated
            }
        }
        switch op.qualifier {
        case .forAllValues?: return requestValues.allSatisfy { single($0) }
        case .forAnyValue?: return requestValues.contains { single($0) }
        case nil:
            // A single-valued key given several values: the condition must hold for each.
            return requestValues.allSatisfy { single($0) }
        }
    }

    /// One request value against the policy's values (OR across them; negated: none matches).
    func single(_ value: String) -> Bool {
        let base = op.base
        let matched = values.contains { Self.compare(base, request: value, policy: $0) }
        return base.isNegated ? !matched : matched
    }

    static func compare(_ base: ConditionOperator.Base, request: String, policy: String) -> Bool {
        switch base {
        case .stringEquals, .stringNotEquals: return request == policy
        case .stringEqualsIgnoreCase, .stringNotEqualsIgnoreCase: return request.lowercased() == policy.lowercased()
        case .stringLike, .stringNotLike: return Wildcard.matches(policy, request)
        case .numericEquals, .numericNotEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan,
            .numericGreaterThanEquals:
            guard let r = Double(request), let p = Double(policy) else { return false }
            return compareOrdered(base, r, p)
        case .dateEquals, .dateNotEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let r = parseDate(request), let p = parseDate(policy) else { return false }
            return compareOrdered(base, r, p)
        case .bool: return request.lowercased() == policy.lowercased()
        case .binaryEquals: return request == policy
        case .ipAddress, .notIpAddress: return IPRange(policy)?.contains(request) ?? false
        case .arnEquals, .arnLike, .arnNotEquals, .arnNotLike: return arnMatches(pattern: policy, arn: request)
        case .null: return false
        }
    }

    static func compareOrdered(_ base: ConditionOperator.Base, _ r: Double, _ p: Double) -> Bool {
        switch base {
        case .numericEquals, .numericNotEquals, .dateEquals, .dateNotEquals: return r == p
        case .numericLessThan, .dateLessThan: return r < p
        case .numericLessThanEquals, .dateLessThanEquals: return r <= p
        case .numericGreaterThan, .dateGreaterThan: return r > p
        case .numericGreaterThanEquals, .dateGreaterThanEquals: return r >= p
        default: return false
        }
    }

    /// Dates as ISO 8601 (`2026-12-06`, `2026-12-06T07:00:00Z`, with fraction or offset) or
    /// epoch seconds, as seconds since the epoch.
    static func parseDate(_ text: String) -> Double? {
        if let epoch = Double(text), !text.contains("-") { return epoch }
        if let ms = TimeFormat.parse(text) { return Double(ms) / 1000 }
        if text.count == 10, let ms = TimeFormat.parse(text + "T00:00:00Z") { return Double(ms) / 1000 }
        return nil
    }

    /// `ArnLike` / `ArnEquals`: each of the six colon-separated parts is matched on its own,
    /// with `*` and `?` wildcards (the resource part keeps any further colons).
    static func arnMatches(pattern: String, arn: String) -> Bool {
        let p = pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let a = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard p.count == 6, a.count == 6 else { return pattern == "*" }
        for i in 0..<6 where !Wildcard.matches(String(p[i]), String(a[i])) { return false }
        return true
    }
}

/// `*` (any run of characters) and `?` (one character) matching, case-sensitive unless asked.
public enum Wildcard {
    public static func matches(_ pattern: String, _ text: String, ignoreCase: Bool = false) -> Bool {
        let p = Array((ignoreCase ? pattern.lowercased() : pattern).unicodeScalars)
        let t = Array((ignoreCase ? text.lowercased() : text).unicodeScalars)
        var pi = 0, ti = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// An IPv4 or IPv6 CIDR block (`203.0.113.0/24`, `2001:DB8::/32`) or single address.
struct IPRange {
    var bytes: [UInt8]
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPRange.parse(String(first)) else { return nil }
        bytes = address
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= address.count * 8 else { return nil }
            prefix = n
        } else {
            prefix = address.count * 8
        }
    }

    func contains(_ text: String) -> Bool {
        guard let address = IPRange.parse(text), address.count == bytes.count else { return false }
        var remaining = prefix
        for i in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[i] & mask != bytes[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
