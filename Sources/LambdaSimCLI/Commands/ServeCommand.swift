import LambdaSim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `serve [--host 127.0.0.1] [--port 9001]`: the Lambda REST API, SQS's and EventBridge's JSON
/// protocol, SNS's query protocol and the functions' URLs over HTTP, from the same state file,
/// until SIGINT or SIGTERM (docs/serve.md). `--port 0` picks a free port; the first line on
/// stdout says where it listens. One access-log line per request goes to stderr.
struct ServeCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let host = parsed.value("host") ?? "127.0.0.1"
        let portText = parsed.value("port") ?? "9001"
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw CLIError.usage("argument --port: invalid port: '\(portText)' (0-65535; 0 picks a free port)")
        }
        // Block the stop signals in every thread (threads inherit the mask) and wait for them here.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &signals, nil) }

        let streams = context.streams
        let server: APIServer
        do {
            server = try APIServer(host: host, port: port, settings: context.engineSettings(), log: { line in
                streams.stderr(Array("lambda-sim serve: \(line)\n".utf8))
            })
        } catch let error as APIServer.StartError {
            throw CLIError.other("lambda-sim serve: \(error.description)")
        }
        server.start()
        let shownHost = host.contains(":") ? "[\(host)]" : host
        streams.stdout(Array("lambda-sim serve: listening on http://\(shownHost):\(server.port) (state \(context.statePath))\n".utf8))
        var received: Int32 = 0
        while sigwait(&signals, &received) != 0 {}
        server.stop()
        streams.stderr(Array("lambda-sim serve: stopped (\(received == SIGINT ? "SIGINT" : "SIGTERM"))\n".utf8))
        return 0
    }
}
