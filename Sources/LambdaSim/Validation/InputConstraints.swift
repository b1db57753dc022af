import Foundation
import LambdaSimJSON

/// One constraint botocore's model declares on a top-level scalar input member.
struct MemberConstraint: Sendable {
    var member: String
    var pattern: String?
    var minLength: Int?
    var maxLength: Int?
    var enumValues: [String]?
    var minValue: Int?
    var maxValue: Int?

    init(_ member: String, pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, enumValues: [String]? = nil,
         minValue: Int? = nil, maxValue: Int? = nil)
    {
        self.member = member
        self.pattern = pattern
        self.minLength = minLength
        self.maxLength = maxLength
        self.enumValues = enumValues
        self.minValue = minValue
        self.maxValue = maxValue
    }
}

/// The request validation AWS's API front end performs before an operation runs: every pattern,
/// length, range and enum the service model declares on a top-level member, answered as one
/// `ValidationException` listing each violation (`1 validation error detected: Value 'x' at
/// 'functionName' failed to satisfy constraint: …`).
enum InputConstraints {
    /// Compiled patterns, shared by every engine in the process.
    private static let cache = PatternCache()

    /// Checks `params` against the Lambda operation's constraints; throws AWS's ValidationException.
    static func checkLambda(_ operation: String, _ params: JSONObject, only members: Set<String>? = nil) throws {
        guard let constraints = lambda[operation] else { return }
        var problems: [String] = []
        for c in constraints {
            if let members, !members.contains(c.member) { continue }
            guard let value = params[c.member], !value.isNull else { continue }
            let field = fieldName(c.member)
            if let text = value.stringValue {
                if let p = c.pattern, !cache.matches(pattern: p, text) {
                    problems.append(describe(text, field, "Member must satisfy regular expression pattern: \(p)"))
                }
                let length = text.utf16.count
                if let max = c.maxLength, length > max {
                    problems.append(describe(text, field, "Member must have length less than or equal to \(max)"))
                }
                if let min = c.minLength, length < min {
                    problems.append(describe(text, field, "Member must have length greater than or equal to \(min)"))
                }
                if let values = c.enumValues, !values.contains(text) {
                    problems.append(describe(text, field, "Member must satisfy enum value set: [\(values.joined(separator: ", "))]"))
                }
            } else if let number = value.intValue {
                if let max = c.maxValue, number > max {
                    problems.append(describe(String(number), field, "Member must have value less than or equal to \(max)"))
                }
                if let min = c.minValue, number < min {
                    problems.append(describe(String(number), field, "Member must have value greater than or equal to \(min)"))
                }
            }
        }
        guard !problems.isEmpty else { return }
        let count = problems.count == 1 ? "1 validation error detected: " : "\(problems.count) validation errors detected: "
        throw ServiceError.validation(count + problems.joined(separator: "; "))
    }

    /// AWS names a member in lower camel case (`FunctionName` -> `functionName`, `UUID` -> `uUID`).
    static func fieldName(_ member: String) -> String {
        guard let first = member.first else { return member }
        return first.lowercased() + member.dropFirst()
    }

    private static func describe(_ value: String, _ field: String, _ constraint: String) -> String {
        "Value '\(value)' at '\(field)' failed to satisfy constraint: \(constraint)"
    }
}

/// Patterns compiled once (the model's patterns are Java regular expressions matched against
/// the whole value, which ICU's syntax accepts as they are).
private final class PatternCache: @unchecked Sendable {
    private let lock = NSLock()
    private var compiled: [String: NSRegularExpression] = [:]

    func matches(pattern: String, _ text: String) -> Bool {
        lock.lock()
        var regex = compiled[pattern]
        if regex == nil {
            regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$")
            compiled[pattern] = regex
        }
        lock.unlock()
        // A pattern ICU cannot compile is not held against the caller.
        guard let regex else { return true }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
