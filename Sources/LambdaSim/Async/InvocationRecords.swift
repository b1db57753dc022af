import LambdaSimJSON

/// The documents asynchronous invocation sends to destinations and dead-letter queues
/// (reference lambda-semantics.md §2.2, §2.3), built straight into bytes: a `simulate` of
/// 100,000 events builds 100,000 of them.
enum AsyncRecords {
    /// The invocation record:
    /// `{"version":"1.0","timestamp":…,"requestContext":{…},"requestPayload":…,"responseContext":{…},"responsePayload":…}`.
    /// Without `last` (reserved concurrency 0: the function never ran) there is no response part.
    static func invocationRecord(timestampMs: SimInstant, requestId: String, functionArn: String, condition: String,
                                 approximateInvokeCount: Int, payload: [UInt8], last: LastAttempt?) -> [UInt8]
    {
        var iso = ISOWriter()
        return invocationRecord(timestampMs: timestampMs, requestId: requestId, functionArn: functionArn, condition: condition,
                                approximateInvokeCount: approximateInvokeCount, payload: payload, last: last, iso: &iso)
    }

    static func invocationRecord(timestampMs: SimInstant, requestId: String, functionArn: String, condition: String,
                                 approximateInvokeCount: Int, payload: [UInt8], last: LastAttempt?, iso: inout ISOWriter) -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(320 + payload.count + (last?.response.count ?? 0))
        out.appendStatic(#"{"version":"1.0","timestamp":""#)
        iso.append(timestampMs, into: &out)
        out.appendStatic(#"","requestContext":{"requestId":"#)
        appendString(requestId.utf8, into: &out)
        out.appendStatic(#","functionArn":"#)
        appendString(functionArn.utf8, into: &out)
        out.appendStatic(#","condition":"#)
        appendString(condition.utf8, into: &out)
        out.appendStatic(#","approximateInvokeCount":"#)
        out.appendDecimal(approximateInvokeCount)
        out.appendStatic(#"},"requestPayload":"#)
        appendValue(payload, into: &out)
        if let last {
            out.appendStatic(#","responseContext":{"statusCode":200,"executedVersion":"#)
            appendString(last.executedVersion.utf8, into: &out)
            if last.errorType != nil { out.appendStatic(#","functionError":"Unhandled""#) }
            out.appendStatic(#"},"responsePayload":"#)
            appendValue(last.response, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The DLQ message attributes: `RequestID`, `ErrorCode` (a Number: the HTTP status, 200 for
    /// a function error) and `ErrorMessage` (the first 1 KB of the error message).
    static func deadLetterAttributes(requestId: String, errorCode: Int, errorMessage: String) -> [String: MessageAttributeValue] {
        var message = errorMessage
        if message.utf8.count > 1024 {
            message = String(decoding: Array(message.utf8.prefix(1024)), as: UTF8.self)
        }
        return [
            "RequestID": MessageAttributeValue(dataType: "String", stringValue: requestId),
            "ErrorCode": MessageAttributeValue(dataType: "Number", stringValue: String(errorCode)),
            "ErrorMessage": MessageAttributeValue(dataType: "String", stringValue: message),
        ]
    }

    /// The `errorMessage` of a function error document, else the document itself.
    static func errorMessage(_ response: [UInt8]) -> String {
        if let doc = try? JSONParser.parse(bytes: response), let message = doc["errorMessage"]?.stringValue {
            return message
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// A JSON value embedded as compact JSON; text that is not JSON becomes a JSON string, and
    /// an empty response `null`.
    static func appendValue(_ bytes: [UInt8], into out: inout [UInt8]) {
        if bytes.isEmpty {
            out.appendStatic("null")
            return
        }
        var compactor = JSONCompactor(bytes)
        if let compact = compactor.run() {
            out += compact
        } else {
            appendString(bytes, into: &out)
        }
    }

    /// A JSON string literal (non-ASCII kept as UTF-8).
    static func appendString<C: Collection>(_ bytes: C, into out: inout [UInt8]) where C.Element == UInt8 {
        out.append(0x22)
        let done: Void? = bytes.withContiguousStorageIfAvailable { JSONWriter.appendEscaped($0, into: &out) }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { JSONWriter.appendEscaped($0, into: &out) }
        }
        out.append(0x22)
    }
}

/// Checks that bytes are one JSON value and returns them without insignificant whitespace
/// (what a JSON serializer would print), in one pass and without building a tree.
struct JSONCompactor {
    private let bytes: [UInt8]
    private var i = 0
    private var out: [UInt8] = []
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func run() -> [UInt8]? {
        out.reserveCapacity(bytes.count)
        skip()
        guard value() else { return nil }
        skip()
        return i == bytes.count ? out : nil
    }

    private mutating func skip() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value() -> Bool {
        guard i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    private mutating func container(close: UInt8, keyed: Bool) -> Bool {
        depth += 1
        guard depth < 512 else { return false }
        defer { depth -= 1 }
        out.append(bytes[i])
        i += 1
        skip()
        if i < bytes.count, bytes[i] == close {
            out.append(close)
            i += 1
            return true
        }
        while true {
            if keyed {
                guard i < bytes.count, bytes[i] == 0x22, string() else { return false }
                skip()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                out.append(bytes[i])
                i += 1
                skip()
            }
            guard value() else { return false }
            skip()
            guard i < bytes.count else { return false }
            if bytes[i] == UInt8(ascii: ",") {
                out.append(bytes[i])
                i += 1
                skip()
                continue
            }
            guard bytes[i] == close else { return false }
            out.append(close)
            i += 1
            return true
        }
    }

    private mutating func string() -> Bool {
        let start = i
        i += 1
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 {
                i += 1
                out += bytes[start..<i]
                return true
            }
            if b == 0x5C {
                guard i + 1 < bytes.count else { return false }
                switch bytes[i + 1] {
                case UInt8(ascii: "u"):
                    guard i + 5 < bytes.count,
                        bytes[(i + 2)...(i + 5)].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
                    else { return false }
                    i += 6
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                default: return false
                }
                continue
            }
            if b < 0x20 { return false }
            i += 1
        }
        return false
    }

    private mutating func literal(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return false }
        out += w
        i += w.count
        return true
    }

    private mutating func number() -> Bool {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        guard i < bytes.count else { return false }
        if bytes[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        out += bytes[start..<i]
        return true
    }
}
