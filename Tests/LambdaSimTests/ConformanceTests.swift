import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// The model-driven conformance test: every operation the engine implements
/// (`ImplementedOperations`) is exercised, each answer is checked against the operation's output
/// shape in botocore's service model (no member outside it, types right, required members
/// present) and each error against the errors the operation declares (plus AWS's common
/// `ValidationException` and `AccessDeniedException`). The models are read from the installed
/// botocore (the AWS CLI's); the test skips when it is not installed.
final class ConformanceTests: EngineTestCase {
    static let commonErrors: Set<String> = ["ValidationException", "AccessDeniedException"]

    /// Values outside a model enum that are known and deliberate: lambda-sim's own runtimes, and
    /// the reason code AWS's own documented update responses carry though the model's enum lacks it.
    static let extraEnumValues: [String: Set<String>] = [
        "Runtime": ["builtin", "exec"],
        "LastUpdateStatusReasonCode": ["Creating"],
    ]

    /// Required members lambda-sim omits on purpose (docs/differences.md): SQS batch answers
    /// carry `Successful`/`Failed` only when not empty.
    static let knownOmissions: Set<String> = ["SendMessageBatchResult.Failed", "SendMessageBatchResult.Successful",
                                              "DeleteMessageBatchResult.Failed", "DeleteMessageBatchResult.Successful"]

