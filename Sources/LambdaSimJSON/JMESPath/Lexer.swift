/// Token kinds, named as python jmespath names them (they appear in its error messages).
enum JMESPathTokenKind: String, Sendable {
    case dot, star, rbracket, comma, colon, current, lparen, rparen, lbrace, rbrace
    case lbracket, flatten, filter
    case unquotedIdentifier = "unquoted_identifier"
    case quotedIdentifier = "quoted_identifier"
    case literal, number
    case pipe, or, and, expref
    case lt, lte, gt, gte, eq, ne, not
    case eof
}

struct JMESPathToken: Sendable {
    enum Value: Sendable {
        case text(String)
        case number(Int)
        case json(JSON)
    }

    var kind: JMESPathTokenKind
    var value: Value
    /// Offset of the token's first character, in Unicode scalars (python's string index).
    var start: Int

    var stringValue: String {
        if case let .text(text) = value { return text }
        return ""
    }

    var numberValue: Int {
        if case let .number(number) = value { return number }
        return 0
    }

    /// `str(token['value'])` in python, as its error messages show it.
    var displayValue: String {
        switch value {
        case let .text(text): return text
        case let .number(number): return String(number)
        case let .json(json): return PythonText.str(json)
        }
    }
}

/// A lexing failure: python jmespath's `LexerError`.
struct JMESPathLexFailure: Error {
    var position: Int
    var message: String
}

/// Splits an expression into tokens the way python jmespath's lexer does.
struct JMESPathLexer {
    private let chars: [Unicode.Scalar]
    private var position = 0

    init(_ expression: String) {
        chars = Array(expression.unicodeScalars)
    }

    private var current: Unicode.Scalar? { position < chars.count ? chars[position] : nil }

