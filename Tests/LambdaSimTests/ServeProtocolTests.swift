import Foundation
import LambdaSimJSON
import LambdaSimSupport
import XCTest

@testable import LambdaSim

/// `serve`'s protocols in-process: requests handed to `APIServer.handle` directly (routing,
/// parameters, status codes, headers, error bodies), the function URL config operations, the
/// function URL event and response mapping, and one real socket for keep-alive, chunked
/// bodies and concurrent connections.
final class ServeProtocolTests: XCTestCase {
    // Two different Content-Length values leave the body's end ambiguous (request smuggling):
    // 400. The same value twice is one length.
    func testConflictingContentLengthHeadersAreRefused() throws {
        func parse(_ text: String) throws -> HTTPRequest? {
            var parser = HTTPRequestParser(maxBody: 1 << 20)
            var queue = ByteQueue()
            Array(text.utf8).withUnsafeBytes { queue.append($0) }
            return try parser.next(&queue)
        }
        XCTAssertThrowsError(try parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nabcde")) { error in
            XCTAssertEqual((error as? HTTPParseError)?.status, 400)
        }
        XCTAssertEqual(try parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab")?.body, Array("ab".utf8))
    }

    /// 2026-01-01T00:00:00Z.
    static let start: SimInstant = 1_767_225_600_000

    private var directory = ""
    private var server: APIServer?

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lambda-sim-serve-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        server = try APIServer(host: "127.0.0.1", port: 0, settings: settings())
    }

