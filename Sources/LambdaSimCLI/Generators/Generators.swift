import LambdaSim
import LambdaSimJSON

/// Files generated from the command specs and checked in (`completions/`, `man/`); a test
/// fails when they are stale. Run `swift run lambda-sim __generate all` to refresh them.
enum Generators {
    /// The man page's date: a constant next to the version, never today's date.
    static let manDate = "2026-11-23"

    /// (path relative to the repository, contents) of every generated file.
    static func files() -> [(String, String)] {
        let specs = CommandRegistry.all
        return [
            ("man/lambda-sim.1", ManPage.render(specs)),
            ("completions/lambda-sim.bash", Completions.bash(specs)),
            ("completions/_lambda-sim", Completions.zsh(specs)),
            ("completions/lambda-sim.fish", Completions.fish(specs)),
            ("docs/coverage.md", CoverageReport.render(specs)),
        ]
    }

    /// A JSON dump of the CLI surface, for reviewing changes.
    static func specDump(_ specs: [CommandSpec]) -> String {
        let commands: [JSON] = specs.map { spec in
            .object(JSONObject([
                ("service", .string(spec.service.rawValue)), ("name", .string(spec.name)),
                ("aliases", .array(spec.aliases.map { .string($0) })),
                ("operation", spec.operation.map { .string($0) } ?? .null),
                ("options", .array(spec.options.map { o in
                    .object(JSONObject([("name", .string(o.name)), ("required", .bool(o.isRequired)), ("help", .string(o.help))]))
                })),
                ("positionals", .array(spec.positionals.map { .string($0.name) })),
            ]))
        }
        return JSONWriter.string(.array(commands), style: .pretty) + "\n"
    }

    static func visible(_ specs: [CommandSpec]) -> [CommandSpec] { specs.filter { !$0.name.hasPrefix("__") } }

    /// The words that invoke a command: `invoke`, `sqs create-queue`, `s3 mb`.
    static func invocation(_ spec: CommandSpec) -> String {
        switch spec.service {
        case .lambda, .simulator: return spec.name
        default: return spec.service.rawValue + " " + spec.name
        }
    }
}

enum ManPage {
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            default: out.append(c)
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    static func render(_ specs: [CommandSpec]) -> String {
        var out = ".TH LAMBDA\\-SIM 1 \"\(Generators.manDate)\" \"lambda-sim \(LambdaSimCLI.version)\" \"User Commands\"\n"
        out += ".SH NAME\nlambda\\-sim \\- AWS Lambda's invoke, async and event\\-source behaviour on one machine\n"
        out += ".SH SYNOPSIS\n.B lambda\\-sim\n[\\fIglobal options\\fR] [\\fIservice\\fR] \\fIcommand\\fR [\\fIparameters\\fR]\n"
        out += ".SH DESCRIPTION\n"
        out += "lambda\\-sim accepts the AWS CLI's commands and options for Lambda and the services its\n"
        out += "destinations and event sources need, runs real function code without Docker, and plays\n"
        out += "Lambda's synchronous, asynchronous and poll\\-based invocation models on a simulated clock.\n"
        out += "Its state is one JSON file.\n"
        out += ".SH GLOBAL OPTIONS\n"
        for g in GlobalOptions.specs {
            out += ".TP\n.B \\-\\-\(escape(g.name))\(g.takesValue ? " \\fIvalue\\fR" : "")\n\(escape(g.help))\n"
        }
        out += ".SH COMMANDS\n"
        for spec in Generators.visible(specs) {
            out += ".SS \(escape(Generators.invocation(spec)))\n\(escape(spec.abstract))\n"
            if !spec.aliases.isEmpty { out += ".br\nAliases: \(escape(spec.aliases.joined(separator: ", ")))\n" }
            for o in spec.options where !o.isHidden {
                out += ".TP\n.B \\-\\-\(escape(o.name))\(o.isRequired ? " (required)" : "")\n\(escape(o.help.isEmpty ? "(no description)" : o.help))\n"
            }
            for p in spec.positionals {
                out += ".TP\n.I \(escape(p.name))\n\(escape(p.help))\n"
            }
        }
        out += ".SH EXIT STATUS\n"
        out += "0 success (including a function error reported as FunctionError), 252 bad command line,\n"
        out += "253 bad configuration, 254 service error, 255 anything else; with LAMBDA_SIM_CLI_VERSION=1,\n"
        out += "2 for argument errors and 255 otherwise.\n"
        out += ".SH ENVIRONMENT\n"
        for (name, help) in [
            ("LAMBDA_SIM_STATE", "The state file (default ~/.lambda-sim/state.json)."),
            ("LAMBDA_SIM_CLI_VERSION", "1 to imitate the AWS CLI v1 (exit codes, timestamps)."),
            ("LAMBDA_SIM_CLOCK, LAMBDA_SIM_START", "Clock mode and start time of a new state file."),
            ("LAMBDA_SIM_SEED", "Seed for request ids in a new state file."),
            ("LAMBDA_SIM_PYTHON, LAMBDA_SIM_NODE", "Interpreters for the python and nodejs runtimes."),
            ("AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE", "Region and profile, as the AWS CLI reads them."),
        ] {
            out += ".TP\n.B \(escape(name))\n\(escape(help))\n"
        }
        return out
    }
}

