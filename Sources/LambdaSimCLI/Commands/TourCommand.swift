import Foundation
import LambdaSim
import LambdaSimJSON

/// `lambda-sim tour [--step N | --list | --non-interactive]`: a guided walk through the three
/// invocation models in a private scratch state (`~/.lambda-sim/tour/`, manual clock, fixed
/// seed, rebuilt at every start). Each step shows the exact commands — lambda-sim's own,
/// runnable when pasted after the `export` the tour prints — their real output, the explained
/// timeline and a paragraph on what happened and why, then waits for Enter.
struct TourCommand {
    var context: CommandContext

    /// One command of a step: lambda-sim's arguments, or `cat FILE` of a file a command wrote.
    enum Command {
        case run([String])
        case cat(String)
    }

    struct Step {
        var title: String
        var commands: [Command]
        /// `simulate` arguments for the explained timeline (nil: no timeline in this step).
        var timeline: [String]?
        var text: String
    }

    static let start = "2026-01-01T00:00:00Z"
    static let role = "arn:aws:iam::123456789012:role/tour-role"
    static let queueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/"
    static let queueArn = "arn:aws:sqs:us-east-1:123456789012:"

    static let steps: [Step] = [
        Step(
            title: "A synchronous invoke: 200 and the function's result",
            commands: [
                .run(["lambda", "create-function", "--function-name", "hello", "--runtime", "builtin", "--handler", "echo",
                      "--role", role, "--query", "FunctionArn", "--output", "text"]),
                .run(["lambda", "invoke", "--function-name", "hello", "--payload", #"{"name": "Ada"}"#, "out.json"]),
                .cat("out.json"),
            ],
            timeline: ["--explain"],
            text: "invoke without --invocation-type is RequestResponse: the caller waits while the function runs and gets its result in the outfile, with StatusCode 200 and the version that ran. Nothing is queued and nothing is retried; if the call fails the caller decides what to do. The timeline shows it as an `invoke` line with source `sync` and its cause, the command that made it."),
        Step(
            title: "A function error is still a 200",
            commands: [
                .run(["lambda", "create-function", "--function-name", "checkout", "--runtime", "builtin",
                      "--handler", "fail:CardDeclined:card declined", "--role", role, "--query", "FunctionArn", "--output", "text"]),
                .run(["lambda", "invoke", "--function-name", "checkout", "--payload", #"{"amount": 12}"#, "--log-type", "Tail", "out.json"]),
                .cat("out.json"),
            ],
            timeline: ["--explain"],
            text: "The invoke itself succeeded, so the status is 200; the handler's error is reported by FunctionError (Unhandled) and the error document in the outfile. The CLI exits 0: a script has to look at FunctionError. --log-type Tail adds LogResult, the last 4 KB of the log (START, the function's output, END, REPORT) in base64."),
        Step(
            title: "A timeout",
            commands: [
                .run(["lambda", "create-function", "--function-name", "slow", "--runtime", "builtin", "--handler", "sleep:5000",
                      "--timeout", "3", "--role", role, "--query", "Timeout"]),
                .run(["lambda", "invoke", "--function-name", "slow", "out.json"]),
                .cat("out.json"),
            ],
            timeline: ["--explain"],
            text: "The handler wants 5 s but the function's Timeout is 3 s: Lambda stops it at 3 s and answers like any other function error (200 with FunctionError). The builtin handlers' durations are simulated, so this step took no real time."),
        Step(
            title: "An asynchronous invoke: 202, the queue, retries at +1 and +3 minutes",
            commands: [
                .run(["lambda", "invoke", "--function-name", "checkout", "--invocation-type", "Event", "--payload", #"{"amount": 30}"#,
                      "out.json"]),
            ],
            timeline: ["--explain"],
            text: "With --invocation-type Event, Lambda answers 202 as soon as the event is on the function's internal queue; the caller never sees the result. The function fails, so Lambda retries it (MaximumRetryAttempts, default 2): the 2nd attempt a minute after the first, the 3rd two minutes after that, with the same request id. After the last failure, with no on-failure destination and no dead-letter queue, the event is discarded. Events also expire: MaximumEventAgeInSeconds (default 6 hours) bounds how long Lambda keeps trying, throttles included. `simulate` moved the simulated clock through those three minutes at once."),
        Step(
            title: "Where failures go: a destination and a dead-letter queue",
            commands: [
                .run(["sqs", "create-queue", "--queue-name", "checkout-failures", "--query", "QueueUrl", "--output", "text"]),
                .run(["sqs", "create-queue", "--queue-name", "checkout-dlq", "--query", "QueueUrl", "--output", "text"]),
                .run(["lambda", "put-function-event-invoke-config", "--function-name", "checkout", "--maximum-retry-attempts", "0",
                      "--destination-config", #"{"OnFailure": {"Destination": "\#(queueArn)checkout-failures"}}"#,
                      "--query", "DestinationConfig"]),
                .run(["lambda", "update-function-configuration", "--function-name", "checkout",
                      "--dead-letter-config", "TargetArn=\(queueArn)checkout-dlq", "--query", "DeadLetterConfig"]),
                .run(["lambda", "invoke", "--function-name", "checkout", "--invocation-type", "Event", "--payload", #"{"amount": 99}"#,
                      "out.json"]),
            ],
            timeline: ["--explain"],
            text: "With MaximumRetryAttempts 0 the first failure is the last. An on-failure destination receives an invocation record: the request, the response, the condition (RetriesExhausted) and the attempt count. A dead-letter queue receives only the original event, with RequestID, ErrorCode and ErrorMessage as message attributes. When a function has both, both get their message. Destinations also cover success (OnSuccess); dead-letter queues never do."),
        Step(
            title: "Poll-based: an SQS queue, a batch, a batching window and a partial batch failure",
            commands: [
                .run(["sqs", "create-queue", "--queue-name", "orders-dlq", "--query", "QueueUrl", "--output", "text"]),
                .run(["sqs", "create-queue", "--queue-name", "orders", "--attributes",
                      #"{"VisibilityTimeout": "30", "RedrivePolicy": "{\"deadLetterTargetArn\": \"\#(queueArn)orders-dlq\", \"maxReceiveCount\": \"2\"}"}"#,
                      "--query", "QueueUrl", "--output", "text"]),
                .run(["lambda", "create-function", "--function-name", "process-orders", "--runtime", "builtin",
                      "--handler", "partial-batch:corrupt", "--role", role, "--query", "FunctionArn", "--output", "text"]),
                .run(["sqs", "send-message", "--queue-url", queueUrl + "orders", "--message-body", #"{"order": 1}"#, "--query", "MessageId", "--output", "text"]),
                .run(["sqs", "send-message", "--queue-url", queueUrl + "orders", "--message-body", #"{"order": 2, "note": "corrupt"}"#, "--query", "MessageId", "--output", "text"]),
                .run(["sqs", "send-message", "--queue-url", queueUrl + "orders", "--message-body", #"{"order": 3}"#, "--query", "MessageId", "--output", "text"]),
                .run(["lambda", "create-event-source-mapping", "--function-name", "process-orders", "--event-source-arn", queueArn + "orders",
                      "--batch-size", "10", "--maximum-batching-window-in-seconds", "5", "--function-response-types", "ReportBatchItemFailures",
                      "--query", "State", "--output", "text"]),
            ],
            timeline: ["--explain", "--show-payloads"],
            text: "Nobody invokes process-orders: the mapping's poller receives from the queue and invokes the function synchronously with a batch of records. The batching window lets it wait up to 5 s for a fuller batch. With ReportBatchItemFailures the function answers which items failed (batchItemFailures): only that message stays in the queue and comes back after the visibility timeout (30 s); the others are deleted. After maxReceiveCount (2) receives the queue's redrive policy moves it to orders-dlq. The retries here are the queue's, not Lambda's async retries."),
        Step(
            title: "DryRun: check that you may invoke, without running anything",
            commands: [
                .run(["lambda", "invoke", "--function-name", "hello", "--invocation-type", "DryRun", "out.json"]),
            ],
            timeline: nil,
            text: "DryRun checks the function, the qualifier and the caller's permission and answers 204 with no payload; the function does not run, so the timeline has nothing new."),
        Step(
            title: "Draw what already ran",
            commands: [
                .run(["simulate", "--history", "--since", "2026-01-01T00:00:00Z", "--format", "mermaid"]),
            ],
            timeline: nil,
            text: "Everything the tour ran is in the state's history: `simulate --history` replays it without running anything, here as a Mermaid sequence diagram (paste it into any Mermaid viewer): the callers, the async queue, the SQS poller, the functions and the queues that received failures, each labelled by what it is."),
    ]

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let steps = Self.steps
        if parsed.flag("list") ?? false {
            var text = ""
            for (index, step) in steps.enumerated() { text += "\(index + 1). \(step.title)\n" }
            out(text)
            return 0
        }
        var only: Int?
        if let text = parsed.value("step") {
            guard let n = Int(text), n >= 1, n <= steps.count else {
                throw CLIError.parameter("Error parsing parameter '--step': must be a step number from 1 to \(steps.count) (lambda-sim tour --list): \(text)")
            }
            only = n
        }
        let interactive = !(parsed.flag("non-interactive") ?? false) && only == nil && isatty(0) == 1
        let home = context.environment["HOME"] ?? NSHomeDirectory()
        let directory = home + "/.lambda-sim/tour"
        try prepare(directory)
        var environment = context.environment
        environment["LAMBDA_SIM_STATE"] = directory + "/state.json"
        environment["LAMBDA_SIM_CLOCK"] = "manual"
        environment["LAMBDA_SIM_START"] = Self.start
        environment["LAMBDA_SIM_SEED"] = "1"
        environment["LAMBDA_SIM_CLI_VERSION"] = nil
        environment["AWS_PROFILE"] = nil
        environment["AWS_REGION"] = "us-east-1"
        let previous = FileManager.default.currentDirectoryPath
        guard FileManager.default.changeCurrentDirectoryPath(directory) else {
            throw CLIError.other("tour: cannot enter \(directory)")
        }
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }

        out("""
            lambda-sim tour: the three ways Lambda runs a function (synchronous, asynchronous, poll-based), \
            step by step, in a scratch state of its own: ~/.lambda-sim/tour/state.json (manual clock from \
            \(Self.start)), rebuilt at every start. To run the commands yourself afterwards:

                cd ~/.lambda-sim/tour && export LAMBDA_SIM_STATE=~/.lambda-sim/tour/state.json


            """)
        for (index, step) in steps.enumerated() {
            let shown = only.map { $0 == index + 1 } ?? true
            if let only, index + 1 > only { break }
            try play(step, number: index + 1, of: steps.count, shown: shown, environment: environment)
            if shown, interactive, index + 1 < steps.count {
                context.streams.stderr(Array("Press Enter for the next step (q and Enter to stop). ".utf8))
                guard let line = readLine(), line.trimmingCharacters(in: .whitespaces).lowercased() != "q" else { break }
            }
        }
        return 0
    }

    /// An empty private directory for the tour's state.
    private func prepare(_ directory: String) throws {
        let manager = FileManager.default
        try? manager.removeItem(atPath: directory)
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: (directory as NSString).deletingLastPathComponent)
        } catch {
            throw CLIError.other("tour: cannot create \(directory): \(error.localizedDescription)")
        }
    }

    private func play(_ step: Step, number: Int, of total: Int, shown: Bool, environment: [String: String]) throws {
        if shown { out("== Step \(number) of \(total): \(step.title) ==\n\n") }
        for command in step.commands {
            switch command {
            case let .run(argv):
                let (status, stdout, stderr) = runCommand(argv, environment: environment)
                if shown {
                    out("$ " + Self.shellLine(["lambda-sim"] + argv) + "\n")
                    out(stdout + stderr)
                    if status != 0 { out("(exit status \(status))\n") }
                } else if status != 0 {
                    throw CLIError.other("tour: step \(number) (\(Self.shellLine(["lambda-sim"] + argv))) failed: \(stderr)")
                }
            case let .cat(file):
                guard shown else { continue }
                out("$ cat \(file)\n")
                let bytes = FileManager.default.contents(atPath: file).map { [UInt8]($0) } ?? []
                var text = String(decoding: bytes, as: UTF8.self)
                if !text.hasSuffix("\n") { text += "\n" }
                out(text)
            }
        }
        if let arguments = step.timeline {
            let argv = ["simulate"] + arguments
            let (_, stdout, stderr) = runCommand(argv, environment: environment)
            if shown {
                out("\nThe timeline:\n$ " + Self.shellLine(["lambda-sim"] + argv) + "\n")
                out(stdout + stderr)
            }
        }
        if shown { out("\n" + Self.wrap(step.text, width: 78) + "\n\n") }
    }

    /// Runs one of lambda-sim's own command lines in process, capturing what it prints.
    private func runCommand(_ argv: [String], environment: [String: String]) -> (Int32, String, String) {
        let stdout = Capture()
        let stderr = Capture()
        let streams = OutputStreams(stdout: { stdout.append($0) }, stderr: { stderr.append($0) })
        let status = LambdaSimCLI.main(arguments: argv, environment: environment, streams: streams)
        return (status, String(decoding: stdout.bytes, as: UTF8.self), String(decoding: stderr.bytes, as: UTF8.self))
    }

    private func out(_ text: String) { context.streams.stdout(Array(text.utf8)) }

    /// A command line a POSIX shell reads back as `argv`.
    static func shellLine(_ argv: [String]) -> String {
        argv.map { arg in
            let safe = !arg.isEmpty && arg.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_./:=@%+,-".unicodeScalars.contains($0)
            }
            return safe ? arg : "'" + arg.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }

    /// Wraps a paragraph at `width` columns.
    static func wrap(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
