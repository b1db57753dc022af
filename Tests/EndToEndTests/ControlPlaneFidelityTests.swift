import LambdaSimJSON
import XCTest

/// Issue 14: the control plane answers as AWS does, one golden case per instance of each kind
/// (fields AWS does not send, states and revisions, ARN forms, validation, conflicts and
/// existence, error codes). The same instances go through `serve` with boto3 in
/// `ServeBoto3FidelityTests`. Manual clock at the reference's instant, v1 dialect.
final class ControlPlaneFidelityTests: XCTestCase {
    static let queueArn = "arn:aws:sqs:us-east-1:123456789012:my-queue"

    /// The Python `my-fn` with version 1 and alias `live`, and the queue `my-queue`.
    private func standard() throws -> Sandbox {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.publishVersionAndAlias()
        try s.setup("sqs", "create-queue", "--queue-name", "my-queue")
        return s
    }

    // MARK: fields AWS does not send

    // A function without layers has no `Layers` member (AWS omits the empty list).
    func testF01NoLayersMember() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F01-get-function-configuration-no-layers", ["get-function-configuration", "--function-name", "my-fn"]))
    }

    // ListFunctions answers a subset: no State*, LastUpdateStatus*, RuntimeVersionConfig.
    func testF02ListFunctionsSubset() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F02-list-functions-subset", ["list-functions"]))
    }

    // An empty FilterCriteria is not echoed back.
    func testF03EmptyFilterCriteriaNotEchoed() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F03-esm-empty-filter-criteria", ["create-event-source-mapping", "--function-name", "my-fn",
                                                                        "--event-source-arn", Self.queueArn, "--filter-criteria", #"{"Filters":[]}"#]))
    }

    // MARK: states and revisions

    // update-function-code --publish answers the new version while it is being created.
    func testF04UpdateCodePublishIsPending() throws {
        let s = try standard()
        let changed = try s.setup("update-function-configuration", "--function-name", "my-fn", "--description", "v2")
        XCTAssertEqual(changed.exitCode, 0)
        try s.assertGolden(GoldenCase("F04-update-function-code-publish", ["update-function-code", "--function-name", "my-fn",
                                                                           "--zip-file", "fileb://fn.zip", "--publish"]))
    }

    // The RevisionId of a create (and an update) response is the one before the function settles:
    // a guard taken from it fails afterwards, one taken from a read succeeds.
    func testF05RevisionChangesWhenTheFunctionSettles() throws {
        let s = try Sandbox.reference()
        let created = try s.setup("create-function", "--function-name", "my-fn", "--runtime", "python3.12", "--role", Sandbox.referenceRole,
                                  "--handler", "handler.handler", "--zip-file", "fileb://fn.zip", "--query", "RevisionId", "--output", "text")
        let createdRevision = created.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let read = try s.setup("get-function-configuration", "--function-name", "my-fn", "--query", "RevisionId", "--output", "text")
        let settledRevision = read.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotEqual(createdRevision, settledRevision)
        try s.assertGolden(GoldenCase("F05-revision-from-create-fails", ["update-function-configuration", "--function-name", "my-fn",
                                                                          "--timeout", "5", "--revision-id", createdRevision]))
        let updated = try s.setup("update-function-configuration", "--function-name", "my-fn", "--timeout", "5",
                                  "--revision-id", settledRevision, "--query", "RevisionId", "--output", "text")
        let after = try s.setup("get-function-configuration", "--function-name", "my-fn", "--query", "RevisionId", "--output", "text")
        XCTAssertNotEqual(updated.stdoutText, after.stdoutText, "an update settles to a new revision too")
    }

    // MARK: ARN forms

    func testF06GetFunctionLatestQualifierARN() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F06-get-function-latest-arn", ["get-function", "--function-name", "my-fn", "--qualifier", "$LATEST",
                                                                      "--query", "Configuration.[FunctionArn,Version]"]))
    }

    func testF07GetFunctionThroughAliasARN() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F07-get-function-alias-arn", ["get-function-configuration", "--function-name", "my-fn:live",
                                                                     "--query", "[FunctionArn,Version]"]))
    }

    func testF08ListVersionsAndAllFunctionsQualifyLatest() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F08-list-versions-arns", ["list-versions-by-function", "--function-name", "my-fn",
                                                                 "--query", "Versions[].FunctionArn"]))
        try s.assertGolden(GoldenCase("F08b-list-functions-all-arns", ["list-functions", "--function-version", "ALL",
                                                                       "--query", "Functions[].FunctionArn"]))
    }

    // MARK: validation

    func testF09FunctionNamePatternOnReads() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F09-get-function-bad-name", ["get-function", "--function-name", "my fn"]))
        try s.assertGolden(GoldenCase("F09b-get-function-bad-qualifier", ["get-function", "--function-name", "my-fn", "--qualifier", "a b"]))
        try s.assertGolden(GoldenCase("F09c-invoke-bad-name", ["invoke", "--function-name", "my fn", "out.json"]))
    }

    func testF09dFunctionOfAnotherAccount() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F09d-get-function-other-account", ["get-function", "--function-name",
                                                                          "arn:aws:lambda:us-east-1:111122223333:function:my-fn"]))
    }

    func testF10DeprecatedRuntime() throws {
        let s = try Sandbox.reference()
        try s.assertGolden(GoldenCase("F10-create-function-python37", ["create-function", "--function-name", "old", "--runtime", "python3.7",
                                                                       "--role", Sandbox.referenceRole, "--handler", "handler.handler",
                                                                       "--zip-file", "fileb://fn.zip"]))
        XCTAssertFalse(try s.run(["get-function", "--function-name", "old"]).exitCode == 0)
    }

    func testF11EnumValue() throws {
        let s = try standard()
        try s.setup("kinesis", "create-stream", "--stream-name", "s", "--shard-count", "1")
        try s.assertGolden(GoldenCase("F11-esm-bad-starting-position", [
            "create-event-source-mapping", "--function-name", "my-fn", "--event-source-arn",
            "arn:aws:kinesis:us-east-1:123456789012:stream/s", "--starting-position", "OLDEST",
        ]))
    }

    func testF12QualifiersAWSRefuses() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F12-concurrency-qualified", ["put-function-concurrency", "--function-name", "my-fn:1",
                                                                    "--reserved-concurrent-executions", "5"]))
        try s.assertGolden(GoldenCase("F12b-url-config-version", ["create-function-url-config", "--function-name", "my-fn",
                                                                  "--qualifier", "1", "--auth-type", "NONE"]))
        try s.assertGolden(GoldenCase("F12c-weighted-alias-latest", ["create-alias", "--function-name", "my-fn", "--name", "canary",
                                                                     "--function-version", "$LATEST", "--routing-config",
                                                                     #"{"AdditionalVersionWeights":{"1":0.5}}"#]))
    }

    // MARK: conflicts and existence

    func testF13DuplicateMappingConflicts() throws {
        let s = try standard()
        try s.setup("create-event-source-mapping", "--function-name", "my-fn", "--event-source-arn", Self.queueArn)
        try s.assertGolden(GoldenCase("F13-esm-duplicate", ["create-event-source-mapping", "--function-name", "my-fn",
                                                            "--event-source-arn", Self.queueArn]))
    }

    func testF14MappingToMissingStream() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F14-esm-missing-stream", [
            "create-event-source-mapping", "--function-name", "my-fn", "--event-source-arn",
            "arn:aws:kinesis:us-east-1:123456789012:stream/nope", "--starting-position", "LATEST",
        ]))
    }

    func testF15MappingsOfMissingFunction() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F15-list-esm-missing-function", ["list-event-source-mappings", "--function-name", "no-such-fn"]))
    }

    func testF16DeleteMissingVersionIsIdempotent() throws {
        let s = try standard()
        try s.assertGolden(GoldenCase("F16-delete-missing-version", ["delete-function", "--function-name", "my-fn", "--qualifier", "9"]))
    }

    // MARK: the CLI's own checks

    func testF17ZipFileThatIsNotAZip() throws {
        let s = try Sandbox.reference()
        try s.write("notzip.bin", "plain text")
        try s.assertGolden(GoldenCase("F17-zip-file-not-a-zip", ["create-function", "--function-name", "z", "--runtime", "python3.12",
                                                                 "--role", Sandbox.referenceRole, "--handler", "handler.handler",
                                                                 "--zip-file", "fileb://notzip.bin"]))
    }
}
