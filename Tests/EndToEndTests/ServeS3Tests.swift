import Foundation
import LambdaSimJSON
import XCTest

/// S3's REST API through `serve`, in wall mode: boto3's `put_object` and the AWS CLI's
/// `s3 cp` upload to a bucket whose notification invokes a function; serve's background
/// runner runs the asynchronous invocation (its on-success destination shows the event).
final class ServeS3Tests: XCTestCase {
    static let account = "123456789012"

    func bodies(_ s: Sandbox, queue: String) throws -> [JSON] {
        let r = try s.run(["sqs", "receive-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/\(Self.account)/\(queue)",
                           "--max-number-of-messages", "10"])
        guard r.exitCode == 0, !r.stdoutText.isEmpty else { return [] }
        return try (JSONParser.parse(r.stdoutText)["Messages"]?.arrayValue ?? []).map { try JSONParser.parse($0["Body"]?.stringValue ?? "") }
    }

    func eventKeys(_ s: Sandbox, queue: String, count: Int) throws -> [String] {
        var keys: [String] = []
        let deadline = Date().addingTimeInterval(20)
        while keys.count < count, Date() < deadline {
            for body in try bodies(s, queue: queue) {
                XCTAssertEqual(body["requestContext"]?["condition"], "Success")
                let record = body["requestPayload"]?["Records"]?.arrayValue?.first
                XCTAssertEqual(record?["eventVersion"], "2.1")
                XCTAssertEqual(record?["eventSource"], "aws:s3")
                XCTAssertEqual(record?["s3"]?["configurationId"], "thumbnails")
                keys.append(record?["s3"]?["object"]?["key"]?.stringValue ?? "?")
            }
            if keys.count < count { usleep(200_000) }
        }
        return keys
    }

