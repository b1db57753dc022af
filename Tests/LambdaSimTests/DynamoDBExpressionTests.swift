import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// Engine-level tests of DynamoDB's FilterExpression, ConditionExpression and
/// ProjectionExpression on a local table (Streams/DynamoDBExpressions.swift).
final class DynamoDBExpressionTests: EngineTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try call("CreateTable", #"{"TableName":"Tab","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#)
        let items = [
            #"{"id":{"S":"a"},"n":{"N":"1"},"name":{"S":"apple"},"tags":{"SS":["red","fruit"]},"info":{"M":{"color":{"S":"red"},"sizes":{"L":[{"N":"3"},{"N":"5"}]}}}}"#,
            #"{"id":{"S":"b"},"n":{"N":"2"},"name":{"S":"banana"},"tags":{"SS":["yellow"]},"list":{"L":[{"S":"x"}]}}"#,
            #"{"id":{"S":"c"},"n":{"N":"10"},"name":{"S":"cherry"},"flag":{"BOOL":true}}"#,
            #"{"id":{"S":"d"},"name":{"S":"date"}}"#,
        ]
        for item in items { try call("PutItem", #"{"TableName":"Tab","Item":\#(item)}"#) }
    }


    /// The ids a scan with this filter returns.
    private func ids(_ filter: String, values: String = "{}", names: String = "{}", file: StaticString = #filePath,
                     line: UInt = #line) -> [String] {
        do {
            let r = try call("Scan", #"{"TableName":"Tab","FilterExpression":"\#(filter)","ExpressionAttributeValues":\#(values),"ExpressionAttributeNames":\#(names)}"#)
            XCTAssertEqual(r["ScannedCount"], 4, file: file, line: line)
            XCTAssertEqual(r["Count"]?.intValue, r["Items"]?.arrayValue?.count, file: file, line: line)
            return (r["Items"]?.arrayValue ?? []).compactMap { $0["id"]?["S"]?.stringValue }
        } catch {
            XCTFail("\(filter): \(error)", file: file, line: line)
            return []
        }
    }

    func testScanFilterComparisons() {
        let v = #"{":one":{"N":"1"},":two":{"N":"2.0"},":ten":{"N":"10"},":b":{"S":"b"}}"#
        XCTAssertEqual(ids("n = :two", values: v), ["b"])
        XCTAssertEqual(ids("n <> :one", values: v), ["b", "c", "d"])
        XCTAssertEqual(ids("n < :ten", values: v), ["a", "b"])  // numeric, not lexical
        XCTAssertEqual(ids("n <= :two", values: v), ["a", "b"])
        XCTAssertEqual(ids("n > :one", values: v), ["b", "c"])
        XCTAssertEqual(ids("n >= :two", values: v), ["b", "c"])
        XCTAssertEqual(ids("#nm > :b", values: v, names: ##"{"#nm":"name"}"##), ["b", "c", "d"])
        XCTAssertEqual(ids("n BETWEEN :two AND :ten", values: v), ["b", "c"])
        XCTAssertEqual(ids("n IN (:one, :ten)", values: v), ["a", "c"])
        XCTAssertEqual(ids("n = :one OR n = :ten AND attribute_exists(flag)", values: v), ["a", "c"])
        XCTAssertEqual(ids("(n = :one OR n = :ten) AND NOT attribute_exists(flag)", values: v), ["a"])
        XCTAssertEqual(ids("NOT n > :one", values: v), ["a", "d"])
        XCTAssertEqual(ids("name = :b", values: v), [])  // type mismatch never matches
    }

    func testScanFilterFunctions() {
        let v = #"{":ap":{"S":"ap"},":red":{"S":"red"},":x":{"S":"x"},":ss":{"S":"SS"},":six":{"N":"6"},":two":{"N":"2"},":an":{"S":"an"}}"#
        XCTAssertEqual(ids("attribute_exists(tags)"), ["a", "b"])
        XCTAssertEqual(ids("attribute_not_exists(n)"), ["d"])
        XCTAssertEqual(ids("attribute_type(tags, :ss)", values: v), ["a", "b"])
        XCTAssertEqual(ids("begins_with(#n, :ap)", values: v, names: ##"{"#n":"name"}"##), ["a"])
        XCTAssertEqual(ids("contains(tags, :red)", values: v), ["a"])
        XCTAssertEqual(ids("contains(name, :an)", values: v), ["b"])
        XCTAssertEqual(ids("contains(list, :x)", values: v), ["b"])
        XCTAssertEqual(ids("size(name) >= :six", values: v), ["b", "c"])
        XCTAssertEqual(ids("size(tags) = :two", values: v), ["a"])
        XCTAssertEqual(ids("info.color = :red", values: v), ["a"])
        XCTAssertEqual(ids("info.sizes[1] > :two", values: v), ["a"])
    }

    func testScanCountsLimitSelectAndProjection() throws {
        let limited = try call("Scan", #"{"TableName":"Tab","Limit":3,"FilterExpression":"n > :v","ExpressionAttributeValues":{":v":{"N":"1"}}}"#)
        XCTAssertEqual(limited["ScannedCount"], 3)
        XCTAssertEqual(limited["Count"], 2)
        let counted = try call("Scan", #"{"TableName":"Tab","Select":"COUNT","FilterExpression":"n > :v","ExpressionAttributeValues":{":v":{"N":"1"}}}"#)
        XCTAssertNil(counted["Items"])
        XCTAssertEqual(counted["Count"], 2)
        XCTAssertEqual(counted["ScannedCount"], 4)
        let projected = try call("Scan", ##"{"TableName":"Tab","ProjectionExpression":"id, #n, info.sizes[1]","ExpressionAttributeNames":{"#n":"name"}}"##)
        let first = projected["Items"]?.arrayValue?.first
        XCTAssertEqual(first, ["id": ["S": "a"], "name": ["S": "apple"], "info": ["M": ["sizes": ["L": [["N": "5"]]]]]])
        XCTAssertEqual(projected["Items"]?.arrayValue?.last, ["id": ["S": "d"], "name": ["S": "date"]])
    }

    func testGetItemProjection() throws {
        let r = try call("GetItem", #"{"TableName":"Tab","Key":{"id":{"S":"a"}},"ProjectionExpression":"n, info.color, missing"}"#)
        XCTAssertEqual(r["Item"], ["n": ["N": "1"], "info": ["M": ["color": ["S": "red"]]]])
        XCTAssertEqual(serviceError("GetItem", ##"{"TableName":"Tab","Key":{"id":{"S":"a"}},"ProjectionExpression":"#x"}"##)?.message,
                       "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #x")
    }

    func testConditionExpressionsOnWrites() throws {
        let failed = "The conditional request failed"
        // PutItem: a comparison on the stored item.
        let put = serviceError("PutItem", #"{"TableName":"Tab","Item":{"id":{"S":"a"}},"ConditionExpression":"n > :v","ExpressionAttributeValues":{":v":{"N":"5"}}}"#)
        XCTAssertEqual(put?.code, "ConditionalCheckFailedException")
        XCTAssertEqual(put?.message, failed)
        XCTAssertEqual(put?.status, 400)
        try call("PutItem", ##"{"TableName":"Tab","Item":{"id":{"S":"a"},"n":{"N":"7"}},"ConditionExpression":"n < :v AND begins_with(#n, :p)","ExpressionAttributeValues":{":v":{"N":"5"},":p":{"S":"app"}},"ExpressionAttributeNames":{"#n":"name"}}"##)
        XCTAssertEqual(try call("GetItem", #"{"TableName":"Tab","Key":{"id":{"S":"a"}}}"#)["Item"]?["n"], ["N": "7"])
        // A new item: attribute_not_exists holds, comparisons do not.
        try call("PutItem", #"{"TableName":"Tab","Item":{"id":{"S":"new"}},"ConditionExpression":"attribute_not_exists(id)"}"#)
        XCTAssertEqual(serviceError("PutItem", #"{"TableName":"Tab","Item":{"id":{"S":"new2"}},"ConditionExpression":"n = :v","ExpressionAttributeValues":{":v":{"N":"5"}}}"#)?.code,
                       "ConditionalCheckFailedException")
        // UpdateItem.
        XCTAssertEqual(serviceError("UpdateItem", #"{"TableName":"Tab","Key":{"id":{"S":"b"}},"UpdateExpression":"SET n = :z","ConditionExpression":"n IN (:z, :v)","ExpressionAttributeValues":{":z":{"N":"0"},":v":{"N":"5"}}}"#)?.message,
                       failed)
        try call("UpdateItem", #"{"TableName":"Tab","Key":{"id":{"S":"b"}},"UpdateExpression":"SET n = :z","ConditionExpression":"n BETWEEN :z AND :v","ExpressionAttributeValues":{":z":{"N":"0"},":v":{"N":"5"}}}"#)
        XCTAssertEqual(try call("GetItem", #"{"TableName":"Tab","Key":{"id":{"S":"b"}}}"#)["Item"]?["n"], ["N": "0"])
        // DeleteItem.
        XCTAssertEqual(serviceError("DeleteItem", #"{"TableName":"Tab","Key":{"id":{"S":"c"}},"ConditionExpression":"flag = :f","ExpressionAttributeValues":{":f":{"BOOL":false}}}"#)?.code,
                       "ConditionalCheckFailedException")
        try call("DeleteItem", #"{"TableName":"Tab","Key":{"id":{"S":"c"}},"ConditionExpression":"flag = :f","ExpressionAttributeValues":{":f":{"BOOL":true}}}"#)
        XCTAssertNil(try call("GetItem", #"{"TableName":"Tab","Key":{"id":{"S":"c"}}}"#)["Item"])
    }

    func testInvalidExpressionsAreValidationErrors() {
        let syntax = serviceError("Scan", #"{"TableName":"Tab","FilterExpression":"n > > :v","ExpressionAttributeValues":{":v":{"N":"1"}}}"#)
        XCTAssertEqual(syntax?.code, "ValidationException")
        XCTAssertEqual(syntax?.message, #"Invalid FilterExpression: Syntax error; token: ">", near: "> > :v""#)
        XCTAssertEqual(serviceError("Scan", #"{"TableName":"Tab","FilterExpression":"n >"}"#)?.message,
                       #"Invalid FilterExpression: Syntax error; token: "<EOF>", near: ">""#)
        XCTAssertEqual(serviceError("Scan", #"{"TableName":"Tab","FilterExpression":"n = :nope"}"#)?.message,
                       "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :nope")
        XCTAssertEqual(serviceError("Scan", #"{"TableName":"Tab","FilterExpression":"frob(n)"}"#)?.message,
                       "Invalid FilterExpression: Invalid function name; function: frob")
        XCTAssertEqual(serviceError("PutItem", #"{"TableName":"Tab","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_exists(id"}"#)?.message,
                       #"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "id""#)
        XCTAssertEqual(serviceError("Scan", #"{"TableName":"Tab","ProjectionExpression":"a,,b"}"#)?.message,
                       #"Invalid ProjectionExpression: Syntax error; token: ",", near: ", , b""#)
    }

    func testUpdateItemDeleteAndAddOnSets() throws {
        let r = try call("UpdateItem", #"{"TableName":"Tab","Key":{"id":{"S":"a"}},"UpdateExpression":"DELETE tags :gone ADD tags :more","ExpressionAttributeValues":{":gone":{"SS":["red","blue"]},":more":{"SS":["fruit","sweet"]}},"ReturnValues":"UPDATED_NEW"}"#)
        XCTAssertEqual(r["Attributes"], ["tags": ["SS": ["fruit", "sweet"]]])
        // Deleting the last elements removes the attribute; a missing attribute is left alone.
        try call("UpdateItem", #"{"TableName":"Tab","Key":{"id":{"S":"b"}},"UpdateExpression":"DELETE tags :y, nothing :y","ExpressionAttributeValues":{":y":{"SS":["yellow"]}}}"#)
        XCTAssertNil(try call("GetItem", #"{"TableName":"Tab","Key":{"id":{"S":"b"}}}"#)["Item"]?["tags"])
        XCTAssertEqual(serviceError("UpdateItem", #"{"TableName":"Tab","Key":{"id":{"S":"a"}},"UpdateExpression":"DELETE tags :s","ExpressionAttributeValues":{":s":{"S":"red"}}}"#)?.message,
                       "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND")
        XCTAssertEqual(serviceError("UpdateItem", #"{"TableName":"Tab","Key":{"id":{"S":"a"}},"UpdateExpression":"DELETE name :s","ExpressionAttributeValues":{":s":{"SS":["apple"]}}}"#)?.message,
                       "An operand in the update expression has an incorrect data type")
    }
}
