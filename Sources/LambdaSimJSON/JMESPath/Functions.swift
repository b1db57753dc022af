/// A resolved function argument: a value, or an `&expression` to apply later.
enum JMESPathArgument {
    case value(JSON)
    case expression(JMESPathNode)
}

/// Argument types as the specification writes them; an empty list means "any value".
enum JMESPathArgumentType: String, Sendable {
    case number, string, boolean, array, object, null, expref
    case arrayNumber = "array-number"
    case arrayString = "array-string"

    /// The top-level type a value must have.
    var topLevel: String {
        switch self {
        case .arrayNumber, .arrayString: return "array"
        default: return rawValue
        }
    }

    /// The element type an array must have, for `array-number` and `array-string`.
    var elementType: String? {
        switch self {
        case .arrayNumber: return "number"
        case .arrayString: return "string"
        default: return nil
        }
    }
}

struct JMESPathSignature: Sendable {
    /// Allowed types for each parameter; with `variadic`, the last one repeats (at least once).
    var parameters: [[JMESPathArgumentType]]
    var variadic = false
}

extension JMESPathInterpreter {
    static let signatures: [String: JMESPathSignature] = [
        "abs": JMESPathSignature(parameters: [[.number]]),
        "avg": JMESPathSignature(parameters: [[.arrayNumber]]),
        "ceil": JMESPathSignature(parameters: [[.number]]),
        "contains": JMESPathSignature(parameters: [[.array, .string], []]),
        "ends_with": JMESPathSignature(parameters: [[.string], [.string]]),
        "floor": JMESPathSignature(parameters: [[.number]]),
        "join": JMESPathSignature(parameters: [[.string], [.arrayString]]),
        "keys": JMESPathSignature(parameters: [[.object]]),
        "length": JMESPathSignature(parameters: [[.string, .array, .object]]),
        "map": JMESPathSignature(parameters: [[.expref], [.array]]),
        "max": JMESPathSignature(parameters: [[.arrayNumber, .arrayString]]),
        "max_by": JMESPathSignature(parameters: [[.array], [.expref]]),
        "merge": JMESPathSignature(parameters: [[.object]], variadic: true),
        "min": JMESPathSignature(parameters: [[.arrayNumber, .arrayString]]),
        "min_by": JMESPathSignature(parameters: [[.array], [.expref]]),
        "not_null": JMESPathSignature(parameters: [[]], variadic: true),
        "reverse": JMESPathSignature(parameters: [[.array, .string]]),
        "sort": JMESPathSignature(parameters: [[.arrayString, .arrayNumber]]),
        "sort_by": JMESPathSignature(parameters: [[.array], [.expref]]),
        "starts_with": JMESPathSignature(parameters: [[.string], [.string]]),
        "sum": JMESPathSignature(parameters: [[.arrayNumber]]),
        "to_array": JMESPathSignature(parameters: [[]]),
        "to_number": JMESPathSignature(parameters: [[]]),
        "to_string": JMESPathSignature(parameters: [[]]),
        "type": JMESPathSignature(parameters: [[]]),
        "values": JMESPathSignature(parameters: [[.object]]),
    ]