    /// `{service: service-2 description}` from botocore, via python3.
    static func loadModels() throws -> [String: JSON] {
        let script = """
        import json, sys, botocore.session
        s = botocore.session.get_session()
        json.dump({n: s.get_service_model(n)._service_description for n in sys.argv[1:]}, sys.stdout)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + ImplementedOperations.byService.map(\.service)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw XCTSkip("python3 is not available: \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let models = try? JSONParser.parse(bytes: [UInt8](data)).objectValue else {
            throw XCTSkip("botocore is not installed: skipping the model-driven conformance test")
        }
        var out: [String: JSON] = [:]
        for (k, v) in models { out[k] = v }
        return out
    }

    /// Problems of `value` against the shape `name` (empty: conforms).
    static func check(_ value: JSON, shape name: String, shapes: JSONObject, path: String) -> [String] {
        guard let shape = shapes[name]?.objectValue, let type = shape["type"]?.stringValue else { return ["\(path): unknown shape \(name)"] }
        switch (type, value) {
        case ("structure", .object(let o)):
            let members = shape["members"]?.objectValue ?? JSONObject()
            var problems: [String] = []
            for (key, child) in o {
                guard let member = members[key]?.objectValue, let childShape = member["shape"]?.stringValue else {
                    problems.append("\(path).\(key): not a member of \(name)")
                    continue
                }
                if child.isNull { problems.append("\(path).\(key): null"); continue }
                problems += check(child, shape: childShape, shapes: shapes, path: path + "." + key)
            }
            for required in shape["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            where o[required] == nil && !knownOmissions.contains(name + "." + required) {
                problems.append("\(path): required member \(required) missing")
            }
            return problems
        case ("list", .array(let items)):
            guard let member = shape["member"]?["shape"]?.stringValue else { return [] }
            return items.enumerated().flatMap { check($1, shape: member, shapes: shapes, path: "\(path)[\($0)]") }
        case ("map", .object(let o)):
            guard let valueShape = shape["value"]?["shape"]?.stringValue else { return [] }
            return o.flatMap { check($0.value, shape: valueShape, shapes: shapes, path: "\(path).\($0.key)") }
        case ("string", .string(let s)):
            if let values = shape["enum"]?.arrayValue?.compactMap(\.stringValue), !values.contains(s),
                extraEnumValues[name]?.contains(s) != true
            {
                return ["\(path): \(s) not in the enum of \(name)"]
            }
            return []
        case ("blob", .string), ("boolean", .bool), ("integer", .int), ("long", .int), ("double", .int), ("double", .double),
             ("float", .int), ("float", .double), ("timestamp", .int), ("timestamp", .double), ("timestamp", .string):
            return []
        default:
            return ["\(path): \(JSONWriter.string(value).prefix(60)) is not a \(type) (\(name))"]
        }
    }

    /// Error codes an operation may answer: its declared error shapes, by name and by their
    /// query-protocol code.
    static func declaredErrors(_ operation: JSONObject, shapes: JSONObject) -> Set<String> {
        var codes = commonErrors
        for e in operation["errors"]?.arrayValue ?? [] {
            guard let name = e["shape"]?.stringValue else { continue }
            codes.insert(name)
            if let code = shapes[name]?["error"]?["code"]?.stringValue { codes.insert(code) }
            // SQS: the engine speaks the query codes the CLI prints; serve maps them to these shapes.
            for (query, shape) in JSONProtocolAPI.sqsShapeNames where shape == name { codes.insert(query) }
            codes.insert("AWS.SimpleQueueService." + name)
        }
        return codes
    }

    func testEveryImplementedOperationAnswersAsItsModelSays() throws {
        let models = try Self.loadModels()
        try FileManager.default.createDirectory(atPath: directory + "/code", withIntermediateDirectories: true)
        try Data("print('x')\n".utf8).write(to: URL(fileURLWithPath: directory + "/code/app.py"))
        let code = directory + "/code"
        let q = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
        let qArn = "arn:aws:sqs:us-east-1:123456789012:q"
        let topic = "arn:aws:sns:us-east-1:123456789012:t"
        let layerZip = "UEsDBBQAAAAAAAAAIQANjFqMBgAAAAYAAAASAAAAcHl0aG9uL2xheWVybGliLnB5WCA9IDEKUEsBAhQDFAAAAAAAAAAhAA2MWowGAAAABgAAABIAAAAAAAAAAAAAAIABAAAAAHB5dGhvbi9sYXllcmxpYi5weVBLBQYAAAAAAQABAEAAAAA2AAAAAAA="
        // (service, operation, parameters, must succeed). Errors are checked too.
        var steps: [(String, String, String, Bool)] = [
            ("lambda", "CreateFunction", #"{"FunctionName":"f","Runtime":"python3.12","Handler":"app.h","CodePath":"\#(code)","Role":"arn:aws:iam::123456789012:role/r"}"#, true),
            ("lambda", "CreateFunction", #"{"FunctionName":"g","Runtime":"builtin","Handler":"echo"}"#, true),
            ("lambda", "CreateFunction", #"{"FunctionName":"f","Runtime":"builtin","Handler":"echo"}"#, false),
            ("lambda", "GetFunction", #"{"FunctionName":"f"}"#, true),
            ("lambda", "GetFunction", #"{"FunctionName":"nope"}"#, false),
            ("lambda", "GetFunctionConfiguration", #"{"FunctionName":"f"}"#, true),
            ("lambda", "ListFunctions", #"{}"#, true),
            ("lambda", "UpdateFunctionConfiguration", #"{"FunctionName":"f","Timeout":10,"Environment":{"Variables":{"AB":"1"}}}"#, true),
            ("lambda", "UpdateFunctionCode", #"{"FunctionName":"f","CodePath":"\#(code)"}"#, true),
            ("lambda", "PublishVersion", #"{"FunctionName":"f"}"#, true),
            ("lambda", "ListVersionsByFunction", #"{"FunctionName":"f"}"#, true),
            ("lambda", "CreateAlias", #"{"FunctionName":"f","Name":"live","FunctionVersion":"1"}"#, true),
            ("lambda", "GetAlias", #"{"FunctionName":"f","Name":"live"}"#, true),
            ("lambda", "GetAlias", #"{"FunctionName":"f","Name":"nope"}"#, false),
            ("lambda", "ListAliases", #"{"FunctionName":"f"}"#, true),
            ("lambda", "UpdateAlias", #"{"FunctionName":"f","Name":"live","Description":"d"}"#, true),
            ("lambda", "PutFunctionConcurrency", #"{"FunctionName":"f","ReservedConcurrentExecutions":5}"#, true),
            ("lambda", "GetFunctionConcurrency", #"{"FunctionName":"f"}"#, true),
            ("lambda", "DeleteFunctionConcurrency", #"{"FunctionName":"f"}"#, true),
            ("lambda", "GetAccountSettings", #"{}"#, true),
            ("lambda", "PutFunctionEventInvokeConfig", #"{"FunctionName":"f","MaximumRetryAttempts":1,"DestinationConfig":{"OnFailure":{"Destination":"\#(qArn)"}}}"#, true),
            ("lambda", "UpdateFunctionEventInvokeConfig", #"{"FunctionName":"f","MaximumEventAgeInSeconds":600}"#, true),
            ("lambda", "GetFunctionEventInvokeConfig", #"{"FunctionName":"f"}"#, true),
            ("lambda", "GetFunctionEventInvokeConfig", #"{"FunctionName":"g"}"#, false),
            ("lambda", "ListFunctionEventInvokeConfigs", #"{"FunctionName":"f"}"#, true),
            ("lambda", "DeleteFunctionEventInvokeConfig", #"{"FunctionName":"f"}"#, true),
            ("lambda", "CreateFunctionUrlConfig", #"{"FunctionName":"f","AuthType":"NONE"}"#, true),
            ("lambda", "GetFunctionUrlConfig", #"{"FunctionName":"f"}"#, true),
            ("lambda", "GetFunctionUrlConfig", #"{"FunctionName":"g"}"#, false),
            ("lambda", "UpdateFunctionUrlConfig", #"{"FunctionName":"f","AuthType":"AWS_IAM"}"#, true),
            ("lambda", "ListFunctionUrlConfigs", #"{"FunctionName":"f"}"#, true),
            ("lambda", "DeleteFunctionUrlConfig", #"{"FunctionName":"f"}"#, true),
            ("sqs", "CreateQueue", #"{"QueueName":"q","Attributes":{"VisibilityTimeout":"60"}}"#, true),
            ("sqs", "GetQueueUrl", #"{"QueueName":"q"}"#, true),
            ("sqs", "GetQueueUrl", #"{"QueueName":"nope"}"#, false),
            ("sqs", "GetQueueAttributes", #"{"QueueUrl":"\#(q)","AttributeNames":["All"]}"#, true),
            ("sqs", "SetQueueAttributes", #"{"QueueUrl":"\#(q)","Attributes":{"DelaySeconds":"0"}}"#, true),
            ("sqs", "ListQueues", #"{}"#, true),
            ("sqs", "SendMessage", #"{"QueueUrl":"\#(q)","MessageBody":"hi","MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}"#, true),
            ("sqs", "SendMessageBatch", #"{"QueueUrl":"\#(q)","Entries":[{"Id":"1","MessageBody":"a"},{"Id":"2","MessageBody":"b"}]}"#, true),
            ("lambda", "CreateEventSourceMapping", #"{"FunctionName":"g","EventSourceArn":"\#(qArn)","BatchSize":5,"Enabled":false}"#, true),
            ("lambda", "CreateEventSourceMapping", #"{"FunctionName":"g","EventSourceArn":"\#(qArn)"}"#, false),
            ("lambda", "ListEventSourceMappings", #"{"FunctionName":"g"}"#, true),
            ("sns", "CreateTopic", #"{"Name":"t"}"#, true),
            ("sns", "Subscribe", #"{"TopicArn":"\#(topic)","Protocol":"sqs","Endpoint":"\#(qArn)"}"#, true),
            ("sns", "ListTopics", #"{}"#, true),
            ("sns", "ListSubscriptions", #"{}"#, true),
            ("sns", "ListSubscriptionsByTopic", #"{"TopicArn":"\#(topic)"}"#, true),
            ("sns", "Publish", #"{"TopicArn":"\#(topic)","Message":"m"}"#, true),
            ("sns", "Publish", #"{"TopicArn":"\#(topic)x","Message":"m"}"#, false),
            ("kinesis", "CreateStream", #"{"StreamName":"s","ShardCount":1}"#, true),
            ("kinesis", "PutRecord", #"{"StreamName":"s","Data":"aGk=","PartitionKey":"p"}"#, true),
            ("kinesis", "PutRecords", #"{"StreamName":"s","Records":[{"Data":"aGk=","PartitionKey":"p"}]}"#, true),
            ("kinesis", "DescribeStream", #"{"StreamName":"s"}"#, true),
            ("kinesis", "DescribeStream", #"{"StreamName":"nope"}"#, false),
            ("kinesis", "ListStreams", #"{}"#, true),
            ("kinesis", "IncreaseStreamRetentionPeriod", #"{"StreamName":"s","RetentionPeriodHours":48}"#, true),
            ("kinesis", "DecreaseStreamRetentionPeriod", #"{"StreamName":"s","RetentionPeriodHours":24}"#, true),
            ("dynamodb", "CreateTable", #"{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}"#, true),
            ("dynamodb", "DescribeTable", #"{"TableName":"tbl"}"#, true),
            ("dynamodb", "DescribeTable", #"{"TableName":"nope"}"#, false),
            ("dynamodb", "ListTables", #"{}"#, true),
            ("dynamodb", "PutItem", #"{"TableName":"tbl","Item":{"k":{"S":"a"},"n":{"N":"1"}}}"#, true),
            ("dynamodb", "UpdateItem", #"{"TableName":"tbl","Key":{"k":{"S":"a"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW"}"#, true),
            ("dynamodb", "GetItem", #"{"TableName":"tbl","Key":{"k":{"S":"a"}}}"#, true),
            ("dynamodb", "Scan", #"{"TableName":"tbl"}"#, true),
            ("dynamodb", "DeleteItem", #"{"TableName":"tbl","Key":{"k":{"S":"a"}},"ReturnValues":"ALL_OLD"}"#, true),
            ("events", "CreateEventBus", #"{"Name":"bus"}"#, true),
            ("events", "ListEventBuses", #"{}"#, true),
            ("events", "PutEvents", #"{"Entries":[{"Source":"s","DetailType":"d","Detail":"{}","EventBusName":"bus"}]}"#, true),
            ("events", "PutRule", #"{"Name":"r","EventPattern":"{\"source\":[\"s\"]}","EventBusName":"bus"}"#, true),
            ("events", "PutRule", #"{"Name":"r","ScheduleExpression":"rate(1 minutes)"}"#, false),
            ("events", "PutTargets", #"{"Rule":"r","EventBusName":"bus","Targets":[{"Id":"q","Arn":"\#(qArn)","RetryPolicy":{"MaximumRetryAttempts":3}}]}"#, true),
            ("events", "DescribeRule", #"{"Name":"r","EventBusName":"bus"}"#, true),
            ("events", "DescribeRule", #"{"Name":"nope"}"#, false),
            ("events", "ListRules", #"{"EventBusName":"bus"}"#, true),
            ("events", "ListTargetsByRule", #"{"Rule":"r","EventBusName":"bus"}"#, true),
            ("events", "ListRuleNamesByTarget", #"{"TargetArn":"\#(qArn)","EventBusName":"bus"}"#, true),
            ("events", "DisableRule", #"{"Name":"r","EventBusName":"bus"}"#, true),
            ("events", "EnableRule", #"{"Name":"r","EventBusName":"bus"}"#, true),
            ("events", "DeleteRule", #"{"Name":"r","EventBusName":"bus"}"#, false),
            ("events", "RemoveTargets", #"{"Rule":"r","EventBusName":"bus","Ids":["q"]}"#, true),
            ("events", "DeleteRule", #"{"Name":"r","EventBusName":"bus"}"#, true),
            ("events", "DeleteEventBus", #"{"Name":"bus"}"#, true),
            ("s3", "CreateBucket", #"{"Bucket":"bkt"}"#, true),
            ("s3", "ListBuckets", #"{}"#, true),
            ("s3", "PutObject", #"{"Bucket":"bkt","Key":"k","Body":"aGk="}"#, true),
            ("s3", "PutBucketNotificationConfiguration", #"{"Bucket":"bkt","NotificationConfiguration":{"QueueConfigurations":[{"QueueArn":"\#(qArn)","Events":["s3:ObjectCreated:*"]}]}}"#, true),
            ("s3", "GetBucketNotificationConfiguration", #"{"Bucket":"bkt"}"#, true),
            ("s3", "HeadBucket", #"{"Bucket":"bkt"}"#, true),
            ("s3", "HeadBucket", #"{"Bucket":"nope"}"#, false),
            ("s3", "GetObject", #"{"Bucket":"bkt","Key":"k"}"#, true),
            ("s3", "GetObject", #"{"Bucket":"bkt","Key":"nope"}"#, false),
            ("s3", "HeadObject", #"{"Bucket":"bkt","Key":"k"}"#, true),
            ("s3", "CopyObject", #"{"Bucket":"bkt","Key":"k2","CopySource":"bkt/k"}"#, true),
            ("s3", "ListObjectsV2", #"{"Bucket":"bkt"}"#, true),
            ("s3", "ListObjectsV2", #"{"Bucket":"nope"}"#, false),
            ("s3", "DeleteBucket", #"{"Bucket":"bkt"}"#, false),
            ("s3", "DeleteObjects", #"{"Bucket":"bkt","Delete":{"Objects":[{"Key":"k2"}]}}"#, true),
            ("s3", "DeleteObject", #"{"Bucket":"bkt","Key":"k"}"#, true),
            ("s3", "PutBucketNotificationConfiguration", #"{"Bucket":"bkt","NotificationConfiguration":{}}"#, true),
            ("s3", "DeleteBucket", #"{"Bucket":"bkt"}"#, true),
            ("lambda", "PutFunctionRecursionConfig", #"{"FunctionName":"f","RecursiveLoop":"Allow"}"#, true),
            ("lambda", "GetFunctionRecursionConfig", #"{"FunctionName":"f"}"#, true),
            ("lambda", "GetFunctionRecursionConfig", #"{"FunctionName":"nope"}"#, false),
            // Permissions, tags, IAM and STS (Services/IAM/).
            ("lambda", "AddPermission", #"{"FunctionName":"f","StatementId":"s","Action":"lambda:InvokeFunction","Principal":"sns.amazonaws.com","SourceArn":"\#(topic)"}"#, true),
            ("lambda", "AddPermission", #"{"FunctionName":"f","StatementId":"s","Action":"lambda:InvokeFunction","Principal":"sns.amazonaws.com"}"#, false),
            ("lambda", "GetPolicy", #"{"FunctionName":"f"}"#, true),
            ("lambda", "GetPolicy", #"{"FunctionName":"g"}"#, false),
            ("lambda", "RemovePermission", #"{"FunctionName":"f","StatementId":"s"}"#, true),
            ("lambda", "RemovePermission", #"{"FunctionName":"f","StatementId":"s"}"#, false),
            ("lambda", "TagResource", #"{"Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Tags":{"a":"1","b":"2"}}"#, true),
            ("lambda", "UntagResource", #"{"Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TagKeys":["b"]}"#, true),
            ("lambda", "ListTags", #"{"Resource":"arn:aws:lambda:us-east-1:123456789012:function:f"}"#, true),
            ("lambda", "ListTags", #"{"Resource":"arn:aws:lambda:us-east-1:123456789012:function:nope"}"#, false),
            ("sqs", "TagQueue", #"{"QueueUrl":"\#(q)","Tags":{"a":"1"}}"#, true),
            ("sqs", "ListQueueTags", #"{"QueueUrl":"\#(q)"}"#, true),
            ("sqs", "UntagQueue", #"{"QueueUrl":"\#(q)","TagKeys":["a"]}"#, true),
            ("iam", "CreateRole", #"{"RoleName":"r","AssumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}","Description":"d","Tags":[{"Key":"k","Value":"v"}]}"#, true),
            ("iam", "CreateRole", #"{"RoleName":"r","AssumeRolePolicyDocument":"{}"}"#, false),
            ("iam", "CreateRole", #"{"RoleName":"x","AssumeRolePolicyDocument":"{not json"}"#, false),
            ("iam", "GetRole", #"{"RoleName":"r"}"#, true),
            ("iam", "GetRole", #"{"RoleName":"nope"}"#, false),
            ("iam", "ListRoles", #"{}"#, true),
            ("iam", "UpdateRole", #"{"RoleName":"r","Description":"e"}"#, true),
            ("iam", "UpdateAssumeRolePolicy", #"{"RoleName":"r","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}"#, true),
            ("iam", "PutRolePolicy", #"{"RoleName":"r","PolicyName":"p","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sqs:*\",\"Resource\":\"*\"}]}"}"#, true),
            ("iam", "GetRolePolicy", #"{"RoleName":"r","PolicyName":"p"}"#, true),
            ("iam", "GetRolePolicy", #"{"RoleName":"r","PolicyName":"nope"}"#, false),
            ("iam", "ListRolePolicies", #"{"RoleName":"r"}"#, true),
            ("iam", "CreatePolicy", #"{"PolicyName":"mp","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sns:*\",\"Resource\":\"*\"}]}","Description":"d"}"#, true),
            ("iam", "CreatePolicy", #"{"PolicyName":"mp","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sns:*\"}]}"}"#, false),
            ("iam", "GetPolicy", #"{"PolicyArn":"arn:aws:iam::123456789012:policy/mp"}"#, true),
            ("iam", "GetPolicyVersion", #"{"PolicyArn":"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole","VersionId":"v1"}"#, true),
            ("iam", "ListPolicies", #"{}"#, true),
            ("iam", "AttachRolePolicy", #"{"RoleName":"r","PolicyArn":"arn:aws:iam::123456789012:policy/mp"}"#, true),
            ("iam", "AttachRolePolicy", #"{"RoleName":"r","PolicyArn":"arn:aws:iam::aws:policy/Nope"}"#, false),
            ("iam", "ListAttachedRolePolicies", #"{"RoleName":"r"}"#, true),
            ("iam", "DeletePolicy", #"{"PolicyArn":"arn:aws:iam::123456789012:policy/mp"}"#, false),
            ("iam", "DeleteRole", #"{"RoleName":"r"}"#, false),
            ("iam", "DetachRolePolicy", #"{"RoleName":"r","PolicyArn":"arn:aws:iam::123456789012:policy/mp"}"#, true),
            ("iam", "DeleteRolePolicy", #"{"RoleName":"r","PolicyName":"p"}"#, true),
            ("iam", "DeleteRole", #"{"RoleName":"r"}"#, true),
            ("iam", "CreateUser", #"{"UserName":"u"}"#, true),
            ("iam", "CreateUser", #"{"UserName":"u"}"#, false),
            ("iam", "GetUser", #"{"UserName":"u"}"#, true),
            ("iam", "ListUsers", #"{}"#, true),
            ("iam", "PutUserPolicy", #"{"UserName":"u","PolicyName":"p","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"lambda:*\",\"Resource\":\"*\"}]}"}"#, true),
            ("iam", "GetUserPolicy", #"{"UserName":"u","PolicyName":"p"}"#, true),
            ("iam", "ListUserPolicies", #"{"UserName":"u"}"#, true),
            ("iam", "AttachUserPolicy", #"{"UserName":"u","PolicyArn":"arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"}"#, true),
            ("iam", "ListAttachedUserPolicies", #"{"UserName":"u"}"#, true),
            ("iam", "DetachUserPolicy", #"{"UserName":"u","PolicyArn":"arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"}"#, true),
            ("iam", "DeleteUserPolicy", #"{"UserName":"u","PolicyName":"p"}"#, true),
            ("iam", "DeleteUser", #"{"UserName":"u"}"#, true),
            ("iam", "DeletePolicy", #"{"PolicyArn":"arn:aws:iam::123456789012:policy/mp"}"#, true),
            ("sts", "GetCallerIdentity", #"{}"#, true),
            // Layers: `python/layerlib.py` in a stored zip.
            ("lambda", "PublishLayerVersion", #"{"LayerName":"lib","Description":"d","Content":{"ZipFile":"\#(layerZip)"},"CompatibleRuntimes":["python3.12"],"LicenseInfo":"MIT","CompatibleArchitectures":["x86_64"]}"#, true),
            ("lambda", "PublishLayerVersion", #"{"LayerName":"lib","Content":{"ZipFile":"bm90IGEgemlw"}}"#, false),
            ("lambda", "PublishLayerVersion", #"{"LayerName":"../x","Content":{"ZipFile":"\#(layerZip)"}}"#, false),
            ("lambda", "GetLayerVersion", #"{"LayerName":"lib","VersionNumber":1}"#, true),
            ("lambda", "GetLayerVersion", #"{"LayerName":"lib","VersionNumber":9}"#, false),
            ("lambda", "GetLayerVersionByArn", #"{"Arn":"arn:aws:lambda:us-east-1:123456789012:layer:lib:1"}"#, true),
            ("lambda", "GetLayerVersionByArn", #"{"Arn":"arn:aws:lambda:us-east-1:123456789012:layer:lib:9"}"#, false),
            ("lambda", "ListLayers", #"{}"#, true),
            ("lambda", "ListLayerVersions", #"{"LayerName":"lib","CompatibleRuntime":"python3.12"}"#, true),
            ("lambda", "AddLayerVersionPermission", #"{"LayerName":"lib","VersionNumber":1,"StatementId":"s","Action":"lambda:GetLayerVersion","Principal":"*"}"#, true),
            ("lambda", "AddLayerVersionPermission", #"{"LayerName":"lib","VersionNumber":1,"StatementId":"s","Action":"lambda:GetLayerVersion","Principal":"*"}"#, false),
            ("lambda", "GetLayerVersionPolicy", #"{"LayerName":"lib","VersionNumber":1}"#, true),
            ("lambda", "RemoveLayerVersionPermission", #"{"LayerName":"lib","VersionNumber":1,"StatementId":"s"}"#, true),
            ("lambda", "RemoveLayerVersionPermission", #"{"LayerName":"lib","VersionNumber":1,"StatementId":"s"}"#, false),
            ("lambda", "GetLayerVersionPolicy", #"{"LayerName":"lib","VersionNumber":1}"#, false),
            ("lambda", "UpdateFunctionConfiguration", #"{"FunctionName":"f","Layers":["arn:aws:lambda:us-east-1:123456789012:layer:lib:1"]}"#, true),
            ("lambda", "UpdateFunctionConfiguration", #"{"FunctionName":"f","Layers":["arn:aws:lambda:us-east-1:123456789012:layer:lib:9"]}"#, false),
            ("lambda", "GetFunction", #"{"FunctionName":"f"}"#, true),
            ("lambda", "DeleteLayerVersion", #"{"LayerName":"lib","VersionNumber":1}"#, true),
            ("lambda", "DeleteLayerVersion", #"{"LayerName":"lib","VersionNumber":1}"#, true),
        ]
        var problems: [String] = []
        var succeeded = Set<String>()
        var mappingUUID: String?
        var receipt: String?
        var subscription: String?
        func run(_ service: String, _ operation: String, _ params: String, _ mustSucceed: Bool) {
            guard let model = models[service]?.objectValue, let shapes = model["shapes"]?.objectValue,
                let op = model["operations"]?[operation]?.objectValue
            else { return problems.append("\(service) \(operation): not in the model") }
            do {
                let object = try JSONParser.parse(params).objectValue ?? JSONObject()
                let result = try engine.perform(service: service, operation, object)
                if !mustSucceed { problems.append("\(service) \(operation) \(params): succeeded, expected an error") }
                if let output = op["output"]?["shape"]?.stringValue {
                    let found = Self.check(result, shape: output, shapes: shapes, path: operation)
                    problems += found.map { "\(service) \($0)" }
                    if found.isEmpty { succeeded.insert(service + " " + operation) }
                } else {
                    succeeded.insert(service + " " + operation)
                }
                if operation == "CreateEventSourceMapping" { mappingUUID = result["UUID"]?.stringValue }
                if operation == "ReceiveMessage" { receipt = result["Messages"]?.arrayValue?.first?["ReceiptHandle"]?.stringValue }
                if operation == "Subscribe" { subscription = result["SubscriptionArn"]?.stringValue }
            } catch let error as ServiceError {
                if mustSucceed { problems.append("\(service) \(operation) \(params): \(error.code): \(error.message)") }
                var declared = Self.declaredErrors(op, shapes: shapes)
                // S3's model declares few of the error codes its API reference lists (BucketNotEmpty),
                // and a HEAD answer has no body, so the CLI names its status (404).
                if service == "s3" { declared.formUnion(["BucketNotEmpty", "404"]) }
                if !declared.contains(error.code) {
                    problems.append("\(service) \(operation): error \(error.code) is not declared (\(declared.sorted().joined(separator: ", ")))")
                }
            } catch {
                problems.append("\(service) \(operation): \(error)")
            }
        }
        for (service, operation, params, mustSucceed) in steps { run(service, operation, params, mustSucceed) }
        // Steps that need ids from earlier answers.
        let uuid = mappingUUID ?? ""
        steps = [
            ("lambda", "GetEventSourceMapping", #"{"UUID":"\#(uuid)"}"#, true),
            ("lambda", "GetEventSourceMapping", #"{"UUID":"00000000-0000-0000-0000-000000000000"}"#, false),
            ("lambda", "UpdateEventSourceMapping", #"{"UUID":"\#(uuid)","BatchSize":7}"#, true),
            ("lambda", "DeleteEventSourceMapping", #"{"UUID":"\#(uuid)"}"#, true),
            ("sqs", "ReceiveMessage", #"{"QueueUrl":"\#(q)","MaxNumberOfMessages":1,"MessageAttributeNames":["All"],"AttributeNames":["All"]}"#, true),
        ]
        for (service, operation, params, mustSucceed) in steps { run(service, operation, params, mustSucceed) }
        let handle = receipt ?? ""
        steps = [
            ("sqs", "ChangeMessageVisibility", #"{"QueueUrl":"\#(q)","ReceiptHandle":"\#(handle)","VisibilityTimeout":0}"#, true),
            ("sqs", "DeleteMessage", #"{"QueueUrl":"\#(q)","ReceiptHandle":"\#(handle)"}"#, true),
            ("sqs", "DeleteMessageBatch", #"{"QueueUrl":"\#(q)","Entries":[{"Id":"1","ReceiptHandle":"\#(handle)"}]}"#, true),
            ("sqs", "PurgeQueue", #"{"QueueUrl":"\#(q)"}"#, true),
            ("sns", "Unsubscribe", #"{"SubscriptionArn":"\#(subscription ?? "")"}"#, true),
            ("sns", "DeleteTopic", #"{"TopicArn":"\#(topic)"}"#, true),
            ("lambda", "DeleteAlias", #"{"FunctionName":"f","Name":"live"}"#, true),
            ("lambda", "DeleteFunction", #"{"FunctionName":"f"}"#, true),
            ("sqs", "DeleteQueue", #"{"QueueUrl":"\#(q)"}"#, true),
        ]
        for (service, operation, params, mustSucceed) in steps { run(service, operation, params, mustSucceed) }
        // Invoke and InvokeAsync answer through their own entry point (headers and a body).
        if let shapes = models["lambda"]?["shapes"]?.objectValue {
            for type in ["RequestResponse", "Event", "DryRun"] {
                let response = try engine.invoke(InvokeRequest(functionName: "g", invocationType: type, logType: "Tail", payload: Array("{}".utf8)))
                let found = Self.check(response.summary, shape: "InvocationResponse", shapes: shapes, path: "Invoke")
                problems += found
                if found.isEmpty { succeeded.insert("lambda Invoke") }
            }
            let queued = try engine.invoke(InvokeRequest(functionName: "g", invocationType: "Event", payload: Array("{}".utf8)))
            if queued.statusCode == 202 { succeeded.insert("lambda InvokeAsync") }
        }
        XCTAssertEqual(problems, [], problems.joined(separator: "\n"))
        for (service, operations) in ImplementedOperations.byService {
            for operation in operations {
                XCTAssertTrue(succeeded.contains(service + " " + operation), "\(service) \(operation) was not exercised successfully")
            }
        }
    }
}
