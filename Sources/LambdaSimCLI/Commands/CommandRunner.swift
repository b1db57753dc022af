import Foundation
import LambdaSim
import LambdaSimJSON
import LambdaSimSupport

/// Runs a parsed command: converts its values, calls the engine, prints the result.
/// Commands return data or throw; only `LambdaSimCLI.main` turns errors into text.
struct CommandRunner {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let spec = parsed.spec
        if let model = spec.model {
            return try runAWS(parsed, model: model)
        }
        switch spec.name {
        case "state": return try StateCommand(context: context).run(parsed)
        case "logs": return try LogsCommand(context: context).run(parsed)
        case "generate-event": return try GenerateEventCommand(context: context).run(parsed)
        case "completion", "__generate": return try GenerateCommand(context: context).run(parsed)
        case "__complete": return try CompleteCommand(context: context).run(parsed)
        case "__background": return BackgroundCommand(context: context).run()
        case "wait": return try WaitCommand(context: context).run(parsed)
        default:
            return try SimulatorCommandRunner.run(spec.name, parsed, context: context)
        }
    }

    func print(_ text: String) {
        if !text.isEmpty { context.streams.stdout(Array(text.utf8)) }
    }

    /// An AWS operation: params from argv (and --cli-input-json), client-side validation,
    /// the engine call, and the response printed in model order.
    func runAWS(_ parsed: ParsedArguments, model: OperationModel) throws -> Int32 {
        if context.v2Debug && !context.pagerConfigured {
            context.streams.stderr(Array(V2DebugWarnings.pager.utf8))
        }
        let query = try OutputRenderer.compileQuery(context.globals.query)
        let renderer = OutputRenderer(format: context.globals.output ?? "json", query: query, dialect: context.dialect,
                                      timestampFormat: context.timestampFormat)
        let converter = ParamConverter(model: model, binaryFormat: context.binaryFormat, dialect: context.dialect,
                                       workingDirectory: context.workingDirectory)
        if context.globals.generateSkeleton != nil {
            print(JSONWriter.string(Skeleton.input(model), style: .pretty) + "\n")
            return 0
        }
        var inputJSON: JSONObject?
        if let raw = context.globals.cliInputJSON {
            let text = try converter.resolveParamFile(raw, cliName: "--cli-input-json", binary: false).text
            do {
                guard let object = try JSONParser.parse(text).objectValue else {
                    throw CLIError.parameter("Error parsing parameter '--cli-input-json': Invalid JSON received.")
                }
                inputJSON = object
            } catch let error as JSONParseError {
                throw CLIError.parameter("Error parsing parameter '--cli-input-json': Invalid JSON: \(error.message): line \(error.line) column \(error.column) (char \(error.offset))\nJSON received: \(text)")
            }
        }
        let takesZipFile = ["create-function", "update-function-code", "publish-layer-version"].contains(model.command)
        if takesZipFile, let zip = parsed.value("zip-file"), !zip.hasPrefix("fileb://")
        {
            throw CLIError.parameter("--zip-file must be a zip file with the fileb:// prefix.\nExample usage:  --zip-file fileb://path/to/file.zip")
        }
        var converted = try converter.convert(parsed, inputJSON: inputJSON)
        if context.v2Debug, V2DebugWarnings.usesRawBlob(parsed, model: model) {
            context.streams.stderr(Array(V2DebugWarnings.blob.utf8))
        }
        try Customizations.apply(model: model, parsed: parsed, params: &converted.params)
        if takesZipFile,
            let zip = converted.params["ZipFile"]?.stringValue ?? converted.params["Code"]?.objectValue?["ZipFile"]?.stringValue
                ?? converted.params["Content"]?.objectValue?["ZipFile"]?.stringValue,
            (try? ZipArchive(bytes: Base64.decode(zip) ?? [])) == nil
        {
            // The CLI opens the archive itself before sending anything (its lambda customization).
            throw CLIError.parameter("--zip-file must be a zip file with the fileb:// prefix.\nExample usage:  --zip-file fileb://path/to/file.zip")
        }
        if let input = model.shape(model.input) {
            var skip: Set<String> = []
            var validated = converted.params
            if model.command == "create-function" {
                skip = ["Role", "Code"]
                validated["ZipFile"] = nil
            }
            if model.command == "publish-layer-version" { skip = ["Content"] }
            let errors = converter.validate(validated, inputShape: input, skipRequired: skip)
            if !errors.isEmpty { throw CLIError.validation(errors) }
        }
        let engine = Engine(settings: context.engineSettings())
        if model.operation == "Invoke" {
            return try InvokeCommand(context: context, renderer: renderer).run(parsed, params: converted, engine: engine)
        }
        if model.service == "s3api", model.command == "put-object" || model.command == "get-object" {
            return try S3ObjectCommand(context: context, renderer: renderer).run(parsed, params: converted.params, engine: engine)
        }
        let response: JSON
        func call(_ params: JSONObject) throws -> JSON {
            try engine.perform(service: model.service, model.operation, params)
        }
        do {
            if let paginator = PaginatorModel.find(service: model.service, operation: model.operation).map(Paginator.init),
                !context.globals.noPaginate, !paginator.model.inputToken.contains(where: { converted.params[$0] != nil })
            {
                let options = PagingOptions(maxItems: parsed.value("max-items").flatMap { Int($0) },
                                            pageSize: parsed.value("page-size").flatMap { Int($0) },
                                            startingToken: parsed.value("starting-token"))
                let result = try paginator.run(params: converted.params, options: options) { params in
                    // Each page as botocore parses it (model order, timestamps per dialect).
                    renderer.ordered(try call(params), model: model)
                }
                if renderer.format == "text" {
                    for page in paginator.textPages(result) {
                        let text = try renderer.render(page, model: nil, title: model.operation)
                        if !text.isEmpty { print(text) }
                    }
                    return 0
                }
                print(try renderer.render(paginator.fullResult(result), model: nil, title: model.operation))
                return 0
            }
            response = try call(converted.params)
        } catch let error as ServiceError {
            throw CLIError.service(error, operation: model.operation)
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
        print(try renderer.render(response, model: model, title: model.operation))
        return 0
    }

}

