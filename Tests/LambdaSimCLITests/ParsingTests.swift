import LambdaSimJSON
import XCTest

@testable import LambdaSimCLI

final class ShorthandTests: XCTestCase {
    func parse(_ text: String) throws -> String {
        JSONWriter.string(try ShorthandParser.parse(text))
    }

    func testScalarsAndNestedHash() throws {
        XCTAssertEqual(try parse("Variables={A=1,B=two}"), #"{"Variables":{"A":"1","B":"two"}}"#)
        XCTAssertEqual(try parse("OnFailure={Destination=arn:aws:sqs:us-east-1:123456789012:q}"),
                       #"{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:123456789012:q"}}"#)
    }

    func testCommaSeparatedValuesBecomeAList() throws {
        XCTAssertEqual(try parse("SubnetIds=a,b,c,SecurityGroupIds=x"), #"{"SubnetIds":["a","b","c"],"SecurityGroupIds":"x"}"#)
        XCTAssertEqual(try parse("Keys=[a,b]"), #"{"Keys":["a","b"]}"#)
    }

    func testQuotedValuesKeepCommasAndEquals() throws {
        XCTAssertEqual(try parse("Pattern='{\"a\":1,\"b\":2}'"), #"{"Pattern":"{\"a\":1,\"b\":2}"}"#)
        XCTAssertEqual(try parse("A=\"x=y, z\""), #"{"A":"x=y, z"}"#)
    }

    func testErrorsPointAtTheProblem() {
        XCTAssertThrowsError(try ShorthandParser.parse("Variables")) { error in
            guard let failure = error as? ShorthandParser.Failure else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.message, "Expected: '=', received: 'EOF' for input:\nVariables\n         ^")
        }
    }
}

final class SuggestionTests: XCTestCase {
    func testCloseMatchesFollowDifflib() {
        // Values computed with Python's difflib.get_close_matches(word, choices, cutoff=0.8).
        XCTAssertEqual(Suggestions.closeMatches("invok", ["invoke", "invoke-async", "list-functions"]), ["invoke"])
        XCTAssertEqual(Suggestions.closeMatches("get-functoin", ["get-function", "get-function-configuration", "get-alias"]),
                       ["get-function"])
        XCTAssertEqual(Suggestions.closeMatches("zzz", ["invoke"]), [])
    }

    func testRatioMatchesSequenceMatcher() {
        // SequenceMatcher(None, "abcd", "bcde").ratio() == 0.75
        XCTAssertEqual(Suggestions.ratio(Array("abcd".unicodeScalars), Array("bcde".unicodeScalars)), 0.75, accuracy: 1e-9)
    }

    func testInvalidChoiceLayout() {
        let text = Suggestions.invalidChoice(argument: "--output", value: "xml", choices: ["json", "text", "table"])
        XCTAssertEqual(text, "argument --output: Invalid choice, valid choices are:\n\n"
            + "json                                     | text                                    \n"
            + "table                                   ")
    }

    func testPythonRepr() {
        XCTAssertEqual(Suggestions.pythonRepr("abc"), "'abc'")
        XCTAssertEqual(Suggestions.pythonRepr("it's"), "\"it's\"")
        // Python's repr() (checked with python3) escapes what str.isprintable() rejects, not only ASCII controls.
        XCTAssertEqual(Suggestions.pythonRepr("a\u{A0}b\u{2028}\u{7F}"), #"'a\xa0b\u2028\x7f'"#)
    }
}

final class ArgumentParserTests: XCTestCase {
    func invokeSpec() throws -> CommandSpec {
        try XCTUnwrap(CommandRegistry.find(service: .lambda, name: "invoke"))
    }

    func testGlobalsAnywhereAndServiceWord() throws {
        let parser = ArgumentParser(dialect: .v2)
        let line = try parser.split(["--output", "text", "lambda", "invoke", "--function-name", "f", "out.json", "--region", "eu-west-1"])
        XCTAssertEqual(line.service, .lambda)
        XCTAssertEqual(line.command, "invoke")
        XCTAssertEqual(line.globals.output, "text")
        XCTAssertEqual(line.globals.region, "eu-west-1")
        XCTAssertEqual(line.rest, ["--function-name", "f", "out.json"])
    }

    // The AWS CLI's main parser takes any unique prefix of a global option, anywhere
    // (observed with aws-cli 1.45: `--reg eu-west-1`, `--ou text`, `--qu` is `--query`).
    func testGlobalsMayBeAbbreviated() throws {
        let parser = ArgumentParser(dialect: .v1)
        let line = try parser.split(["sqs", "get-queue-url", "--queue-n", "q1", "--reg", "eu-west-1", "--ou=text", "--qu", "QueueUrl"])
        XCTAssertEqual(line.globals.region, "eu-west-1")
        XCTAssertEqual(line.globals.output, "text")
        XCTAssertEqual(line.globals.query, "QueueUrl")
        XCTAssertEqual(line.rest, ["--queue-n", "q1"])
        // Our own --state and the per-command --cli-input-json are not the main parser's.
        XCTAssertEqual(try parser.split(["kinesis", "--sta", "x"]).rest, ["--sta", "x"])
        XCTAssertThrowsError(try parser.split(["sqs", "list-queues", "--c", "on"])) { error in
            guard case let CLIError.usage(message)? = error as? CLIError else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "ambiguous option: --c could match --color, --ca-bundle, --cli-read-timeout, --cli-connect-timeout")
        }
    }

    func testOutfileAnywhereEqualsSyntaxAndAbbreviation() throws {
        let parser = ArgumentParser(dialect: .v2)
        let parsed = try parser.parse(["out.json", "--function=my-fn", "--payload", "{\"a\": 1}"], spec: try invokeSpec())
        XCTAssertEqual(parsed.positionals["outfile"], "out.json")
        XCTAssertEqual(parsed.value("function-name"), "my-fn")
        XCTAssertEqual(parsed.value("payload"), "{\"a\": 1}")
    }

    func testMissingRequiredListsInDeclarationOrder() throws {
        let parser = ArgumentParser(dialect: .v1)
        XCTAssertThrowsError(try parser.parse([], spec: try invokeSpec())) { error in
            guard case let CLIError.usage(message)? = error as? CLIError else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "the following arguments are required: --function-name, outfile")
        }
    }

    func testUnknownOptionTakesNoValue() throws {
        let parser = ArgumentParser(dialect: .v1)
        XCTAssertThrowsError(try parser.parse(["--function-name", "f", "--bogus-flag", "1", "out.json"], spec: try invokeSpec())) { error in
            guard case let CLIError.unknownOptions(names)? = error as? CLIError else { return XCTFail("\(error)") }
            XCTAssertEqual(names, ["--bogus-flag", "out.json"])
        }
    }

    func testOptionWithoutValue() throws {
        let parser = ArgumentParser(dialect: .v1)
        XCTAssertThrowsError(try parser.parse(["--function-name", "f", "out.json", "--invocation-type"], spec: try invokeSpec())) { error in
            guard case let CLIError.usage(message)? = error as? CLIError else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "argument --invocation-type: expected one argument")
        }
    }

    func testBooleanFlagAndNegation() throws {
        let spec = try XCTUnwrap(CommandRegistry.find(service: .lambda, name: "create-function"))
        let parser = ArgumentParser(dialect: .v2)
        XCTAssertEqual(try parser.parse(["--function-name", "f", "--publish"], spec: spec).flag("publish"), true)
        XCTAssertEqual(try parser.parse(["--function-name", "f", "--no-publish"], spec: spec).flag("publish"), false)
    }

    func testListOptionTakesSeveralWords() throws {
        let spec = try XCTUnwrap(CommandRegistry.find(service: .lambda, name: "create-function"))
        let parsed = try ArgumentParser(dialect: .v2).parse(["--function-name", "f", "--architectures", "arm64", "--timeout", "3"], spec: spec)
        XCTAssertEqual(parsed.values["architectures"], ["arm64"])
        XCTAssertEqual(parsed.value("timeout"), "3")
    }

    func testAliasesResolve() {
        XCTAssertEqual(CommandRegistry.find(service: .lambda, name: "put-destination")?.name, "put-function-event-invoke-config")
        XCTAssertEqual(CommandRegistry.find(service: .lambda, name: "create-esm")?.operation, "CreateEventSourceMapping")
    }
}

final class ParamConverterTests: XCTestCase {
    func convert(_ command: String, _ argv: [String]) throws -> JSONObject {
        let spec = try XCTUnwrap(CommandRegistry.find(service: .lambda, name: command))
        let model = try XCTUnwrap(spec.model)
        let parsed = try ArgumentParser(dialect: .v2).parse(argv, spec: spec)
        let converter = ParamConverter(model: model, binaryFormat: "raw-in-base64-out", dialect: .v2, workingDirectory: "/")
        return try converter.convert(parsed, inputJSON: nil).params
    }

    func testShapesTypeTheValues() throws {
        let params = try convert("create-function", ["--function-name", "f", "--timeout", "10", "--environment", "Variables={KEY=1}", "--publish"])
        XCTAssertEqual(params["Timeout"], .int(10))
        XCTAssertEqual(params["Publish"], .bool(true))
        XCTAssertEqual(params["Environment"], ["Variables": ["KEY": "1"]])
    }

    func testBadIntegerUsesPythonsMessage() throws {
        XCTAssertThrowsError(try convert("put-function-concurrency", ["--function-name", "f", "--reserved-concurrent-executions", "abc"])) { error in
            guard case let CLIError.parameter(message)? = error as? CLIError else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "invalid literal for int() with base 10: 'abc'")
        }
    }

    func testBadJSONUsesPythonsMessage() throws {
        XCTAssertThrowsError(try convert("put-function-event-invoke-config", ["--function-name", "f", "--destination-config", "{bad"])) { error in
            guard case let CLIError.parameter(message)? = error as? CLIError else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "Error parsing parameter '--destination-config': Invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)\nJSON received: {bad")
        }
    }

    func testValidationReportsMinimums() throws {
        let spec = try XCTUnwrap(CommandRegistry.find(service: .lambda, name: "invoke"))
        let model = try XCTUnwrap(spec.model)
        let converter = ParamConverter(model: model, binaryFormat: "raw-in-base64-out", dialect: .v2, workingDirectory: "/")
        let errors = converter.validate(JSONObject([("FunctionName", "")]), inputShape: try XCTUnwrap(model.shape(model.input)))
        XCTAssertEqual(errors, ["Invalid length for parameter FunctionName, value: 0, valid min length: 1"])
    }

    func testValidationShowsValuesAsPythonStr() throws {
        let spec = try XCTUnwrap(CommandRegistry.find(service: .lambda, name: "create-function"))
        let model = try XCTUnwrap(spec.model)
        let converter = ParamConverter(model: model, binaryFormat: "raw-in-base64-out", dialect: .v2, workingDirectory: "/")
        let params = try JSONParser.parse(#"""
            {"FunctionName": "f", "Role": "r", "Code": {}, "Environment": {"Variables": ["a", 1.5, null, true, "it's"]},
             "Publish": {"x": [9100000000000000.0]}, "Description": 9100000000000000.0}
            """#)
        let errors = converter.validate(try XCTUnwrap(params.objectValue), inputShape: try XCTUnwrap(model.shape(model.input)))
        // botocore's ParamValidator (1.43, run with python3) on the same input.
        XCTAssertEqual(errors, [
            #"Invalid type for parameter Environment.Variables, value: ['a', 1.5, None, True, "it's"], type: <class 'list'>, valid types: <class 'dict'>"#,
            "Invalid type for parameter Publish, value: {'x': [9100000000000000.0]}, type: <class 'dict'>, valid types: <class 'bool'>",
            "Invalid type for parameter Description, value: 9100000000000000.0, type: <class 'float'>, valid types: <class 'str'>",
        ])
    }
}
