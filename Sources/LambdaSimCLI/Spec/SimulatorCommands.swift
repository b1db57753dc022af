/// lambda-sim's own commands (not in AWS) and the `s3 mb` customisation.
enum SimulatorCommands {
    static let all: [CommandSpec] = [
        CommandSpec(
            service: .simulator, name: "simulate",
            abstract: "Advance simulated time, run the work that comes due, and print what happened.",
            discussion: "Runs asynchronous attempts, retries, throttle back-offs, event source polls, batching windows and visibility time-outs in time order until nothing is left to do, or until --for / --until.",
            options: [
                OptionSpec(name: "for", value: .string, help: "Advance at most this long (90s, 5m, 6h, 1d)."),
                OptionSpec(name: "until", value: .string, help: "Advance up to this ISO 8601 time."),
                OptionSpec(name: "horizon", value: .string,
                           help: "Without --for/--until: stop after this much simulated time even if work is left (default 30d)."),
                OptionSpec(name: "explain", value: .flag, help: "Print the rule behind each step."),
                OptionSpec(name: "format", value: .choice(["timeline", "json", "mermaid"]),
                           help: "How to print the steps: timeline (default), json (one object a line) or mermaid."),
                OptionSpec(name: "show-payloads", value: .flag,
                           help: "Add each step's event, response or error, and each batch's records (truncated)."),
                OptionSpec(name: "history", value: .flag,
                           help: "Run nothing: print what already ran (the background, earlier simulates, synchronous invokes)."),
                OptionSpec(name: "since", value: .string,
                           help: "With --history: only steps from this ISO 8601 time, or from this long ago in simulated time (10m)."),
                OptionSpec(name: "seed", value: .integer, help: "Seed for request ids and jitter."),
                OptionSpec(name: "cost", value: .flag,
                           help: "After the steps, what the invocations cost at AWS's public prices (per function and model, retries apart)."),
                OptionSpec(name: "scenario", value: .string, help: "Play a scenario file on a fresh private state.",
                           completion: "file"),
            ],
            examples: ["lambda-sim simulate --for 10m --explain", "lambda-sim simulate --scenario examples/retries.json",
                       "lambda-sim simulate --scenario examples/retries.json --cost",
                       "lambda-sim simulate --history --since 1h --format mermaid"]),
        CommandSpec(
            service: .simulator, name: "tour",
            abstract: "A guided walk through synchronous, asynchronous and poll-based invocation, in a scratch state.",
            discussion: "Each step shows the exact commands (runnable afterwards in ~/.lambda-sim/tour), their real output, the explained timeline and what happened and why, then waits for Enter.",
            options: [
                OptionSpec(name: "step", value: .integer, help: "Show only this step (the earlier ones run quietly first)."),
                OptionSpec(name: "list", value: .flag, help: "List the steps."),
                OptionSpec(name: "non-interactive", value: .flag, help: "Run every step without waiting for Enter."),
            ],
            examples: ["lambda-sim tour", "lambda-sim tour --list", "lambda-sim tour --step 4"]),
        CommandSpec(
            service: .simulator, name: "logs",
            abstract: "Print the functions' log lines (START, END, REPORT and the function's own output).",
            options: [
                OptionSpec(name: "function-name", value: .string, help: "Only this function's logs.", completion: "function"),
                OptionSpec(name: "since", value: .string, help: "Only lines from this long ago in simulated time (5m, 1h)."),
                OptionSpec(name: "follow", value: .flag, help: "Keep printing new lines as they are written."),
            ],
            examples: ["lambda-sim logs --function-name my-fn --since 10m"]),
        CommandSpec(
            service: .simulator, name: "state",
            abstract: "Show the state file, print its path, or reset it.",
            options: [
                OptionSpec(name: "clock", value: .choice(["wall", "manual"]), help: "reset: the clock mode of the new state."),
                OptionSpec(name: "start", value: .string, help: "reset: the simulated time the new state starts at (ISO 8601)."),
                OptionSpec(name: "iam", value: .choice(["permissive", "strict"]),
                           help: "reset: permissions mode; strict checks every role and caller as AWS does."),
                OptionSpec(name: "account-concurrency", value: .integer,
                           help: "reset: the account's concurrency limit (default 1000)."),
            ],
            positionals: [PositionalSpec(name: "action", help: "show | path | reset")],
            examples: ["lambda-sim state reset --clock manual --start 2026-01-01T00:00:00Z", "lambda-sim state reset --iam strict",
                       "lambda-sim state reset --account-concurrency 10", "lambda-sim state path"]),
        CommandSpec(
            service: .simulator, name: "generate-event",
            abstract: "Print a sample event of an AWS service for --payload.",
            options: [],
            positionals: [
                PositionalSpec(name: "service", help: "s3 | sns | sqs | apigateway | kinesis | dynamodb | eventbridge"),
                PositionalSpec(name: "kind", help: "The event kind (for example put for s3).", isRequired: false),
            ],
            examples: ["lambda-sim generate-event s3 put > event.json"]),
        CommandSpec(
            service: .simulator, name: "serve",
            abstract: "Serve the Lambda REST API, SQS, SNS and EventBridge, and the functions' URLs over HTTP from the same state file.",
            options: [
                OptionSpec(name: "host", value: .string, help: "Address to listen on (default 127.0.0.1)."),
                OptionSpec(name: "port", value: .integer, help: "Port to listen on (default 9001; 0 picks a free port)."),
            ],
            examples: ["lambda-sim serve --port 9001 &", "aws --endpoint-url http://127.0.0.1:9001 lambda list-functions",
                       "curl http://127.0.0.1:9001/lambda-url/<url-id>/"]),
        CommandSpec(
            service: .s3, name: "mb", operation: "CreateBucket",
            abstract: "Create a bucket (a directory beside the state file).",
            options: [],
            positionals: [PositionalSpec(name: "path", help: "s3://BUCKET")],
            examples: ["lambda-sim s3 mb s3://my-bucket"]),
        CommandSpec(
            service: .s3, name: "cp", operation: "PutObject",
            abstract: "Copy a local file or S3 object to another location locally or in S3.",
            options: [
                OptionSpec(name: "recursive", value: .flag, help: "Copy every file under the directory or prefix."),
                OptionSpec(name: "content-type", value: .string, help: "The content type of uploaded files (default: guessed)."),
                OptionSpec(name: "dryrun", value: .flag, help: "Print what would be copied without copying."),
                OptionSpec(name: "quiet", value: .flag, help: "Print nothing but errors."),
                OptionSpec(name: "only-show-errors", value: .flag, help: "Print nothing but errors."),
                OptionSpec(name: "no-progress", value: .flag, help: "Accepted; progress lines are never printed."),
            ],
            positionals: [PositionalSpec(name: "paths", help: "LocalPath or s3://BUCKET/KEY"),
                          PositionalSpec(name: "destination", help: "LocalPath or s3://BUCKET/KEY")],
            examples: ["lambda-sim s3 cp test.txt s3://my-bucket/test.txt", "lambda-sim s3 cp s3://my-bucket/ out/ --recursive"]),
        CommandSpec(
            service: .s3, name: "ls", operation: "ListObjectsV2",
            abstract: "List buckets, or the objects and common prefixes under a bucket or prefix.",
            options: [
                OptionSpec(name: "recursive", value: .flag, help: "List every object under the prefix."),
                OptionSpec(name: "human-readable", value: .flag, help: "Print sizes as KiB, MiB, …"),
                OptionSpec(name: "summarize", value: .flag, help: "Print the number of objects and their total size."),
            ],
            positionals: [PositionalSpec(name: "paths", help: "s3://BUCKET[/PREFIX]", isRequired: false)],
            examples: ["lambda-sim s3 ls", "lambda-sim s3 ls s3://my-bucket --recursive"]),
        CommandSpec(
            service: .s3, name: "rm", operation: "DeleteObject",
            abstract: "Delete an object, or every object under a prefix with --recursive.",
            options: [
                OptionSpec(name: "recursive", value: .flag, help: "Delete every object under the prefix."),
                OptionSpec(name: "dryrun", value: .flag, help: "Print what would be deleted without deleting."),
                OptionSpec(name: "quiet", value: .flag, help: "Print nothing but errors."),
                OptionSpec(name: "only-show-errors", value: .flag, help: "Print nothing but errors."),
            ],
            positionals: [PositionalSpec(name: "paths", help: "s3://BUCKET/KEY")],
            examples: ["lambda-sim s3 rm s3://my-bucket/test.txt"]),
        CommandSpec(
            service: .s3, name: "rb", operation: "DeleteBucket",
            abstract: "Delete an empty bucket (with --force, its objects first).",
            options: [OptionSpec(name: "force", value: .flag, help: "Delete the bucket's objects first.")],
            positionals: [PositionalSpec(name: "path", help: "s3://BUCKET")],
            examples: ["lambda-sim s3 rb s3://my-bucket --force"]),
        CommandSpec(
            service: .lambda, name: "wait",
            abstract: "Wait until a function reaches a state (botocore's Lambda waiters, as `aws lambda wait`).",
            discussion: "Polls GetFunction or GetFunctionConfiguration every few seconds as the waiter defines; prints nothing "
                + "and exits 0 on success, prints `Waiter <Name> failed: <reason>` and exits 255 otherwise. On the manual "
                + "clock the attempts do not sleep. Waiters: " + WaiterModel.names(service: "lambda").joined(separator: ", ") + ".",
            options: [
                OptionSpec(name: "function-name", value: .string, help: "The name or ARN of the Lambda function, version, or alias.",
                           isRequired: true, completion: "function"),
                OptionSpec(name: "qualifier", value: .string, help: "Specify a version or alias to get details about a published version of the function."),
            ],
            positionals: [PositionalSpec(name: "waiter-name", help: WaiterModel.names(service: "lambda").joined(separator: " | "))],
            examples: ["lambda-sim wait function-active-v2 --function-name my-fn",
                       "lambda-sim wait published-version-active --function-name my-fn --qualifier 1"]),
        CommandSpec(
            service: .simulator, name: "completion",
            abstract: "Print a shell completion script (bash, zsh or fish).",
            options: [],
            positionals: [PositionalSpec(name: "shell", help: "bash | zsh | fish")]),
        CommandSpec(
            service: .simulator, name: "__generate",
            abstract: "Print a generated file: man, bash, zsh, fish or spec.",
            options: [],
            positionals: [PositionalSpec(name: "what", help: "man | bash | zsh | fish | spec | all")]),
        CommandSpec(
            service: .simulator, name: "__complete",
            abstract: "Print completion candidates from the state file (function names, queue URLs).",
            options: [],
            positionals: [PositionalSpec(name: "kind", help: "function | queue")]),
        CommandSpec(
            service: .simulator, name: "__background",
            abstract: "Run the service's due work in the background until none is left (started by lambda-sim itself).",
            options: []),
    ]
}
