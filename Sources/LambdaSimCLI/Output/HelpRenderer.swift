/// Help text for the whole tool and for each command, from the specs.
enum HelpRenderer {
    static func overview(service: Service? = nil) -> String {
        var out = "lambda-sim \(LambdaSimCLI.version): AWS Lambda's invoke, async, and event-source behaviour on one machine.\n\n"
        out += "usage: lambda-sim [options] [<service>] <command> [parameters]\n\n"
        let services: [Service] = service.map { [$0] } ?? [.lambda, .sqs, .sns, .kinesis, .dynamodb, .events, .s3, .s3api, .iam, .sts, .simulator]
        for s in services {
            var names: [String] = []
            for (svc, name, aliases) in CommandRegistry.awsCommands where svc == s {
                names.append(aliases.isEmpty ? name : "\(name) (\(aliases.joined(separator: ", ")))")
            }
            for spec in SimulatorCommands.all where spec.service == s && !spec.name.hasPrefix("__") { names.append(spec.name) }
            if names.isEmpty { continue }
            out += "\(s == .simulator ? "simulator" : s.rawValue) commands:\n"
            for n in names { out += "  \(n)\n" }
            out += "\n"
        }
        out += "Global options:\n"
        for g in GlobalOptions.specs where g.name != "help" {
            let flag = "--" + g.name + (g.takesValue ? " <value>" : "")
            out += "  " + Suggestions.pad(flag, 30) + g.help + "\n"
        }
        out += "\nRun `lambda-sim <command> help` for a command's options.\n"
        return out
    }

    static func command(_ spec: CommandSpec) -> String {
        var out = "\(spec.name)\n\n\(spec.abstract)\n"
        if !spec.discussion.isEmpty { out += "\n\(spec.discussion)\n" }
        if !spec.aliases.isEmpty { out += "\nAliases: \(spec.aliases.joined(separator: ", "))\n" }
        out += "\nSynopsis:\n  lambda-sim \(spec.service == .lambda || spec.service == .simulator ? "" : spec.service.rawValue + " ")\(spec.name)"
        for o in spec.options where !o.isHidden {
            let value: String
            switch o.value {
            case .flag: value = ""
            case .list: value = " <value> [<value>...]"
            case let .choice(c): value = " {\(c.joined(separator: " | "))}"
            default: value = " <value>"
            }
            out += o.isRequired ? "\n    --\(o.name)\(value)" : "\n    [--\(o.name)\(value)]"
        }
        for p in spec.positionals { out += p.isRequired ? "\n    <\(p.name)>" : "\n    [<\(p.name)>]" }
        out += "\n\nOptions:\n"
        for o in spec.options where !o.isHidden {
            out += "  --\(o.name)\(o.value == .flag ? " | --no-\(o.name)" : "")\n      \(o.help.isEmpty ? "(no description)" : o.help)\n"
            // The model's enum, as the CLI's help lists "Possible values" (invoke's --invocation-type
            // help text is only "Choose from the following options.").
            if case let .shape(shapeName) = o.value, let values = spec.model?.shapes[shapeName]?.enumValues, !values.isEmpty {
                out += "      Possible values: \(values.joined(separator: " | "))\n"
            }
        }
        for p in spec.positionals { out += "  <\(p.name)>\n      \(p.help)\n" }
        if !spec.examples.isEmpty {
            out += "\nExamples:\n"
            for e in spec.examples { out += "  \(e)\n" }
        }
        return out
    }
}
