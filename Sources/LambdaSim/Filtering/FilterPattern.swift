import LambdaSimJSON

/// A compiled EventBridge-style event pattern, as Lambda's event filtering (FilterCriteria) and
/// EventBridge rules use it (reference §4).
///
/// Both the pattern and the event are flattened into dotted paths (`detail.state.status`), so a
/// pattern key `a.b` also matches the nested `{"a":{"b":…}}` and the other way round, arrays of
/// objects contribute every element's fields, and `exists` only sees leaves. `$or` expands into
/// alternatives; the pattern matches when any alternative does. Within an alternative every path
/// must match (and); a path matches when any of its conditions matches any of the event's values
/// there (or).
public struct FilterPattern: Sendable {
    /// One alternative: every path must match.
    struct Alternative: Sendable {
        var fields: [(path: String, conditions: [Condition])]
    }

    enum Condition: Sendable {
        case exact(JSON)
        case prefix(String, ignoreCase: Bool)
        case suffix(String, ignoreCase: Bool)
        case equalsIgnoreCase(String)
        case wildcard(String)
        case numeric([(op: String, value: Double)])
        case exists(Bool)
        case cidr(CIDR)
        case anythingBut(AnythingBut)
    }

    enum AnythingBut: Sendable {
        case values([JSON])
        case prefixes([String])
        case suffixes([String])
        case ignoringCase([String])
        case wildcards([String])
    }

    let alternatives: [Alternative]
    /// The top-level keys the pattern names (for the Kinesis/DynamoDB data-key rules).
    public let topLevelKeys: [String]
    let root: JSONObject

    /// Compiles `pattern` (the JSON text of a filter or rule); throws `FilterPatternError` with
    /// EventBridge's reason when it is not a valid pattern.
    public init(text: String) throws(FilterPatternError) {
        let value: JSON
        do { value = try JSONParser.parse(text) } catch { throw FilterPatternError("Filter is not valid JSON") }
        try self.init(value)
    }

    public init(_ value: JSON) throws(FilterPatternError) {
        guard let object = value.objectValue else { throw FilterPatternError("Filter is not an object") }
        root = object
        topLevelKeys = object.keys
        alternatives = try Self.compile(object, prefix: "")
    }

    /// Whether the pattern value at the top-level `key` is a nested object (a pattern on the
    /// content of a JSON field) rather than a list of conditions.
    public func isObjectPattern(at key: String) -> Bool { root[key]?.objectValue != nil }

    // MARK: - Compiling

    static func compile(_ object: JSONObject, prefix: String) throws(FilterPatternError) -> [Alternative] {
        var result = [Alternative(fields: [])]
        for (key, value) in object {
            if key == "$or" {
                guard let options = value.arrayValue, options.count >= 1 else {
                    throw FilterPatternError("Value of $or must be an array of objects")
                }
                var expanded: [Alternative] = []
                for option in options {
                    guard let sub = option.objectValue, !sub.isEmpty else {
                        throw FilterPatternError("Value of $or must be an array of objects")
                    }
                    let subAlternatives = try compile(sub, prefix: prefix)
                    for base in result {
                        for extra in subAlternatives { expanded.append(Alternative(fields: base.fields + extra.fields)) }
                    }
                }
                result = expanded
                continue
            }
            let path = prefix.isEmpty ? key : prefix + "." + key
            switch value {
            case let .object(nested):
                let subAlternatives = try compile(nested, prefix: path)
                var expanded: [Alternative] = []
                for base in result {
                    for extra in subAlternatives { expanded.append(Alternative(fields: base.fields + extra.fields)) }
                }
                result = expanded
            case let .array(items):
                if items.isEmpty { throw FilterPatternError("Empty arrays are not allowed") }
                var conditions: [Condition] = []
                for item in items { conditions.append(try condition(item)) }
                for index in result.indices { result[index].fields.append((path, conditions)) }
            default:
                throw FilterPatternError("\"\(key)\" must be an object or an array")
            }
        }
        return result
    }

    static let operators: Set<String> = ["prefix", "suffix", "equals-ignore-case", "wildcard", "numeric", "exists", "cidr", "anything-but"]

