/// A function reference as callers write it: `name`, `name:qualifier`, a partial ARN
/// (`123456789012:function:name[:qualifier]`) or a full ARN.
public struct FunctionReference: Equatable, Sendable {
    public var name: String
    public var qualifier: String?
    /// The region named in a full ARN, if any.
    public var region: String?
    /// The account named in a full or partial ARN, if any.
    public var account: String? = nil

    /// Splits a FunctionName parameter. Returns nil when it is not a function reference at all.
    public static func parse(_ text: String) -> FunctionReference? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "arn" {
            // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
            guard parts.count == 7 || parts.count == 8, parts[1].hasPrefix("aws"), parts[2] == "lambda",
                parts[5] == "function", !parts[6].isEmpty
            else { return nil }
            return FunctionReference(name: parts[6], qualifier: parts.count == 8 ? parts[7] : nil, region: parts[3], account: parts[4])
        }
        if parts.count >= 3, parts[1] == "function" {
            // ACCOUNT:function:NAME[:QUALIFIER]
            guard parts.count <= 4, !parts[2].isEmpty else { return nil }
            return FunctionReference(name: parts[2], qualifier: parts.count == 4 ? parts[3] : nil, region: nil, account: parts[0])
        }
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        return FunctionReference(name: parts[0], qualifier: parts.count == 2 ? parts[1] : nil, region: nil)
    }

    /// Whether `name` uses only the characters Lambda allows in a function name.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }

    /// Whether `q` is a valid qualifier: `$LATEST`, a version number or an alias name.
    public static func isValidQualifier(_ q: String) -> Bool {
        if q == "$LATEST" { return true }
        return !q.isEmpty && q.count <= 128 && q.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
                || c == 0x24
        }
    }
}

/// The AWS regular expression for `NamespacedFunctionName`, quoted in validation messages.
public let namespacedFunctionNamePattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"

public let functionNamePattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
