import LambdaSimJSON

/// SNS subscription filter policies: which published messages a subscription receives.
///
/// A policy is a JSON object. Every key must match (and); a key's array of conditions matches
/// when any condition does (or). Conditions: a string (exact), a number (numeric equality),
/// `{"prefix": …}`, `{"suffix": …}`, `{"equals-ignore-case": …}`, `{"anything-but": value,
/// [values] or {"prefix": …}}`, `{"numeric": [">", 0, "<=", 5]}`, `{"exists": true|false}`,
/// and `null` (message body scope). `"$or": [policy, …]` matches when any sub-policy does.
/// With `FilterPolicyScope` `MessageAttributes` (the default) keys name message attributes
/// (`String`, `String.Array` and `Number` ones; `Binary` attributes never match); with
/// `MessageBody` the message must be a JSON object and nested policy objects follow it.
enum SNSFilterPolicy {
    /// Whether `policy` lets the message through.
    static func matches(policy: JSON, scope: String?, attributes: [String: MessageAttributeValue], message: String) -> Bool {
        guard let object = policy.objectValue else { return true }
        if scope == "MessageBody" {
            guard let body = (try? JSONParser.parse(message))?.objectValue else { return false }
            return matchesBody(object, body)
        }
        return matchesAttributes(object, attributes)
    }

    static func matchesAttributes(_ policy: JSONObject, _ attributes: [String: MessageAttributeValue]) -> Bool {
        for (key, conditions) in policy {
            if key == "$or" {
                let any = (conditions.arrayValue ?? []).contains { alternative in
                    alternative.objectValue.map { matchesAttributes($0, attributes) } ?? false
                }
                if !any { return false }
                continue
            }
            let values = attributeValues(attributes[key])
            if !matchesAny(conditions, values: values) { return false }
        }
        return true
    }

    static func matchesBody(_ policy: JSONObject, _ body: JSONObject) -> Bool {
        for (key, conditions) in policy {
            if key == "$or" {
                let any = (conditions.arrayValue ?? []).contains { alternative in
                    alternative.objectValue.map { matchesBody($0, body) } ?? false
                }
                if !any { return false }
                continue
            }
            if let nested = conditions.objectValue {
                guard let child = body[key]?.objectValue, matchesBody(nested, child) else { return false }
                continue
            }
            let values: [JSON]? = body[key].map { $0.arrayValue ?? [$0] }
            if !matchesAny(conditions, values: values) { return false }
        }
        return true
    }

    /// An attribute's values for matching: a `String.Array`'s elements, a number as a number;
    /// nil when the attribute is absent, empty when it can never match (binary).
    static func attributeValues(_ attribute: MessageAttributeValue?) -> [JSON]? {
        guard let attribute else { return nil }
        guard let text = attribute.stringValue else { return [] }
        switch attribute.dataType {
        case "String.Array":
            return (try? JSONParser.parse(text))?.arrayValue ?? []
        default:
            if attribute.baseType == "Number", let number = Double(text) { return [.double(number)] }
            return [.string(text)]
        }
    }

    static func matchesAny(_ conditions: JSON, values: [JSON]?) -> Bool {
        let list = conditions.arrayValue ?? [conditions]
        return list.contains { matches(condition: $0, values: values) }
    }

    static func matches(condition: JSON, values: [JSON]?) -> Bool {
        if let operation = condition.objectValue, let (name, argument) = operation.first(where: { _ in true }) {
            switch name {
            case "exists":
                return (argument.boolValue ?? true) == (values != nil)
            case "anything-but":
                guard let values, !values.isEmpty else { return false }
                if let inner = argument.objectValue, let prefix = inner["prefix"]?.stringValue {
                    return values.allSatisfy { !($0.stringValue?.hasPrefix(prefix) ?? false) }
                }
                let excluded = argument.arrayValue ?? [argument]
                return values.allSatisfy { value in !excluded.contains { equal($0, value) } }
            case "prefix":
                guard let prefix = argument.stringValue else { return false }
                return values?.contains { $0.stringValue?.hasPrefix(prefix) ?? false } ?? false
            case "suffix":
                guard let suffix = argument.stringValue else { return false }
                return values?.contains { $0.stringValue?.hasSuffix(suffix) ?? false } ?? false
            case "equals-ignore-case":
                guard let text = argument.stringValue?.lowercased() else { return false }
                return values?.contains { $0.stringValue?.lowercased() == text } ?? false
            case "numeric":
                guard let terms = argument.arrayValue else { return false }
                return values?.contains { value in value.doubleValue.map { numeric(terms, $0) } ?? false } ?? false
            default:
                return false
            }
        }
        if condition.isNull { return values?.contains { $0.isNull } ?? false }
        return values?.contains { equal(condition, $0) } ?? false
    }

    /// Strings compare as strings, numbers as numbers (`5` matches `5.0`), booleans as booleans.
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    /// `[">", 0, "<=", 5]` and `["=", 5]`.
    static func numeric(_ terms: [JSON], _ value: Double) -> Bool {
        var index = 0
        while index + 1 < terms.count {
            guard let op = terms[index].stringValue, let bound = terms[index + 1].doubleValue else { return false }
            let ok: Bool
            switch op {
            case "=": ok = value == bound
            case ">": ok = value > bound
            case ">=": ok = value >= bound
            case "<": ok = value < bound
            case "<=": ok = value <= bound
            default: return false
            }
            if !ok { return false }
            index += 2
        }
        return index == terms.count
    }
}
