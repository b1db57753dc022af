import XCTest

/// Reference aws-cli-v1-observed.md §4 (invocation types) and §6 (log type, qualifiers, aliases).
///
/// "Simple backend" cases run a builtin `echo` function (its response is the request payload,
/// `{}` for an empty one) where moto printed its canned `Simple Lambda happy path OK`, and show
/// `ExecutedVersion` on every sync call as real AWS does (§14 #2). "Emulator" (L) cases run the
/// reference's real Python handler from `fn.zip`.
final class GoldenInvokeTests: XCTestCase {
    private func echo(_ name: String, _ arguments: [String], outfile: String? = "out.json",
                      normalize: Normalizer.Options = [], versions: Bool = false,
                      file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createBuiltin()
        if versions { try s.publishVersionAndAlias() }
        try s.assertGolden(GoldenCase(name, arguments, outfile: outfile, normalize: normalize), file: file, line: line)
    }

    private func python(_ name: String, _ arguments: [String], outfile: String? = "out.json",
                        normalize: Normalizer.Options = [.logDurations], versions: Bool = false,
                        file: StaticString = #filePath, line: UInt = #line) throws
    {
        let s = try Sandbox.reference()
        try s.createPython()
        if versions { try s.publishVersionAndAlias() }
        try s.assertGolden(GoldenCase(name, arguments, outfile: outfile, normalize: normalize), file: file, line: line)
    }

    // MARK: §4 invocation types

    // 10-invoke-default: moto's canned "Simple Lambda happy path OK" → builtin echo of the empty payload (`{}`); AWS adds ExecutedVersion (§14 #2).
    func test10InvokeDefault() throws {
        try echo("10-invoke-default", ["invoke", "--function-name", "my-fn", "out.json"])
    }

    // 11-invoke-requestresponse: as 10 (echo `{}`, ExecutedVersion added, §14 #2).
    func test11InvokeRequestResponse() throws {
        try echo("11-invoke-requestresponse",
                 ["invoke", "--function-name", "my-fn", "--invocation-type", "RequestResponse", "out.json"])
    }

    // 12-invoke-event: moto returned a body with 202; AWS's 202 has an empty body, so the outfile is 0 bytes (§14 #3, as L12).
    func test12InvokeEvent() throws {
        try echo("12-invoke-event", ["invoke", "--function-name", "my-fn", "--invocation-type", "Event", "out.json"])
    }

    // 13-invoke-dryrun: identical to the reference (204, outfile created empty).
    func test13InvokeDryRun() throws {
        try echo("13-invoke-dryrun", ["invoke", "--function-name", "my-fn", "--invocation-type", "DryRun", "out.json"])
    }

    // L10-invoke-default: identical to the reference (Python handler, `{"ok": true, "event": {}}`).
    func testL10InvokeDefault() throws {
        try python("L10-invoke-default", ["invoke", "--function-name", "my-fn", "out.json"])
    }

    // L12-invoke-event: identical to the reference (202, empty outfile, no ExecutedVersion).
    func testL12InvokeEvent() throws {
        try python("L12-invoke-event", ["invoke", "--function-name", "my-fn", "--invocation-type", "Event", "out.json"])
    }

    // L13-invoke-dryrun: identical to the reference.
    func testL13InvokeDryRun() throws {
        try python("L13-invoke-dryrun", ["invoke", "--function-name", "my-fn", "--invocation-type", "DryRun", "out.json"])
    }

    // L11-invoke-payload: identical to the reference.
    func testL11InvokePayload() throws {
        try python("L11-invoke-payload", ["invoke", "--function-name", "my-fn", "--payload", #"{"a":1}"#, "out.json"])
    }

    // L36-fileb-binary-payload: identical to the reference.
    func testL36FilebBinaryPayload() throws {
        try python("L36-fileb-binary-payload",
                   ["invoke", "--function-name", "my-fn", "--payload", "fileb://x.json", "out.json"])
    }

    // MARK: §6 log type, qualifiers, aliases

    // 30-log-type-tail: moto's simple backend sent no X-Amz-Log-Result; AWS (and lambda-sim) return LogResult, shown decoded with ids normalised (§14 #2).
    func test30LogTypeTail() throws {
        try echo("30-log-type-tail", ["invoke", "--function-name", "my-fn", "--log-type", "Tail", "out.json"])
    }

    // L14-log-type-tail: LogResult shown decoded (ids and measured durations normalised); AWS's REPORT line adds `Init Duration` on a cold start, which the emulator did not print.
    func testL14LogTypeTail() throws {
        try python("L14-log-type-tail", ["invoke", "--function-name", "my-fn", "--log-type", "Tail", "out.json"])
    }

    // 31-qualifier-latest: echo `{}` and ExecutedVersion (§14 #2).
    func test31QualifierLatest() throws {
        try echo("31-qualifier-latest", ["invoke", "--function-name", "my-fn", "--qualifier", "$LATEST", "out.json"])
    }

    // 02-publish-version: AWS's shape (RevisionId, LoggingConfig; §14 #8; no `Layers` when there are none; a version of an active function is Active/Successful, as in the reference) and ISO LastModified `…+0000`; CodeSize/CodeSha256 are those of our fn.zip; RevisionId normalised.
    func test02PublishVersion() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.assertGolden(GoldenCase("02-publish-version", ["publish-version", "--function-name", "my-fn"]))
    }

    // 32-qualifier-1: echo `{}`; AWS honours the qualifier, ExecutedVersion "1" (§14 #2, #4).
    func test32Qualifier1() throws {
        try echo("32-qualifier-1", ["invoke", "--function-name", "my-fn", "--qualifier", "1", "out.json"], versions: true)
    }

    // 03-create-alias: identical to the reference apart from the RevisionId (normalised).
    func test03CreateAlias() throws {
        let s = try Sandbox.reference()
        try s.createPython()
        try s.setup("publish-version", "--function-name", "my-fn")
        try s.assertGolden(GoldenCase("03-create-alias", ["create-alias", "--function-name", "my-fn", "--name", "live",
                                                          "--function-version", "1"]))
    }

    // 33-qualifier-alias: echo `{}`; the alias resolves to version 1 (§14 #2, #4).
    func test33QualifierAlias() throws {
        try echo("33-qualifier-alias", ["invoke", "--function-name", "my-fn", "--qualifier", "live", "out.json"], versions: true)
    }

    // 34-function-name-arn-alias: echo `{}`; ExecutedVersion "1" from the alias in the ARN (§14 #2).
    func test34FunctionNameArnAlias() throws {
        try echo("34-function-name-arn-alias",
                 ["invoke", "--function-name", "arn:aws:lambda:us-east-1:123456789012:function:my-fn:live", "out.json"],
                 versions: true)
    }

    // 35-function-name-colon-qualifier: echo `{}`; ExecutedVersion "1" (§14 #2).
    func test35FunctionNameColonQualifier() throws {
        try echo("35-function-name-colon-qualifier", ["invoke", "--function-name", "my-fn:1", "out.json"], versions: true)
    }

    // 36-qualifier-missing-version: moto succeeded; AWS answers 404 ResourceNotFoundException for …:my-fn:99, exit 255, outfile not created (§14 #1, #4).
    func test36QualifierMissingVersion() throws {
        try echo("36-qualifier-missing-version", ["invoke", "--function-name", "my-fn", "--qualifier", "99", "out.json"])
    }

    // 37-qualifier-missing-alias: moto succeeded; AWS answers 404 for …:my-fn:nosuchalias (§14 #1, #4).
    func test37QualifierMissingAlias() throws {
        try echo("37-qualifier-missing-alias",
                 ["invoke", "--function-name", "my-fn", "--qualifier", "nosuchalias", "out.json"])
    }

    // L22-qualifier-latest: identical to the reference.
    func testL22QualifierLatest() throws {
        try python("L22-qualifier-latest", ["invoke", "--function-name", "my-fn", "--qualifier", "$LATEST", "out.json"])
    }

    // L23-qualifier-1: moto ignored ?Qualifier=; AWS runs version 1, ExecutedVersion "1" (§14 #4).
    func testL23Qualifier1() throws {
        try python("L23-qualifier-1", ["invoke", "--function-name", "my-fn", "--qualifier", "1", "out.json"], versions: true)
    }

    // L24-qualifier-alias: moto ignored the qualifier; AWS resolves live → 1, ExecutedVersion "1" (§14 #4).
    func testL24QualifierAlias() throws {
        try python("L24-qualifier-alias", ["invoke", "--function-name", "my-fn", "--qualifier", "live", "out.json"],
                   versions: true)
    }

    // L25-qualifier-missing-version: moto ignored the qualifier; AWS: 404 Function not found …:my-fn:99, exit 255 (§14 #4).
    func testL25QualifierMissingVersion() throws {
        try python("L25-qualifier-missing-version", ["invoke", "--function-name", "my-fn", "--qualifier", "99", "out.json"])
    }

    // L26-qualifier-missing-alias: moto ignored the qualifier; AWS: 404 …:my-fn:nosuchalias, exit 255 (§14 #4).
    func testL26QualifierMissingAlias() throws {
        try python("L26-qualifier-missing-alias",
                   ["invoke", "--function-name", "my-fn", "--qualifier", "nosuchalias", "out.json"])
    }

    // L32-function-name-alias-suffix: identical to the reference.
    func testL32FunctionNameAliasSuffix() throws {
        try python("L32-function-name-alias-suffix", ["invoke", "--function-name", "my-fn:live", "out.json"], versions: true)
    }

    // L33-function-name-missing-version-suffix: identical to the reference.
    func testL33FunctionNameMissingVersionSuffix() throws {
        try python("L33-function-name-missing-version-suffix", ["invoke", "--function-name", "my-fn:99", "out.json"])
    }

    // L31-function-name-arn-qualifier-conflict: moto ignored --qualifier; AWS: 400 InvalidParameterValueException "The derived qualifier from the function name does not match the specified qualifier.", exit 255 (§14 #4).
    func testL31FunctionNameArnQualifierConflict() throws {
        try python("L31-function-name-arn-qualifier-conflict",
                   ["invoke", "--function-name", "my-fn:1", "--qualifier", "live", "out.json"], versions: true)
    }
}
