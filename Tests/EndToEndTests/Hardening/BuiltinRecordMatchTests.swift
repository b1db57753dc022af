import LambdaSimJSON
import XCTest

/// `partial-batch:TEXT` and `poison:TEXT` look for TEXT in a record's content only (an SQS body,
/// Kinesis data, DynamoDB keys and images, an SNS message), never in its ids or receipt handle.
final class BuiltinRecordMatchTests: XCTestCase {
    let event = #"""
        {"Records":[
          {"messageId":"id-XYZ","receiptHandle":"rh-XYZ","body":"plain","eventSource":"aws:sqs"},
          {"messageId":"id-2","receiptHandle":"rh-2","body":"has XYZ inside","eventSource":"aws:sqs"},
          {"kinesis":{"sequenceNumber":"seq-XYZ","partitionKey":"XYZ","data":"cGxhaW4="},"eventSource":"aws:kinesis"},
          {"kinesis":{"sequenceNumber":"seq-2","partitionKey":"k","data":"WFla"},"eventSource":"aws:kinesis"},
          {"dynamodb":{"SequenceNumber":"XYZ1","Keys":{"id":{"S":"a"}}},"eventID":"XYZ","eventSource":"aws:dynamodb"},
          {"dynamodb":{"SequenceNumber":"d2","Keys":{"id":{"S":"a"}},"NewImage":{"v":{"S":"XYZ"}}},"eventSource":"aws:dynamodb"}
        ]}
        """#

    func testPartialBatchMatchesContentOnly() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "pb", "--runtime", "builtin", "--handler", "partial-batch:XYZ")
        let r = try s.run(["invoke", "--function-name", "pb", "--payload", event, "out.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderrText)
        let answer = try JSONParser.parse(bytes: s.read("out.json") ?? [])
        let failed = answer["batchItemFailures"]?.arrayValue?.compactMap { $0["itemIdentifier"]?.stringValue }
        XCTAssertEqual(failed, ["id-2", "seq-2", "d2"])
    }

    func testPoisonMatchesContentOnly() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "p", "--runtime", "builtin", "--handler", "poison:rh-XYZ")
        let clean = try s.run(["invoke", "--function-name", "p", "--payload", event, "out.json"])
        XCTAssertFalse(clean.stdoutText.contains("FunctionError"), "a receipt handle is not content")
        try s.setup("create-function", "--function-name", "p2", "--runtime", "builtin", "--handler", "poison:XYZ inside")
        let hit = try s.run(["invoke", "--function-name", "p2", "--payload", event, "out.json"])
        XCTAssertTrue(hit.stdoutText.contains("FunctionError"), hit.stdoutText)
        XCTAssertTrue(String(decoding: s.read("out.json") ?? [], as: UTF8.self).contains("PoisonRecordError"))
    }
}
