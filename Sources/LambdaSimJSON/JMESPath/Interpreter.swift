/// Evaluates a compiled expression against a JSON value.
struct JMESPathInterpreter {
    /// Evaluation nested deeper than this (long `||` or `|` chains) is refused rather than risking the stack.
    static let maximumDepth = 1_100

    /// When true, `<`, `<=`, `>` and `>=` also order two strings, as python jmespath does;
    /// the specification (and this implementation) only orders numbers.
    static let ordersStrings = false

    /// Dispatches on the node; each case lives in its own small function so a deep
    /// recursion (long `||` chains) keeps small stack frames, even in debug builds.
    func evaluate(_ node: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        if depth > Self.maximumDepth {
            throw JMESPathError(kind: .invalidValue, message: "Expression is nested too deeply to evaluate")
        }
        let next = depth + 1
        switch node {
        case .current: return value
        case let .field(name): return value[name] ?? .null
        case let .subexpression(children): return try chain(children, value, depth: next)
        case let .indexExpression(left, right): return try then(left, right, value, depth: next)
        case let .index(position): return Self.index(position, value)
        case let .slice(start, stop, step): return try Self.slice(value, start: start, stop: stop, step: step)
        case let .projection(left, right): return try projection(left, right, value, depth: next)
        case let .valueProjection(left, right): return try valueProjection(left, right, value, depth: next)
        case let .filterProjection(left, right, condition):
            return try filterProjection(left, right, condition, value, depth: next)
        case let .flatten(inner): return try flatten(inner, value, depth: next)
        case let .comparison(comparator, left, right): return try comparison(comparator, left, right, value, depth: next)
        case let .or(left, right): return try or(left, right, value, depth: next)
        case let .and(left, right): return try and(left, right, value, depth: next)
        case let .not(inner): return .bool(!Self.isTruthy(try evaluate(inner, value, depth: next)))
        case let .literal(literal): return literal
        case let .multiSelectList(elements): return try multiSelectList(elements, value, depth: next)
        case let .multiSelectHash(pairs): return try multiSelectHash(pairs, value, depth: next)
        case let .pipe(left, right): return try then(left, right, value, depth: next)
        case let .function(name, arguments): return try function(name, arguments, value, depth: next)
        case .expressionReference:
            throw JMESPathError(
                kind: .invalidType, message: "An expression reference (&...) can only be a function argument")
        }
    }

    private func chain(_ children: [JMESPathNode], _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        var result = value
        for child in children { result = try evaluate(child, result, depth: depth) }
        return result
    }

    /// `right` applied to the result of `left` (index expressions and pipes).
    private func then(_ left: JMESPathNode, _ right: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        try evaluate(right, try evaluate(left, value, depth: depth), depth: depth)
    }

    private static func index(_ position: Int, _ value: JSON) -> JSON {
        guard case let .array(items) = value else { return .null }
        let resolved = position < 0 ? items.count + position : position
        guard resolved >= 0, resolved < items.count else { return .null }
        return items[resolved]
    }

    private static func slice(_ value: JSON, start: Int?, stop: Int?, step: Int?) throws(JMESPathError) -> JSON {
        guard case let .array(items) = value else { return .null }
        return .array(try slice(items, start: start, stop: stop, step: step))
    }

    private func projection(_ left: JMESPathNode, _ right: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        guard case let .array(items) = try evaluate(left, value, depth: depth) else { return .null }
        return try project(items, right, depth: depth)
    }

    private func valueProjection(_ left: JMESPathNode, _ right: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        guard case let .object(object) = try evaluate(left, value, depth: depth) else { return .null }
        return try project(object.valuesInOrder, right, depth: depth)
    }

    private func filterProjection(
        _ left: JMESPathNode, _ right: JMESPathNode, _ condition: JMESPathNode, _ value: JSON, depth: Int
    ) throws(JMESPathError) -> JSON {
        guard case let .array(items) = try evaluate(left, value, depth: depth) else { return .null }
        var collected: [JSON] = []
        for item in items {
            guard Self.isTruthy(try evaluate(condition, item, depth: depth)) else { continue }
            let result = try evaluate(right, item, depth: depth)
            if !result.isNull { collected.append(result) }
        }
        return .array(collected)
    }

    private func flatten(_ inner: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        guard case let .array(items) = try evaluate(inner, value, depth: depth) else { return .null }
        var merged: [JSON] = []
        for item in items {
            if case let .array(nested) = item {
                merged.append(contentsOf: nested)
            } else {
                merged.append(item)
            }
        }
        return .array(merged)
    }

    private func comparison(
        _ comparator: JMESPathComparator, _ left: JMESPathNode, _ right: JMESPathNode, _ value: JSON, depth: Int
    ) throws(JMESPathError) -> JSON {
        let lhs = try evaluate(left, value, depth: depth)
        let rhs = try evaluate(right, value, depth: depth)
        return Self.compare(comparator, lhs, rhs)
    }