    static func condition(_ item: JSON) throws(FilterPatternError) -> Condition {
        guard let object = item.objectValue else {
            if case .array = item { throw FilterPatternError("Match value must be String, number, true, false, or null") }
            return .exact(item)
        }
        guard object.count == 1, let name = object.keys.first, let argument = object[name] else {
            throw FilterPatternError("Only one key allowed in match expression")
        }
        switch name {
        case "prefix", "suffix":
            if let text = argument.stringValue {
                return name == "prefix" ? .prefix(text, ignoreCase: false) : .suffix(text, ignoreCase: false)
            }
            if let inner = argument.objectValue, inner.count == 1, let text = inner["equals-ignore-case"]?.stringValue {
                return name == "prefix" ? .prefix(text, ignoreCase: true) : .suffix(text, ignoreCase: true)
            }
            throw FilterPatternError("\(name) match pattern must be a string")
        case "equals-ignore-case":
            guard let text = argument.stringValue else { throw FilterPatternError("equals-ignore-case match pattern must be a string") }
            return .equalsIgnoreCase(text)
        case "wildcard":
            guard let text = argument.stringValue else { throw FilterPatternError("wildcard match pattern must be a string") }
            try validateWildcard(text)
            return .wildcard(text)
        case "exists":
            guard let flag = argument.boolValue else { throw FilterPatternError("exists match pattern must be either true or false.") }
            return .exists(flag)
        case "numeric":
            return .numeric(try numericTerms(argument))
        case "cidr":
            guard let text = argument.stringValue else { throw FilterPatternError("prefix match pattern must be a string") }
            return .cidr(try CIDR(text))
        case "anything-but":
            return .anythingBut(try anythingBut(argument))
        default:
            throw FilterPatternError("Unrecognized match type \(name)")
        }
    }

    static func anythingBut(_ argument: JSON) throws(FilterPatternError) -> AnythingBut {
        switch argument {
        case .string, .int, .double:
            return .values([argument])
        case let .array(items):
            if items.isEmpty { throw FilterPatternError("Empty arrays are not allowed") }
            for item in items {
                switch item {
                case .string, .int, .double: continue
                default: throw FilterPatternError("Inside anything but list, start|null|boolean is not supported.")
                }
            }
            return .values(items)
        case let .object(inner):
            guard inner.count == 1, let name = inner.keys.first, let value = inner[name] else {
                throw FilterPatternError("Value of anything-but must be an array or single string/number value.")
            }
            func strings(_ message: String) throws(FilterPatternError) -> [String] {
                if let text = value.stringValue { return [text] }
                guard let items = value.arrayValue, !items.isEmpty else { throw FilterPatternError(message) }
                var out: [String] = []
                for item in items {
                    guard let text = item.stringValue else { throw FilterPatternError(message) }
                    out.append(text)
                }
                return out
            }
            switch name {
            case "prefix", "suffix":
                let list = try strings("prefix/suffix match pattern must be a string")
                if list.contains(where: \.isEmpty) { throw FilterPatternError("Null prefix/suffix not allowed") }
                return name == "prefix" ? .prefixes(list) : .suffixes(list)
            case "equals-ignore-case":
                return .ignoringCase(try strings("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."))
            case "wildcard":
                let list = try strings("wildcard match pattern must be a string")
                for text in list { try validateWildcard(text) }
                return .wildcards(list)
            default:
                throw FilterPatternError("Value of anything-but must be an array or single string/number value.")
            }
        default:
            throw FilterPatternError("Value of anything-but must be an array or single string/number value.")
        }
    }

    static func numericTerms(_ argument: JSON) throws(FilterPatternError) -> [(op: String, value: Double)] {
        guard let items = argument.arrayValue else { throw FilterPatternError("Value of numeric must be an array.") }
        if items.isEmpty { throw FilterPatternError("Empty arrays are not allowed") }
        var terms: [(op: String, value: Double)] = []
        var index = 0
        while index < items.count {
            guard let op = items[index].stringValue, ["=", "<", "<=", ">", ">="].contains(op) else {
                throw FilterPatternError("Unrecognized numeric range operator: \(items[index])")
            }
            guard index + 1 < items.count, let value = items[index + 1].doubleValue else {
                throw FilterPatternError("Value of \(op) must be numeric")
            }
            terms.append((op, value))
            index += 2
        }
        if terms.count > 2 { throw FilterPatternError("Too many terms in numeric range expression") }
        if terms.count == 2 {
            let (low, high) = (terms[0], terms[1])
            guard low.op == ">" || low.op == ">=" else { throw FilterPatternError("Bad numeric range operator: \(low.op)") }
            guard high.op == "<" || high.op == "<=" else { throw FilterPatternError("Bad numeric range operator: \(high.op)") }
            guard low.value < high.value else { throw FilterPatternError("Bottom must be less than top") }
        }
        return terms
    }

    /// EventBridge refuses `**` and patterns with too many wildcards.
    static func validateWildcard(_ text: String) throws(FilterPatternError) {
        var previousStar = false
        var stars = 0
        for (offset, c) in text.enumerated() {
            if c == "*" {
                if previousStar { throw FilterPatternError("Consecutive wildcard characters at pos \(offset)") }
                stars += 1
            }
            previousStar = c == "*"
        }
        if stars > 4 { throw FilterPatternError("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character") }
    }

    // MARK: - Matching

    /// Whether the event (already flattened) matches.
    public func matches(_ event: FlatEvent) -> Bool {
        alternatives.contains { alternative in
            alternative.fields.allSatisfy { field in
                let values = event.values[field.path]
                return field.conditions.contains { Self.matches($0, values) }
            }
        }
    }

    /// Whether `event` matches.
    public func matches(_ event: JSON) -> Bool { matches(FlatEvent(event)) }