    func callFunction(_ name: String, _ arguments: [JMESPathArgument], depth: Int) throws(JMESPathError) -> JSON {
        guard let signature = Self.signatures[name] else {
            throw JMESPathError(kind: .unknownFunction, message: "Unknown function: \(name)()")
        }
        try Self.validate(arguments, signature, name)
        // After validation every argument has one of its allowed types, so the
        // fallbacks in these accessors are never used.
        func value(_ i: Int) -> JSON {
            if i < arguments.count, case let .value(v) = arguments[i] { return v }
            return .null
        }
        func array(_ i: Int) -> [JSON] { value(i).arrayValue ?? [] }
        func string(_ i: Int) -> String { value(i).stringValue ?? "" }
        func object(_ i: Int) -> JSONObject { value(i).objectValue ?? JSONObject() }
        func expression(_ i: Int) -> JMESPathNode {
            if i < arguments.count, case let .expression(node) = arguments[i] { return node }
            return .current
        }

        switch name {
        case "abs":
            switch value(0) {
            case let .int(i): return i == Int.min ? .double(-Double(i)) : .int(Swift.abs(i))
            case let .double(d): return .double(Swift.abs(d))
            default: return .null
            }
        case "avg":
            let items = array(0)
            guard !items.isEmpty, let total = Self.sum(items).doubleValue else { return .null }
            return .double(total / Double(items.count))
        case "ceil":
            return Self.integral(value(0), rule: .up)
        case "floor":
            return Self.integral(value(0), rule: .down)
        case "contains":
            switch value(0) {
            case let .array(items): return .bool(items.contains(value(1)))
            case let .string(subject):
                guard case let .string(search) = value(1) else { return .bool(false) }
                return .bool(Self.scalars(subject, contain: search))
            default: return .bool(false)
            }
        case "starts_with":
            return .bool(string(0).unicodeScalars.starts(with: string(1).unicodeScalars))
        case "ends_with":
            return .bool(string(0).unicodeScalars.reversed().starts(with: string(1).unicodeScalars.reversed()))
        case "join":
            return .string(array(1).compactMap(\.stringValue).joined(separator: string(0)))
        case "keys":
            return .array(object(0).keys.map { .string($0) })
        case "values":
            return .array(object(0).valuesInOrder)
        case "length":
            switch value(0) {
            case let .string(text): return .int(text.unicodeScalars.count)
            case let .array(items): return .int(items.count)
            case let .object(object): return .int(object.count)
            default: return .null
            }
        case "map":
            var results: [JSON] = []
            for item in array(1) { results.append(try evaluate(expression(0), item, depth: depth)) }
            return .array(results)
        case "max", "min":
            let items = array(0)
            guard var best = items.first else { return .null }
            let wantGreater = name == "max"
            for item in items.dropFirst() {
                let order = Self.order(item, best)
                if wantGreater ? order > 0 : order < 0 { best = item }
            }
            return best
        case "max_by", "min_by":
            let items = array(0)
            guard !items.isEmpty else { return .null }
            let keys = try keysForSorting(items, expression(1), name: name, depth: depth)
            var bestIndex = 0
            let wantGreater = name == "max_by"
            for i in 1..<items.count {
                let order = Self.order(keys[i], keys[bestIndex])
                if wantGreater ? order > 0 : order < 0 { bestIndex = i }
            }
            return items[bestIndex]
        case "sort":
            return .array(Self.stableSorted(array(0), keys: array(0)))
        case "sort_by":
            let items = array(0)
            guard !items.isEmpty else { return .array([]) }
            let keys = try keysForSorting(items, expression(1), name: name, depth: depth)
            return .array(Self.stableSorted(items, keys: keys))
        case "merge":
            var merged = JSONObject()
            for i in 0..<arguments.count {
                for (key, item) in object(i) { merged[key] = item }
            }
            return .object(merged)
        case "not_null":
            for i in 0..<arguments.count where !value(i).isNull { return value(i) }
            return .null
        case "reverse":
            switch value(0) {
            case let .array(items): return .array(items.reversed())
            case let .string(text): return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed())))
            default: return .null
            }
        case "sum":
            return Self.sum(array(0))
        case "to_array":
            if case .array = value(0) { return value(0) }
            return .array([value(0)])
        case "to_string":
            if case .string = value(0) { return value(0) }
            // json.dumps(value, separators=(',', ':')), with its default ensure_ascii=True.
            return .string(JSONWriter.string(value(0), ensureASCII: true))
        case "to_number":
            switch value(0) {
            case .int, .double: return value(0)
            case let .string(text): return Self.number(from: text) ?? .null
            default: return .null
            }
        case "type":
            return .string(Self.typeName(value(0)))
        default:
            throw JMESPathError(kind: .unknownFunction, message: "Unknown function: \(name)()")
        }
    }

    // MARK: - Argument checking

    static func typeName(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private static func validate(
        _ arguments: [JMESPathArgument], _ signature: JMESPathSignature, _ name: String
    ) throws(JMESPathError) {
        let expected = signature.parameters.count
        if signature.variadic {
            if arguments.count < expected {
                throw arityError("Expected at least \(expected) \(plural(expected)) for function \(name)(), received \(arguments.count)")
            }
        } else if arguments.count != expected {
            throw arityError("Expected \(expected) \(plural(expected)) for function \(name)(), received \(arguments.count)")
        }
        for (i, argument) in arguments.enumerated() {
            let allowed = signature.parameters[min(i, expected - 1)]
            try check(argument, allowed, name)
        }
    }

    private static func plural(_ count: Int) -> String { count == 1 ? "argument" : "arguments" }

    private static func arityError(_ message: String) -> JMESPathError {
        JMESPathError(kind: .invalidArity, message: message)
    }

    static func typeError(_ name: String, value: String, actual: String, expected: [String]) -> JMESPathError {
        let list = "[" + expected.map { "'\($0)'" }.joined(separator: ", ") + "]"
        return JMESPathError(
            kind: .invalidType,
            message: "In function \(name)(), invalid type for value: \(value), expected one of: \(list), received: \"\(actual)\"")
    }

    private static func check(
        _ argument: JMESPathArgument, _ allowed: [JMESPathArgumentType], _ name: String
    ) throws(JMESPathError) {
        let expected = allowed.map(\.rawValue)
        switch argument {
        case .expression:
            if !allowed.contains(.expref) {
                throw typeError(name, value: "<expression>", actual: "expref", expected: expected.isEmpty ? ["any"] : expected)
            }
        case let .value(value):
            if allowed.isEmpty { return }
            let actual = typeName(value)
            guard allowed.contains(where: { $0.topLevel == actual }) else {
                throw typeError(name, value: PythonText.str(value), actual: actual, expected: expected)
            }
            let elementTypes = allowed.compactMap(\.elementType)
            guard case let .array(items) = value, let first = items.first, !elementTypes.isEmpty else { return }
            // With several element types (`max`), the first element picks the one all must have.
            let required = elementTypes.count == 1 ? elementTypes[0] : typeName(first)
            guard elementTypes.contains(required) else {
                throw typeError(name, value: PythonText.str(first), actual: PythonText.typeName(first), expected: expected)
            }
            for item in items where typeName(item) != required {
                throw typeError(name, value: PythonText.str(item), actual: PythonText.typeName(item), expected: expected)
            }
        }
    }

    // MARK: - Helpers

    /// The `&expression` results used to order `items`: all numbers or all strings.
    private func keysForSorting(
        _ items: [JSON], _ expression: JMESPathNode, name: String, depth: Int
    ) throws(JMESPathError) -> [JSON] {
        var keys: [JSON] = []
        keys.reserveCapacity(items.count)
        var required: String?
        for item in items {
            let key = try evaluate(expression, item, depth: depth)
            let actual = Self.typeName(key)
            if let required {
                // Python checks sort_by keys against the first key's type; for max_by and
                // min_by it only fails when comparing, so this reports the type it needed.
                if actual != required {
                    let allowed = name == "sort_by" || actual == "number" || actual == "string"
                        ? [required] : ["number", "string"]
                    throw Self.typeError(name, value: PythonText.str(key), actual: actual, expected: allowed)
                }
            } else if name == "sort_by" {
                guard actual == "number" || actual == "string" else {
                    // Python shows the element, not its key, for the first one.
                    throw Self.typeError(name, value: PythonText.str(item), actual: actual, expected: ["string", "number"])
                }
            } else {
                guard actual == "number" || actual == "string" else {
                    throw Self.typeError(name, value: PythonText.str(key), actual: actual, expected: ["number", "string"])
                }
            }
            required = required ?? actual
            keys.append(key)
        }
        return keys
    }

    /// Orders two numbers or two strings (callers have checked they are alike).
    private static func order(_ a: JSON, _ b: JSON) -> Int {
        if let numeric = compareNumbers(a, b) { return numeric }
        if case let .string(x) = a, case let .string(y) = b { return compareStrings(x, y) }
        return 0
    }

    private static func stableSorted(_ items: [JSON], keys: [JSON]) -> [JSON] {
        let indices = items.indices.sorted { i, j in
            let c = order(keys[i], keys[j])
            return c != 0 ? c < 0 : i < j
        }
        return indices.map { items[$0] }
    }

    /// Sum of numbers: an integer while every term is one and it fits, else a double.
    static func sum(_ items: [JSON]) -> JSON {
        var integerTotal = 0
        var doubleTotal = 0.0
        var isDouble = false
        for item in items {
            switch item {
            case let .int(i):
                if isDouble {
                    doubleTotal += Double(i)
                } else {
                    let (total, overflow) = integerTotal.addingReportingOverflow(i)
                    if overflow {
                        isDouble = true
                        doubleTotal = Double(integerTotal) + Double(i)
                    } else {
                        integerTotal = total
                    }
                }
            case let .double(d):
                if !isDouble {
                    isDouble = true
                    doubleTotal = Double(integerTotal)
                }
                doubleTotal += d
            default:
                break
            }
        }
        return isDouble ? .double(doubleTotal) : .int(integerTotal)
    }

    /// `ceil` and `floor`: python returns an integer.
    private static func integral(_ value: JSON, rule: FloatingPointRoundingRule) -> JSON {
        switch value {
        case .int: return value
        case let .double(d):
            let rounded = d.rounded(rule)
            if rounded.isFinite, rounded >= -9.0e18, rounded <= 9.0e18 { return .int(Int(rounded)) }
            return .double(rounded)
        default: return .null
        }
    }

    private static func scalars(_ subject: String, contain search: String) -> Bool {
        let haystack = Array(subject.unicodeScalars)
        let needle = Array(search.unicodeScalars)
        if needle.isEmpty { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// `to_number` of a string: an integer, or a decimal number (python's `int()` then `float()`,
    /// without python's `inf`, `nan` and `_` digit separators).
    static func number(from text: String) -> JSON? {
        let scalars = Array(text.unicodeScalars)
        var lower = 0
        var upper = scalars.count
        while lower < upper, scalars[lower].properties.isWhitespace { lower += 1 }
        while upper > lower, scalars[upper - 1].properties.isWhitespace { upper -= 1 }
        let body = Array(scalars[lower..<upper])
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        var i = 0
        if i < body.count, body[i] == "+" || body[i] == "-" { i += 1 }
        let integerStart = i
        while i < body.count, isDigit(body[i]) { i += 1 }
        let integerDigits = i - integerStart
        let trimmed = String(String.UnicodeScalarView(body))
        if integerDigits > 0, i == body.count {
            if let value = Int(trimmed) { return .int(value) }
            return Double(trimmed).map { .double($0) }
        }
        var fractionDigits = 0
        if i < body.count, body[i] == "." {
            i += 1
            let fractionStart = i
            while i < body.count, isDigit(body[i]) { i += 1 }
            fractionDigits = i - fractionStart
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        if i < body.count, body[i] == "e" || body[i] == "E" {
            i += 1
            if i < body.count, body[i] == "+" || body[i] == "-" { i += 1 }
            let exponentStart = i
            while i < body.count, isDigit(body[i]) { i += 1 }
            guard i > exponentStart else { return nil }
        }
        guard i == body.count else { return nil }
        // Swift's parser wants a digit on both sides of the point.
        var normalized = ""
        var previous: Unicode.Scalar?
        for c in body {
            if c == ".", previous.map(isDigit) != true { normalized += "0" }
            if previous == ".", !isDigit(c) { normalized += "0" }
            normalized.unicodeScalars.append(c)
            previous = c
        }
        if previous == "." { normalized += "0" }
        return Double(normalized).map { .double($0) }
    }
}