    private func or(_ left: JMESPathNode, _ right: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        let lhs = try evaluate(left, value, depth: depth)
        return Self.isTruthy(lhs) ? lhs : try evaluate(right, value, depth: depth)
    }

    private func and(_ left: JMESPathNode, _ right: JMESPathNode, _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        let lhs = try evaluate(left, value, depth: depth)
        return Self.isTruthy(lhs) ? try evaluate(right, value, depth: depth) : lhs
    }

    private func multiSelectList(_ elements: [JMESPathNode], _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        if value.isNull { return .null }
        var collected: [JSON] = []
        collected.reserveCapacity(elements.count)
        for element in elements { collected.append(try evaluate(element, value, depth: depth)) }
        return .array(collected)
    }

    private func multiSelectHash(_ pairs: [JMESPathKeyValue], _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        if value.isNull { return .null }
        var object = JSONObject()
        for pair in pairs { object[pair.key] = try evaluate(pair.value, value, depth: depth) }
        return .object(object)
    }

    private func function(_ name: String, _ argumentNodes: [JMESPathNode], _ value: JSON, depth: Int) throws(JMESPathError) -> JSON {
        var arguments: [JMESPathArgument] = []
        arguments.reserveCapacity(argumentNodes.count)
        for argument in argumentNodes {
            if case let .expressionReference(reference) = argument {
                arguments.append(.expression(reference))
            } else {
                arguments.append(.value(try evaluate(argument, value, depth: depth)))
            }
        }
        return try callFunction(name, arguments, depth: depth)
    }

    private func project(_ items: [JSON], _ right: JMESPathNode, depth: Int) throws(JMESPathError) -> JSON {
        var collected: [JSON] = []
        collected.reserveCapacity(items.count)
        for item in items {
            let result = try evaluate(right, item, depth: depth)
            if !result.isNull { collected.append(result) }
        }
        return .array(collected)
    }

    /// False for null, false, "", [] and {}; true for everything else, `0` included.
    static func isTruthy(_ value: JSON) -> Bool {
        switch value {
        case .null: return false
        case let .bool(flag): return flag
        case let .string(text): return !text.isEmpty
        case let .array(items): return !items.isEmpty
        case let .object(object): return !object.isEmpty
        case .int, .double: return true
        }
    }

    static func compare(_ comparator: JMESPathComparator, _ lhs: JSON, _ rhs: JSON) -> JSON {
        switch comparator {
        case .equal: return .bool(lhs == rhs)
        case .notEqual: return .bool(lhs != rhs)
        default: break
        }
        let order: Int
        if let numeric = compareNumbers(lhs, rhs) {
            order = numeric
        } else if ordersStrings, case let .string(a) = lhs, case let .string(b) = rhs {
            order = compareStrings(a, b)
        } else {
            return .null
        }
        switch comparator {
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        default: return .bool(order >= 0)
        }
    }

    /// -1, 0 or 1 when both are numbers (booleans are not), else nil.
    static func compareNumbers(_ lhs: JSON, _ rhs: JSON) -> Int? {
        switch (lhs, rhs) {
        case let (.int(a), .int(b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.int, .double), (.double, .int), (.double, .double):
            guard let a = lhs.doubleValue, let b = rhs.doubleValue else { return nil }
            if a < b { return -1 }
            if a > b { return 1 }
            return a == b ? 0 : nil
        default:
            return nil
        }
    }

    /// Orders strings by Unicode code point, as python does.
    static func compareStrings(_ a: String, _ b: String) -> Int {
        var left = a.unicodeScalars.makeIterator()
        var right = b.unicodeScalars.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?):
                if x.value != y.value { return x.value < y.value ? -1 : 1 }
            }
        }
    }

    /// Python list slicing: negative indices count from the end, out-of-range bounds clamp.
    static func slice(_ items: [JSON], start: Int?, stop: Int?, step: Int?) throws(JMESPathError) -> [JSON] {
        let step = step ?? 1
        if step == 0 {
            throw JMESPathError(kind: .invalidValue, message: "slice step cannot be zero")
        }
        let count = items.count
        func bound(_ given: Int?, defaultValue: Int) -> Int {
            guard var value = given else { return defaultValue }
            if value < 0 {
                value += count
                if value < 0 { value = step < 0 ? -1 : 0 }
            } else if value >= count {
                value = step < 0 ? count - 1 : count
            }
            return value
        }
        var index = bound(start, defaultValue: step < 0 ? count - 1 : 0)
        let end = bound(stop, defaultValue: step < 0 ? -1 : count)
        var result: [JSON] = []
        while step > 0 ? index < end : index > end {
            result.append(items[index])
            let (advanced, overflow) = index.addingReportingOverflow(step)
            if overflow { break }
            index = advanced
        }
        return result
    }
}