    override func tearDownWithError() throws {
        server?.stop()
        server = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func settings(region: String = "us-east-1") -> EngineSettings {
        EngineSettings(region: region, statePath: directory + "/state.json",
                       initialClock: ClockState(mode: .manual, offsetMs: 0, nowMs: Self.start), seed: 7)
    }

    // MARK: Helpers

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSON { (try? JSONParser.parse(bytes: body)) ?? .null }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = [],
                      region: String = "us-east-1") throws -> Reply
    {
        let server = try XCTUnwrap(server)
        var all = headers.map { ($0.0.lowercased(), $0.1) }
        all.append(("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/\(region)/lambda/aws4_request, SignedHeaders=host, Signature=0"))
        let request = HTTPRequest(method: method, target: target, version: "HTTP/1.1", headers: all, body: body, bodyLength: body.count)
        let response = server.handle(request, peer: "127.0.0.1")
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    private func send(_ method: String, _ target: String, json: String, headers: [(String, String)] = []) throws -> Reply {
        try send(method, target, headers: [("Content-Type", "application/json")] + headers, body: Array(json.utf8))
    }

    private func createEcho(_ name: String = "echo-fn", handler: String = "echo") throws {
        let reply = try send("POST", "/2015-03-31/functions/", json: #"{"FunctionName":"\#(name)","Runtime":"builtin","Handler":"\#(handler)","Role":"arn:aws:iam::123456789012:role/r"}"#)
        XCTAssertEqual(reply.status, 201, reply.text)
    }

    // MARK: Routing

    func testRoutesComeFromTheModel() throws {
        func op(_ method: String, _ path: String, _ query: [(String, String)] = []) -> String? {
            let segments = path.split(separator: "/").map(String.init)
            return LambdaRESTAPI.find(method: method, path: segments, query: query.map { (name: $0.0, value: $0.1) })?.0.operation
        }
        XCTAssertEqual(op("GET", "/2015-03-31/functions/"), "ListFunctions")
        XCTAssertEqual(op("POST", "/2015-03-31/functions/"), "CreateFunction")
        XCTAssertEqual(op("POST", "/2015-03-31/functions/f/invocations"), "Invoke")
        XCTAssertEqual(op("GET", "/2015-03-31/functions/f/versions"), "ListVersionsByFunction")
        XCTAssertEqual(op("POST", "/2015-03-31/functions/f/versions"), "PublishVersion")
        XCTAssertEqual(op("GET", "/2019-09-25/functions/f/event-invoke-config"), "GetFunctionEventInvokeConfig")
        XCTAssertEqual(op("GET", "/2019-09-25/functions/f/event-invoke-config/list"), "ListFunctionEventInvokeConfigs")
        XCTAssertEqual(op("GET", "/2019-09-30/functions/f/provisioned-concurrency", [("List", "ALL")]), "ListProvisionedConcurrencyConfigs")
        XCTAssertEqual(op("GET", "/2019-09-30/functions/f/provisioned-concurrency", [("Qualifier", "1")]), "GetProvisionedConcurrencyConfig")
        XCTAssertEqual(op("DELETE", "/2021-10-31/functions/f/url"), "DeleteFunctionUrlConfig")
        XCTAssertNil(op("PATCH", "/2015-03-31/functions/f"))
        XCTAssertGreaterThanOrEqual(ServeModel.lambdaRoutes.count, 80)
    }

    func testRegionComesFromTheCredentialScope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-2/lambda/aws4_request, SignedHeaders=host, Signature=ab"
        XCTAssertEqual(ServeRequest.region(fromAuthorization: header), "eu-west-2")
        XCTAssertEqual(ServeRequest.accessKey(fromAuthorization: header), "AKID")
        XCTAssertNil(ServeRequest.region(fromAuthorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/../lambda/aws4_request"))
        XCTAssertNil(ServeRequest.region(fromAuthorization: nil))
        XCTAssertTrue(ServeRequest.isRegionName("us-gov-west-1"))
        XCTAssertFalse(ServeRequest.isRegionName("US-east-1"))
    }

    // MARK: Lambda REST-JSON

    func testLambdaStatusCodesHeadersAndPayloads() throws {
        try createEcho()
        let duplicate = try send("POST", "/2015-03-31/functions", json: #"{"FunctionName":"echo-fn","Runtime":"builtin","Handler":"echo"}"#)
        XCTAssertEqual(duplicate.status, 409)
        XCTAssertEqual(duplicate.header("x-amzn-ErrorType"), "ResourceConflictException")
        XCTAssertEqual(duplicate.json["Type"], "User")
        XCTAssertNotNil(duplicate.json["message"]?.stringValue, "ResourceConflictException's model member is `message`")

        let get = try send("GET", "/2015-03-31/functions/echo-fn")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.json["Configuration"]?["FunctionName"], "echo-fn")
        XCTAssertEqual(get.json["Configuration"]?["State"], "Active")

        let invoke = try send("POST", "/2015-03-31/functions/echo-fn/invocations", headers: [("X-Amz-Log-Type", "Tail")],
                              body: Array(#"{"a": 1}"#.utf8))
        XCTAssertEqual(invoke.status, 200)
        XCTAssertEqual(invoke.text, #"{"a": 1}"#, "the payload comes back byte for byte")
        XCTAssertEqual(invoke.header("X-Amz-Executed-Version"), "$LATEST")
        XCTAssertNil(invoke.header("X-Amz-Function-Error"))
        let log = String(decoding: Base64.decode(invoke.header("X-Amz-Log-Result") ?? "") ?? [], as: UTF8.self)
        XCTAssertTrue(log.hasPrefix("START RequestId: "), log)
        XCTAssertTrue(log.contains("REPORT RequestId: "), log)

        let event = try send("POST", "/2015-03-31/functions/echo-fn/invocations", headers: [("X-Amz-Invocation-Type", "Event")])
        XCTAssertEqual(event.status, 202)
        XCTAssertEqual(event.body, [])
        XCTAssertNil(event.header("X-Amz-Executed-Version"))
        let dryRun = try send("POST", "/2015-03-31/functions/echo-fn/invocations", headers: [("X-Amz-Invocation-Type", "DryRun")])
        XCTAssertEqual(dryRun.status, 204)

        let qualified = try send("POST", "/2015-03-31/functions/\(URLCoding.percentEncode("arn:aws:lambda:us-east-1:123456789012:function:echo-fn"))/invocations?Qualifier=%24LATEST",
                                 body: Array("[1]".utf8))
        XCTAssertEqual(qualified.status, 200, qualified.text)
        XCTAssertEqual(qualified.text, "[1]")

        try createEcho("failing", handler: "fail:ValueError:boom")
        let failed = try send("POST", "/2015-03-31/functions/failing/invocations")
        XCTAssertEqual(failed.status, 200, "function errors are still 200")
        XCTAssertEqual(failed.header("X-Amz-Function-Error"), "Unhandled")
        XCTAssertEqual(failed.json["errorType"], "ValueError")

        let publish = try send("POST", "/2015-03-31/functions/echo-fn/versions", json: "{}")
        XCTAssertEqual(publish.status, 201)
        let alias = try send("POST", "/2015-03-31/functions/echo-fn/aliases", json: #"{"Name":"live","FunctionVersion":"1"}"#)
        XCTAssertEqual(alias.status, 201)
        let viaAlias = try send("POST", "/2015-03-31/functions/echo-fn/invocations?Qualifier=live")
        XCTAssertEqual(viaAlias.header("X-Amz-Executed-Version"), "1")
        XCTAssertEqual(try send("DELETE", "/2015-03-31/functions/echo-fn/aliases/live").status, 204)

        let page = try send("GET", "/2015-03-31/functions/?MaxItems=1")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.json["Functions"]?.arrayValue?.count, 1)
        XCTAssertEqual(page.json["NextMarker"], "1")
        let badNumber = try send("GET", "/2015-03-31/functions/?MaxItems=many")
        XCTAssertEqual(badNumber.status, 400)

        let deleted = try send("DELETE", "/2015-03-31/functions/echo-fn")
        XCTAssertEqual(deleted.status, 204)
        XCTAssertEqual(deleted.body, [])
        let missing = try send("POST", "/2015-03-31/functions/echo-fn/invocations")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.header("x-amzn-ErrorType"), "ResourceNotFoundException")
        XCTAssertEqual(missing.json, ["Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:echo-fn", "Type": "User"])
        XCTAssertEqual(missing.header("Content-Type"), "application/json")
        XCTAssertNotNil(missing.header("x-amzn-RequestId"))
    }

    func testLambdaErrorsAndUnknownRoutes() throws {
        let badJSON = try send("POST", "/2015-03-31/functions", json: "{not json")
        XCTAssertEqual(badJSON.status, 400)
        XCTAssertEqual(badJSON.header("x-amzn-ErrorType"), "InvalidRequestContentException")
        let unknown = try send("GET", "/nowhere")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.header("x-amzn-ErrorType"), "UnknownOperationException")
        let unimplemented = try send("GET", "/2020-04-22/code-signing-configs/")
        XCTAssertEqual(unimplemented.header("x-amzn-ErrorType"), "InvalidAction")
        let settings = try send("GET", "/2016-08-19/account-settings/")
        XCTAssertEqual(settings.status, 200)
        XCTAssertTrue(String(decoding: settings.body, as: UTF8.self).contains(#""ConcurrentExecutions":1000"#),
                      String(decoding: settings.body, as: UTF8.self))

        try createEcho()
        let throttled = try send("PUT", "/2017-10-31/functions/echo-fn/concurrency", json: #"{"ReservedConcurrentExecutions":0}"#)
        XCTAssertEqual(throttled.status, 200)
        let tooMany = try send("POST", "/2015-03-31/functions/echo-fn/invocations")
        XCTAssertEqual(tooMany.status, 429)
        XCTAssertEqual(tooMany.json, ["Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."])
        XCTAssertEqual(try send("DELETE", "/2017-10-31/functions/echo-fn/concurrency").status, 204)

        let badPayload = try send("POST", "/2015-03-31/functions/echo-fn/invocations", body: Array("{oops".utf8))
        XCTAssertEqual(badPayload.status, 400)
        XCTAssertEqual(badPayload.header("x-amzn-ErrorType"), "InvalidRequestContentException")

        // Another region (from the credential scope) has its own functions.
        let elsewhere = try send("GET", "/2015-03-31/functions/echo-fn", region: "eu-west-1")
        XCTAssertEqual(elsewhere.status, 404)
        XCTAssertEqual(elsewhere.json["Message"], "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:echo-fn")
    }

    // MARK: JSON protocol

    func testSQSJSONProtocol() throws {
        func sqs(_ operation: String, _ body: String) throws -> Reply {
            try send("POST", "/", headers: [("X-Amz-Target", "AmazonSQS.\(operation)"), ("Content-Type", "application/x-amz-json-1.0")],
                     body: Array(body.utf8))
        }
        let created = try sqs("CreateQueue", #"{"QueueName":"q1"}"#)
        XCTAssertEqual(created.status, 200)
        XCTAssertEqual(created.header("Content-Type"), "application/x-amz-json-1.0")
        XCTAssertEqual(created.json, ["QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q1"])
        let sent = try sqs("SendMessage", #"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q1","MessageBody":"hello"}"#)
        XCTAssertEqual(sent.json["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592")
        let received = try sqs("ReceiveMessage", #"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q1","MaxNumberOfMessages":10}"#)
        XCTAssertEqual(received.json["Messages"]?.arrayValue?.first?["Body"], "hello")
        let deleted = try sqs("DeleteQueue", #"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q1"}"#)
        XCTAssertEqual(deleted.status, 200)
        XCTAssertEqual(deleted.text, "{}")

        let missing = try sqs("GetQueueUrl", #"{"QueueName":"nope"}"#)
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(missing.json["__type"], "com.amazonaws.sqs#QueueDoesNotExist")
        XCTAssertEqual(missing.header("x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender")
        XCTAssertNotNil(missing.json["message"]?.stringValue)

        let notSQS = try sqs("CreateFunction", #"{"FunctionName":"x"}"#)
        XCTAssertEqual(notSQS.status, 400)
        XCTAssertEqual(notSQS.json["__type"], "UnknownOperationException")

        let bus = try send("POST", "/", headers: [("X-Amz-Target", "AWSEvents.PutEvents")],
                           body: Array(#"{"Entries":[{"Source":"s","DetailType":"d","Detail":"{}"}]}"#.utf8))
        XCTAssertEqual(bus.header("Content-Type"), "application/x-amz-json-1.1")
        XCTAssertEqual(bus.json["FailedEntryCount"], 0)
    }

    // MARK: SNS query protocol

    func testSNSQueryProtocol() throws {
        func sns(_ form: String) throws -> Reply {
            try send("POST", "/", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(form.utf8))
        }
        let created = try sns("Action=CreateTopic&Version=2010-03-31&Name=t1")
        XCTAssertEqual(created.status, 200)
        XCTAssertTrue(created.text.contains("<CreateTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:123456789012:t1</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>"), created.text)
        let published = try sns("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At1&Message=hi+there"
            + "&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=b")
        XCTAssertEqual(published.status, 200, published.text)
        XCTAssertTrue(published.text.contains("<PublishResult><MessageId>"), published.text)
        let listed = try sns("Action=ListTopics&Version=2010-03-31")
        XCTAssertTrue(listed.text.contains("<Topics><member><TopicArn>arn:aws:sns:us-east-1:123456789012:t1</TopicArn></member></Topics>"), listed.text)
        let missing = try sns("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Anope&Message=x")
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue(missing.text.contains("<Error><Type>Sender</Type><Code>NotFound</Code><Message>"), missing.text)

        let decoded = QueryProtocolAPI.sns.decode("PublishInput", prefix: "", values: [
            "TopicArn": "arn", "Message": "m",
            "MessageAttributes.entry.1.Name": "a", "MessageAttributes.entry.1.Value.DataType": "Number",
            "MessageAttributes.entry.1.Value.StringValue": "5",
        ])
        XCTAssertEqual(decoded, ["TopicArn": "arn", "Message": "m",
                                 "MessageAttributes": ["a": ["DataType": "Number", "StringValue": "5"]]])
    }

    // MARK: Function URLs

    func testFunctionURLConfigOperations() throws {
        try createEcho()
        let created = try send("POST", "/2021-10-31/functions/echo-fn/url", json: #"{"AuthType":"NONE","Cors":{"AllowOrigins":["*"]}}"#)
        XCTAssertEqual(created.status, 201, created.text)
        let url = try XCTUnwrap(created.json["FunctionUrl"]?.stringValue)
        XCTAssertTrue(url.hasPrefix("https://") && url.hasSuffix(".lambda-url.us-east-1.on.aws/"), url)
        XCTAssertEqual(created.json["FunctionArn"], "arn:aws:lambda:us-east-1:123456789012:function:echo-fn")
        XCTAssertEqual(created.json["InvokeMode"], "BUFFERED")
        XCTAssertEqual(created.json["CreationTime"], "2026-01-01T00:00:00.000Z")
        XCTAssertEqual(created.json["Cors"], ["AllowOrigins": ["*"]])

        let again = try send("POST", "/2021-10-31/functions/echo-fn/url", json: #"{"AuthType":"NONE"}"#)
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(again.json["message"], "Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:123456789012:function:echo-fn]. Error message:  FunctionUrlConfig exists for this Lambda function")

        let badAuth = try send("PUT", "/2021-10-31/functions/echo-fn/url", json: #"{"AuthType":"OPEN"}"#)
        XCTAssertEqual(badAuth.status, 400)
        XCTAssertEqual(badAuth.header("x-amzn-ErrorType"), "ValidationException")

        let updated = try send("PUT", "/2021-10-31/functions/echo-fn/url", json: #"{"AuthType":"AWS_IAM","InvokeMode":"RESPONSE_STREAM"}"#)
        XCTAssertEqual(updated.status, 200)
        XCTAssertEqual(updated.json["AuthType"], "AWS_IAM")
        XCTAssertEqual(updated.json["FunctionUrl"]?.stringValue, url, "the URL never changes")
        XCTAssertNotNil(updated.json["LastModifiedTime"])

        let version = try send("POST", "/2021-10-31/functions/echo-fn/url?Qualifier=1", json: #"{"AuthType":"NONE"}"#)
        XCTAssertEqual(version.status, 400, "a version number is not a URL qualifier")
        let noAlias = try send("POST", "/2021-10-31/functions/echo-fn/url?Qualifier=live", json: #"{"AuthType":"NONE"}"#)
        XCTAssertEqual(noAlias.status, 404)
        XCTAssertEqual(noAlias.json["Message"], "Function does not exist")
        XCTAssertEqual(try send("POST", "/2015-03-31/functions/echo-fn/versions", json: "{}").status, 201)
        XCTAssertEqual(try send("POST", "/2015-03-31/functions/echo-fn/aliases", json: #"{"Name":"live","FunctionVersion":"1"}"#).status, 201)
        let aliasURL = try send("POST", "/2021-10-31/functions/echo-fn/url?Qualifier=live", json: #"{"AuthType":"NONE"}"#)
        XCTAssertEqual(aliasURL.status, 201)
        XCTAssertEqual(aliasURL.json["FunctionArn"], "arn:aws:lambda:us-east-1:123456789012:function:echo-fn:live")

        let list = try send("GET", "/2021-10-31/functions/echo-fn/urls")
        XCTAssertEqual(list.json["FunctionUrlConfigs"]?.arrayValue?.count, 2)
        XCTAssertEqual(try send("DELETE", "/2021-10-31/functions/echo-fn/url?Qualifier=live").status, 204)
        let gone = try send("GET", "/2021-10-31/functions/echo-fn/url?Qualifier=live")
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(gone.json["Message"], "The resource you requested does not exist.")
    }

    func testFunctionURLInvokesWithThePayloadFormat2Event() throws {
        try createEcho()
        let created = try send("POST", "/2021-10-31/functions/echo-fn/url", json: #"{"AuthType":"NONE","Cors":{"AllowOrigins":["https://example.com"],"AllowMethods":["POST"],"MaxAge":60}}"#)
        let urlId = String(try XCTUnwrap(created.json["FunctionUrl"]?.stringValue).dropFirst(8).prefix { $0 != "." })

        let reply = try send("POST", "/lambda-url/\(urlId)/a/b%20c?x=1&x=2&y=z", headers: [
            ("Content-Type", "application/json"), ("Cookie", "s=1; t=2"), ("User-Agent", "test-agent"), ("Origin", "https://example.com"),
        ], body: Array(#"{"k":"v"}"#.utf8))
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.header("Access-Control-Allow-Origin"), "https://example.com")
        let event = reply.json  // echo returns the event
        XCTAssertEqual(event["version"], "2.0")
        XCTAssertEqual(event["routeKey"], "$default")
        XCTAssertEqual(event["rawPath"], "/a/b%20c")
        XCTAssertEqual(event["rawQueryString"], "x=1&x=2&y=z")
        XCTAssertEqual(event["cookies"], ["s=1", "t=2"])
        XCTAssertEqual(event["queryStringParameters"], ["x": "1,2", "y": "z"])
        XCTAssertEqual(event["headers"]?["content-type"], "application/json")
        XCTAssertNil(event["headers"]?["cookie"])
        XCTAssertEqual(event["body"], #"{"k":"v"}"#)
        XCTAssertEqual(event["isBase64Encoded"], false)
        let context = try XCTUnwrap(event["requestContext"])
        XCTAssertEqual(context["apiId"]?.stringValue, urlId)
        XCTAssertEqual(context["domainName"]?.stringValue, "\(urlId).lambda-url.us-east-1.on.aws")
        XCTAssertEqual(context["http"]?["method"], "POST")
        XCTAssertEqual(context["http"]?["path"], "/a/b c")
        XCTAssertEqual(context["http"]?["userAgent"], "test-agent")
        XCTAssertEqual(context["time"], "01/Jan/2026:00:00:00 +0000")
        XCTAssertEqual(context["timeEpoch"], .int(Int(Self.start)))

        // The same URL by Host header, a binary body, a preflight, an unknown id.
        let byHost = try send("PUT", "/x", headers: [("Host", "\(urlId).lambda-url.us-east-1.localhost:9001"),
                                                     ("Content-Type", "application/octet-stream")], body: [0xff, 0x00, 0x01])
        XCTAssertEqual(byHost.json["rawPath"], "/x")
        XCTAssertEqual(byHost.json["isBase64Encoded"], true)
        XCTAssertEqual(byHost.json["body"], "/wAB")
        let preflight = try send("OPTIONS", "/lambda-url/\(urlId)/", headers: [("Origin", "https://example.com"),
                                                                               ("Access-Control-Request-Method", "POST")])
        XCTAssertEqual(preflight.status, 200)
        XCTAssertEqual(preflight.header("Access-Control-Allow-Methods"), "POST")
        XCTAssertEqual(preflight.header("Access-Control-Max-Age"), "60")
        XCTAssertEqual(try send("GET", "/lambda-url/0123456789abcdef/").status, 403)

        // AWS_IAM refuses unsigned requests (the test helper always signs).
        XCTAssertEqual(try send("PUT", "/2021-10-31/functions/echo-fn/url", json: #"{"AuthType":"AWS_IAM"}"#).status, 200)
        let server = try XCTUnwrap(server)
        let unsigned = server.handle(HTTPRequest(method: "GET", target: "/lambda-url/\(urlId)/", version: "HTTP/1.1", headers: [],
                                                 body: [], bodyLength: 0), peer: "127.0.0.1")
        XCTAssertEqual(unsigned.status, 403)
        XCTAssertEqual(try send("GET", "/lambda-url/\(urlId)/").json["requestContext"]?["authorizer"]?["iam"]?["accessKey"], "AKIDEXAMPLE")

        // A failing function answers 502.
        try createEcho("failing", handler: "fail")
        let failingURL = try send("POST", "/2021-10-31/functions/failing/url", json: #"{"AuthType":"NONE"}"#)
        let failingId = String(try XCTUnwrap(failingURL.json["FunctionUrl"]?.stringValue).dropFirst(8).prefix { $0 != "." })
        let failed = try send("GET", "/lambda-url/\(failingId)/")
        XCTAssertEqual(failed.status, 502)
        XCTAssertEqual(failed.text, "Internal Server Error")
    }

    func testFunctionURLResponseMapping() {
        let structured = FunctionURLGateway.httpResponse(Array(#"{"statusCode": 201, "headers": {"X-Custom": "v", "Content-Type": "text/plain"}, "cookies": ["a=1; Max-Age=5", "b=2"], "body": "made"}"#.utf8), streaming: false)
        XCTAssertEqual(structured.status, 201)
        XCTAssertEqual(String(decoding: structured.body, as: UTF8.self), "made")
        XCTAssertTrue(structured.headers.contains { $0 == ("X-Custom", "v") })
        XCTAssertTrue(structured.headers.contains { $0 == ("Content-Type", "text/plain") })
        XCTAssertEqual(structured.headers.filter { $0.0 == "Set-Cookie" }.map(\.1), ["a=1; Max-Age=5", "b=2"])

        let binary = FunctionURLGateway.httpResponse(Array(#"{"statusCode": 200, "body": "/wAB", "isBase64Encoded": true}"#.utf8), streaming: false)
        XCTAssertEqual(binary.body, [0xff, 0x00, 0x01])
        XCTAssertTrue(binary.headers.contains { $0 == ("Content-Type", "application/json") })

        let bare = FunctionURLGateway.httpResponse(Array(#"{"message": "Hello"}"#.utf8), streaming: false)
        XCTAssertEqual(bare.status, 200)
        XCTAssertEqual(String(decoding: bare.body, as: UTF8.self), #"{"message": "Hello"}"#)
        let string = FunctionURLGateway.httpResponse(Array(#""Hello, world!""#.utf8), streaming: false)
        XCTAssertEqual(String(decoding: string.body, as: UTF8.self), #""Hello, world!""#)

        let streamed = FunctionURLGateway.httpResponse(Array(#"{"statusCode":202,"headers":{"content-type":"text/html"}}"#.utf8)
            + [UInt8](repeating: 0, count: 8) + Array("<p>hi</p>".utf8), streaming: true)
        XCTAssertEqual(streamed.status, 202)
        XCTAssertEqual(String(decoding: streamed.body, as: UTF8.self), "<p>hi</p>")
        XCTAssertTrue(streamed.headers.contains { $0 == ("content-type", "text/html") })
    }

    func testLongLivedEnginesStopStaleAndIdleEnvironments() throws {
        let server = try XCTUnwrap(server)
        try createEcho()
        XCTAssertEqual(try send("POST", "/2015-03-31/functions/echo-fn/invocations").status, 200)
        let pool = server.engines.engine(region: "us-east-1").environments
        XCTAssertEqual(pool.idleCount, 1, "the environment stays warm between requests")
        let state = try server.engines.engine(region: "us-east-1").store.read()
        pool.shutdownIdle(idleNs: 60_000_000_000, current: ExecutionEnvironmentPool.currentKeys(state))
        XCTAssertEqual(pool.idleCount, 1, "current and recently used: kept")
        XCTAssertEqual(try send("PUT", "/2015-03-31/functions/echo-fn/configuration", json: #"{"Timeout":5}"#).status, 200)
        let changed = try server.engines.engine(region: "us-east-1").store.read()
        pool.shutdownIdle(idleNs: 60_000_000_000, current: ExecutionEnvironmentPool.currentKeys(changed))
        XCTAssertEqual(pool.idleCount, 0, "a configuration change leaves the old environment stale")
        XCTAssertEqual(try send("POST", "/2015-03-31/functions/echo-fn/invocations").status, 200)
        pool.shutdownIdle(idleNs: 0, current: ExecutionEnvironmentPool.currentKeys(changed))
        XCTAssertEqual(pool.idleCount, 0, "idle for longer than allowed")
    }

    // MARK: Sockets

    func testKeepAliveChunkedBodiesAndConcurrentConnections() throws {
        let server = try XCTUnwrap(server)
        server.start()
        try createEcho()
        // Two requests pipelined on one connection, the second with a chunked body.
        let fd = try Self.openConnection(port: server.port)
        defer { close(fd) }
        let first = "GET /2015-03-31/functions/echo-fn/configuration HTTP/1.1\r\nHost: x\r\n\r\n"
        let second = "POST /2015-03-31/functions/echo-fn/invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"
        XCTAssertTrue(APIServer.sendAll(fd, Array((first + second).utf8)))
        let responses = try Self.readResponses(fd, count: 2)
        XCTAssertEqual(responses.map(\.status), [200, 200])
        XCTAssertEqual(responses.last?.text, #"{"a":1}"#)

        // Concurrent connections: every message arrives once.
        XCTAssertEqual(try send("POST", "/", headers: [("X-Amz-Target", "AmazonSQS.CreateQueue")], body: Array(#"{"QueueName":"many"}"#.utf8)).status, 200)
        let port = server.port
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            do {
                let fd = try Self.openConnection(port: port)
                defer { close(fd) }
                let body = #"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/many","MessageBody":"m\#(i)"}"#
                let request = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.SendMessage\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
                guard APIServer.sendAll(fd, Array(request.utf8)), try Self.readResponses(fd, count: 1).first?.status == 200 else {
                    failures.increment()
                    return
                }
            } catch {
                failures.increment()
            }
        }
        XCTAssertEqual(failures.value, 0)
        let attributes = try send("POST", "/", headers: [("X-Amz-Target", "AmazonSQS.GetQueueAttributes")],
                                  body: Array(#"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/many","AttributeNames":["ApproximateNumberOfMessages"]}"#.utf8))
        XCTAssertEqual(attributes.json["Attributes"]?["ApproximateNumberOfMessages"], "16")
    }

    final class LockedCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }

    static func openConnection(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw NSError(domain: "connect", code: Int(errno))
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Reads `count` complete responses (Content-Length bodies) from `fd`.
    static func readResponses(_ fd: Int32, count: Int) throws -> [Reply] {
        var data: [UInt8] = []
        var replies: [Reply] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while replies.count < count {
            if let (reply, used) = Self.parseResponse(data) {
                replies.append(reply)
                data.removeFirst(used)
                continue
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw NSError(domain: "recv", code: Int(errno)) }
            data += buffer[0..<n]
        }
        return replies
    }

    static func parseResponse(_ data: [UInt8]) -> (Reply, Int)? {
        let text = String(decoding: data, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<end.lowerBound]
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        let headBytes = head.utf8.count + 4
        guard data.count >= headBytes + length else { return nil }
        return (Reply(status: status, headers: headers, body: Array(data[headBytes..<(headBytes + length)])), headBytes + length)
    }
}
