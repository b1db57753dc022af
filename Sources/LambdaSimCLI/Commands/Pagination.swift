import Foundation
import LambdaSimJSON
import LambdaSimSupport

/// One of botocore's paginator definitions (`paginators-1.json`), as generated into
/// `Paginators.swift`: which members carry the page token in and out, the page-size member,
/// the lists (or counts) to merge, and what else the first page contributes.
struct PaginatorModel: Sendable {
    var inputToken: [String]
    var outputToken: [String]
    var limitKey: String?
    var resultKeys: [String]
    var moreResults: String?
    var nonAggregateKeys: [String]

    static func find(service: String, operation: String) -> PaginatorModel? { all[service + " " + operation] }
}

/// The CLI's client-side paging options (`--max-items`, `--page-size`, `--starting-token`).
struct PagingOptions {
    var maxItems: Int?
    var pageSize: Int?
    var startingToken: String?
}

/// The AWS CLI's pagination, as botocore's `PageIterator` does it: fetch every page (or up to
/// `--max-items` items), resume from `--starting-token`, and hand back each page plus the
/// `NextToken` to resume with. Tokens are botocore's: the base64 of the JSON of the next
/// request's input tokens, with `boto_truncate_amount` when a page was cut short.
struct Paginator {
    var model: PaginatorModel

    struct Result {
        var pages: [JSON]
        /// The first page's non-aggregated members (`non_aggregate_keys`).
        var nonAggregate: JSONObject
        var resumeToken: String?
    }

    func run(params: JSONObject, options: PagingOptions, call: (JSONObject) throws -> JSON) throws -> Result {
        var kwargs = params
        var nextToken: [(String, JSON)] = model.inputToken.map { ($0, JSON.null) }
        var startingTruncation = 0
        if let token = options.startingToken {
            (nextToken, startingTruncation) = try parseStartingToken(token)
            for (key, value) in nextToken where !value.isNull { kwargs[key] = value }
        }
        if let size = options.pageSize, let limit = model.limitKey { kwargs[limit] = .int(size) }
        guard let primary = model.resultKeys.first else { return Result(pages: [try call(kwargs)], nonAggregate: JSONObject()) }
        var pages: [JSON] = []
        var nonAggregate = JSONObject()
        var totalItems = 0
        var first = true
        var previous: [(String, JSON)]?
        var resume: [(String, JSON)]?
        while true {
            var page = try call(kwargs)
            if first {
                if options.startingToken != nil {
                    // Drop the items the token's page had already given out.
                    let all = Self.search(primary, page)
                    var kept: JSON = .null
                    if let items = all.arrayValue { kept = .array(Array(items.dropFirst(min(startingTruncation, items.count)))) }
                    Self.set(&page, primary, kept)
                    for key in model.resultKeys.dropFirst() {
                        let sample = Self.search(key, page)
                        let empty: JSON
                        switch sample {
                        case .array: empty = .array([])
                        case .string: empty = .string("")
                        case .int, .double: empty = .int(0)
                        default: empty = .null
                        }
                        Self.set(&page, key, empty)
                    }
                }
                for key in model.nonAggregateKeys {
                    var holder = JSON.object(nonAggregate)
                    Self.set(&holder, key, Self.search(key, page))
                    nonAggregate = holder.objectValue ?? JSONObject()
                }
                first = false
            } else {
                startingTruncation = 0
            }
            let current = Self.search(primary, page).arrayValue ?? []
            let truncate = options.maxItems.map { totalItems + current.count - $0 } ?? 0
            if truncate > 0 {
                let keep = current.count - truncate
                Self.set(&page, primary, .array(Array(current.prefix(keep))))
                pages.append(page)
                resume = nextToken + [("boto_truncate_amount", .int(keep + startingTruncation))]
                break
            }
            pages.append(page)
            totalItems += current.count
            nextToken = self.nextToken(page)
            if nextToken.allSatisfy({ $0.1.isNull }) { break }
            if let max = options.maxItems, totalItems == max {
                resume = nextToken
                break
            }
            if let previous, Self.same(previous, nextToken) {
                throw CLIError.other("The same next token was received twice: \(JSONWriter.string(.object(JSONObject(nextToken))))")
            }
            for (key, value) in nextToken { kwargs[key] = value.isNull ? nil : value }
            previous = nextToken
        }
        return Result(pages: pages, nonAggregate: nonAggregate, resumeToken: resume.map(Self.encode))
    }

    /// The input tokens of the next request, from a page's output tokens (all null: no more pages).
    func nextToken(_ page: JSON) -> [(String, JSON)] {
        if let more = model.moreResults, !Self.truthy(Self.search(more, page)) {
            return model.inputToken.map { ($0, JSON.null) }
        }
        return zip(model.outputToken, model.inputToken).map { output, input in
            let value = Self.search(output, page)
            return (input, Self.truthy(value) ? value : .null)
        }
    }

