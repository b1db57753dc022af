/// Every command lambda-sim has, in the order help, man pages and completions list them.
enum CommandRegistry {
    /// AWS commands: (service, command, aliases).
    static let awsCommands: [(Service, String, [String])] = [
        (.lambda, "invoke", []),
        (.lambda, "create-function", []),
        (.lambda, "get-function", []),
        (.lambda, "get-function-configuration", []),
        (.lambda, "list-functions", []),
        (.lambda, "delete-function", []),
        (.lambda, "update-function-configuration", []),
        (.lambda, "update-function-code", []),
        (.lambda, "publish-version", []),
        (.lambda, "list-versions-by-function", []),
        (.lambda, "create-alias", []),
        (.lambda, "get-alias", []),
        (.lambda, "list-aliases", []),
        (.lambda, "update-alias", []),
        (.lambda, "delete-alias", []),
        (.lambda, "put-function-concurrency", []),
        (.lambda, "get-function-concurrency", []),
        (.lambda, "delete-function-concurrency", []),
        (.lambda, "get-account-settings", []),
        (.lambda, "put-function-event-invoke-config", ["put-destination"]),
        (.lambda, "update-function-event-invoke-config", []),
        (.lambda, "get-function-event-invoke-config", []),
        (.lambda, "list-function-event-invoke-configs", []),
        (.lambda, "delete-function-event-invoke-config", []),
        (.lambda, "create-event-source-mapping", ["create-esm"]),
        (.lambda, "get-event-source-mapping", []),
        (.lambda, "list-event-source-mappings", []),
        (.lambda, "update-event-source-mapping", []),
        (.lambda, "delete-event-source-mapping", []),
        (.lambda, "create-function-url-config", []),
        (.lambda, "get-function-url-config", []),
        (.lambda, "update-function-url-config", []),
        (.lambda, "delete-function-url-config", []),
        (.lambda, "list-function-url-configs", []),
        (.lambda, "add-permission", []),
        (.lambda, "get-policy", []),
        (.lambda, "remove-permission", []),
        (.lambda, "tag-resource", []),
        (.lambda, "untag-resource", []),
        (.lambda, "list-tags", []),
        (.lambda, "put-function-recursion-config", []),
        (.lambda, "get-function-recursion-config", []),
        (.lambda, "publish-layer-version", []),
        (.lambda, "get-layer-version", []),
        (.lambda, "get-layer-version-by-arn", []),
        (.lambda, "list-layers", []),
        (.lambda, "list-layer-versions", []),
        (.lambda, "delete-layer-version", []),
        (.lambda, "add-layer-version-permission", []),
        (.lambda, "get-layer-version-policy", []),
        (.lambda, "remove-layer-version-permission", []),
        (.sqs, "create-queue", []),
        (.sqs, "get-queue-url", []),
        (.sqs, "get-queue-attributes", []),
        (.sqs, "set-queue-attributes", []),
        (.sqs, "send-message", []),
        (.sqs, "send-message-batch", []),
        (.sqs, "receive-message", []),
        (.sqs, "delete-message", []),
        (.sqs, "delete-message-batch", []),
        (.sqs, "change-message-visibility", []),
        (.sqs, "purge-queue", []),
        (.sqs, "list-queues", []),
        (.sqs, "delete-queue", []),
        (.sqs, "tag-queue", []),
        (.sqs, "untag-queue", []),
        (.sqs, "list-queue-tags", []),
        (.sns, "create-topic", []),
        (.sns, "subscribe", []),
        (.sns, "publish", []),
        (.sns, "list-topics", []),
        (.sns, "list-subscriptions", []),
        (.sns, "unsubscribe", []),
        (.kinesis, "create-stream", []),
        (.kinesis, "put-record", []),
        (.kinesis, "put-records", []),
        (.kinesis, "describe-stream", []),
        (.kinesis, "list-streams", []),
        (.kinesis, "increase-stream-retention-period", []),
        (.kinesis, "decrease-stream-retention-period", []),
        (.dynamodb, "create-table", []),
        (.dynamodb, "describe-table", []),
        (.dynamodb, "list-tables", []),
        (.dynamodb, "put-item", []),
        (.dynamodb, "update-item", []),
        (.dynamodb, "delete-item", []),
        (.dynamodb, "get-item", []),
        (.dynamodb, "scan", []),
        (.events, "create-event-bus", []),
        (.events, "put-events", []),
        (.events, "list-event-buses", []),
        (.events, "put-rule", []),
        (.events, "describe-rule", []),
        (.events, "list-rules", []),
        (.events, "delete-rule", []),
        (.events, "enable-rule", []),
        (.events, "disable-rule", []),
        (.events, "put-targets", []),
        (.events, "list-targets-by-rule", []),
        (.events, "remove-targets", []),
        (.events, "list-rule-names-by-target", []),
        (.iam, "create-role", []),
        (.iam, "get-role", []),
        (.iam, "list-roles", []),
        (.iam, "update-role", []),
        (.iam, "delete-role", []),
        (.iam, "update-assume-role-policy", []),
        (.iam, "put-role-policy", []),
        (.iam, "get-role-policy", []),
        (.iam, "list-role-policies", []),
        (.iam, "delete-role-policy", []),
        (.iam, "attach-role-policy", []),
        (.iam, "detach-role-policy", []),
        (.iam, "list-attached-role-policies", []),
        (.iam, "create-policy", []),
        (.iam, "get-policy", []),
        (.iam, "get-policy-version", []),
        (.iam, "list-policies", []),
        (.iam, "delete-policy", []),
        (.iam, "create-user", []),
        (.iam, "get-user", []),
        (.iam, "list-users", []),
        (.iam, "delete-user", []),
        (.iam, "attach-user-policy", []),
        (.iam, "detach-user-policy", []),
        (.iam, "list-attached-user-policies", []),
        (.iam, "put-user-policy", []),
        (.iam, "get-user-policy", []),
        (.iam, "list-user-policies", []),
        (.iam, "delete-user-policy", []),
        (.sts, "get-caller-identity", []),
        (.s3api, "create-bucket", []),
        (.s3api, "head-bucket", []),
        (.s3api, "list-buckets", []),
        (.s3api, "delete-bucket", []),
        (.s3api, "put-object", []),
        (.s3api, "get-object", []),
        (.s3api, "head-object", []),
        (.s3api, "delete-object", []),
        (.s3api, "delete-objects", []),
        (.s3api, "copy-object", []),
        (.s3api, "list-objects-v2", []),
        (.s3api, "put-bucket-notification-configuration", []),
        (.s3api, "get-bucket-notification-configuration", []),
    ]

