import Foundation
import LambdaSimJSON
import LambdaSimSupport
import XCTest

@testable import LambdaSim

/// The filter-pattern compiler and matcher against the AWS-validated cases in
/// `<package root>/../shared/testdata/{esm-filters,event-patterns}` (see its README).
final class FilterPatternTests: XCTestCase {
    static func testData(_ relative: String) throws -> JSON {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("shared/testdata/" + relative).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let message = "test data not found at \(url.path); skipping"
            print(message)
            throw XCTSkip(message)
        }
        return try JSONParser.parse(bytes: data)
    }

    static func criteria(_ pattern: JSON?) -> JSON {
        var filter = JSONObject()
        if let pattern, !pattern.isNull { filter["Pattern"] = pattern }
        return .object(JSONObject([("Filters", .array([.object(filter)]))]))
    }

    static func sqsRecord(body: String) -> JSON {
        .object(JSONObject([
            ("messageId", "059f36b4-87a3-44ab-83d2-661975830a7d"), ("receiptHandle", "AQEB"), ("body", .string(body)),
            ("attributes", .object(JSONObject([("ApproximateReceiveCount", "1")]))), ("messageAttributes", .object(JSONObject())),
            ("md5OfMessageAttributes", .null), ("md5OfBody", "x"), ("eventSource", "aws:sqs"),
            ("eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:q"), ("awsRegion", "us-east-1"),
        ]))
    }

    static func kinesisRecord(data: String) -> JSON {
        .object(JSONObject([
            ("kinesis", .object(JSONObject([
                ("kinesisSchemaVersion", "1.0"), ("partitionKey", "1"), ("sequenceNumber", "1"),
                ("data", .string(Base64.encode(Array(data.utf8)))), ("approximateArrivalTimestamp", 1545084650.987),
            ]))),
            ("eventSource", "aws:kinesis"), ("eventID", "shardId-000000000000:1"),
        ]))
    }

    func testESMFilterCases() throws {
        let cases = try Self.testData("esm-filters/cases.json").arrayValue ?? []
        XCTAssertFalse(cases.isEmpty)
        var checked = 0
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            guard let source = c["source"]?.stringValue, let kind = EventSourceMapping.Kind(rawValue: source) else {
                XCTFail("\(name): unknown source")
                continue
            }
            let expect = c["expect"]?.stringValue ?? (c["error"] != nil ? "invalid-pattern" : "sequence")
            let criteria = Self.criteria(c["pattern"])
            if expect == "invalid-pattern" {
                XCTAssertThrowsError(try EventFilters(criteria: criteria, kind: kind), name)
                checked += 1
                continue
            }
            let filters: EventFilters
            do { filters = try EventFilters(criteria: criteria, kind: kind) } catch {
                XCTFail("\(name): pattern refused: \(error.reason)")
                continue
            }
            if kind == .dynamodb {
                // The stream records AWS delivered all pass the filter (the sequences run end to end).
                for record in c["recorded_records"]?.arrayValue ?? [] where record["dynamodb"]?["ApproximateCreationDateTime"]?.stringValue == nil {
                    XCTAssertTrue(filters.matches(record: record), name)
                }
                checked += 1
                continue
            }
            let payload = c["payload"]?.stringValue ?? ""
            let record = kind == .sqs ? Self.sqsRecord(body: payload) : Self.kinesisRecord(data: payload)
            XCTAssertEqual(filters.matches(record: record), expect == "match", name)
            checked += 1
        }
        XCTAssertEqual(checked, cases.count)
    }

    func testEventPatternCases() throws {
        var cases = try Self.testData("event-patterns/cases.json").arrayValue ?? []
        cases += (try? Self.testData("event-patterns/extra-cases.json").arrayValue) ?? []
        var failures: [String] = []
        var checked = 0
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            let expect = c["expect"]?.stringValue ?? ""
            guard expect != "invalid-event" else { continue }
            let pattern: FilterPattern
            do {
                if let text = c["pattern"]?.stringValue { pattern = try FilterPattern(text: text) } else { pattern = try FilterPattern(c["pattern"] ?? .null) }
            } catch {
                checked += 1
                if expect != "invalid-pattern" { failures.append("\(name): refused (\(error.reason))") }
                continue
            }
            checked += 1
            if expect == "invalid-pattern" {
                failures.append("\(name): accepted an invalid pattern")
                continue
            }
            var event = c["event"] ?? .null
            if let text = event.stringValue, let parsed = try? JSONParser.parse(text) { event = parsed }
            if pattern.matches(event) != (expect == "match") { failures.append("\(name): expected \(expect)") }
        }
        XCTAssertGreaterThanOrEqual(checked, 155)
        XCTAssertEqual(failures, [])
    }

    func testOperatorsDirectly() throws {
        let p = try FilterPattern(text: #"{"a": [{"wildcard": "x*z"}], "b": [{"cidr": "10.0.0.0/8"}], "$or": [{"c": [1]}, {"d": [{"exists": false}]}]}"#)
        XCTAssertTrue(p.matches(["a": "xyz", "b": "10.1.2.3", "c": 1] as JSON))
        XCTAssertTrue(p.matches(["a": "xz", "b": "10.1.2.3"] as JSON))
        XCTAssertFalse(p.matches(["a": "xz", "b": "11.1.2.3"] as JSON))
        XCTAssertFalse(p.matches(["a": "xz", "b": "10.1.2.3", "c": 2, "d": 1] as JSON))
        XCTAssertThrowsError(try FilterPattern(text: #"{"a": "scalar"}"#))
        XCTAssertThrowsError(try FilterPattern(text: #"{"a": []}"#))
        XCTAssertThrowsError(try FilterPattern(text: #"{"a": [{"numeric": ["<", 5, ">", 1]}]}"#))
    }
}
