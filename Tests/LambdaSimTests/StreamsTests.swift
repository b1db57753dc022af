import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// Engine-level tests of the local Kinesis streams and DynamoDB tables (Streams/), each on a
/// fresh state in a private temporary directory with a manual clock.
final class StreamsTests: EngineTestCase {

    // MARK: Kinesis

    func testCreateDescribeListStreams() throws {
        XCTAssertEqual(try call("CreateStream", #"{"StreamName":"s","ShardCount":2}"#), .object(JSONObject()))
        let d = try call("DescribeStream", #"{"StreamName":"s"}"#)["StreamDescription"]
        XCTAssertEqual(d?["StreamARN"], "arn:aws:kinesis:us-east-1:123456789012:stream/s")
        XCTAssertEqual(d?["StreamStatus"], "ACTIVE")
        XCTAssertEqual(d?["StreamModeDetails"]?["StreamMode"], "PROVISIONED")
        let shards = d?["Shards"]?.arrayValue ?? []
        XCTAssertEqual(shards.map { $0["ShardId"]?.stringValue ?? "" }, ["shardId-000000000000", "shardId-000000000001"])
        XCTAssertEqual(shards.first?["HashKeyRange"]?["EndingHashKey"], "170141183460469231731687303715884105727")
        XCTAssertEqual(shards.last?["HashKeyRange"]?["StartingHashKey"], "170141183460469231731687303715884105728")
        XCTAssertEqual(shards.last?["HashKeyRange"]?["EndingHashKey"], "340282366920938463463374607431768211455")
        // No shard count: an on-demand stream with 4 shards.
        try call("CreateStream", #"{"StreamName":"od"}"#)
        let od = try call("DescribeStream", #"{"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/od"}"#)["StreamDescription"]
        XCTAssertEqual(od?["StreamModeDetails"]?["StreamMode"], "ON_DEMAND")
        XCTAssertEqual(od?["Shards"]?.arrayValue?.count, 4)
        XCTAssertEqual(try call("ListStreams", "{}")["StreamNames"], ["od", "s"])
        XCTAssertEqual(serviceError("CreateStream", #"{"StreamName":"s","ShardCount":1}"#)?.code, "ResourceInUseException")
        XCTAssertEqual(serviceError("DescribeStream", #"{"StreamName":"nope"}"#)?.message,
                       "Stream nope under account 123456789012 not found.")
    }

    func testPutRecordRoutesByPartitionKeyMD5() throws {
        try call("CreateStream", #"{"StreamName":"s","ShardCount":2}"#)
        // MD5("a") = 0cc175b9…: below 2^127, so shard 0; MD5("b") = 92eb5ffe…: shard 1.
        let a = try call("PutRecord", #"{"StreamName":"s","Data":"aGk=","PartitionKey":"a"}"#)
        let b = try call("PutRecord", #"{"StreamName":"s","Data":"aGk=","PartitionKey":"b"}"#)
        XCTAssertEqual(a["ShardId"], "shardId-000000000000")
        XCTAssertEqual(b["ShardId"], "shardId-000000000001")
        let sa = a["SequenceNumber"]?.stringValue ?? ""
        let sb = b["SequenceNumber"]?.stringValue ?? ""
        XCTAssertEqual(sa.count, 56)
        XCTAssertLessThan(sa, sb)
        let many = try call("PutRecords", #"{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"a"},{"Data":"eQ==","PartitionKey":"b","ExplicitHashKey":"0"}]}"#)
        XCTAssertEqual(many["FailedRecordCount"], 0)
        XCTAssertEqual(many["Records"]?.arrayValue?.map { $0["ShardId"]?.stringValue ?? "" }, ["shardId-000000000000", "shardId-000000000000"])
        // One shard holds the whole hash key space.
        try call("CreateStream", #"{"StreamName":"one","ShardCount":1}"#)
        XCTAssertEqual(try call("PutRecord", #"{"StreamName":"one","Data":"aGk=","PartitionKey":"b"}"#)["ShardId"], "shardId-000000000000")
        let lines = String(decoding: FileManager.default.contents(atPath: directory + "/kinesis/us-east-1/s.jsonl") ?? Data(), as: UTF8.self)
        XCTAssertEqual(lines.split(separator: "\n").count, 4)
    }

    // MARK: DynamoDB

    private func createTable(_ view: String = "NEW_AND_OLD_IMAGES") throws -> JSON {
        try call("CreateTable", #"{"TableName":"Tab","AttributeDefinitions":[{"AttributeName":"Id","AttributeType":"N"}],"KeySchema":[{"AttributeName":"Id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"\#(view)"}}"#)
    }

    private func streamRecords() -> [JSON] {
        let text = String(decoding: FileManager.default.contents(atPath: directory + "/dynamodb/us-east-1/Tab.stream.jsonl") ?? Data(), as: UTF8.self)
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["b"] }
    }

    func testCreateDescribeListTables() throws {
        let created = try createTable()["TableDescription"]
        XCTAssertEqual(created?["TableStatus"], "CREATING")
        XCTAssertEqual(created?["LatestStreamArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/Tab/stream/2026-01-01T00:00:00.000")
        XCTAssertEqual(created?["BillingModeSummary"]?["BillingMode"], "PAY_PER_REQUEST")
        XCTAssertEqual(try call("DescribeTable", #"{"TableName":"Tab"}"#)["Table"]?["TableStatus"], "ACTIVE")
        XCTAssertEqual(try call("ListTables", "{}")["TableNames"], ["Tab"])
        XCTAssertEqual(serviceError("DescribeTable", #"{"TableName":"Nope"}"#)?.message, "Requested resource not found: Table: Nope not found")
        XCTAssertEqual(serviceError("CreateTable", JSONWriter.string(JSON.object(JSONObject([("TableName", "Tab")]))))?.code, "ValidationException")
    }

    func testItemsAndStreamRecords() throws {
        _ = try createTable()
        try call("PutItem", #"{"TableName":"Tab","Item":{"Id":{"N":"101"},"Message":{"S":"New item!"}}}"#)
        // The same item again changes nothing: no stream record.
        try call("PutItem", #"{"TableName":"Tab","Item":{"Id":{"N":"101"},"Message":{"S":"New item!"}}}"#)
        let updated = try call("UpdateItem", ##"{"TableName":"Tab","Key":{"Id":{"N":"101"}},"UpdateExpression":"SET #m = :m, C = if_not_exists(C, :z) + :one","ExpressionAttributeNames":{"#m":"Message"},"ExpressionAttributeValues":{":m":{"S":"x"},":z":{"N":"0"},":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}"##)
        XCTAssertEqual(JSONWriter.string(updated), #"{"Attributes":{"Message":{"S":"x"},"C":{"N":"1"}}}"#)
        try call("UpdateItem", #"{"TableName":"Tab","Key":{"Id":{"N":"101"}},"UpdateExpression":"REMOVE C"}"#)
        XCTAssertEqual(JSONWriter.string(try call("GetItem", #"{"TableName":"Tab","Key":{"Id":{"N":"101"}}}"#)),
                       #"{"Item":{"Id":{"N":"101"},"Message":{"S":"x"}}}"#)
        XCTAssertEqual(try call("Scan", #"{"TableName":"Tab"}"#)["Count"], 1)
        let deleted = try call("DeleteItem", #"{"TableName":"Tab","Key":{"Id":{"N":"101"}},"ReturnValues":"ALL_OLD"}"#)
        XCTAssertEqual(deleted["Attributes"]?["Message"], ["S": "x"])
        XCTAssertEqual(try call("GetItem", #"{"TableName":"Tab","Key":{"Id":{"N":"101"}}}"#), .object(JSONObject()))
        let records = streamRecords()
        XCTAssertEqual(records.map { $0["eventName"]?.stringValue ?? "" }, ["INSERT", "MODIFY", "MODIFY", "REMOVE"])
        let insert = records[0]
        XCTAssertEqual(insert["eventVersion"], "1.1")
        XCTAssertEqual(insert["eventSource"], "aws:dynamodb")
        XCTAssertEqual(insert["dynamodb"]?["Keys"], ["Id": ["N": "101"]])
        XCTAssertEqual(insert["dynamodb"]?["SizeBytes"], 26)  // reference §3.4's example item
        XCTAssertNil(insert["dynamodb"]?["OldImage"])
        XCTAssertEqual(records[1]["dynamodb"]?["OldImage"]?["Message"], ["S": "New item!"])
        XCTAssertNil(records[3]["dynamodb"]?["NewImage"])
        let sequences = records.compactMap { $0["dynamodb"]?["SequenceNumber"]?.stringValue }
        XCTAssertEqual(sequences, sequences.sorted())
        // Errors.
        XCTAssertEqual(serviceError("PutItem", #"{"TableName":"Tab","Item":{"Other":{"S":"x"}}}"#)?.message,
                       "One or more parameter values were invalid: Missing the key Id in the item")
        XCTAssertEqual(serviceError("GetItem", #"{"TableName":"Tab","Key":{"Id":{"S":"x"}}}"#)?.message,
                       "The provided key element does not match the schema")
        XCTAssertEqual(serviceError("PutItem", #"{"TableName":"Tab","Item":{"Id":{"N":"1"}},"ConditionExpression":"attribute_exists(Id)"}"#)?.code,
                       "ConditionalCheckFailedException")
    }

    func testKeysOnlyStream() throws {
        _ = try createTable("KEYS_ONLY")
        try call("PutItem", #"{"TableName":"Tab","Item":{"Id":{"N":"1"},"A":{"S":"x"}}}"#)
        let ddb = streamRecords().first?["dynamodb"]
        XCTAssertEqual(ddb?["Keys"], ["Id": ["N": "1"]])
        XCTAssertNil(ddb?["NewImage"])
        XCTAssertEqual(ddb?["StreamViewType"], "KEYS_ONLY")
    }
}