enum Completions {
    static func bash(_ specs: [CommandSpec]) -> String {
        let visible = Generators.visible(specs)
        var out = "# bash completion for lambda-sim (generated; do not edit)\n"
        out += "_lambda_sim() {\n"
        out += "    local cur prev words cword\n"
        out += "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
        out += "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        out += "    local globals=\"\(GlobalOptions.specs.map { "--" + $0.name }.joined(separator: " "))\"\n"
        out += "    local services=\"\(Service.words.joined(separator: " "))\"\n"
        out += "    local service=lambda command=\"\" i\n"
        out += "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        out += "        case \"${COMP_WORDS[i]}\" in\n"
        out += "            --*) ;;\n"
        out += "            *) if [[ -z $command ]]; then\n"
        out += "                   if [[ \" $services \" == *\" ${COMP_WORDS[i]} \"* && $service == lambda && $i -le 2 ]]; then service=${COMP_WORDS[i]}; else command=${COMP_WORDS[i]}; fi\n"
        out += "               fi ;;\n"
        out += "        esac\n"
        out += "    done\n"
        out += "    case \"$prev\" in\n"
        out += "        --function-name) COMPREPLY=($(compgen -W \"$(lambda-sim __complete function 2>/dev/null)\" -- \"$cur\")); return ;;\n"
        out += "        --queue-url) COMPREPLY=($(compgen -W \"$(lambda-sim __complete queue 2>/dev/null)\" -- \"$cur\")); return ;;\n"
        out += "        --zip-file|--code-path|--scenario|--state) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
        out += "    esac\n"
        out += "    if [[ -z $command ]]; then\n"
        out += "        case \"$service\" in\n"
        for service in Service.allCases where service != .simulator {
            var names = visible.filter { $0.service == service }.flatMap { [$0.name] + $0.aliases }
            if service == .lambda { names += visible.filter { $0.service == .simulator }.map(\.name) + Service.words.filter { $0 != "lambda" } }
            out += "            \(service.rawValue)) COMPREPLY=($(compgen -W \"\(names.joined(separator: " ")) $globals\" -- \"$cur\")) ;;\n"
        }
        out += "        esac\n"
        out += "        return\n"
        out += "    fi\n"
        out += "    local opts=\"\"\n"
        out += "    case \"$service $command\" in\n"
        for spec in visible {
            let service = spec.service == .simulator ? "lambda" : spec.service.rawValue
            let names = ([spec.name] + spec.aliases).map { "\"\(service) \($0)\"" }.joined(separator: "|")
            let opts = spec.options.filter { !$0.isHidden }.flatMap { o in o.value == .flag ? ["--" + o.name, "--no-" + o.name] : ["--" + o.name] }
            out += "        \(names)) opts=\"\(opts.joined(separator: " "))\" ;;\n"
        }
        out += "    esac\n"
        out += "    COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
        out += "}\n"
        out += "complete -o default -F _lambda_sim lambda-sim\n"
        return out
    }

    static func zshEscape(_ s: String) -> String {
        s.replacingAll("'", "'\\''").replacingAll("[", "\\[").replacingAll("]", "\\]").replacingAll(":", "\\:")
    }