    static func matches(_ condition: Condition, _ values: [JSON]?) -> Bool {
        switch condition {
        case let .exists(flag):
            let present = !(values?.isEmpty ?? true)
            return flag == present
        case let .exact(expected):
            guard let values else { return false }
            return values.contains { equal($0, expected) }
        case let .prefix(text, ignoreCase):
            return anyString(values) { ignoreCase ? $0.lowercased().hasPrefix(text.lowercased()) : $0.hasPrefix(text) }
        case let .suffix(text, ignoreCase):
            return anyString(values) { ignoreCase ? $0.lowercased().hasSuffix(text.lowercased()) : $0.hasSuffix(text) }
        case let .equalsIgnoreCase(text):
            let lower = text.lowercased()
            return anyString(values) { $0.lowercased() == lower }
        case let .wildcard(pattern):
            return anyString(values) { wildcardMatch(pattern, $0) }
        case let .cidr(range):
            return anyString(values) { range.contains($0) }
        case let .numeric(terms):
            guard let values else { return false }
            return values.contains { value in
                guard let number = numberValue(value) else { return false }
                return terms.allSatisfy { term in
                    switch term.op {
                    case "=": return number == term.value
                    case "<": return number < term.value
                    case "<=": return number <= term.value
                    case ">": return number > term.value
                    default: return number >= term.value
                    }
                }
            }
        case let .anythingBut(rule):
            guard let values, !values.isEmpty else { return false }
            return values.contains { value in
                switch rule {
                case let .values(excluded): return !excluded.contains { equal(value, $0) }
                case let .prefixes(list):
                    guard let s = value.stringValue else { return true }
                    return !list.contains { s.hasPrefix($0) }
                case let .suffixes(list):
                    guard let s = value.stringValue else { return true }
                    return !list.contains { s.hasSuffix($0) }
                case let .ignoringCase(list):
                    guard let s = value.stringValue?.lowercased() else { return true }
                    return !list.contains { $0.lowercased() == s }
                case let .wildcards(list):
                    guard let s = value.stringValue else { return true }
                    return !list.contains { wildcardMatch($0, s) }
                }
            }
        }
    }

    static func anyString(_ values: [JSON]?, _ test: (String) -> Bool) -> Bool {
        values?.contains { $0.stringValue.map(test) ?? false } ?? false
    }

    /// JSON numbers only (a string `"300"` is not a number here).
    static func numberValue(_ value: JSON) -> Double? {
        switch value {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }

    /// Strings exactly, numbers by value (`300` matches `300.0`), booleans and null as such.
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        if let x = numberValue(a), let y = numberValue(b) { return x == y }
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// `*` matches any run of characters (possibly empty); everything else literally.
    static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var pi = 0, ti = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == t[ti] {
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

/// Why a pattern is invalid, in EventBridge's words. Lambda's event source mappings answer
/// "Invalid filter pattern definition." for all of them.
public struct FilterPatternError: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// An event flattened to its leaf values by dotted path; arrays contribute every element.
public struct FlatEvent: Sendable {
    var values: [String: [JSON]] = [:]

    public init(_ event: JSON) {
        if let object = event.objectValue { add(object, prefix: "") }
    }

    private mutating func add(_ object: JSONObject, prefix: String) {
        for (key, value) in object {
            add(value, path: prefix.isEmpty ? key : prefix + "." + key)
        }
    }

    private mutating func add(_ value: JSON, path: String) {
        switch value {
        case let .object(nested): add(nested, prefix: path)
        case let .array(items):
            if values[path] == nil { values[path] = [] }
            for item in items { add(item, path: path) }
        default: values[path, default: []].append(value)
        }
    }
}

/// An IPv4 or IPv6 range (`10.0.0.0/24`).
struct CIDR: Sendable {
    var network: [UInt8]
    var bits: Int

    init(_ text: String) throws(FilterPatternError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw FilterPatternError("Malformed CIDR, one '/' required") }
        guard let bits = Int(parts[1]) else { throw FilterPatternError("Malformed CIDR, mask bits must be an integer") }
        guard let address = Self.parse(String(parts[0])) else {
            throw FilterPatternError("Nonstandard IP address: \(parts[0])")
        }
        guard bits >= 0, bits <= address.count * 8 else { throw FilterPatternError("Malformed CIDR, mask bits out of range") }
        network = address
        self.bits = bits
    }

    func contains(_ text: String) -> Bool {
        guard let address = Self.parse(text), address.count == network.count else { return false }
        var remaining = bits
        for index in 0..<address.count where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if address[index] & mask != network[index] & mask { return false }
            remaining -= take
        }
        return true
    }

    static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") { return parseV6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let n = UInt8(part) else { return nil }
            out.append(n)
        }
        return out
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        var halves: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "::") {
            halves.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        halves.append(String(rest))
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let n = UInt16(g, radix: 16) else { return nil }
                out.append(n)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
