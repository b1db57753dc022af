import XCTest

@testable import LambdaSim

/// The recursion chain carried in trace headers' `Lineage` (Functions/RecursionConfig.swift).
final class RecursionChainTests: XCTestCase {
    let f = "arn:aws:lambda:us-east-1:123456789012:function:f"
    let g = "arn:aws:lambda:us-east-1:123456789012:function:g"

    func testEachInvocationRaisesItsOwnFunctionsCount() throws {
        var chain = RecursionChain()
        XCTAssertEqual(chain.count(functionArn: f), 0)
        chain = chain.invoking(functionArn: f).invoking(functionArn: g).invoking(functionArn: f)
        XCTAssertEqual(chain.count(functionArn: f), 2)
        XCTAssertEqual(chain.count(functionArn: g), 1)
        // Through a trace header and back, as SQS's AWSTraceHeader carries it.
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=" + chain.lineage
        XCTAssertEqual(RecursionChain(traceHeader: header), chain)
        XCTAssertNil(RecursionChain(traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0"))
        XCTAssertNil(RecursionChain(traceHeader: "Lineage=garbage"))
        XCTAssertEqual(RecursionChain.hash(functionArn: f).count, 8)
        XCTAssertNotEqual(RecursionChain.hash(functionArn: f), RecursionChain.hash(functionArn: g))
    }

    func testABatchTakesTheHighestCountOfItsRecords() throws {
        let three = RecursionChain().invoking(functionArn: f).invoking(functionArn: f).invoking(functionArn: f)
        let one = RecursionChain().invoking(functionArn: f)
        let records = [Array(#"{"attributes":{"AWSTraceHeader":"Root=1-1-2;Lineage=\#(one.lineage)"}}"#.utf8),
                       Array(#"{"body":"no header"}"#.utf8),
                       Array(#"{"attributes":{"AWSTraceHeader":"Root=1-1-2;Lineage=\#(three.lineage)"}}"#.utf8)]
        XCTAssertEqual(RecursionChain.fromRecords(records)?.count(functionArn: f), 3)
        XCTAssertNil(RecursionChain.fromRecords([Array(#"{"body":"x"}"#.utf8)]))
        XCTAssertEqual(RecursionChain.maximumInvocations, 16)
    }
}
