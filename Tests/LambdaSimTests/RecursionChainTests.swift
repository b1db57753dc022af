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

/// A chain of synchronous invokes (an SDK in a function calling `Invoke` through `serve` with its
/// trace header): the 17th invocation of one chain is refused unless the function allows loops.
final class RecursiveInvokeTests: EngineTestCase {
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:f"

    func header(count: Int) -> String {
        var chain = RecursionChain()
        for _ in 0..<count { chain = chain.invoking(functionArn: arn) }
        return "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=" + chain.lineage
    }

    func testTheSeventeenthSyncInvokeOfAChainIsStopped() throws {
        _ = try call("CreateFunction", #"{"FunctionName":"f","Runtime":"builtin","Handler":"echo"}"#)
        let fifteen = try engine.invoke(InvokeRequest(functionName: "f", payload: Array("{}".utf8), traceHeader: header(count: 15)))
        XCTAssertEqual(fifteen.statusCode, 200)
        XCTAssertThrowsError(try engine.invoke(InvokeRequest(functionName: "f", payload: Array("{}".utf8), traceHeader: header(count: 16)))) {
            XCTAssertEqual(($0 as? ServiceError)?.code, "RecursiveInvocationException")
            XCTAssertEqual(($0 as? ServiceError)?.status, 400)
        }
        // Another function's count does not stop this one.
        let other = RecursionChain(counts: [RecursionChain.hash(functionArn: arn + "x"): 40]).lineage
        XCTAssertEqual(try engine.invoke(InvokeRequest(functionName: "f", payload: Array("{}".utf8),
                                                       traceHeader: "Root=1-1-1;Lineage=" + other)).statusCode, 200)
        _ = try call("PutFunctionRecursionConfig", #"{"FunctionName":"f","RecursiveLoop":"Allow"}"#)
        let allowed = try engine.invoke(InvokeRequest(functionName: "f", payload: Array("{}".utf8), traceHeader: header(count: 16)))
        XCTAssertEqual(allowed.statusCode, 200)
    }
}
