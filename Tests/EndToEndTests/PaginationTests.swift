import Foundation
import XCTest

/// The AWS CLI's client-side pagination (botocore's paginators): every page by default,
/// `--max-items` with botocore's `NextToken`, `--starting-token`, `--page-size`, `--no-paginate`,
/// the text format page by page. Golden cases, plus the real AWS CLI through `serve` printing
/// the same bytes where it is installed.
final class PaginationTests: XCTestCase {
    /// 60 builtin functions `f01` … `f60` (AWS's page holds 50) and three queues.
    private func manyFunctions() throws -> Sandbox {
        let s = try Sandbox.reference()
        let commands = (1...60).map { ["create-function", "--function-name", String(format: "f%02d", $0), "--runtime", "builtin", "--handler", "echo"] }
        for chunk in stride(from: 0, to: commands.count, by: 6) {
            for result in try s.runConcurrently(Array(commands[chunk..<min(chunk + 6, commands.count)])) {
                XCTAssertEqual(result.exitCode, 0, result.stderrText)
            }
        }
        for q in ["a", "b", "c"] { try s.setup("sqs", "create-queue", "--queue-name", q) }
        return s
    }

    static let cases: [(String, [String])] = [
        ("P01-list-functions-all-pages", ["list-functions", "--query", "[length(Functions), Functions[-1].FunctionName, NextMarker, NextToken]"]),
        ("P02-list-functions-max-items", ["list-functions", "--max-items", "3", "--query", "[Functions[].FunctionName, NextToken]"]),
        ("P03-list-functions-starting-token", ["list-functions", "--max-items", "2", "--page-size", "2", "--starting-token",
                                               "eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAzfQ==",
                                               "--query", "[Functions[].FunctionName, NextToken]"]),
        ("P04-list-functions-no-paginate", ["list-functions", "--no-paginate", "--query", "[length(Functions), NextMarker]"]),
        ("P05-list-functions-text-pages", ["list-functions", "--max-items", "2", "--page-size", "1", "--output", "text",
                                           "--query", "Functions[].FunctionName"]),
        ("P06-list-queues-max-items", ["sqs", "list-queues", "--max-items", "2"]),
        ("P07-list-queues-text-page-size", ["sqs", "list-queues", "--page-size", "1", "--output", "text"]),
        ("P08-list-functions-legacy-marker", ["list-functions", "--marker", "58", "--query", "[Functions[].FunctionName, NextToken]"]),
    ]

    func testGoldenPagination() throws {
        let s = try manyFunctions()
        for (name, arguments) in Self.cases {
            try s.assertGolden(GoldenCase(name, arguments))
        }
    }

    /// DynamoDB Scan and Kinesis ListStreams page with their own tokens (`LastEvaluatedKey`,
    /// `NextToken` + `HasMoreStreams`); the full result keeps only the paginator's keys.
    func testGoldenPaginationOfStreamsAndTables() throws {
        let s = try Sandbox.reference()
        try s.setup("dynamodb", "create-table", "--table-name", "tbl", "--attribute-definitions", "AttributeName=k,AttributeType=S",
                    "--key-schema", "AttributeName=k,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        for k in ["a", "b", "c", "d", "e"] { try s.setup("dynamodb", "put-item", "--table-name", "tbl", "--item", #"{"k":{"S":"\#(k)"}}"#) }
        for name in ["s1", "s2", "s3"] { try s.setup("kinesis", "create-stream", "--stream-name", name, "--shard-count", "1") }
        try s.assertGolden(GoldenCase("P09-scan-page-size", ["dynamodb", "scan", "--table-name", "tbl", "--page-size", "2"]))
        try s.assertGolden(GoldenCase("P10-scan-max-items", ["dynamodb", "scan", "--table-name", "tbl", "--max-items", "3",
                                                            "--query", "[Items[].k.S, Count, NextToken]"]))
        try s.assertGolden(GoldenCase("P11-list-streams-page-size", ["kinesis", "list-streams", "--page-size", "1",
                                                                    "--query", "[StreamNames, HasMoreStreams, NextToken]"]))
        try s.assertGolden(GoldenCase("P12-list-streams-max-items", ["kinesis", "list-streams", "--max-items", "2",
                                                                    "--query", "[StreamNames, NextToken]"]))
    }

    /// The real AWS CLI (v1) through `serve` prints the same bytes as lambda-sim directly.
    func testAWSCLIThroughServePaginatesTheSame() throws {
        guard let aws = RuntimeTools.find("aws", override: "LAMBDA_SIM_AWS") else {
            throw XCTSkip("the AWS CLI (`aws`) is not installed: skipping the pagination differential test")
        }
        let s = try manyFunctions()
        let server = try ServeProcess(s)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        var env = ServeBoto3FidelityTests.scriptEnvironment(home: s.directory)
        env["AWS_ACCESS_KEY_ID"] = "x"
        env["AWS_SECRET_ACCESS_KEY"] = "x"
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        for (name, arguments) in Self.cases {
            let direct = try s.run(arguments, environment: ["LAMBDA_SIM_CLI_VERSION": "1"])
            let viaServe = try ProcessRunner.run(ProcessSpec(executable: aws, arguments: ["--endpoint-url", server.endpoint]
                    + (arguments.first == "sqs" ? arguments : ["lambda"] + arguments),
                environment: env, workingDirectory: s.directory, stdin: nil))
            XCTAssertEqual(direct.exitCode, viaServe.exitCode, "\(name): \(viaServe.stderrText)")
            XCTAssertEqual(direct.stdoutText, viaServe.stdoutText, name)
        }
    }
}