    /// Names of every command of a service, aliases included, for suggestions and completions.
    static func commandNames(service: Service) -> [String] {
        var names: [String] = []
        for (s, name, aliases) in awsCommands where s == service { names.append(name); names += aliases }
        for spec in SimulatorCommands.all where spec.service == service { names.append(spec.name); names += spec.aliases }
        return names
    }

    /// Finds a command by service and name (or alias).
    static func find(service: Service, name: String) -> CommandSpec? {
        for (s, command, aliases) in awsCommands where s == service && (command == name || aliases.contains(name)) {
            return awsSpec(service: s, command: command, aliases: aliases)
        }
        return SimulatorCommands.all.first { $0.service == service && ($0.name == name || $0.aliases.contains(name)) }
    }

    /// All specs, for help, man pages and completions (loads every model: not for the hot path).
    static var all: [CommandSpec] {
        awsCommands.compactMap { awsSpec(service: $0.0, command: $0.1, aliases: $0.2) } + SimulatorCommands.all
    }

    /// Builds the spec of an AWS command from its model plus lambda-sim's customisations.
    static func awsSpec(service: Service, command: String, aliases: [String]) -> CommandSpec? {
        guard let model = OperationModel.load(service: service.rawValue, command: command) else { return nil }
        var options: [OptionSpec] = model.params.map { p in
            let shape = model.shapes[p.shape]
            let kind: ValueKind = shape?.kind == .boolean ? .flag : (shape?.kind == .list ? .list : .shape(p.shape))
            return OptionSpec(name: p.name, member: p.member, value: kind, help: p.help, isRequired: p.required,
                              completion: Self.completion(for: p))
        }
        var positionals: [PositionalSpec] = []
        var abstract = model.help
        switch (service, command) {
        case (.lambda, "invoke"):
            positionals = [PositionalSpec(name: "outfile", help: "Filename where the content will be saved")]
        case (.lambda, "create-function"), (.lambda, "update-function-code"):
            // awscli hoists --zip-file into Code.ZipFile; --role is optional in lambda-sim.
            options = options.map { o in
                var o = o
                if o.name == "role" || o.name == "code" { o.isRequired = false }
                if o.name == "zip-file" { o.completion = "file" }
                return o
            }
            if command == "create-function" {
                options.append(OptionSpec(name: "zip-file", member: "ZipFile", value: .shape("Blob"),
                                          help: "The path to the zip file of the code you are uploading (fileb://…).",
                                          completion: "file"))
            }
            options.append(OptionSpec(name: "code-path", member: "CodePath", value: .string,
                                      help: "lambda-sim: use a local directory or file in place as the code.", completion: "file"))
        case (.lambda, "publish-layer-version"):
            // awscli hoists --zip-file into Content.ZipFile (its lambda customization); --content
            // is then optional.
            options = options.map { o in
                var o = o
                if o.name == "content" { o.isRequired = false }
                return o
            }
            options.append(OptionSpec(name: "zip-file", member: "ZipFile", value: .shape("Blob"),
                                      help: "The path to the zip file of the content you are uploading (fileb://…).",
                                      completion: "file"))
        case (.sns, "subscribe"):
            // awscli's argrename: 'sns.subscribe.endpoint' → 'notification-endpoint'.
            options = options.map { o in
                var o = o
                if o.name == "endpoint" { o.name = "notification-endpoint" }
                return o
            }
        case (.s3api, "put-object"):
            // awscli: a streaming blob input is the path of a file to upload.
            options = options.map { o in
                var o = o
                if o.name == "body" {
                    o.member = nil
                    o.value = .string
                    o.help = "Object data: the path of a file to upload."
                    o.completion = "file"
                }
                return o
            }
        case (.s3api, "get-object"):
            // awscli: a streaming blob output is written to a file named by a positional.
            positionals = [PositionalSpec(name: "outfile", help: "Filename where the content will be saved")]
        case (.lambda, "put-function-event-invoke-config"):
            options.append(OptionSpec(name: "on-success", member: nil, value: .string,
                                      help: "lambda-sim: shorthand for DestinationConfig.OnSuccess.Destination."))
            options.append(OptionSpec(name: "on-failure", member: nil, value: .string,
                                      help: "lambda-sim: shorthand for DestinationConfig.OnFailure.Destination."))
        default:
            break
        }
        if let paginator = PaginatorModel.find(service: service.rawValue, operation: model.operation) {
            // As the AWS CLI does for a paginated operation: the service's token and page-size
            // members give way to --starting-token, --page-size and --max-items (the token members
            // stay accepted, undocumented, and turn paging off).
            options = options.compactMap { o in
                var o = o
                if let member = o.member, member == paginator.limitKey { return nil }
                if let member = o.member, paginator.inputToken.contains(member) { o.isHidden = true }
                return o
            }
            options.append(OptionSpec(name: "starting-token", member: nil, value: .string,
                                      help: "A token to specify where to start paginating: the NextToken of a previous truncated response."))
            options.append(OptionSpec(name: "page-size", member: nil, value: .integer,
                                      help: "The size of each page to get in the AWS service call (does not change the number of items returned)."))
            options.append(OptionSpec(name: "max-items", member: nil, value: .integer,
                                      help: "The total number of items to return; a NextToken is printed when more are available."))
        }
        if abstract.isEmpty { abstract = "Calls the \(model.operation) API." }
        return CommandSpec(service: service, name: command, aliases: aliases, operation: model.operation,
                           abstract: abstract, options: options, positionals: positionals, model: model)
    }

    static func completion(for p: ParamModel) -> String? {
        switch p.member {
        case "FunctionName": return "function"
        case "QueueUrl": return "queue"
        default: return nil
        }
    }
}
