import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// The SQS poller's pieces: how a batch's answer settles it (reference §3.6).
final class EventSourceRunnerTests: XCTestCase {
    func batch(response: String, error: String? = nil, report: Bool = true) -> EventSourceRunner.Batch {
        let function = FunctionVersion(name: "fn", region: "us-east-1", version: "$LATEST", runtime: "builtin", role: "r", handler: "echo",
                                       description: "", timeout: 3, memorySize: 128, environment: nil, codeSha256: "", codeSize: 0,
                                       lastModifiedMs: 0, revisionId: "rev", deadLetterTargetArn: nil, tracingMode: "PassThrough",
                                       layers: [], architectures: ["x86_64"], ephemeralStorage: 512, packageType: "Zip", code: nil,
                                       extras: nil)
        var b = EventSourceRunner.Batch(uuid: "u", functionKey: "us-east-1/fn", display: "fn", function: function, invokedArn: "arn",
                                        queueArn: "q", reportFailures: report, firstMs: 0, windowMs: 0, visibilityTimeout: 30)
        b.messageIds = ["m1", "m2", "m3"]
        b.handles = ["h1", "h2", "h3"]
        b.output = InvocationOutput(payload: Array(response.utf8), errorType: error, durationMs: 1, maxMemoryUsedMB: 32)
        return b
    }

    func testCompleteSuccessForms() {
        for response in ["", "null", "{}", "[]", #""""#, #"{"batchItemFailures":[]}"#, #"{"batchItemFailures":null}"#] {
            XCTAssertEqual(EventSourceRunner.failedIds(batch(response: response)), [], response)
        }
    }

    func testListedIdsOnly() {
        XCTAssertEqual(EventSourceRunner.failedIds(batch(response: #"{"batchItemFailures":[{"itemIdentifier":"m2"}]}"#)), ["m2"])
    }

    func testWholeBatchFailures() {
        for response in ["not json", #"{"batchItemFailures":[{"foo":"notvalid"}]}"#, #"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
                         #"{"batchItemFailures":[{"itemIdentifier":null}]}"#, #"{"batchItemFailures":[{"itemIdentifier":"unknown"}]}"#,
                         #"{"batchItemFailures":"x"}"#]
        {
            let settled = EventSourceRunner.settlement(batch(response: response))
            XCTAssertEqual(settled.failed, ["m1", "m2", "m3"], response)
            XCTAssertTrue(settled.invalid, response)
        }
        XCTAssertEqual(EventSourceRunner.failedIds(batch(response: "{}", error: "Error")), ["m1", "m2", "m3"])
        // Without ReportBatchItemFailures the response does not matter.
        XCTAssertEqual(EventSourceRunner.failedIds(batch(response: "not json", report: false)), [])
    }

    func testRecordShape() throws {
        let message = SQSReceivedMessage(messageId: "id", receiptHandle: "rh", body: "b", md5OfBody: "md5",
                                         attributes: [("SenderId", "S"), ("ApproximateFirstReceiveTimestamp", "2"),
                                                      ("ApproximateReceiveCount", "1"), ("SentTimestamp", "1")],
                                         messageAttributes: [:], md5OfMessageAttributes: nil)
        let text = String(decoding: EventSourceRunner.record(message, queueArn: "arn:aws:sqs:us-east-1:123456789012:q", region: "us-east-1"),
                          as: UTF8.self)
        XCTAssertEqual(text, #"{"messageId":"id","receiptHandle":"rh","body":"b","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1","SenderId":"S","ApproximateFirstReceiveTimestamp":"2"},"messageAttributes":{},"md5OfMessageAttributes":null,"md5OfBody":"md5","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:q","awsRegion":"us-east-1"}"#)
    }
}
