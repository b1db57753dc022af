/// The aws-CLI global options, declared once and accepted anywhere on the command line.
struct GlobalOptions: Sendable {
    var region: String?
    var profile: String?
    var output: String?
    var query: String?
    var cliBinaryFormat: String?
    var cliInputJSON: String?
    var generateSkeleton: String?
    var endpointURL: String?
    var state: String?
    var debug = false
    /// `--no-paginate`: one request, answered as the service answers it (no client-side paging).
    var noPaginate = false
    /// v1's `--v2-debug`: print AWS CLI v2 upgrade warnings.
    var v2Debug = false
    var help = false
    var version = false

    /// (name, takes a value, v2 only, help).
    static let specs: [(name: String, takesValue: Bool, v2Only: Bool, help: String)] = [
        ("region", true, false, "The region to use (default: AWS_REGION, AWS_DEFAULT_REGION, the profile, us-east-1)."),
        ("profile", true, false, "Use a profile from ~/.aws/config for the region and cli_binary_format."),
        ("output", true, false, "Output format: json, text, table (and yaml, yaml-stream in the v2 dialect)."),
        ("query", true, false, "A JMESPath query applied to the response."),
        ("cli-binary-format", true, true, "raw-in-base64-out (default) or base64: how blob parameters are read."),
        ("cli-input-json", true, false, "Read the parameters from a JSON document (or file://…)."),
        ("generate-cli-skeleton", false, false, "Print a JSON skeleton of the parameters instead of running."),
        ("endpoint-url", true, false, "Accepted and ignored (everything is local)."),
        ("state", true, false, "The state file (default: LAMBDA_SIM_STATE or ~/.lambda-sim/state.json)."),
        ("no-cli-pager", false, true, "Accepted (lambda-sim never pages)."),
        ("cli-auto-prompt", false, true, "Accepted and ignored."),
        ("no-cli-auto-prompt", false, true, "Accepted and ignored."),
        ("debug", false, false, "Print debugging information to stderr."),
        ("v2-debug", false, false, "Print AWS CLI v2 upgrade warnings (v1 dialect only)."),
        ("no-paginate", false, false, "Disable automatic pagination: one request, with the service's own page token."),
        ("no-verify-ssl", false, false, "Accepted and ignored."),
        ("no-sign-request", false, false, "Accepted and ignored."),
        ("ca-bundle", true, false, "Accepted and ignored."),
        ("cli-read-timeout", true, false, "Accepted and ignored."),
        ("cli-connect-timeout", true, false, "Accepted and ignored."),
        ("color", true, false, "on, off or auto (accepted; output is never coloured)."),
        ("version", false, false, "Print the version."),
        ("help", false, false, "Print help."),
    ]

    static func spec(named name: String, dialect: Dialect) -> (name: String, takesValue: Bool, v2Only: Bool, help: String)? {
        guard let s = specs.first(where: { $0.name == name }) else { return nil }
        if s.v2Only && dialect == .v1 { return nil }
        // The v1 CLI's migration helper; v2 does not have it.
        if s.name == "v2-debug" && dialect == .v2 { return nil }
        return s
    }

    /// The options of the AWS CLI's main parser, in its order (for the ambiguity message):
    /// argparse accepts any unique prefix of them anywhere on the command line, before the
    /// command's own options are matched (`--reg`, `--out text`, `--qu` is `--query`).
    static let mainParserOrder = [
        "debug", "endpoint-url", "no-verify-ssl", "no-paginate", "output", "query", "profile", "region", "version",
        "color", "no-sign-request", "ca-bundle", "cli-read-timeout", "cli-connect-timeout", "cli-binary-format",
        "no-cli-pager", "cli-auto-prompt", "no-cli-auto-prompt", "v2-debug",
    ]

    /// The main-parser option `prefix` abbreviates, nil when none does; ambiguous is an error.
    static func abbreviation(_ prefix: String, dialect: Dialect) throws -> String? {
        guard !prefix.isEmpty else { return nil }
        let matches = mainParserOrder.filter { $0.hasPrefix(prefix) && spec(named: $0, dialect: dialect) != nil }
        if matches.count > 1 {
            let names = matches.map { "--" + $0 }.joined(separator: ", ")
            throw CLIError.usage("ambiguous option: --\(prefix) could match \(names)")
        }
        return matches.first
    }
}

