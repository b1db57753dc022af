/// Why an expression did not compile, in the three shapes python jmespath reports.
enum JMESPathSyntaxFailure: Error {
    /// `LexerError`.
    case lexer(position: Int, message: String)
    /// `IncompleteExpressionError`: the expression ended too early.
    case incomplete
    /// `ParseError`.
    case parse(position: Int, tokenValue: String, tokenType: String, message: String)
    /// `EmptyExpressionError`.
    case empty
}

/// A top-down operator precedence (Pratt) parser with python jmespath's binding powers.
struct JMESPathParser {
    private let tokens: [JMESPathToken]
    private var index = 0
    /// How deep the parser has recursed.
    private var depth = 0
    /// Recursion plus the operators wrapped around a left side (`a || b || c` nests
    /// to the left): a bound on how deep the tree built so far is.
    private var nesting = 0

    /// Deeper recursion than this is refused rather than risking the stack.
    static let maximumDepth = 256
    /// Trees deeper than this are refused, so evaluating and freeing them stays shallow too.
    static let maximumNesting = 1_000

    /// Binding powers below this stop a projection.
    private static let projectionStop = 10

    static func parse(_ expression: String) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        if expression.isEmpty { throw .empty }
        let tokens: [JMESPathToken]
        do {
            var lexer = JMESPathLexer(expression)
            tokens = try lexer.tokenize()
        } catch {
            throw .lexer(position: error.position, message: error.message)
        }
        var parser = JMESPathParser(tokens: tokens)
        let node = try parser.expression(0)
        let token = parser.current
        if token.kind != .eof {
            throw parser.failure(token, "Unexpected token: \(token.displayValue)")
        }
        return node
    }

    private init(tokens: [JMESPathToken]) { self.tokens = tokens }

    // MARK: - Token access

    private var current: JMESPathToken { token(at: index) }

    private func token(at position: Int) -> JMESPathToken {
        if position >= 0, position < tokens.count { return tokens[position] }
        // The lexer always ends the list with EOF, and the parser never moves past it.
        return tokens[tokens.count - 1]
    }

    private func lookahead(_ offset: Int) -> JMESPathTokenKind { token(at: index + offset).kind }

    private mutating func advance() { index += 1 }

    private static func bindingPower(_ kind: JMESPathTokenKind) -> Int {
        switch kind {
        case .eof, .unquotedIdentifier, .quotedIdentifier, .literal, .rbracket, .rparen, .comma, .rbrace,
            .number, .current, .expref, .colon:
            return 0
        case .pipe: return 1
        case .or: return 2
        case .and: return 3
        case .eq, .gt, .lt, .gte, .lte, .ne: return 5
        case .flatten: return 9
        case .star: return 20
        case .filter: return 21
        case .dot: return 40
        case .not: return 45
        case .lbrace: return 50
        case .lbracket: return 55
        case .lparen: return 60
        }
    }

    // MARK: - Errors

    private func failure(_ token: JMESPathToken, _ message: String) -> JMESPathSyntaxFailure {
        .parse(position: token.start, tokenValue: token.displayValue, tokenType: token.kind.rawValue, message: message)
    }

    /// An incomplete-expression error at EOF, else "Expecting: ..., got: ...".
    private func expecting(_ expected: String, _ token: JMESPathToken) -> JMESPathSyntaxFailure {
        if token.kind == .eof { return .incomplete }
        return failure(token, "Expecting: \(expected), got: \(token.kind.rawValue)")
    }

    private mutating func match(_ kind: JMESPathTokenKind) throws(JMESPathSyntaxFailure) {
        guard current.kind == kind else { throw expecting(kind.rawValue, current) }
        advance()
    }

    // MARK: - Expressions

    private mutating func expression(_ bindingPower: Int) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        depth += 1
        nesting += 1
        var wraps = 0
        defer {
            depth -= 1
            nesting -= 1 + wraps
        }
        if depth > Self.maximumDepth || nesting > Self.maximumNesting {
            throw failure(current, "Expression is nested too deeply")
        }
        let token = current
        advance()
        var left = try nud(token)
        while bindingPower < Self.bindingPower(current.kind) {
            let token = current
            advance()
            // `a.b.c` grows one flat list rather than nesting.
            var extendsChain = false
            if token.kind == .dot, current.kind != .star, case .subexpression = left { extendsChain = true }
            if !extendsChain {
                wraps += 1
                nesting += 1
                if nesting > Self.maximumNesting { throw failure(token, "Expression is nested too deeply") }
            }
            left = try led(token, left)
        }
        return left
    }

    private mutating func nud(_ token: JMESPathToken) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        switch token.kind {
        case .literal:
            if case let .json(value) = token.value { return .literal(value) }
            return .literal(.string(token.stringValue))
        case .unquotedIdentifier:
            return .field(token.stringValue)
        case .quotedIdentifier:
            if current.kind == .lparen {
                // Python reports this one at column 0.
                throw JMESPathSyntaxFailure.parse(
                    position: 0, tokenValue: current.displayValue, tokenType: current.kind.rawValue,
                    message: "Quoted identifier not allowed for function names.")
            }
            return .field(token.stringValue)
        case .star:
            if current.kind == .rbracket { return .valueProjection(.current, .current) }
            return .valueProjection(.current, try projectionRHS(Self.bindingPower(.star)))
        case .filter:
            return try filter(left: .current)
        case .lbrace:
            return try multiSelectHash()
        case .lparen:
            let inner = try expression(0)
            try match(.rparen)
            return inner
        case .flatten:
            return .projection(.flatten(.current), try projectionRHS(Self.bindingPower(.flatten)))
        case .not:
            return .not(try expression(Self.bindingPower(.not)))
        case .lbracket:
            if current.kind == .number || current.kind == .colon {
                return try projectIfSlice(.current, try indexExpression())
            }
            if current.kind == .star && lookahead(1) == .rbracket {
                advance()
                advance()
                return .projection(.current, try projectionRHS(Self.bindingPower(.star)))
            }
            return try multiSelectList()
        case .current:
            return .current
        case .expref:
            return .expressionReference(try expression(Self.bindingPower(.expref)))
        case .eof:
            throw .incomplete
        default:
            throw failure(token, "invalid token")
        }
    }

    private mutating func led(_ token: JMESPathToken, _ left: JMESPathNode) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        switch token.kind {
        case .dot:
            if current.kind == .star {
                advance()
                return .valueProjection(left, try projectionRHS(Self.bindingPower(.dot)))
            }
            let right = try dotRHS(Self.bindingPower(.dot))
            if case var .subexpression(children) = left {
                children.append(right)
                return .subexpression(children)
            }
            return .subexpression([left, right])
        case .pipe:
            return .pipe(left, try expression(Self.bindingPower(.pipe)))
        case .or:
            return .or(left, try expression(Self.bindingPower(.or)))
        case .and:
            return .and(left, try expression(Self.bindingPower(.and)))
        case .lparen:
            guard case let .field(name) = left else {
                // The token before the '(' is what was used as a function name.
                let previous = self.token(at: index - 2)
                throw failure(previous, "Invalid function name '\(previous.displayValue)'")
            }
            var arguments: [JMESPathNode] = []
            while current.kind != .rparen {
                let argument = try expression(0)
                if current.kind == .comma { try match(.comma) }
                arguments.append(argument)
            }
            try match(.rparen)
            return .function(name: name, arguments: arguments)
        case .filter:
            return try filter(left: left)
        case .eq: return .comparison(.equal, left, try expression(Self.bindingPower(.eq)))
        case .ne: return .comparison(.notEqual, left, try expression(Self.bindingPower(.ne)))
        case .lt: return .comparison(.less, left, try expression(Self.bindingPower(.lt)))
        case .lte: return .comparison(.lessOrEqual, left, try expression(Self.bindingPower(.lte)))
        case .gt: return .comparison(.greater, left, try expression(Self.bindingPower(.gt)))
        case .gte: return .comparison(.greaterOrEqual, left, try expression(Self.bindingPower(.gte)))
        case .flatten:
            return .projection(.flatten(left), try projectionRHS(Self.bindingPower(.flatten)))
        case .lbracket:
            if current.kind == .number || current.kind == .colon {
                return try projectIfSlice(left, try indexExpression())
            }
            try match(.star)
            try match(.rbracket)
            return .projection(left, try projectionRHS(Self.bindingPower(.star)))
        default:
            // Tokens that bind (star, not, lbrace) but cannot follow an expression.
            throw failure(token, "invalid token")
        }
    }

    private mutating func filter(left: JMESPathNode) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        let condition = try expression(0)
        try match(.rbracket)
        let right: JMESPathNode
        if current.kind == .flatten {
            right = .current
        } else {
            right = try projectionRHS(Self.bindingPower(.filter))
        }
        return .filterProjection(left, right, condition: condition)
    }

    /// After `[` when a number or colon follows: `[n]` or a slice.
    private mutating func indexExpression() throws(JMESPathSyntaxFailure) -> JMESPathNode {
        if lookahead(0) == .colon || lookahead(1) == .colon { return try slice() }
        let number = current.numberValue
        advance()
        try match(.rbracket)
        return .index(number)
    }

    private mutating func slice() throws(JMESPathSyntaxFailure) -> JMESPathNode {
        var parts: [Int?] = [nil, nil, nil]
        var part = 0
        while current.kind != .rbracket && part < 3 {
            switch current.kind {
            case .colon:
                part += 1
                if part == 3 { throw failure(current, "syntax error") }
                advance()
            case .number:
                parts[part] = current.numberValue
                advance()
            default:
                throw failure(current, "syntax error")
            }
        }
        try match(.rbracket)
        return .slice(start: parts[0], stop: parts[1], step: parts[2])
    }

    private mutating func projectIfSlice(_ left: JMESPathNode, _ right: JMESPathNode) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        let indexed = JMESPathNode.indexExpression(left, right)
        if case .slice = right {
            return .projection(indexed, try projectionRHS(Self.bindingPower(.star)))
        }
        return indexed
    }

    /// What a projection applies to each element: nothing (identity) when the next
    /// token stops projections, else `[...]`, `[?...]` or `.rhs`.
    private mutating func projectionRHS(_ bindingPower: Int) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        if Self.bindingPower(current.kind) < Self.projectionStop { return .current }
        switch current.kind {
        case .lbracket, .filter:
            return try expression(bindingPower)
        case .dot:
            try match(.dot)
            return try dotRHS(bindingPower)
        default:
            throw failure(current, "syntax error")
        }
    }

    /// After a `.`: an identifier, `*`, a multi-select list or a multi-select hash.
    private mutating func dotRHS(_ bindingPower: Int) throws(JMESPathSyntaxFailure) -> JMESPathNode {
        switch current.kind {
        case .quotedIdentifier, .unquotedIdentifier, .star:
            return try expression(bindingPower)
        case .lbracket:
            advance()
            return try multiSelectList()
        case .lbrace:
            advance()
            return try multiSelectHash()
        default:
            throw failure(
                current,
                "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: \(current.kind.rawValue)")
        }
    }

    private mutating func multiSelectList() throws(JMESPathSyntaxFailure) -> JMESPathNode {
        var elements: [JMESPathNode] = []
        while true {
            elements.append(try expression(0))
            if current.kind == .rbracket { break }
            try match(.comma)
        }
        try match(.rbracket)
        return .multiSelectList(elements)
    }

    private mutating func multiSelectHash() throws(JMESPathSyntaxFailure) -> JMESPathNode {
        var pairs: [JMESPathKeyValue] = []
        while true {
            let keyToken = current
            guard keyToken.kind == .quotedIdentifier || keyToken.kind == .unquotedIdentifier else {
                throw expecting("['quoted_identifier', 'unquoted_identifier']", keyToken)
            }
            advance()
            try match(.colon)
            let value = try expression(0)
            pairs.append(JMESPathKeyValue(key: keyToken.stringValue, value: value))
            if current.kind == .comma {
                try match(.comma)
            } else if current.kind == .rbrace {
                try match(.rbrace)
                break
            }
        }
        return .multiSelectHash(pairs)
    }
}
