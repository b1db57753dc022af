import LambdaSimJSON

/// The AWS CLI shorthand syntax: `Key=Value,Key2=a,b,c,Key3=[x,y],Key4={k=v}`.
///
/// Produces a tree of strings, lists and objects; the converter then types the leaves by shape.
struct ShorthandParser {
    struct Failure: Error {
        var message: String
    }

    private let chars: [Character]
    private var index = 0
    private let text: String

    init(_ text: String) {
        self.text = text
        chars = Array(text)
    }

    static func parse(_ text: String) throws(Failure) -> JSON {
        var parser = ShorthandParser(text)
        let value = try parser.parameter()
        return value
    }

    private mutating func parameter() throws(Failure) -> JSON {
        var object = JSONObject()
        skipSpaces()
        while true {
            let (key, value) = try keyval()
            object[key] = value
            skipSpaces()
            if index >= chars.count { break }
            try expect(",")
            skipSpaces()
        }
        return .object(object)
    }

    private mutating func keyval() throws(Failure) -> (String, JSON) {
        let key = readKey()
        try expect("=")
        return (key, try values())
    }

    private mutating func readKey() -> String {
        var key = ""
        while index < chars.count, chars[index] != "=", chars[index] != "," {
            key.append(chars[index])
            index += 1
        }
        return key.trimmingSpaces()
    }

    private mutating func values() throws(Failure) -> JSON {
        skipSpaces()
        guard index < chars.count else { return .string("") }
        switch chars[index] {
        case "[": return try explicitList()
        case "{": return try hashLiteral()
        default: return try csvValue()
        }
    }

    /// `a` or `a,b,c` (a list when more values follow that are not `key=` pairs).
    private mutating func csvValue() throws(Failure) -> JSON {
        let first = try firstValue()
        var items = [JSON.string(first)]
        while index < chars.count, chars[index] == ",", !nextIsKeyval() {
            index += 1
            items.append(.string(try firstValue()))
        }
        return items.count == 1 ? items[0] : .array(items)
    }

    /// Whether what follows the comma at `index` is `key=`.
    private func nextIsKeyval() -> Bool {
        var j = index + 1
        while j < chars.count, chars[j] == " " { j += 1 }
        while j < chars.count {
            let c = chars[j]
            if c == "=" { return true }
            if c == "," || c == "[" || c == "{" || c == "'" || c == "\"" || c == "]" || c == "}" { return false }
            j += 1
        }
        return false
    }

    private mutating func firstValue() throws(Failure) -> String {
        skipSpaces()
        guard index < chars.count else { return "" }
        if chars[index] == "'" || chars[index] == "\"" { return try quoted() }
        var value = ""
        while index < chars.count, chars[index] != ",", chars[index] != "]", chars[index] != "}" {
            if chars[index] == "\\", index + 1 < chars.count {
                index += 1
            }
            value.append(chars[index])
            index += 1
        }
        return value.trimmingSpaces()
    }

    private mutating func quoted() throws(Failure) -> String {
        let quote = chars[index]
        index += 1
        var value = ""
        while index < chars.count, chars[index] != quote {
            if chars[index] == "\\", index + 1 < chars.count, chars[index + 1] == quote || chars[index + 1] == "\\" {
                index += 1
            }
            value.append(chars[index])
            index += 1
        }
        guard index < chars.count else { throw error("Expected: '\(quote)', received: 'EOF'") }
        index += 1
        skipSpaces()
        return value
    }

    private mutating func explicitList() throws(Failure) -> JSON {
        index += 1
        var items: [JSON] = []
        skipSpaces()
        if index < chars.count, chars[index] == "]" { index += 1; return .array([]) }
        while true {
            skipSpaces()
            if index < chars.count, chars[index] == "{" {
                items.append(try hashLiteral())
            } else if index < chars.count, chars[index] == "[" {
                items.append(try explicitList())
            } else {
                items.append(.string(try firstValue()))
            }
            skipSpaces()
            guard index < chars.count else { throw error("Expected: ']', received: 'EOF'") }
            if chars[index] == "]" { index += 1; return .array(items) }
            try expect(",")
        }
    }

    private mutating func hashLiteral() throws(Failure) -> JSON {
        index += 1
        var object = JSONObject()
        skipSpaces()
        if index < chars.count, chars[index] == "}" { index += 1; return .object(object) }
        while true {
            skipSpaces()
            let key = readKey()
            try expect("=")
            object[key] = try values()
            skipSpaces()
            guard index < chars.count else { throw error("Expected: '}', received: 'EOF'") }
            if chars[index] == "}" { index += 1; return .object(object) }
            try expect(",")
        }
    }

    private mutating func expect(_ c: Character) throws(Failure) {
        skipSpaces()
        guard index < chars.count else { throw error("Expected: '\(c)', received: 'EOF'") }
        guard chars[index] == c else { throw error("Expected: '\(c)', received: '\(chars[index])'") }
        index += 1
    }

    private mutating func skipSpaces() {
        while index < chars.count, chars[index] == " " || chars[index] == "\n" || chars[index] == "\t" { index += 1 }
    }

    private func error(_ message: String) -> Failure {
        let caret = String(repeating: " ", count: min(index, chars.count)) + "^"
        return Failure(message: "\(message) for input:\n\(text)\n\(caret)")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
