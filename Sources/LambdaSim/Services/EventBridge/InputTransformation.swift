import LambdaSimJSON

/// What a target receives: the whole event, `Input` (constant JSON text), `InputPath` (a JSON
/// path into the event) or `InputTransformer` (`InputPathsMap` variables substituted into
/// `InputTemplate` as `<name>`), as EventBridge's "Input transformation" page describes.
enum InputTransformation {
    /// `$`, `$.a.b`, `$.a[0].b`, `$['a']` reduced to the simple dotted form EventBridge accepts:
    /// path steps, nil when the text is not such a path.
    static func jsonPath(_ text: String) -> [PathStep]? {
        guard text.hasPrefix("$") else { return nil }
        var steps: [PathStep] = []
        var rest = Substring(text.dropFirst())
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { return nil }
                steps.append(.key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if let i = Int(inside), i >= 0 {
                    steps.append(.index(i))
                } else if inside.count >= 2, inside.first == "'" || inside.first == "\"", inside.last == inside.first {
                    steps.append(.key(String(inside.dropFirst().dropLast())))
                } else {
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            } else {
                return nil
            }
        }
        return steps
    }

    enum PathStep {
        case key(String)
        case index(Int)
    }

    static func select(_ steps: [PathStep], in value: JSON) -> JSON? {
        var current = value
        for step in steps {
            switch step {
            case let .key(k):
                guard let next = current.objectValue?[k] else { return nil }
                current = next
            case let .index(i):
                guard let array = current.arrayValue, i < array.count else { return nil }
                current = array[i]
            }
        }
        return current
    }

    static func validate(_ transformer: JSON, targetId: String) throws {
        guard let template = transformer["InputTemplate"]?.stringValue else {
            throw ServiceError.validation("InputTemplate must be specified for target \(targetId).")
        }
        guard !template.isEmpty, template.count <= 8192 else {
            throw ServiceError.validation("InputTemplate for target \(targetId) must be between 1 and 8192 characters.")
        }
        let map = transformer["InputPathsMap"]?.objectValue ?? JSONObject()
        if map.count > 100 {
            throw ServiceError.validation("InputPathsMap for target \(targetId) can have at most 100 entries.")
        }
        for (key, value) in map {
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) }) else {
                throw ServiceError.validation("Input transformer key \(key) for target \(targetId) is not valid.")
            }
            if key.hasPrefix("aws.") {
                throw ServiceError.validation("Input transformer key \(key) for target \(targetId) uses the reserved prefix aws.")
            }
            guard let path = value.stringValue, jsonPath(path) != nil else {
                throw ServiceError.validation("Input transformer value for key \(key) for target \(targetId) is not a valid JSON path.")
            }
        }
    }

    /// The bytes a target receives for `event`.
    static func input(for target: JSON, event: JSON, ruleArn: String, ruleName: String, ingestionTime: String) -> [UInt8] {
        if let input = target["Input"]?.stringValue { return Array(input.utf8) }
        if let path = target["InputPath"]?.stringValue, let steps = jsonPath(path) {
            return JSONWriter.bytes(select(steps, in: event) ?? .null)
        }
        guard let transformer = target["InputTransformer"], let template = transformer["InputTemplate"]?.stringValue else {
            return JSONWriter.bytes(event)
        }
        var values: [String: JSON] = [
            "aws.events.rule-arn": .string(ruleArn), "aws.events.rule-name": .string(ruleName),
            "aws.events.event.ingestion-time": .string(ingestionTime), "aws.events.event": event,
            "aws.events.event.json": event,
        ]
        for (key, value) in transformer["InputPathsMap"]?.objectValue ?? JSONObject() {
            if let steps = value.stringValue.flatMap(jsonPath) { values[key] = select(steps, in: event) ?? .null }
        }
        return Array(substitute(template, values).utf8)
    }

    /// Replaces each `<name>` of a known variable: inside a JSON string the value's text
    /// (escaped for JSON, without quotes); elsewhere the value as JSON.
    static func substitute(_ template: String, _ values: [String: JSON]) -> String {
        var out = ""
        var inString = false
        var escaped = false
        var i = template.startIndex
        while i < template.endIndex {
            let c = template[i]
            if c == "<", let close = template[i...].firstIndex(of: ">"),
                let value = values[String(template[template.index(after: i)..<close])]
            {
                if inString {
                    let text: String
                    if case let .string(s) = value { text = s } else { text = JSONWriter.string(value) }
                    out += String(JSONWriter.string(.string(text)).dropFirst().dropLast())
                } else {
                    out += JSONWriter.string(value)
                }
                i = template.index(after: close)
                continue
            }
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            }
            out.append(c)
            i = template.index(after: i)
        }
        return out
    }
}
