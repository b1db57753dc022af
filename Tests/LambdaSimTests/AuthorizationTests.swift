import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// The engine's permission checks on the service-principal path (S3 and SNS invoking a
/// function through its resource-based policy) and the authorization API delivery code calls.
final class AuthorizationTests: EngineTestCase {
    func strict() throws {
        try engine.store.update { $0.iam = IAMState(mode: "strict") }
    }

    func createFunction() throws {
        try call("CreateFunction", #"{"FunctionName":"f","Runtime":"builtin","Handler":"echo"}"#)
    }

    func testS3NotificationNeedsTheFunctionsPolicyForThatBucketInStrictMode() throws {
        try createFunction()  // before strict mode: it has no role
        try strict()
        try call("CreateBucket", #"{"Bucket":"uploads"}"#)
        let configuration = #"{"Bucket":"uploads","NotificationConfiguration":{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:f","Events":["s3:ObjectCreated:*"]}]}}"#
        // S3 validates the destination when the configuration is put…
        XCTAssertThrowsError(try call("PutBucketNotificationConfiguration", configuration)) { error in
            XCTAssertEqual((error as? ServiceError)?.message, "Unable to validate the following destination configurations")
        }
        try call("AddPermission", #"{"FunctionName":"f","StatementId":"tmp","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::uploads"}"#)
        try call("PutBucketNotificationConfiguration", configuration)
        // …and the function's policy again at each delivery.
        try call("RemovePermission", #"{"FunctionName":"f","StatementId":"tmp"}"#)
        try call("PutObject", #"{"Bucket":"uploads","Key":"a.txt","Body":"aGk="}"#)
        var state = try engine.store.read()
        XCTAssertEqual(state.asyncQueue.count, 0)
        XCTAssertEqual(state.permissionDenials?.map(\.principal), ["s3.amazonaws.com"])
        // A permission for another bucket does not help; the account condition must hold too.
        try call("AddPermission", #"{"FunctionName":"f","StatementId":"other","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::other"}"#)
        try call("AddPermission", #"{"FunctionName":"f","StatementId":"acct","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::uploads","SourceAccount":"999999999999"}"#)
        try call("PutObject", #"{"Bucket":"uploads","Key":"b.txt","Body":"aGk="}"#)
        state = try engine.store.read()
        XCTAssertEqual(state.asyncQueue.count, 0)
        XCTAssertEqual(state.permissionDenials?.count, 2)
        try call("AddPermission", #"{"FunctionName":"f","StatementId":"s3","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::uploads","SourceAccount":"123456789012"}"#)
        try call("PutObject", #"{"Bucket":"uploads","Key":"c.txt","Body":"aGk="}"#)
        state = try engine.store.read()
        XCTAssertEqual(state.asyncQueue.map(\.source), ["s3"])
        // simulate shows each denial once.
        XCTAssertEqual(try engine.takeDenials().map(\.event), [.denied, .denied])
        XCTAssertEqual(try engine.takeDenials().count, 0)
    }

    func testDefaultModeDeliversToAFunctionWithoutAPolicy() throws {
        try createFunction()
        try call("CreateBucket", #"{"Bucket":"uploads"}"#)
        try call("PutBucketNotificationConfiguration", #"{"Bucket":"uploads","NotificationConfiguration":{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:f","Events":["s3:ObjectCreated:*"]}]}}"#)
        try call("PutObject", #"{"Bucket":"uploads","Key":"a.txt","Body":"aGk="}"#)
        XCTAssertEqual(try engine.store.read().asyncQueue.count, 1)
        // …but once the function has a policy, the policy decides, in either mode.
        try call("AddPermission", #"{"FunctionName":"f","StatementId":"sns","Action":"lambda:InvokeFunction","Principal":"sns.amazonaws.com"}"#)
        try call("PutObject", #"{"Bucket":"uploads","Key":"b.txt","Body":"aGk="}"#)
        XCTAssertEqual(try engine.store.read().asyncQueue.count, 1)
    }

    func iam(_ operation: String, _ params: String) throws {
        _ = try engine.perform(service: "iam", operation, try JSONParser.parse(params).objectValue ?? JSONObject())
    }

    func testAuthorizeDeliveryForDestinationsAndDeadLetterQueues() throws {
        let role = "arn:aws:iam::123456789012:role/r"
        try iam("CreateRole", #"{"RoleName":"r","AssumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}"#)
        let queue = "arn:aws:sqs:us-east-1:123456789012:q"
        var state = try engine.store.read()
        XCTAssertEqual(engine.authorizeDelivery(state, roleArn: role, targetArn: queue)?.outcome, .implicitDeny)
        XCTAssertNil(engine.authorizeDelivery(state, roleArn: role, targetArn: "arn:aws:kms:us-east-1:123456789012:key/k"))
        try iam("PutRolePolicy", #"{"RoleName":"r","PolicyName":"p","PolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"sqs:SendMessage\",\"s3:PutObject\"],\"Resource\":[\"arn:aws:sqs:*:*:q\",\"arn:aws:s3:::b/*\"]}]}"}"#)
        state = try engine.store.read()
        XCTAssertEqual(engine.authorizeDelivery(state, roleArn: role, targetArn: queue)?.outcome, .allow)
        XCTAssertEqual(engine.authorizeDelivery(state, roleArn: role, targetArn: "arn:aws:s3:::b")?.outcome, .allow)
        XCTAssertEqual(engine.authorizeDelivery(state, roleArn: role, targetArn: "arn:aws:sns:us-east-1:123456789012:t")?.outcome,
                       .implicitDeny)
        // Event source actions: the first one missing, in Lambda's order.
        XCTAssertEqual(engine.missingEventSourceAction(state, roleArn: role, sourceArn: queue)?.action, "sqs:ReceiveMessage")
        // A role never created locally: unrestricted by default, nothing allowed in strict mode.
        let ghost = "arn:aws:iam::123456789012:role/ghost"
        XCTAssertNil(engine.authorizeDelivery(state, roleArn: ghost, targetArn: queue), "not checked")
        XCTAssertNil(engine.missingEventSourceAction(state, roleArn: ghost, sourceArn: queue))
        try strict()
        state = try engine.store.read()
        XCTAssertEqual(engine.authorizeDelivery(state, roleArn: ghost, targetArn: queue)?.outcome, .implicitDeny)
    }
}
