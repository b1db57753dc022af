import LambdaSim
import LambdaSimJSON

/// `generate-event SERVICE [KIND]`: sample events shaped like AWS's, for `--payload`.
struct GenerateEventCommand {
    var context: CommandContext

    static let kinds: [String: [String]] = [
        "s3": ["put", "delete"], "sns": ["notification"], "sqs": ["receive-message"], "apigateway": ["aws-proxy"],
        "kinesis": ["get-records"], "dynamodb": ["update"], "eventbridge": ["scheduled"],
    ]

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let service = parsed.positionals["service"] ?? ""
        guard let kinds = Self.kinds[service] else {
            throw CLIError.usage(Suggestions.invalidChoice(argument: "service", value: service, choices: Self.kinds.keys.sorted()))
        }
        let kind = parsed.positionals["kind"] ?? kinds[0]
        guard kinds.contains(kind) else {
            throw CLIError.usage(Suggestions.invalidChoice(argument: "kind", value: kind, choices: kinds))
        }
        let event = SampleEvents.event(service: service, kind: kind, region: context.region)
        context.streams.stdout(Array((JSONWriter.string(event, style: .pretty) + "\n").utf8))
        return 0
    }
}
