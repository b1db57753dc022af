/// How an option's value is read from the command line.
enum ValueKind: Equatable, Sendable {
    /// `--publish` / `--no-publish`.
    case flag
    /// One value, converted by the model shape named (AWS parameters).
    case shape(String)
    /// One value taken as text.
    case string
    /// One of a fixed set of words.
    case choice([String])
    /// A whole number.
    case integer
    /// One or more values up to the next option (`nargs='+'`).
    case list
}

/// One option of one command; the parser, help, man page and completions read it.
struct OptionSpec: Sendable {
    var name: String
    /// The API member the value goes to (AWS parameters), or nil for options the command reads itself.
    var member: String?
    var value: ValueKind
    var help: String
    var isRequired = false
    var isHidden = false
    /// Completion hint: "file", "function", "queue", or a list in `.choice`.
    var completion: String?
}

/// A positional argument (the `outfile` of `invoke`).
struct PositionalSpec: Sendable {
    var name: String
    var help: String
    var isRequired = true
}

enum Service: String, CaseIterable, Sendable {
    case lambda, sqs, sns, kinesis, dynamodb, events, s3, s3api, iam, sts, simulator

    /// Words accepted before a command (`lambda-sim sqs create-queue`).
    static let words: [String] = ["lambda", "sqs", "sns", "kinesis", "dynamodb", "events", "s3", "s3api", "iam", "sts"]
}

/// A command: its name, options and help, declared once.
struct CommandSpec: Sendable {
    var service: Service
    var name: String
    var aliases: [String] = []
    /// The AWS operation name used in error messages ("Invoke"), nil for the simulator's own commands.
    var operation: String?
    var abstract: String
    var discussion = ""
    var options: [OptionSpec]
    var positionals: [PositionalSpec] = []
    var examples: [String] = []
    /// AWS operations keep their model for value conversion and output ordering.
    var model: OperationModel?

    func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }
}