/// `__background`: the background runner process (docs/background.md). lambda-sim starts it,
/// detached, after a command that left work due in wall-clock mode; it exits when none is left.
struct BackgroundCommand {
    var context: CommandContext

    func run() -> Int32 {
        let runner = BackgroundRunner(engine: Engine(settings: context.engineSettings()))
        guard runner.tryAcquire() else { return 0 }
        runner.loop(persistent: false)
        runner.release()
        return 0
    }
}

/// The AWS CLI v1's `--v2-debug` upgrade warnings that apply to lambda-sim's commands.
enum V2DebugWarnings {
    static let pager = "\nAWS CLI v2 UPGRADE WARNING: By default, the AWS CLI v2 returns all output through your operating system’s default pager program. This is different from v1 behavior, where the system pager is not used by default. To retain AWS CLI v1 behavior in AWS CLI v2, set the `cli_pager` configuration setting, or the `AWS_PAGER` environment variable, to the empty string. See https://docs.aws.amazon.com/cli/latest/userguide/cliv2-migration-changes.html#cliv2-migration-output-pager.\n"

    /// Observed with aws-cli 1.45.11 (reference case 94): this one is followed by a blank line.
    static let blob = "\nAWS CLI v2 UPGRADE WARNING: When specifying a blob-type parameter, AWS CLI v2 will assume the parameter value is base64-encoded. This is different from v1 behavior, where the AWS CLI will automatically encode the value to base64. To retain v1 behavior in AWS CLI v2, set the `cli_binary_format` configuration variable to `raw-in-base64-out`. See https://docs.aws.amazon.com/cli/latest/userguide/cliv2-migration-changes.html#cliv2-migration-binaryparam.\n\n"

    /// True when a blob parameter was given as text (inline or `file://`), which v2 would read as base64.
    static func usesRawBlob(_ parsed: ParsedArguments, model: OperationModel) -> Bool {
        parsed.spec.options.contains { option in
            guard case let .shape(shapeName) = option.value, model.shapes[shapeName]?.kind == .blob,
                let value = parsed.value(option.name)
            else { return false }
            return !value.hasPrefix("fileb://")
        }
    }
}

/// awscli's per-command customisations that change parameters.
enum Customizations {
    static func apply(model: OperationModel, parsed: ParsedArguments, params: inout JSONObject) throws {
        switch (model.service, model.command) {
        case ("lambda", "create-function"):
            // --zip-file goes into Code.ZipFile; --code-path is lambda-sim's.
            if let zip = params["ZipFile"] {
                var code = params["Code"]?.objectValue ?? JSONObject()
                code["ZipFile"] = zip
                params["Code"] = .object(code)
                params["ZipFile"] = nil
            }
            if let path = params["CodePath"] {
                var code = params["Code"]?.objectValue ?? JSONObject()
                code["CodePath"] = path
                params["Code"] = .object(code)
                params["CodePath"] = nil
            }
        case ("lambda", "publish-layer-version"):
            if let zip = params["ZipFile"] {
                var content = params["Content"]?.objectValue ?? JSONObject()
                content["ZipFile"] = zip
                params["Content"] = .object(content)
                params["ZipFile"] = nil
            }
        case ("lambda", "put-function-event-invoke-config"):
            let success = parsed.value("on-success")
            let failure = parsed.value("on-failure")
            if success != nil || failure != nil {
                var config = params["DestinationConfig"]?.objectValue ?? JSONObject()
                if let success { config["OnSuccess"] = .object(JSONObject([("Destination", .string(success))])) }
                if let failure { config["OnFailure"] = .object(JSONObject([("Destination", .string(failure))])) }
                params["DestinationConfig"] = .object(config)
            }
        default:
            break
        }
    }
}

/// `--generate-cli-skeleton`: the input shape with placeholder values, as awscli prints it.
enum Skeleton {
    static func input(_ model: OperationModel) -> JSON {
        guard let shape = model.shape(model.input) else {
            return .object(JSONObject())
        }
        var depth = 0
        return value(shape, model: model, depth: &depth)
    }

    static func value(_ shape: ShapeModel, model: OperationModel, depth: inout Int) -> JSON {
        if depth > 8 { return .object(JSONObject()) }
        switch shape.kind {
        case .structure:
            var o = JSONObject()
            depth += 1
            for (member, shapeName) in shape.members {
                if let s = model.shapes[shapeName] { o[member] = value(s, model: model, depth: &depth) }
            }
            depth -= 1
            return .object(o)
        case .list:
            guard let m = model.shape(shape.member) else { return .array([]) }
            depth += 1
            defer { depth -= 1 }
            return .array([value(m, model: model, depth: &depth)])
        case .map:
            guard let v = model.shape(shape.value) else { return .object(JSONObject()) }
            depth += 1
            defer { depth -= 1 }
            return .object(JSONObject([("KeyName", value(v, model: model, depth: &depth))]))
        case .integer, .long: return .int(0)
        case .double, .float: return .double(0.0)
        case .boolean: return .bool(true)
        case .blob: return .null
        case .timestamp: return .string("1970-01-01T00:00:00")
        case .string: return .string(shape.enumValues?.first ?? "")
        }
    }
}
