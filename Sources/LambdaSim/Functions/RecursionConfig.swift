import LambdaSimJSON

/// Recursive loop detection's per-function setting (`put-` / `get-function-recursion-config`).
///
/// Lambda stops a chain of invocations through SQS, SNS, S3 and Lambda itself once the same
/// request chain has invoked the function about 16 times, unless the function's setting is
/// `Allow` (AWS Lambda Developer Guide, "Recursive loop detection"). The chain travels as the
/// `Lineage` of the X-Ray trace header (see `RecursionChain`).
extension Engine {
    func putFunctionRecursionConfig(_ p: JSONObject) throws -> JSON {
        let value = p.string("RecursiveLoop") ?? ""
        guard value == "Allow" || value == "Terminate" else {
            throw ServiceError.constraint(value: value, field: "recursiveLoop", "Member must satisfy enum value set: [Allow, Terminate]")
        }
        return try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            state.functions[found.key]?.recursiveLoop = value == "Allow" ? "Allow" : nil
            return .object(JSONObject([("RecursiveLoop", .string(value))]))
        }
    }

    func getFunctionRecursionConfig(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        return .object(JSONObject([("RecursiveLoop", .string(found.record.recursiveLoop ?? "Terminate"))]))
    }
}

/// The chain of one triggering event, as the `Lineage` part of the X-Ray trace header
/// (`Root=…;Parent=…;Sampled=0;Lineage=<hash>:<count>|<hash>:<count>`): per function (a hash of
/// its unqualified ARN) how many times the chain has invoked it. Lambda gives the function a
/// trace header with its own count raised by one; an SDK in the function sends it along
/// (botocore's `X-Amzn-Trace-Id`), SQS keeps it as the message's `AWSTraceHeader`, and the next
/// invocation of the same function reads it back.
public struct RecursionChain: Equatable, Sendable {
    /// Lambda stops the invocation after the function has been invoked this many times in one
    /// chain ("more than 16 times, Lambda stops the next invocation").
    public static let maximumInvocations = 16

    public var counts: [String: Int] = [:]

    public init(counts: [String: Int] = [:]) { self.counts = counts }

    /// The chain in a trace header (nil when it has no `Lineage`).
    public init?(traceHeader: String) {
        guard let range = traceHeader.range(of: "Lineage=") else { return nil }
        let value = traceHeader[range.upperBound...].prefix { $0 != ";" && $0 != "\"" }
        for part in value.split(separator: "|") {
            let fields = part.split(separator: ":")
            guard fields.count >= 2, let count = Int(fields[fields.count - 1]), count >= 0 else { continue }
            let hash = String(fields[fields.count - 2])
            counts[hash] = max(counts[hash] ?? 0, count)
        }
        if counts.isEmpty { return nil }
    }

    /// The chains of several events (a batch): the highest count per function.
    public mutating func merge(_ other: RecursionChain) {
        for (hash, count) in other.counts { counts[hash] = max(counts[hash] ?? 0, count) }
    }

    /// FNV-1a of the function's unqualified ARN, as 8 hex digits.
    public static func hash(functionArn: String) -> String {
        var h: UInt32 = 2_166_136_261
        for byte in functionArn.utf8 {
            h ^= UInt32(byte)
            h = h &* 16_777_619
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    public func count(functionArn: String) -> Int { counts[Self.hash(functionArn: functionArn)] ?? 0 }

    /// The chain the function's invocation carries on: its own count raised by one.
    public func invoking(functionArn: String) -> RecursionChain {
        var next = self
        next.counts[Self.hash(functionArn: functionArn), default: 0] += 1
        return next
    }

    /// `hash:count|hash:count`, in hash order.
    public var lineage: String { counts.keys.sorted().map { "\($0):\(counts[$0] ?? 0)" }.joined(separator: "|") }

    /// The chain carried by SQS records' `AWSTraceHeader` attributes in an event's bytes (nil
    /// when none carries a `Lineage`; the bytes are only parsed when they contain one).
    static func fromRecords(_ records: [[UInt8]]) -> RecursionChain? {
        let needle = Array("Lineage=".utf8)
        var chain: RecursionChain?
        for record in records {
            guard let start = firstIndex(of: needle, in: record) else { continue }
            var end = start
            while end < record.count, record[end] != UInt8(ascii: "\""), record[end] != UInt8(ascii: ";") { end += 1 }
            guard let text = String(bytes: record[start..<end], encoding: .utf8), let found = RecursionChain(traceHeader: text) else { continue }
            if chain == nil { chain = found } else { chain?.merge(found) }
        }
        return chain
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0] {
                var j = 1
                while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
