import LambdaSimJSON
import LambdaSimSupport

/// A document path in a DynamoDB expression: `a`, `#n`, `a.b[2].#c` (placeholders resolved).
struct DynamoPath: Equatable {
    enum Element: Equatable {
        case name(String)
        case index(Int)
    }

    var elements: [Element]

    /// The value at the path in an item (top-level attributes), nil when absent.
    func value(in item: JSONObject) -> JSON? {
        guard case let .name(first)? = elements.first, var current = item[first] else { return nil }
        for element in elements.dropFirst() {
            switch element {
            case let .name(n):
                guard let next = current["M"]?.objectValue?[n] else { return nil }
                current = next
            case let .index(i):
                guard let list = current["L"]?.arrayValue, i < list.count else { return nil }
                current = list[i]
            }
        }
        return current
    }
}

/// The condition language shared by `FilterExpression` and `ConditionExpression`, plus
/// `ProjectionExpression` paths: comparisons, BETWEEN, IN, AND/OR/NOT, parentheses and the
/// functions attribute_exists, attribute_not_exists, attribute_type, begins_with, contains, size.
struct DynamoExpression {
    indirect enum Operand {
        case path(DynamoPath)
        case value(JSON)
        case size(DynamoPath)
    }

    indirect enum Condition {
        case compare(Operand, String, Operand)
        case between(Operand, Operand, Operand)
        case isIn(Operand, [Operand])
        case and(Condition, Condition)
        case or(Condition, Condition)
        case not(Condition)
        case exists(DynamoPath, Bool)
        case type(DynamoPath, Operand)
        case beginsWith(Operand, Operand)
        case contains(Operand, Operand)
    }

    /// `FilterExpression`, `ConditionExpression` or `ProjectionExpression`: names the expression in errors.
    let kind: String
    private let names: JSONObject
    private let values: JSONObject
    private var tokens: [String] = []
    private var position = 0

    private init(kind: String, text: String, names: JSONObject, values: JSONObject) throws {
        self.kind = kind
        self.names = names
        self.values = values
        tokens = try tokenize(text)
    }

    /// Parses a condition (`FilterExpression` / `ConditionExpression`).
    static func condition(_ text: String, kind: String, names: JSONObject, values: JSONObject) throws -> Condition {
        var parser = try DynamoExpression(kind: kind, text: text, names: names, values: values)
        if parser.tokens.isEmpty {
            throw ServiceError.validation("Invalid \(kind): The expression can not be empty;")
        }
        let condition = try parser.orCondition()
        if parser.position < parser.tokens.count { throw parser.syntaxError() }
        return condition
    }

    /// Parses a `ProjectionExpression`: document paths separated by commas.
    static func projection(_ text: String, names: JSONObject) throws -> [DynamoPath] {
        var parser = try DynamoExpression(kind: "ProjectionExpression", text: text, names: names, values: JSONObject())
        if parser.tokens.isEmpty {
            throw ServiceError.validation("Invalid ProjectionExpression: The expression can not be empty;")
        }
        var paths: [DynamoPath] = []
        while true {
            paths.append(try parser.path())
            guard parser.position < parser.tokens.count else { break }
            guard parser.tokens[parser.position] == "," else { throw parser.syntaxError() }
            parser.position += 1
        }
        return paths
    }

