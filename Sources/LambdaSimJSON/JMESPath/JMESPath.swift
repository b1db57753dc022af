/// A JMESPath failure, with the kind the compliance suite names.
public struct JMESPathError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case syntax
        case invalidType = "invalid-type"
        case invalidArity = "invalid-arity"
        case invalidValue = "invalid-value"
        case unknownFunction = "unknown-function"
    }

    public var kind: Kind
    /// Human text, without the expression.
    public var message: String
    /// What python jmespath's exception prints (`str(e)`). For a syntax error this is
    /// what the AWS CLI shows after `Bad value for --query <expression>: `.
    public var awsCLIMessage: String

    public init(kind: Kind, message: String, awsCLIMessage: String? = nil) {
        self.kind = kind
        self.message = message
        self.awsCLIMessage = awsCLIMessage ?? message
    }

    public var description: String { awsCLIMessage }

    init(_ failure: JMESPathSyntaxFailure, expression: String) {
        let length = expression.unicodeScalars.count
        func caret(_ column: Int) -> String { String(repeating: " ", count: max(0, column)) + "^" }
        switch failure {
        case .empty:
            self.init(kind: .syntax, message: "Invalid JMESPath expression: cannot be empty.")
        case let .lexer(position, message):
            self.init(
                kind: .syntax, message: "\(message) at column \(position)",
                awsCLIMessage: "Bad jmespath expression: \(message):\n\(expression)\n\(caret(position))")
        case .incomplete:
            self.init(
                kind: .syntax, message: "Incomplete expression",
                awsCLIMessage: "Invalid jmespath expression: Incomplete expression:\n\"\(expression)\"\n\(caret(length + 1))")
        case let .parse(position, tokenValue, tokenType, message):
            let type = tokenType.uppercased()
            self.init(
                kind: .syntax, message: "\(message) at column \(position)",
                awsCLIMessage: "\(message): Parse error at column \(position), token \"\(tokenValue)\" (\(type)), "
                    + "for expression:\n\"\(expression)\"\n\(caret(position + 1))")
        }
    }
}

/// A compiled JMESPath expression (https://jmespath.org/specification.html).
///
/// Behaviour follows python jmespath, which the AWS CLI uses for `--query`, except
/// where the specification and python differ; there the specification wins
/// (ordering comparisons apply to numbers only, and `a[0][1:2]` projects).
public struct JMESPathExpression: Sendable {
    public let expression: String
    let root: JMESPathNode

    /// Compiles the expression; throws `.syntax` errors. Unknown functions and wrong
    /// argument counts are reported by `search`, as python jmespath does.
    public init(_ expression: String) throws(JMESPathError) {
        self.expression = expression
        do {
            root = try JMESPathParser.parse(expression)
        } catch {
            throw JMESPathError(error, expression: expression)
        }
    }

    public func search(_ data: JSON) throws(JMESPathError) -> JSON {
        try JMESPathInterpreter().evaluate(root, data, depth: 0)
    }
}