    func testBoto3PutObjectAndAwsS3CpThroughServeInvokeTheFunction() throws {
        let python = ProcessInfo.processInfo.environment["LAMBDA_SIM_PYTHON"] ?? "python3"
        let check = try ProcessRunner.run(ProcessSpec(executable: "/usr/bin/env", arguments: [python, "-c", "import boto3"],
                                                      environment: ProcessInfo.processInfo.environment, workingDirectory: "/", stdin: nil))
        guard check.exitCode == 0 else { throw XCTSkip("boto3 is not installed") }
        let s = try Sandbox()
        s.clock = .wall
        let server = try ServeProcess(s)
        defer { server.stop() }
        try s.setup("create-function", "--function-name", "thumbnail", "--runtime", "builtin", "--handler", "echo")
        try s.setup("sqs", "create-queue", "--queue-name", "seen")
        try s.setup("put-function-event-invoke-config", "--function-name", "thumbnail", "--destination-config",
                    #"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:\#(Self.account):seen"}}"#)
        try s.write("client.py", """
            import boto3, json, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
            s3.create_bucket(Bucket="images")
            s3.put_bucket_notification_configuration(Bucket="images", NotificationConfiguration={"LambdaFunctionConfigurations": [{
                "Id": "thumbnails", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:thumbnail",
                "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}}]})
            put = s3.put_object(Bucket="images", Key="photos/Happy Face.jpg", Body=b"not really a jpeg\\n", ContentType="image/jpeg")
            s3.put_object(Bucket="images", Key="notes.txt", Body=b"no event")
            got = s3.get_object(Bucket="images", Key="photos/Happy Face.jpg")
            listed = s3.list_objects_v2(Bucket="images")
            try:
                s3.get_object(Bucket="images", Key="missing.jpg")
                missing = "found"
            except s3.exceptions.NoSuchKey as e:
                missing = e.response["Error"]["Code"]
            copied = s3.copy_object(Bucket="images", Key="copy.jpg", CopySource={"Bucket": "images", "Key": "photos/Happy Face.jpg"})
            deleted = s3.delete_objects(Bucket="images", Delete={"Objects": [{"Key": "copy.jpg"}, {"Key": "notes.txt"}]})
            after = [o["Key"] for o in s3.list_objects_v2(Bucket="images").get("Contents", [])]
            print(json.dumps({"etag": put["ETag"], "copyEtag": copied["CopyObjectResult"]["ETag"],
                              "deleted": sorted(d["Key"] for d in deleted["Deleted"]), "after": after, "body": got["Body"].read().decode(), "type": got["ContentType"],
                              "keys": [o["Key"] for o in listed["Contents"]], "missing": missing,
                              "config": s3.get_bucket_notification_configuration(Bucket="images")["LambdaFunctionConfigurations"][0]["Id"]}))
            """)
        let r = try ProcessRunner.run(ProcessSpec(executable: "/usr/bin/env", arguments: [python, s.path("client.py"), server.endpoint],
                                                  environment: ProcessInfo.processInfo.environment, workingDirectory: s.directory, stdin: nil),
                                      timeout: 60)
        XCTAssertEqual(r.exitCode, 0, r.stderrText + "\n" + server.log)
        let out = try JSONParser.parse(r.stdoutText)
        XCTAssertEqual(out["etag"], "\"995e93664766e2205d19ea51eec95355\"")
        XCTAssertEqual(out["body"], "not really a jpeg\n")
        XCTAssertEqual(out["type"], "image/jpeg")
        XCTAssertEqual(out["keys"], ["notes.txt", "photos/Happy Face.jpg"])
        XCTAssertEqual(out["missing"], "NoSuchKey")
        XCTAssertEqual(out["config"], "thumbnails")
        XCTAssertEqual(out["copyEtag"], "\"995e93664766e2205d19ea51eec95355\"")
        XCTAssertEqual(out["deleted"], ["copy.jpg", "notes.txt"])
        XCTAssertEqual(out["after"], ["photos/Happy Face.jpg"])
        // The .jpg upload and its copy match the suffix filter (ObjectCreated:Put and :Copy); the
        // key is URL-encoded in the record.
        XCTAssertEqual(try eventKeys(s, queue: "seen", count: 2).sorted(), ["copy.jpg", "photos/Happy+Face.jpg"])

        // The AWS CLI's high-level upload against serve.
        guard let aws = RuntimeTools.find("aws", override: "LAMBDA_SIM_AWS") else { throw XCTSkip("the AWS CLI is not installed") }
        try s.write("cat.jpg", "meow\n")
        let env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "HOME": s.directory,
            "LANG": "C.UTF-8", "TZ": "UTC", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": s.path("no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": s.path("no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let cp = try ProcessRunner.run(ProcessSpec(executable: aws, arguments: ["--endpoint-url", server.endpoint, "s3", "cp", "cat.jpg",
                                                                                "s3://images/cat.jpg"],
                                                   environment: env, workingDirectory: s.directory, stdin: nil), timeout: 60)
        XCTAssertEqual(cp.exitCode, 0, cp.stderrText + "\n" + server.log)
        XCTAssertTrue(cp.stdoutText.contains("upload: ./cat.jpg to s3://images/cat.jpg"), cp.stdoutText)
        XCTAssertEqual(try eventKeys(s, queue: "seen", count: 1), ["cat.jpg"])
        let ls = try ProcessRunner.run(ProcessSpec(executable: aws, arguments: ["--endpoint-url", server.endpoint, "s3", "ls",
                                                                                "s3://images/photos/"],
                                                   environment: env, workingDirectory: s.directory, stdin: nil), timeout: 60)
        XCTAssertEqual(ls.exitCode, 0, ls.stderrText)
        XCTAssertTrue(ls.stdoutText.hasSuffix(" 18 Happy Face.jpg\n"), ls.stdoutText)
        // The object is the file the engine stores: the CLI reads it back without serve.
        let local = try s.run(["s3api", "get-object", "--bucket", "images", "--key", "cat.jpg", "back.jpg"])
        XCTAssertEqual(local.exitCode, 0, local.stderrText)
        XCTAssertEqual(try String(contentsOfFile: s.path("back.jpg"), encoding: .utf8), "meow\n")
    }
}
