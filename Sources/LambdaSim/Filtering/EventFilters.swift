import LambdaSimJSON
import LambdaSimSupport

/// An event source mapping's FilterCriteria, compiled: a record goes to the function when any
/// filter matches it (reference §4). The subject a pattern sees depends on the source:
///
/// - SQS: the record with `body` parsed when it holds a JSON object (a plain-text body stays a
///   string, so only plain `body` patterns can match it, and a JSON body never matches a plain
///   one);
/// - Kinesis: the record's `kinesis` fields at the top level (`partitionKey`, `data`, …) with
///   `data` base64-decoded and parsed when it is a JSON object;
/// - DynamoDB: the record as delivered (`eventName`, `dynamodb` with its type keys).
public struct EventFilters: Sendable {
    public let patterns: [FilterPattern]
    public let kind: EventSourceMapping.Kind

    public var isEmpty: Bool { patterns.isEmpty }

    /// Compiles the `FilterCriteria` member of a mapping's configuration (nil or no filters:
    /// everything passes). Throws `FilterPatternError` for an invalid pattern.
    public init(criteria: JSON?, kind: EventSourceMapping.Kind) throws(FilterPatternError) {
        self.kind = kind
        var compiled: [FilterPattern] = []
        for filter in criteria?["Filters"]?.arrayValue ?? [] {
            guard let text = filter["Pattern"]?.stringValue else { throw FilterPatternError("Filter has no pattern") }
            if text.utf8.count > 4096 { throw FilterPatternError("Pattern longer than 4096 characters") }
            let pattern = try FilterPattern(text: text)
            // Kinesis data must be filtered as JSON: a plain-string data pattern is refused.
            if kind == .kinesis, pattern.topLevelKeys.contains("data"), !pattern.isObjectPattern(at: "data") {
                throw FilterPatternError("Kinesis data can only be filtered as JSON")
            }
            compiled.append(pattern)
        }
        patterns = compiled
    }

    /// Whether the record (in the shape the function receives) passes the filters.
    public func matches(record: JSON) -> Bool {
        if patterns.isEmpty { return true }
        let subject = FlatEvent(Self.subject(record, kind: kind))
        return patterns.contains { $0.matches(subject) }
    }

    static func subject(_ record: JSON, kind: EventSourceMapping.Kind) -> JSON {
        guard var object = record.objectValue else { return record }
        switch kind {
        case .sqs:
            if let body = object["body"]?.stringValue, let parsed = try? JSONParser.parse(body), parsed.objectValue != nil {
                object["body"] = parsed
            }
        case .kinesis:
            if let kinesis = object["kinesis"]?.objectValue {
                for (key, value) in kinesis { object[key] = value }
                if let data = kinesis["data"]?.stringValue, let bytes = Base64.decode(data) {
                    if let parsed = try? JSONParser.parse(bytes: bytes), parsed.objectValue != nil {
                        object["data"] = parsed
                    } else {
                        object["data"] = .string(String(decoding: bytes, as: UTF8.self))
                    }
                }
            }
        case .dynamodb:
            break
        }
        return .object(object)
    }
}
