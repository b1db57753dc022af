import Foundation
import LambdaSimJSON
import XCTest

/// S3 through the built binary: `s3api` object and notification commands, the high-level
/// `s3 cp | ls | rm | rb` lines, and notifications invoking functions, queues and topics.
final class S3EndToEndTests: XCTestCase {
    static let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/"
    static let functionArn = "arn:aws:lambda:us-east-1:123456789012:function:"

    private func json(_ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        XCTAssertEqual(result.exitCode, 0, "stderr: \(result.stderrText)", file: file, line: line)
        return try JSONParser.parse(result.stdoutText)
    }

    /// Message bodies waiting in a queue, oldest first.
    private func bodies(_ s: Sandbox, queue: String) throws -> [JSON] {
        let result = try s.run(["sqs", "receive-message", "--queue-url", Self.queueURL + queue, "--max-number-of-messages", "10"])
        XCTAssertEqual(result.exitCode, 0, result.stderrText)
        guard !result.stdoutText.isEmpty else { return [] }
        return try (JSONParser.parse(result.stdoutText)["Messages"]?.arrayValue ?? []).map { message in
            try JSONParser.parse(message["Body"]?.stringValue ?? "")
        }
    }

    /// AWS's S3 trigger tutorial, pasted: bucket, function, notification configuration from a
    /// file, an upload; the function gets one async event with S3's record (version 2.1).
    /// The on-success destination queue shows the exact event the function received.
    func testTutorialUploadInvokesTheFunctionWithTheS3EventRecord() throws {
        let s = try Sandbox()
        try s.setup("s3api", "create-bucket", "--bucket", "amzn-s3-demo-bucket", "--region", "us-east-1")
        try s.setup("create-function", "--function-name", "s3-trigger-tutorial", "--runtime", "builtin", "--handler", "echo",
                    "--role", "arn:aws:iam::123456789012:role/s3-trigger-tutorial")
        try s.setup("sqs", "create-queue", "--queue-name", "seen")
        try s.setup("put-function-event-invoke-config", "--function-name", "s3-trigger-tutorial",
                    "--destination-config", #"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:123456789012:seen"}}"#)
        try s.write("notification.json", """
            {
            "LambdaFunctionConfigurations": [
                {
                  "Id": "s3eventtriggerslambda",
                  "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:s3-trigger-tutorial",
                  "Events": ["s3:ObjectCreated:*"]
                }
              ]
            }
            """)
        // The tutorial's permission step: once the function has a resource-based policy, it decides
        // (a policy for another bucket would make S3 refuse the configuration).
        let permission = try s.run(["add-permission", "--function-name", "s3-trigger-tutorial", "--principal", "s3.amazonaws.com",
                                    "--statement-id", "s3invoke", "--action", "lambda:InvokeFunction",
                                    "--source-arn", "arn:aws:s3:::amzn-s3-demo-bucket", "--source-account", "123456789012"])
        XCTAssertEqual(permission.exitCode, 0, permission.stderrText)
        let put = try s.run(["s3api", "put-bucket-notification-configuration", "--bucket", "amzn-s3-demo-bucket",
                             "--notification-configuration", "file://notification.json"])
        XCTAssertEqual(put.stdoutText, "")
        XCTAssertEqual(put.exitCode, 0, put.stderrText)
        try s.write("HappyFace.jpg", "not really a jpeg\n")
        let upload = try json(try s.run(["s3api", "put-object", "--bucket", "amzn-s3-demo-bucket", "--key", "HappyFace.jpg",
                                         "--body", "HappyFace.jpg"]))
        XCTAssertEqual(upload, ["ETag": "\"995e93664766e2205d19ea51eec95355\"", "ServerSideEncryption": "AES256"])

        let timeline = try s.run(["simulate", "--format", "json"])
        let lines = try timeline.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(lines.map { $0["event"]?.stringValue ?? "" }, ["enqueue", "invoke", "destination"])
        XCTAssertEqual(lines[0]["time"], "2026-11-22T19:58:59.383Z")
        XCTAssertEqual(lines[0]["function"], "s3-trigger-tutorial")

        let records = try bodies(s, queue: "seen")
        XCTAssertEqual(records.count, 1)
        let event = try XCTUnwrap(records.first?["requestPayload"])
        let record = try XCTUnwrap(event["Records"]?.arrayValue?.first)
        XCTAssertEqual(record.objectValue?.keys, ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                                                  "requestParameters", "responseElements", "s3"])
        XCTAssertEqual(record["eventVersion"], "2.1")
        XCTAssertEqual(record["eventSource"], "aws:s3")
        XCTAssertEqual(record["awsRegion"], "us-east-1")
        XCTAssertEqual(record["eventTime"], "2026-11-22T19:58:59.383Z")
        XCTAssertEqual(record["eventName"], "ObjectCreated:Put")
        XCTAssertEqual(record["s3"]?["s3SchemaVersion"], "1.0")
        XCTAssertEqual(record["s3"]?["configurationId"], "s3eventtriggerslambda")
        XCTAssertEqual(record["s3"]?["bucket"]?["name"], "amzn-s3-demo-bucket")
        XCTAssertEqual(record["s3"]?["bucket"]?["arn"], "arn:aws:s3:::amzn-s3-demo-bucket")
        XCTAssertEqual(record["s3"]?["object"], ["key": "HappyFace.jpg", "size": 18, "eTag": "995e93664766e2205d19ea51eec95355",
                                                 "sequencer": "000000000000000001"])
    }