/// A command line matched against a command's spec (close to argv: values are still text).
struct ParsedArguments {
    var spec: CommandSpec
    /// Values by option name; a flag holds "true" or "false"; a list holds each value.
    var values: [String: [String]] = [:]
    var positionals: [String: String] = [:]

    func value(_ name: String) -> String? { values[name]?.last }
    func flag(_ name: String) -> Bool? { values[name]?.last.map { $0 == "true" } }
}

/// The command line split into global options, the command, and the command's own arguments.
struct SplitCommandLine {
    var globals = GlobalOptions()
    var service: Service?
    var command: String?
    /// Everything else, in order, for the command's parser.
    var rest: [String] = []
    var helpRequested = false
}

/// A hand-rolled parser that behaves like the AWS CLI's argparse setup.
struct ArgumentParser {
    var dialect: Dialect

    /// Pass 1: pull out global options (anywhere) and the service and command words.
    func split(_ argv: [String]) throws -> SplitCommandLine {
        var line = SplitCommandLine()
        var i = 0
        var positionalWords: [String] = []
        var afterDashDash = false
        while i < argv.count {
            let token = argv[i]
            i += 1
            if afterDashDash {
                line.rest.append(token)
                continue
            }
            if token == "--" {
                afterDashDash = true
                line.rest.append(token)
                continue
            }
            if token.hasPrefix("--") {
                let body = token.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                let inline: String? = body.contains("=") ? String(body[body.index(after: body.firstIndex(of: "=") ?? body.startIndex)...]) : nil
                let global = try GlobalOptions.spec(named: name, dialect: dialect)
                    ?? GlobalOptions.abbreviation(name, dialect: dialect).flatMap { GlobalOptions.spec(named: $0, dialect: dialect) }
                if let g = global {
                    let name = g.name
                    var value: String?
                    if g.takesValue {
                        if let inline {
                            value = inline
                        } else if i < argv.count, !argv[i].hasPrefix("--") {
                            value = argv[i]
                            i += 1
                        } else {
                            throw CLIError.usage("argument --\(name): expected one argument")
                        }
                    }
                    try apply(global: name, value: value, to: &line.globals)
                    continue
                }
                line.rest.append(token)
                continue
            }
            if line.command == nil, !line.rest.contains(where: { $0.hasPrefix("--") }) {
                positionalWords.append(token)
                if positionalWords.count == 1, let service = Service(rawValue: token), Service.words.contains(token) {
                    line.service = service
                    continue
                }
                line.command = token
                if line.service == nil { line.service = .lambda }
                continue
            }
            if token == "help" && line.command != nil && line.rest.isEmpty {
                line.helpRequested = true
                continue
            }
            line.rest.append(token)
        }
        return line
    }

    private func apply(global name: String, value: String?, to g: inout GlobalOptions) throws {
        switch name {
        case "region": g.region = value
        case "profile": g.profile = value
        case "output":
            let choices = dialect == .v1 ? ["json", "text", "table"] : ["json", "text", "table", "yaml", "yaml-stream"]
            guard let value, choices.contains(value) else {
                throw CLIError.usage(Suggestions.invalidChoice(argument: "--output", value: value ?? "", choices: choices))
            }
            g.output = value
        case "query": g.query = value
        case "cli-binary-format":
            let choices = ["base64", "raw-in-base64-out"]
            guard let value, choices.contains(value) else {
                throw CLIError.usage(Suggestions.invalidChoice(argument: "--cli-binary-format", value: value ?? "", choices: choices))
            }
            g.cliBinaryFormat = value
        case "cli-input-json": g.cliInputJSON = value
        case "generate-cli-skeleton": g.generateSkeleton = "input"
        case "endpoint-url": g.endpointURL = value
        case "state": g.state = value
        case "debug": g.debug = true
        case "no-paginate": g.noPaginate = true
        case "v2-debug": g.v2Debug = true
        case "help": g.help = true
        case "version": g.version = true
        default: break
        }
    }