    // MARK: - Tokens and grammar

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || "_#:.[]".contains(c)
    }

    private func tokenize(_ text: String) throws -> [String] {
        var tokens: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if Self.isWordCharacter(c) {
                var word = ""
                while i < chars.count, Self.isWordCharacter(chars[i]) { word.append(chars[i]); i += 1 }
                tokens.append(word)
            } else if c == "<" || c == ">" {
                if i + 1 < chars.count, chars[i + 1] == "=" || (c == "<" && chars[i + 1] == ">") {
                    tokens.append(String([c, chars[i + 1]]))
                    i += 2
                } else {
                    tokens.append(String(c))
                    i += 1
                }
            } else if "=(),".contains(c) {
                tokens.append(String(c))
                i += 1
            } else {
                throw ServiceError.validation("Invalid \(kind): Syntax error; token: \"\(c)\", near: \"\(String(chars[max(0, i - 1)...min(chars.count - 1, i + 1)]))\"")
            }
        }
        return tokens
    }

    private func syntaxError() -> ServiceError {
        let token = position < tokens.count ? tokens[position] : "<EOF>"
        let near = tokens[max(0, position - 1)..<min(tokens.count, position + 2)].joined(separator: " ")
        return ServiceError.validation("Invalid \(kind): Syntax error; token: \"\(token)\", near: \"\(near)\"")
    }

    private var peek: String? { position < tokens.count ? tokens[position] : nil }

    private func peekKeyword(_ keyword: String) -> Bool { peek?.uppercased() == keyword }

    private mutating func expect(_ token: String) throws {
        guard peek?.uppercased() == token else { throw syntaxError() }
        position += 1
    }

    private mutating func orCondition() throws -> Condition {
        var left = try andCondition()
        while peekKeyword("OR") {
            position += 1
            left = .or(left, try andCondition())
        }
        return left
    }

    private mutating func andCondition() throws -> Condition {
        var left = try notCondition()
        while peekKeyword("AND") {
            position += 1
            left = .and(left, try notCondition())
        }
        return left
    }

    private mutating func notCondition() throws -> Condition {
        if peekKeyword("NOT") {
            position += 1
            return .not(try notCondition())
        }
        return try primary()
    }

    private static let booleanFunctions = ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"]

    private mutating func primary() throws -> Condition {
        guard let token = peek else { throw syntaxError() }
        if token == "(" {
            position += 1
            let inner = try orCondition()
            try expect(")")
            return inner
        }
        if position + 1 < tokens.count, tokens[position + 1] == "(", Self.booleanFunctions.contains(token) {
            return try booleanFunction()
        }
        let left = try operand()
        guard let next = peek else { throw syntaxError() }
        if ["=", "<>", "<", "<=", ">", ">="].contains(next) {
            position += 1
            return .compare(left, next, try operand())
        }
        if next.uppercased() == "BETWEEN" {
            position += 1
            let low = try operand()
            try expect("AND")
            return .between(left, low, try operand())
        }
        if next.uppercased() == "IN" {
            position += 1
            try expect("(")
            var list = [try operand()]
            while peek == "," {
                position += 1
                list.append(try operand())
            }
            try expect(")")
            return .isIn(left, list)
        }
        throw syntaxError()
    }

    private mutating func booleanFunction() throws -> Condition {
        let name = tokens[position]
        position += 2
        var arguments = [try operand()]
        while peek == "," {
            position += 1
            arguments.append(try operand())
        }
        try expect(")")
        let expected = name.hasPrefix("attribute_") && name != "attribute_type" ? 1 : 2
        guard arguments.count == expected else {
            throw ServiceError.validation("Invalid \(kind): Incorrect number of operands for operator or function; operator or function: \(name), number of operands: \(arguments.count)")
        }
        func pathArgument() throws -> DynamoPath {
            guard case let .path(p) = arguments[0] else {
                throw ServiceError.validation("Invalid \(kind): Operator or function requires a document path; operator or function: \(name)")
            }
            return p
        }
        switch name {
        case "attribute_exists": return .exists(try pathArgument(), true)
        case "attribute_not_exists": return .exists(try pathArgument(), false)
        case "attribute_type": return .type(try pathArgument(), arguments[1])
        case "begins_with": return .beginsWith(arguments[0], arguments[1])
        default: return .contains(arguments[0], arguments[1])
        }
    }

    private mutating func operand() throws -> Operand {
        guard let token = peek else { throw syntaxError() }
        if token.hasPrefix(":") {
            position += 1
            guard let v = values[token] else {
                throw ServiceError.validation("Invalid \(kind): An expression attribute value used in expression is not defined; attribute value: \(token)")
            }
            return .value(v)
        }
        if position + 1 < tokens.count, tokens[position + 1] == "(" {
            if token == "size" {
                position += 2
                let p = try path()
                try expect(")")
                return .size(p)
            }
            if Self.booleanFunctions.contains(token) {
                throw ServiceError.validation("Invalid \(kind): The function is not allowed to be used this way in an expression; function: \(token)")
            }
            throw ServiceError.validation("Invalid \(kind): Invalid function name; function: \(token)")
        }
        return .path(try path())
    }

    /// A document path token (`a.b[1]`, `#n.c`).
    private mutating func path() throws -> DynamoPath {
        guard let token = peek, let first = token.first, first.isLetter || first == "_" || first == "#",
              !["AND", "OR", "NOT", "BETWEEN", "IN"].contains(token.uppercased())
        else { throw syntaxError() }
        var elements: [DynamoPath.Element] = []
        for part in token.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = part
            let bracket = rest.firstIndex(of: "[") ?? rest.endIndex
            let name = String(rest[..<bracket])
            rest = rest[bracket...]
            guard !name.isEmpty, !name.contains("]") else { throw syntaxError() }
            if name.hasPrefix("#") {
                guard let resolved = names.string(name) else {
                    throw ServiceError.validation("Invalid \(kind): An expression attribute name used in the document path is not defined; attribute name: \(name)")
                }
                elements.append(.name(resolved))
            } else {
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw syntaxError() }
                elements.append(.name(name))
            }
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]"),
                      let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
                else { throw syntaxError() }
                elements.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
        }
        position += 1
        return DynamoPath(elements: elements)
    }

    // MARK: - Evaluation

    /// Whether an item (nil: no item) satisfies the condition.
    static func evaluate(_ condition: Condition, _ item: JSONObject) -> Bool {
        switch condition {
        case let .and(a, b): return evaluate(a, item) && evaluate(b, item)
        case let .or(a, b): return evaluate(a, item) || evaluate(b, item)
        case let .not(a): return !evaluate(a, item)
        case let .exists(path, wanted): return (path.value(in: item) != nil) == wanted
        case let .type(path, type):
            guard let v = path.value(in: item)?.objectValue, let t = resolve(type, item)?["S"]?.stringValue else { return false }
            return v.keys.first == t
        case let .compare(a, op, b):
            guard let x = resolve(a, item), let y = resolve(b, item) else { return op == "<>" }
            switch op {
            case "=": return equal(x, y)
            case "<>": return !equal(x, y)
            default:
                guard let order = compare(x, y) else { return false }
                switch op {
                case "<": return order < 0
                case "<=": return order <= 0
                case ">": return order > 0
                default: return order >= 0
                }
            }
        case let .between(a, low, high):
            guard let x = resolve(a, item), let l = resolve(low, item), let h = resolve(high, item),
                  let lower = compare(x, l), let upper = compare(x, h)
            else { return false }
            return lower >= 0 && upper <= 0
        case let .isIn(a, list):
            guard let x = resolve(a, item) else { return false }
            return list.contains { resolve($0, item).map { equal(x, $0) } ?? false }
        case let .beginsWith(a, prefix):
            guard let x = resolve(a, item), let p = resolve(prefix, item) else { return false }
            if let s = x["S"]?.stringValue, let q = p["S"]?.stringValue { return s.utf8.starts(with: q.utf8) }
            if let s = x["B"]?.stringValue.flatMap(Self.decodeBase64), let q = p["B"]?.stringValue.flatMap(Self.decodeBase64) {
                return s.starts(with: q)
            }
            return false
        case let .contains(a, needle):
            guard let x = resolve(a, item)?.objectValue, let type = x.keys.first, let n = resolve(needle, item) else { return false }
            switch type {
            case "S":
                guard let s = x["S"]?.stringValue, let q = n["S"]?.stringValue else { return false }
                return q.isEmpty || s.contains(q)
            case "SS", "NS", "BS":
                let elementType = String(type.prefix(1))
                guard n.objectValue?.keys.first == elementType else { return false }
                return (x[type]?.arrayValue ?? []).contains { equal(.object(JSONObject([(elementType, $0)])), n) }
            case "L":
                return (x["L"]?.arrayValue ?? []).contains { equal($0, n) }
            default:
                return false
            }
        }
    }

    private static func resolve(_ operand: Operand, _ item: JSONObject) -> JSON? {
        switch operand {
        case let .value(v): return v
        case let .path(p): return p.value(in: item)
        case let .size(p):
            guard let v = p.value(in: item)?.objectValue, let type = v.keys.first, let inner = v[type] else { return nil }
            let size: Int
            switch type {
            case "S": size = inner.stringValue?.utf8.count ?? 0
            case "B": size = inner.stringValue.flatMap(Self.decodeBase64)?.count ?? 0
            case "SS", "NS", "BS", "L": size = inner.arrayValue?.count ?? 0
            case "M": size = inner.objectValue?.count ?? 0
            default: return nil
            }
            return .object(JSONObject([("N", .string(String(size)))]))
        }
    }

    /// Equality of attribute values: numbers by value, sets regardless of order.
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        guard let x = a.objectValue, let y = b.objectValue, let type = x.keys.first, type == y.keys.first else { return false }
        switch type {
        case "N": return compare(a, b) == 0
        case "SS", "BS":
            return Set((x[type]?.arrayValue ?? []).compactMap(\.stringValue)) == Set((y[type]?.arrayValue ?? []).compactMap(\.stringValue))
        case "NS":
            let xs = (x[type]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Double.init) }
            let ys = (y[type]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Double.init) }
            return Set(xs) == Set(ys)
        case "L":
            let xs = x["L"]?.arrayValue ?? [], ys = y["L"]?.arrayValue ?? []
            return xs.count == ys.count && zip(xs, ys).allSatisfy { equal($0, $1) }
        case "M":
            let xm = x["M"]?.objectValue ?? JSONObject(), ym = y["M"]?.objectValue ?? JSONObject()
            return xm.count == ym.count && xm.allSatisfy { entry in ym[entry.key].map { equal(entry.value, $0) } ?? false }
        default: return a == b
        }
    }

    /// Ordering of two N, S or B values of the same type; nil for anything else.
    static func compare(_ a: JSON, _ b: JSON) -> Int? {
        if let x = a["N"]?.stringValue, let y = b["N"]?.stringValue {
            if let i = Int(x), let j = Int(y) { return i < j ? -1 : (i == j ? 0 : 1) }
            guard let d = Double(x), let e = Double(y) else { return nil }
            return d < e ? -1 : (d == e ? 0 : 1)
        }
        if let x = a["S"]?.stringValue, let y = b["S"]?.stringValue { return bytes(Array(x.utf8), Array(y.utf8)) }
        if let x = a["B"]?.stringValue.flatMap(Self.decodeBase64), let y = b["B"]?.stringValue.flatMap(Self.decodeBase64) {
            return bytes(Array(x), Array(y))
        }
        return nil
    }

    private static func decodeBase64(_ text: String) -> [UInt8]? { Base64.decode(text) }

    private static func bytes(_ x: [UInt8], _ y: [UInt8]) -> Int {
        x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
    }

    // MARK: - Projection

    /// The parts of an item the paths name (list elements kept in index order, compacted).
    static func project(_ item: JSONObject, _ paths: [DynamoPath]) -> JSONObject {
        var tree = Selection()
        for path in paths { tree.add(path.elements[...]) }
        return tree.apply(toAttributes: item)
    }

    private struct Selection {
        var all = false
        var names: [String: Selection] = [:]
        var indexes: [Int: Selection] = [:]

        mutating func add(_ elements: ArraySlice<DynamoPath.Element>) {
            guard let first = elements.first else { all = true; return }
            switch first {
            case let .name(n): names[n, default: Selection()].add(elements.dropFirst())
            case let .index(i): indexes[i, default: Selection()].add(elements.dropFirst())
            }
        }

        func apply(toAttributes object: JSONObject) -> JSONObject {
            var out = JSONObject()
            for (key, value) in object {
                if let selection = names[key], let projected = selection.apply(value) { out[key] = projected }
            }
            return out
        }

        func apply(_ value: JSON) -> JSON? {
            if all { return value }
            if !names.isEmpty, let map = value["M"]?.objectValue {
                return .object(JSONObject([("M", .object(apply(toAttributes: map)))]))
            }
            if !indexes.isEmpty, let list = value["L"]?.arrayValue {
                let kept = indexes.keys.sorted().filter { $0 < list.count }.compactMap { indexes[$0]?.apply(list[$0]) }
                return .object(JSONObject([("L", .array(kept))]))
            }
            return nil
        }
    }
}