    /// The image-upload pattern: a suffix filter and a prefix filter; keys are URL-encoded in
    /// the record; a removal goes to the queue configured for `s3:ObjectRemoved:*`, which
    /// first got S3's `s3:TestEvent`.
    func testFiltersWildcardsTestEventAndRemovalRecord() throws {
        let s = try Sandbox()
        try s.setup("s3", "mb", "s3://photos")
        try s.setup("create-function", "--function-name", "thumbs", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "removed")
        let config = #"""
            {"LambdaFunctionConfigurations": [{"Id": "jpg", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:thumbs",
               "Events": ["s3:ObjectCreated:*"],
               "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}, {"Name": "suffix", "Value": ".jpg"}]}}}],
             "QueueConfigurations": [{"Id": "gone", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:removed",
               "Events": ["s3:ObjectRemoved:Delete"]}]}
            """#
        try s.setup("s3api", "put-bucket-notification-configuration", "--bucket", "photos", "--notification-configuration", config)
        let stored = try json(try s.run(["s3api", "get-bucket-notification-configuration", "--bucket", "photos"]))
        XCTAssertEqual(stored["LambdaFunctionConfigurations"]?.arrayValue?.first?["Filter"],
                       ["Key": ["FilterRules": [["Name": "Prefix", "Value": "uploads/"], ["Name": "Suffix", "Value": ".jpg"]]]])
        try s.write("a b.jpg", "x")
        try s.write("notes.txt", "y")
        try s.setup("s3", "cp", "a b.jpg", "s3://photos/uploads/")
        try s.setup("s3", "cp", "a b.jpg", "s3://photos/elsewhere/")
        try s.setup("s3", "cp", "notes.txt", "s3://photos/uploads/")
        try s.setup("s3", "rm", "s3://photos/uploads/a b.jpg")

        let timeline = try s.run(["simulate", "--format", "json"])
        let lines = try timeline.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(lines.map { $0["event"]?.stringValue ?? "" }, ["enqueue", "invoke"], timeline.stdoutText)

        let messages = try bodies(s, queue: "removed")
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(messages[0]["Event"], "s3:TestEvent")
        XCTAssertEqual(messages[0]["Service"], "Amazon S3")
        XCTAssertEqual(messages[0]["Bucket"], "photos")
        XCTAssertEqual(messages[0].objectValue?.keys, ["Service", "Event", "Time", "Bucket", "RequestId", "HostId"])
        let removal = try XCTUnwrap(messages[1]["Records"]?.arrayValue?.first)
        XCTAssertEqual(removal["eventName"], "ObjectRemoved:Delete")
        XCTAssertEqual(removal["s3"]?["configurationId"], "gone")
        XCTAssertEqual(removal["s3"]?["object"], ["key": "uploads/a+b.jpg", "sequencer": "000000000000000004"])
    }

    func testNotificationConfigurationValidationUsesS3sErrors() throws {
        let s = try Sandbox()
        try s.setup("s3", "mb", "s3://bkt")
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        let overlap = #"""
            {"LambdaFunctionConfigurations": [
              {"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Events": ["s3:ObjectCreated:*"]},
              {"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Events": ["s3:ObjectCreated:Put"],
               "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}}}]}
            """#
        let cases: [(String, String)] = [
            (overlap, "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type."),
            (#"{"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:gone", "Events": ["s3:ObjectCreated:*"]}]}"#,
             "Unable to validate the following destination configurations"),
            (#"{"QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:123456789012:nope", "Events": ["s3:ObjectCreated:*"]}]}"#,
             "Unable to validate the following destination configurations"),
            (#"{"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Events": ["s3:ObjectCreated:Upload"]}]}"#,
             "The event is not supported for notifications"),
        ]
        for (config, message) in cases {
            let result = try s.run(["s3api", "put-bucket-notification-configuration", "--bucket", "bkt",
                                    "--notification-configuration", config])
            XCTAssertEqual(result.stderrText,
                           "\nAn error occurred (InvalidArgument) when calling the PutBucketNotificationConfiguration operation: \(message)\n")
            XCTAssertEqual(result.exitCode, 254)
        }
        // Disjoint prefixes on the same event are fine.
        let disjoint = #"""
            {"LambdaFunctionConfigurations": [
              {"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Events": ["s3:ObjectCreated:*"],
               "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}},
              {"LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Events": ["s3:ObjectCreated:Put"],
               "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "b/"}]}}}]}
            """#
        try s.setup("s3api", "put-bucket-notification-configuration", "--bucket", "bkt", "--notification-configuration", disjoint)
    }

    func testHighLevelCommandsPrintTheCLIsLines() throws {
        let s = try Sandbox()
        try s.write("test.txt", "hello\n")
        try s.write("site/index.html", "<html></html>\n")
        try s.write("site/css/a.css", "body{}\n")
        XCTAssertEqual(try s.run(["s3", "mb", "s3://web"]).stdoutText, "make_bucket: web\n")
        XCTAssertEqual(try s.run(["s3", "cp", "test.txt", "s3://web/"]).stdoutText, "upload: test.txt to s3://web/test.txt\n")
        XCTAssertEqual(try s.run(["s3", "cp", "site", "s3://web/site", "--recursive"]).stdoutText,
                       "upload: site/css/a.css to s3://web/site/css/a.css\nupload: site/index.html to s3://web/site/index.html\n")
        XCTAssertEqual(try s.run(["s3", "ls"]).stdoutText, "2026-11-22 19:58:59 web\n")
        XCTAssertEqual(try s.run(["s3", "ls", "s3://web"]).stdoutText,
                       "                           PRE site/\n2026-11-22 19:58:59          6 test.txt\n")
        XCTAssertEqual(try s.run(["s3", "ls", "s3://web", "--recursive", "--summarize"]).stdoutText, """
            2026-11-22 19:58:59          7 site/css/a.css
            2026-11-22 19:58:59         14 site/index.html
            2026-11-22 19:58:59          6 test.txt

            Total Objects: 3
               Total Size: 27

            """)
        let head = try json(try s.run(["s3api", "head-object", "--bucket", "web", "--key", "site/index.html"]))
        XCTAssertEqual(head["ContentType"], "text/html")
        XCTAssertEqual(head["LastModified"], "2026-11-22T19:58:59+00:00")
        XCTAssertEqual(try s.run(["s3", "cp", "s3://web/test.txt", "copy.txt"]).stdoutText,
                       "download: s3://web/test.txt to copy.txt\n")
        XCTAssertEqual(s.read("copy.txt"), Array("hello\n".utf8))
        XCTAssertEqual(try s.run(["s3", "cp", "s3://web/test.txt", "s3://web/b/test.txt"]).stdoutText,
                       "copy: s3://web/test.txt to s3://web/b/test.txt\n")
        let refused = try s.run(["s3", "rb", "s3://web"])
        XCTAssertEqual(refused.stderrText,
                       "remove_bucket failed: s3://web An error occurred (BucketNotEmpty) when calling the DeleteBucket operation: The bucket you tried to delete is not empty\n")
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertEqual(try s.run(["s3", "rm", "s3://web/site", "--recursive"]).stdoutText,
                       "delete: s3://web/site/css/a.css\ndelete: s3://web/site/index.html\n")
        XCTAssertEqual(try s.run(["s3", "rb", "s3://web", "--force"]).stdoutText,
                       "delete: s3://web/b/test.txt\ndelete: s3://web/test.txt\nremove_bucket: web\n")
        XCTAssertFalse(s.exists("s3/web"))
        let missing = try s.run(["s3", "ls", "s3://web"])
        XCTAssertEqual(missing.stderrText,
                       "\nAn error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist\n")
        XCTAssertEqual(missing.exitCode, 254)
    }

    func testS3APIObjectCommands() throws {
        let s = try Sandbox()
        try s.setup("s3api", "create-bucket", "--bucket", "bkt")
        try s.write("data.bin", "0123456789")
        try s.setup("s3api", "put-object", "--bucket", "bkt", "--key", "k/data.bin", "--body", "data.bin", "--metadata", "Owner=me",
                    "--content-type", "text/plain")
        let got = try json(try s.run(["s3api", "get-object", "--bucket", "bkt", "--key", "k/data.bin", "out.bin"]))
        XCTAssertEqual(s.read("out.bin"), Array("0123456789".utf8))
        XCTAssertEqual(got.objectValue?.keys, ["AcceptRanges", "LastModified", "ContentLength", "ETag", "ContentType",
                                               "ServerSideEncryption", "Metadata"])
        XCTAssertEqual(got["ContentLength"], 10)
        XCTAssertEqual(got["ETag"], "\"781e5e245d69b566979b86e28d23f2c7\"")
        XCTAssertEqual(got["Metadata"], ["owner": "me"])
        let copied = try json(try s.run(["s3api", "copy-object", "--bucket", "bkt", "--key", "copy.bin", "--copy-source", "bkt/k/data.bin"]))
        XCTAssertEqual(copied["CopyObjectResult"]?["ETag"], "\"781e5e245d69b566979b86e28d23f2c7\"")
        let listed = try json(try s.run(["s3api", "list-objects-v2", "--bucket", "bkt", "--delimiter", "/"]))
        XCTAssertEqual(listed["Contents"]?.arrayValue?.compactMap { $0["Key"]?.stringValue }, ["copy.bin"])
        XCTAssertEqual(listed["CommonPrefixes"], [["Prefix": "k/"]])
        XCTAssertEqual(listed["KeyCount"], 2)
        let missingKey = try s.run(["s3api", "get-object", "--bucket", "bkt", "--key", "nope", "out2.bin"])
        XCTAssertEqual(missingKey.stderrText, "\nAn error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.\n")
        XCTAssertEqual(missingKey.exitCode, 254)
        XCTAssertFalse(s.exists("out2.bin"))
        let head = try s.run(["s3api", "head-object", "--bucket", "bkt", "--key", "nope"])
        XCTAssertEqual(head.stderrText, "\nAn error occurred (404) when calling the HeadObject operation: Not Found\n")
        let deleted = try json(try s.run(["s3api", "delete-objects", "--bucket", "bkt", "--delete",
                                          #"{"Objects":[{"Key":"copy.bin"},{"Key":"k/data.bin"}]}"#]))
        XCTAssertEqual(deleted, ["Deleted": [["Key": "copy.bin"], ["Key": "k/data.bin"]]])
        XCTAssertEqual(try s.run(["s3api", "delete-bucket", "--bucket", "bkt"]).exitCode, 0)
        XCTAssertEqual(try s.run(["s3api", "head-bucket", "--bucket", "bkt"]).exitCode, 254)
    }

    /// `s3 cp` of a file of 8 MiB or more is a multipart upload, as the CLI makes it: the
    /// event is `ObjectCreated:CompleteMultipartUpload` and the ETag has a part count.
    func testLargeUploadIsAMultipartUpload() throws {
        let s = try Sandbox()
        try s.setup("s3", "mb", "s3://big")
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("s3api", "put-bucket-notification-configuration", "--bucket", "big", "--notification-configuration",
                    #"{"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:123456789012:q","Events":["s3:ObjectCreated:CompleteMultipartUpload"]}]}"#)
        try s.write("large.bin", [UInt8](repeating: 7, count: 9 * 1024 * 1024))
        try s.setup("s3", "cp", "large.bin", "s3://big/")
        let messages = try bodies(s, queue: "q")
        XCTAssertEqual(messages.count, 2)
        let record = try XCTUnwrap(messages[1]["Records"]?.arrayValue?.first)
        XCTAssertEqual(record["eventName"], "ObjectCreated:CompleteMultipartUpload")
        XCTAssertEqual(record["s3"]?["object"]?["size"], .int(9_437_184))
        XCTAssertTrue(record["s3"]?["object"]?["eTag"]?.stringValue?.hasSuffix("-2") == true)
    }

    /// Wall clock (the default): the upload's async invocation runs in the background and a
    /// later command sees its on-success record.
    func testWallClockUploadInvokesTheFunction() throws {
        let s = try Sandbox()
        s.clock = .wall
        try s.setup("s3", "mb", "s3://wall")
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "done")
        try s.setup("put-function-event-invoke-config", "--function-name", "f",
                    "--destination-config", #"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:123456789012:done"}}"#)
        try s.setup("s3api", "put-bucket-notification-configuration", "--bucket", "wall", "--notification-configuration",
                    #"{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:f","Events":["s3:ObjectCreated:*"]}]}"#)
        try s.write("x.txt", "x")
        try s.setup("s3", "cp", "x.txt", "s3://wall/x.txt")
        var records: [JSON] = []
        for _ in 0..<50 where records.isEmpty {
            records = try bodies(s, queue: "done")
            if records.isEmpty { usleep(100_000) }
        }
        XCTAssertEqual(records.first?["requestPayload"]?["Records"]?.arrayValue?.first?["s3"]?["object"]?["key"], "x.txt")
        XCTAssertEqual(records.first?["requestContext"]?["condition"], "Success")
    }
}