    /// botocore's `build_full_result`: the result keys of every page merged (lists joined,
    /// counts added), then the first page's non-aggregated members, then `NextToken`.
    func fullResult(_ result: Result) -> JSON {
        var complete = JSON.object(JSONObject())
        for page in result.pages {
            for key in model.resultKeys {
                let value = Self.search(key, page)
                if value.isNull { continue }
                let existing = Self.search(key, complete)
                switch (existing, value) {
                case (.null, _): Self.set(&complete, key, value)
                case let (.array(a), .array(b)): Self.set(&complete, key, .array(a + b))
                case let (.int(a), .int(b)): Self.set(&complete, key, .int(a + b))
                case let (.string(a), .string(b)): Self.set(&complete, key, .string(a + b))
                default: break
                }
            }
        }
        var object = complete.objectValue ?? JSONObject()
        for (key, value) in result.nonAggregate where object[key] == nil { object[key] = value }
        if let token = result.resumeToken { object["NextToken"] = .string(token) }
        return .object(object)
    }

    /// The pages as the CLI's text format prints them: the first with the non-aggregated
    /// members, each with its result keys, then `{"NextToken": {"NextToken": …}}` when resumable.
    func textPages(_ result: Result) -> [JSON] {
        var out: [JSON] = []
        for (i, page) in result.pages.enumerated() {
            var current = JSON.object(i == 0 ? result.nonAggregate : JSONObject())
            for key in model.resultKeys { Self.set(&current, key, Self.search(key, page)) }
            out.append(current)
        }
        if let token = result.resumeToken {
            out.append(.object(JSONObject([("NextToken", .object(JSONObject([("NextToken", .string(token))])))])))
        }
        return out
    }

    // MARK: - Tokens

    /// botocore's `TokenEncoder`: base64 of Python's `json.dumps` of the token.
    static func encode(_ token: [(String, JSON)]) -> String {
        Base64.encode(Array(pythonDumps(.object(JSONObject(token))).utf8))
    }

    /// botocore's `_parse_starting_token`, with its fallback to the older `A___B___N` form.
    func parseStartingToken(_ text: String) throws -> ([(String, JSON)], Int) {
        if let bytes = Base64.decode(text), let object = try? JSONParser.parse(bytes: bytes).objectValue {
            var token = object
            var index = 0
            if let amount = token["boto_truncate_amount"] {
                index = amount.intValue ?? 0
                token["boto_truncate_amount"] = nil
            }
            return (model.inputToken.map { ($0, token[$0] ?? .null) }, index)
        }
        var parts = text.components(separatedBy: "___")
        var index = 0
        if parts.count == model.inputToken.count + 1 {
            if let n = Int(parts[parts.count - 1]) {
                index = n
                parts.removeLast()
            } else {
                parts = [text]
            }
        }
        guard parts.count == model.inputToken.count else { throw CLIError.other("Bad starting token: \(text)") }
        return (zip(model.inputToken, parts).map { ($0, $1 == "None" ? JSON.null : JSON.string($1)) }, index)
    }

    /// Python's `json.dumps` with its default separators and `ensure_ascii`.
    static func pythonDumps(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return PythonText.floatRepr(d)
        case let .string(s):
            var out = "\""
            for unit in s.utf16 {
                switch unit {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                default: out += "\\u" + String(repeating: "0", count: 4 - String(unit, radix: 16).count) + String(unit, radix: 16)
                }
            }
            return out + "\""
        case let .array(items): return "[" + items.map(pythonDumps).joined(separator: ", ") + "]"
        case let .object(o): return "{" + o.map { pythonDumps(.string($0.key)) + ": " + pythonDumps($0.value) }.joined(separator: ", ") + "}"
        }
    }

    // MARK: - Paths

    static func search(_ expression: String, _ value: JSON) -> JSON {
        guard let compiled = try? JMESPathExpression(expression) else { return .null }
        return (try? compiled.search(value)) ?? .null
    }

    /// botocore's `set_value_from_jmespath`: a dotted path, creating objects on the way.
    static func set(_ root: inout JSON, _ path: String, _ value: JSON) {
        let parts = path.split(separator: ".").map(String.init)
        root = setting(root, parts[...], value)
    }

    private static func setting(_ node: JSON, _ parts: ArraySlice<String>, _ value: JSON) -> JSON {
        guard let key = parts.first else { return value }
        var object = node.objectValue ?? JSONObject()
        object[key] = setting(object[key] ?? .object(JSONObject()), parts.dropFirst(), value)
        return .object(object)
    }

    static func truthy(_ value: JSON) -> Bool {
        switch value {
        case .null: return false
        case let .bool(b): return b
        case let .string(s): return !s.isEmpty
        case let .array(a): return !a.isEmpty
        case let .object(o): return !o.isEmpty
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        }
    }

    static func same(_ a: [(String, JSON)], _ b: [(String, JSON)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