    static func zsh(_ specs: [CommandSpec]) -> String {
        let visible = Generators.visible(specs)
        var out = "#compdef lambda-sim\n# zsh completion for lambda-sim (generated; do not edit)\n\n"
        out += "_lambda_sim() {\n"
        out += "    local -a commands\n"
        out += "    local service=lambda command word\n"
        out += "    for word in ${words[2,CURRENT-1]}; do\n"
        out += "        [[ $word == --* ]] && continue\n"
        out += "        if [[ -z $command && $service == lambda && ' \(Service.words.joined(separator: " ")) ' == *\" $word \"* ]]; then service=$word; continue; fi\n"
        out += "        [[ -z $command ]] && command=$word\n"
        out += "    done\n"
        out += "    if [[ -z $command ]]; then\n"
        out += "        case $service in\n"
        for service in Service.allCases where service != .simulator {
            var entries = visible.filter { $0.service == service }.map { "'\($0.name):\(zshEscape($0.abstract))'" }
            if service == .lambda {
                entries += visible.filter { $0.service == .simulator }.map { "'\($0.name):\(zshEscape($0.abstract))'" }
                entries += Service.words.filter { $0 != "lambda" }.map { "'\($0):\($0) commands'" }
            }
            out += "            \(service.rawValue)) commands=(\(entries.joined(separator: " "))) ;;\n"
        }
        out += "        esac\n"
        out += "        _describe 'command' commands\n"
        out += "        return\n"
        out += "    fi\n"
        out += "    case \"$service $command\" in\n"
        for spec in visible {
            let service = spec.service == .simulator ? "lambda" : spec.service.rawValue
            let names = ([spec.name] + spec.aliases).map { "\"\(service) \($0)\"" }.joined(separator: "|")
            let args = spec.options.filter { !$0.isHidden }.map { o -> String in
                let action: String
                switch o.completion {
                case "function": action = ":function:{_values function $(lambda-sim __complete function 2>/dev/null)}"
                case "file": action = ":file:_files"
                default: action = o.value == .flag ? "" : ":value:"
                }
                return "'--\(o.name)[\(zshEscape(o.help))]\(action)'"
            }
            out += "        \(names)) _arguments \(args.joined(separator: " ")) '*:file:_files' ;;\n"
        }
        out += "    esac\n"
        out += "}\n\n_lambda_sim \"$@\"\n"
        return out
    }

    static func fish(_ specs: [CommandSpec]) -> String {
        let visible = Generators.visible(specs)
        var out = "# fish completion for lambda-sim (generated; do not edit)\n"
        out += "complete -c lambda-sim -f\n"
        for g in GlobalOptions.specs {
            out += "complete -c lambda-sim -l \(g.name)\(g.takesValue ? " -r" : "") -d '\(fishEscape(g.help))'\n"
        }
        for spec in visible {
            let condition = spec.service == .lambda || spec.service == .simulator
                ? "__fish_use_subcommand" : "__fish_seen_subcommand_from \(spec.service.rawValue)"
            out += "complete -c lambda-sim -n '\(condition)' -a \(spec.name) -d '\(fishEscape(spec.abstract))'\n"
            for o in spec.options where !o.isHidden {
                let files = o.completion == "file" ? " -F" : ""
                let dynamic = o.completion == "function" ? " -a '(lambda-sim __complete function 2>/dev/null)'" : ""
                out += "complete -c lambda-sim -n '__fish_seen_subcommand_from \(spec.name)' -l \(o.name)\(o.value == .flag ? "" : " -r")\(files)\(dynamic) -d '\(fishEscape(o.help))'\n"
            }
        }
        for word in Service.words where word != "lambda" {
            out += "complete -c lambda-sim -n '__fish_use_subcommand' -a \(word) -d '\(word) commands'\n"
        }
        return out
    }

    static func fishEscape(_ s: String) -> String { s.replacingAll("\\", "\\\\").replacingAll("'", "\\'") }
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

/// `docs/coverage.md`: per service, the operations of botocore's model against what lambda-sim
/// implements (engine), exposes as a command, and answers through `serve`.
enum CoverageReport {
    static func render(_ specs: [CommandSpec]) -> String {
        var out = "# Coverage of the AWS APIs\n\n"
        out += "Generated by `lambda-sim __generate all` from botocore \(ServiceOperations.botocoreVersion)'s service models "
        out += "and lambda-sim's own tables; a test fails when it is stale. An operation counts as implemented when the engine "
        out += "answers it; the model-driven conformance test (`ConformanceTests`) checks each implemented operation's "
        out += "answers and errors against the model.\n\n"
        out += "| service | in the model | implemented | as a command | through serve |\n|---|---:|---:|---:|---:|\n"
        var sections = ""
        for (service, implemented) in ImplementedOperations.byService {
            let model = ServiceOperations.all[service] ?? []
            // The CLI names botocore's low-level S3 commands `s3api`.
            let word = service == "s3" ? "s3api" : service
            let commands = Set(specs.filter { $0.service.rawValue == word }.compactMap(\.operation))
            let protocolName = ImplementedOperations.served[service]
            let served = protocolName == nil ? 0 : implemented.count
            out += "| \(service) | \(model.count) | \(implemented.count) | \(implemented.filter(commands.contains).count) | \(served) |\n"
            sections += "\n## \(service)\n\n"
            sections += protocolName.map { "`serve` speaks \(service) (\($0)).\n\n" } ?? "`serve` does not speak \(service) yet.\n\n"
            sections += "Implemented: " + implemented.map { op in commands.contains(op) ? "`\(op)`" : "`\(op)` (serve/engine only)" }
                .joined(separator: ", ") + ".\n\n"
            let missing = model.filter { !implemented.contains($0) }
            sections += "Not implemented (\(missing.count)): " + (missing.isEmpty ? "none" : missing.map { "`\($0)`" }.joined(separator: ", ")) + ".\n"
        }
        return out + sections
    }
}