    private func peek(_ offset: Int = 1) -> Unicode.Scalar? {
        position + offset < chars.count ? chars[position + offset] : nil
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || isDigit(c)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    mutating func tokenize() throws(JMESPathLexFailure) -> [JMESPathToken] {
        var tokens: [JMESPathToken] = []
        while let c = current {
            let start = position
            func simple(_ kind: JMESPathTokenKind) -> JMESPathToken {
                JMESPathToken(kind: kind, value: .text(String(c)), start: start)
            }
            switch c {
            case ".": tokens.append(simple(.dot)); position += 1
            case "*": tokens.append(simple(.star)); position += 1
            case "]": tokens.append(simple(.rbracket)); position += 1
            case ",": tokens.append(simple(.comma)); position += 1
            case ":": tokens.append(simple(.colon)); position += 1
            case "@": tokens.append(simple(.current)); position += 1
            case "(": tokens.append(simple(.lparen)); position += 1
            case ")": tokens.append(simple(.rparen)); position += 1
            case "{": tokens.append(simple(.lbrace)); position += 1
            case "}": tokens.append(simple(.rbrace)); position += 1
            case " ", "\t", "\n", "\r": position += 1
            case "[":
                switch peek() {
                case "]":
                    tokens.append(JMESPathToken(kind: .flatten, value: .text("[]"), start: start))
                    position += 2
                case "?":
                    tokens.append(JMESPathToken(kind: .filter, value: .text("[?"), start: start))
                    position += 2
                default:
                    tokens.append(simple(.lbracket))
                    position += 1
                }
            case "'":
                let lexeme = try consumeUntil("'").replacingAll("\\'", with: "'")
                tokens.append(JMESPathToken(kind: .literal, value: .json(.string(lexeme)), start: start))
            case "|": tokens.append(matchOrElse("|", .or, .pipe))
            case "&": tokens.append(matchOrElse("&", .and, .expref))
            case "<": tokens.append(matchOrElse("=", .lte, .lt))
            case ">": tokens.append(matchOrElse("=", .gte, .gt))
            case "!": tokens.append(matchOrElse("=", .ne, .not))
            case "=":
                guard peek() == "=" else {
                    throw JMESPathLexFailure(position: start, message: "Unknown token '='")
                }
                tokens.append(JMESPathToken(kind: .eq, value: .text("=="), start: start))
                position += 2
            case "`":
                tokens.append(try consumeLiteral())
            case "\"":
                tokens.append(try consumeQuotedIdentifier())
            case "-":
                position += 1
                let digits = consumeDigits()
                guard !digits.isEmpty else {
                    throw JMESPathLexFailure(position: start, message: "Unknown token '-'")
                }
                tokens.append(JMESPathToken(kind: .number, value: .number(Self.integer("-" + digits)), start: start))
            default:
                if Self.isDigit(c) {
                    let digits = consumeDigits()
                    tokens.append(JMESPathToken(kind: .number, value: .number(Self.integer(digits)), start: start))
                } else if Self.isIdentifierStart(c) {
                    var name = String.UnicodeScalarView()
                    while let d = current, Self.isIdentifierPart(d) {
                        name.append(d)
                        position += 1
                    }
                    tokens.append(JMESPathToken(kind: .unquotedIdentifier, value: .text(String(name)), start: start))
                } else {
                    throw JMESPathLexFailure(position: start, message: "Unknown token \(String(c))")
                }
            }
        }
        tokens.append(JMESPathToken(kind: .eof, value: .text(""), start: chars.count))
        return tokens
    }

    /// A decimal integer; values past `Int`'s range clamp, which gives the same
    /// index and slice results as python's unbounded integers.
    private static func integer(_ text: String) -> Int {
        if let value = Int(text) { return value }
        return text.hasPrefix("-") ? Int.min : Int.max
    }

    private mutating func consumeDigits() -> String {
        var digits = String.UnicodeScalarView()
        while let d = current, Self.isDigit(d) {
            digits.append(d)
            position += 1
        }
        return String(digits)
    }

    private mutating func matchOrElse(
        _ expected: Unicode.Scalar, _ matched: JMESPathTokenKind, _ otherwise: JMESPathTokenKind
    ) -> JMESPathToken {
        let start = position
        let first = chars[position]
        if peek() == expected {
            position += 2
            return JMESPathToken(kind: matched, value: .text(String(first) + String(expected)), start: start)
        }
        position += 1
        return JMESPathToken(kind: otherwise, value: .text(String(first)), start: start)
    }

    /// Reads from the opening delimiter at `position` to the closing one. A backslash
    /// keeps the character after it (so `\<delimiter>` does not close), and stays in the text.
    private mutating func consumeUntil(_ delimiter: Unicode.Scalar) throws(JMESPathLexFailure) -> String {
        let start = position
        var buffer = String.UnicodeScalarView()
        position += 1
        while current != delimiter {
            if current == "\\" {
                buffer.append("\\")
                position += 1
            }
            guard let c = current else {
                throw JMESPathLexFailure(position: start, message: "Unclosed \(String(delimiter)) delimiter")
            }
            buffer.append(c)
            position += 1
        }
        position += 1
        return String(buffer)
    }

    private mutating func consumeLiteral() throws(JMESPathLexFailure) -> JMESPathToken {
        let start = position
        let lexeme = try consumeUntil("`").replacingAll("\\`", with: "`")
        if let value = try? JSONParser.parse(lexeme) {
            return JMESPathToken(kind: .literal, value: .json(value), start: start)
        }
        // The deprecated form (JEP-12): an unquoted string, parsed as if it were quoted.
        let trimmed = String(String.UnicodeScalarView(lexeme.unicodeScalars.drop { $0.properties.isWhitespace }))
        if let value = try? JSONParser.parse("\"" + trimmed + "\"") {
            return JMESPathToken(kind: .literal, value: .json(value), start: start)
        }
        throw JMESPathLexFailure(position: start, message: "Bad token \(lexeme)")
    }

    private mutating func consumeQuotedIdentifier() throws(JMESPathLexFailure) -> JMESPathToken {
        let start = position
        let lexeme = "\"" + (try consumeUntil("\"")) + "\""
        do {
            let value = try JSONParser.parse(lexeme)
            return JMESPathToken(kind: .quotedIdentifier, value: .text(value.stringValue ?? ""), start: start)
        } catch {
            // Python reports the first part of json's message, before any ':'.
            var message = error.message
            if message == "Invalid control character" { message = "Invalid control character at" }
            if let colon = message.firstIndex(of: ":") { message = String(message[..<colon]) }
            throw JMESPathLexFailure(position: start, message: message)
        }
    }
}

fileprivate extension String {
    /// Replaces every occurrence of `target` (compared by Unicode scalars) without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let source = Array(unicodeScalars)
        let pattern = Array(target.unicodeScalars)
        guard !pattern.isEmpty, source.count >= pattern.count else { return self }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < source.count {
            if i + pattern.count <= source.count, source[i..<(i + pattern.count)].elementsEqual(pattern) {
                out.append(contentsOf: replacement.unicodeScalars)
                i += pattern.count
            } else {
                out.append(source[i])
                i += 1
            }
        }
        return String(out)
    }
}