    /// Pass 2: match the command's own arguments against its spec, as argparse would.
    func parse(_ rest: [String], spec: CommandSpec) throws -> ParsedArguments {
        var parsed = ParsedArguments(spec: spec)
        var unknown: [String] = []
        var positionalValues: [String] = []
        var i = 0
        var afterDashDash = false
        while i < rest.count {
            let token = rest[i]
            i += 1
            if afterDashDash || !token.hasPrefix("--") || token == "--" {
                if token == "--" && !afterDashDash { afterDashDash = true; continue }
                positionalValues.append(token)
                continue
            }
            let body = String(token.dropFirst(2))
            let eq = body.firstIndex(of: "=")
            let name = eq.map { String(body[..<$0]) } ?? body
            let inline = eq.map { String(body[body.index(after: $0)...]) }
            guard let (option, negated) = try resolve(name, in: spec) else {
                unknown.append(token)
                continue
            }
            switch option.value {
            case .flag:
                if inline != nil {
                    throw CLIError.usage("argument --\(name): ignored explicit argument '\(inline ?? "")'")
                }
                parsed.values[option.name] = [negated ? "false" : "true"]
            case .list:
                var items: [String] = []
                if let inline { items.append(inline) }
                while inline == nil, i < rest.count, !Self.looksLikeOption(rest[i]) {
                    items.append(rest[i])
                    i += 1
                }
                if items.isEmpty { throw CLIError.usage("argument --\(option.name): expected at least one argument") }
                parsed.values[option.name] = items
            default:
                var value: String
                if let inline {
                    value = inline
                } else if i < rest.count, !Self.looksLikeOption(rest[i]) {
                    value = rest[i]
                    i += 1
                } else {
                    throw CLIError.usage("argument --\(option.name): expected one argument")
                }
                if case let .choice(choices) = option.value, !choices.contains(value) {
                    throw CLIError.usage(Suggestions.invalidChoice(argument: "--\(option.name)", value: value, choices: choices))
                }
                if option.value == .integer, Int(value) == nil {
                    throw CLIError.usage("argument --\(option.name): invalid int value: \(Suggestions.pythonRepr(value))")
                }
                parsed.values[option.name] = [value]
            }
        }
        for (index, p) in spec.positionals.enumerated() where index < positionalValues.count {
            parsed.positionals[p.name] = positionalValues[index]
        }
        // argparse reports missing required arguments (in declaration order) before unknown ones.
        var missing = spec.options.filter { $0.isRequired && parsed.values[$0.name] == nil }.map { "--" + $0.name }
        missing += spec.positionals.filter { $0.isRequired && parsed.positionals[$0.name] == nil }.map(\.name)
        if !missing.isEmpty, !requiredSatisfiedByInputJSON {
            throw CLIError.usage("the following arguments are required: \(missing.joined(separator: ", "))")
        }
        unknown += positionalValues.dropFirst(spec.positionals.count)
        if !unknown.isEmpty { throw CLIError.unknownOptions(unknown) }
        return parsed
    }

    /// awscli makes required options optional when --cli-input-json or --generate-cli-skeleton is used.
    var requiredSatisfiedByInputJSON = false

    /// A token that argparse would take as an option rather than a value.
    static func looksLikeOption(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        // Negative numbers are values.
        if Double(token) != nil { return false }
        return token.hasPrefix("--") || token.dropFirst().first?.isLetter == true
    }

    /// Exact name, `no-` form of a flag, or a unique prefix (argparse's allow_abbrev).
    private func resolve(_ name: String, in spec: CommandSpec) throws -> (OptionSpec, Bool)? {
        if let o = spec.option(named: name) { return (o, false) }
        if name.hasPrefix("no-"), let o = spec.option(named: String(name.dropFirst(3))), o.value == .flag { return (o, true) }
        var candidates: [(OptionSpec, Bool, String)] = []
        for o in spec.options {
            if o.name.hasPrefix(name) { candidates.append((o, false, o.name)) }
            if o.value == .flag, ("no-" + o.name).hasPrefix(name) { candidates.append((o, true, "no-" + o.name)) }
        }
        if candidates.count == 1 { return (candidates[0].0, candidates[0].1) }
        if candidates.count > 1 {
            let names = candidates.map { "--" + $0.2 }.joined(separator: ", ")
            throw CLIError.usage("ambiguous option: --\(name) could match \(names)")
        }
        return nil
    }
}
