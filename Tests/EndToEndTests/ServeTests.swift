import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which the Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func serveSpawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                _ path: UnsafePointer<CChar>) -> Int32

/// `lambda-sim serve` as a background process in a sandbox, on a free port (`--port 0`; the
/// port is read from the first line it prints). Its stderr (the access log) goes to
/// `serve.log` in the sandbox. `stop()` sends a signal and returns the exit status.
final class ServeProcess {
    let pid: pid_t
    let port: Int
    let sandbox: Sandbox
    private var stdoutFD: Int32
    private var exitStatus: Int32?

    init(_ sandbox: Sandbox, arguments: [String] = []) throws {
        self.sandbox = sandbox
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ProcessRunnerError(description: "pipe failed") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, sandbox.path("serve.log"), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        _ = serveSpawnAddChdir(&actions, sandbox.directory)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv0 = [sandbox.binary, "serve", "--port", "0"] + arguments
        var argv = argv0.map { strdup($0) } + [nil]
        var envp = sandbox.processEnvironment(extra: RuntimeTools.interpreterEnvironment).sorted { $0.key < $1.key }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, sandbox.binary, &actions, &attributes, &argv, &envp)
        close(fds[1])
        guard status == 0 else {
            close(fds[0])
            throw ProcessRunnerError(description: "posix_spawn \(sandbox.binary) serve failed: \(String(cString: strerror(status)))")
        }
        pid = child
        stdoutFD = fds[0]
        let readFD = fds[0]
        // "lambda-sim serve: listening on http://127.0.0.1:PORT (state …)"
        var line: [UInt8] = []
        let deadline = Date().addingTimeInterval(30)
        while !line.contains(0x0A) {
            var entry = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard remaining > 0, poll(&entry, 1, remaining) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            line += buffer[0..<n]
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let parsed = Int(text[range].split(separator: ":").last ?? "")
        else {
            kill(child, SIGKILL)
            var ignored: Int32 = 0
            waitpid(child, &ignored, 0)
            close(readFD)
            let log = String(decoding: sandbox.read("serve.log") ?? [], as: UTF8.self)
            throw ProcessRunnerError(description: "serve did not say where it listens; stdout: \(text) stderr: \(log)")
        }
        port = parsed
    }

    deinit {
        if exitStatus == nil { _ = stop(signal: SIGKILL) }
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Sends `signal` and waits for the process; returns its exit status (128 + N if killed by N).
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        if let exitStatus { return exitStatus }
        kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdoutFD)
        let killedBy = status & 0x7f
        let code = killedBy == 0 ? (status >> 8) & 0xff : 128 + killedBy
        exitStatus = code
        return code
    }

    var log: String { String(decoding: sandbox.read("serve.log") ?? [], as: UTF8.self) }
}

/// A minimal HTTP/1.1 client for the function URL and raw-protocol checks (one request per
/// connection, `Connection: close`).
enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    static func request(port: Int, method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessRunnerError(description: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ProcessRunnerError(description: "connect to port \(port) failed") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(path) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { head += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ProcessRunnerError(description: "send failed") }
            offset += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        guard let split = received.indices.first(where: { i in
            i + 3 < received.count && received[i] == 13 && received[i + 1] == 10 && received[i + 2] == 13 && received[i + 3] == 10
        }) else { throw ProcessRunnerError(description: "no HTTP response: \(String(decoding: received, as: UTF8.self))") }
        let lines = String(decoding: received[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        let parsedHeaders: [(String, String)] = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Response(status: status, headers: parsedHeaders, body: Array(received[(split + 4)...]))
    }
}

/// `lambda-sim serve` end to end: the built binary serves a sandbox's state on a free port and
/// the real AWS CLI v1 (`aws --endpoint-url …`) drives it; a differential check runs the same
/// commands through `lambda-sim` directly and through `aws` against `serve` and compares what
/// they print. Tests that need `aws` skip when it is not installed.
final class ServeTests: XCTestCase {
    static let role = "arn:aws:iam::123456789012:role/lambda-role"

    private func awsExecutable() throws -> String {
        guard let aws = RuntimeTools.find("aws", override: "LAMBDA_SIM_AWS") else {
            throw XCTSkip("the AWS CLI (`aws`) is not installed (not on PATH, LAMBDA_SIM_AWS unset): skipping the serve test that drives it")
        }
        return aws
    }

    /// Runs `aws --endpoint-url <serve> <arguments>` in the sandbox with dummy credentials and
    /// no user configuration.
    private func aws(_ arguments: [String], _ server: ServeProcess, executable: String) throws -> ProcessResult {
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": server.sandbox.directory,
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": server.sandbox.path("no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": server.sandbox.path("no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        for name in ["PYENV_ROOT", "PYENV_VERSION"] {
            if let value = ProcessInfo.processInfo.environment[name] { env[name] = value }
        }
        return try ProcessRunner.run(ProcessSpec(executable: executable, arguments: ["--endpoint-url", server.endpoint] + arguments,
                                                 environment: env, workingDirectory: server.sandbox.directory, stdin: nil))
    }

    private func json(_ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any] else {
            XCTFail("not a JSON object:\n\(result.stdoutText)\nstderr:\n\(result.stderrText)", file: file, line: line)
            return [:]
        }
        return object
    }

    private func assertSuccess(_ result: ProcessResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.exitCode, 0, "\(what)\nstdout:\n\(result.stdoutText)\nstderr:\n\(result.stderrText)", file: file, line: line)
    }

    // MARK: - Lambda through the real CLI

    func testAWSCLIDrivesTheLambdaAPI() throws {
        let executable = try awsExecutable()
        let sandbox = try Sandbox()
        try sandbox.writeStandardFixtures()
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        func run(_ arguments: String...) throws -> ProcessResult { try aws(arguments, server, executable: executable) }

        let created = try run("lambda", "create-function", "--function-name", "my-fn", "--runtime", "builtin", "--handler", "echo",
                              "--role", Self.role, "--zip-file", "fileb://fn.zip")
        assertSuccess(created, "create-function")
        XCTAssertEqual(json(created)["FunctionArn"] as? String, "arn:aws:lambda:us-east-1:123456789012:function:my-fn")
        XCTAssertEqual(json(created)["State"] as? String, "Pending")

        let invoked = try run("lambda", "invoke", "--function-name", "my-fn", "--payload", #"{"a":1}"#, "out.json")
        assertSuccess(invoked, "invoke")
        XCTAssertEqual(invoked.stdoutText, "{\n    \"StatusCode\": 200,\n    \"ExecutedVersion\": \"$LATEST\"\n}\n")
        XCTAssertEqual(sandbox.read("out.json"), Array(#"{"a":1}"#.utf8))

        let tail = try run("lambda", "invoke", "--function-name", "my-fn", "--log-type", "Tail", "--query", "LogResult",
                           "--output", "text", "out.json")
        assertSuccess(tail, "invoke --log-type Tail")
        let log = String(decoding: Data(base64Encoded: tail.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? Data(),
                         as: UTF8.self)
        XCTAssertTrue(log.hasPrefix("START RequestId: ") && log.contains("\nEND RequestId: ") && log.contains("\nREPORT RequestId: "), log)

        try sandbox.write("out.json", "previous")
        let event = try run("lambda", "invoke", "--function-name", "my-fn", "--invocation-type", "Event", "out.json")
        assertSuccess(event, "invoke Event")
        XCTAssertEqual(event.stdoutText, "{\n    \"StatusCode\": 202\n}\n")
        XCTAssertEqual(sandbox.read("out.json"), [])
        let dryRun = try run("lambda", "invoke", "--function-name", "my-fn", "--invocation-type", "DryRun", "out.json")
        XCTAssertEqual(dryRun.stdoutText, "{\n    \"StatusCode\": 204\n}\n")

        try sandbox.write("out.json", "untouched")
        let missing = try run("lambda", "invoke", "--function-name", "nope", "out.json")
        XCTAssertEqual(missing.exitCode, 255)
        XCTAssertEqual(missing.stdoutText, "")
        XCTAssertEqual(missing.stderrText,
                       "\nAn error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope\n")
        XCTAssertEqual(sandbox.read("out.json"), Array("untouched".utf8), "a service error leaves the outfile alone")

        let failing = try run("lambda", "create-function", "--function-name", "bad-fn", "--runtime", "builtin", "--handler",
                              "fail:ValueError:something went wrong", "--role", Self.role, "--zip-file", "fileb://fn.zip")
        assertSuccess(failing, "create-function bad-fn")
        let failed = try run("lambda", "invoke", "--function-name", "bad-fn", "out.json")
        assertSuccess(failed, "invoke of a failing function")
        XCTAssertEqual(failed.stdoutText, "{\n    \"StatusCode\": 200,\n    \"FunctionError\": \"Unhandled\",\n    \"ExecutedVersion\": \"$LATEST\"\n}\n")
        XCTAssertTrue(String(decoding: sandbox.read("out.json") ?? [], as: UTF8.self).contains(#""errorType": "ValueError""#))

        let listed = try run("lambda", "list-functions", "--query", "Functions[].FunctionName", "--output", "text")
        XCTAssertEqual(listed.stdoutText, "bad-fn\tmy-fn\n")
        let got = try run("lambda", "get-function", "--function-name", "my-fn")
        assertSuccess(got, "get-function")
        let configuration = json(got)["Configuration"] as? [String: Any]
        XCTAssertEqual(configuration?["State"] as? String, "Active")
        XCTAssertEqual((json(got)["Code"] as? [String: Any])?["Location"].map { "\($0)".hasPrefix("file://") }, true)

        let version = try run("lambda", "publish-version", "--function-name", "my-fn", "--query", "Version", "--output", "text")
        XCTAssertEqual(version.stdoutText, "1\n")
        assertSuccess(try run("lambda", "create-alias", "--function-name", "my-fn", "--name", "live", "--function-version", "1"), "create-alias")
        let viaAlias = try run("lambda", "invoke", "--function-name", "my-fn", "--qualifier", "live", "out.json")
        XCTAssertEqual(viaAlias.stdoutText, "{\n    \"StatusCode\": 200,\n    \"ExecutedVersion\": \"1\"\n}\n")
        let conflict = try run("lambda", "create-alias", "--function-name", "my-fn", "--name", "live", "--function-version", "1")
        XCTAssertEqual(conflict.exitCode, 255)
        XCTAssertEqual(conflict.stderrText,
                       "\nAn error occurred (ResourceConflictException) when calling the CreateAlias operation: Alias already exists: arn:aws:lambda:us-east-1:123456789012:function:my-fn:live\n")

        // A function URL, then the URL itself (path form and Host form).
        let url = try run("lambda", "create-function-url-config", "--function-name", "my-fn", "--auth-type", "NONE")
        assertSuccess(url, "create-function-url-config")
        let functionURL = try XCTUnwrap(json(url)["FunctionUrl"] as? String)
        let urlId = String(functionURL.dropFirst("https://".count).prefix { $0 != "." })
        XCTAssertEqual(functionURL, "https://\(urlId).lambda-url.us-east-1.on.aws/")
        let page = try RawHTTP.request(port: server.port, method: "POST", path: "/lambda-url/\(urlId)/hello?name=world",
                                       headers: [("Content-Type", "application/json")], body: Array(#"{"x":1}"#.utf8))
        XCTAssertEqual(page.status, 200, page.text)
        let echoed = try JSONSerialization.jsonObject(with: Data(page.body)) as? [String: Any]
        XCTAssertEqual(echoed?["rawPath"] as? String, "/hello")
        XCTAssertEqual(echoed?["rawQueryString"] as? String, "name=world")
        XCTAssertEqual(echoed?["body"] as? String, #"{"x":1}"#)
        XCTAssertEqual((echoed?["requestContext"] as? [String: Any])?["domainName"] as? String, "\(urlId).lambda-url.us-east-1.on.aws")
        let byHost = try RawHTTP.request(port: server.port, method: "GET", path: "/by/host",
                                         headers: [("Host", "\(urlId).lambda-url.us-east-1.localhost:\(server.port)")])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(byHost.body)) as? [String: Any])?["rawPath"] as? String, "/by/host")

        let deleted = try run("lambda", "delete-function", "--function-name", "bad-fn")
        XCTAssertEqual(deleted.stdoutText, "{\n    \"StatusCode\": 204\n}\n")
        XCTAssertTrue(server.log.contains("POST /2015-03-31/functions/my-fn/invocations 200 Invoke"), server.log)
    }

    func testAWSCLIRunsAPythonHandlerThroughServe() throws {
        let executable = try awsExecutable()
        try RuntimeTools.requirePython()
        let sandbox = try Sandbox()
        try sandbox.writeStandardFixtures()
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        func run(_ arguments: String...) throws -> ProcessResult { try aws(arguments, server, executable: executable) }
        assertSuccess(try run("lambda", "create-function", "--function-name", "py", "--runtime", "python3.12", "--handler",
                              "handler.handler", "--role", Self.role, "--zip-file", "fileb://fn.zip"), "create-function")
        for payload in [#"{"a":1}"#, #"{"a":2}"#] {
            let invoked = try run("lambda", "invoke", "--function-name", "py", "--payload", payload, "out.json")
            assertSuccess(invoked, "invoke")
            XCTAssertEqual(String(decoding: sandbox.read("out.json") ?? [], as: UTF8.self), #"{"ok": true, "event": \#(payload.replacingOccurrences(of: ":", with: ": "))}"#)
        }
        assertSuccess(try run("lambda", "update-function-configuration", "--function-name", "py", "--handler", "handler.boom"), "update")
        let failed = try run("lambda", "invoke", "--function-name", "py", "out.json")
        XCTAssertEqual(failed.stdoutText, "{\n    \"StatusCode\": 200,\n    \"FunctionError\": \"Unhandled\",\n    \"ExecutedVersion\": \"$LATEST\"\n}\n")
        XCTAssertTrue(String(decoding: sandbox.read("out.json") ?? [], as: UTF8.self).hasPrefix(#"{"errorMessage": "something went wrong", "errorType": "ValueError""#))
    }

    // A warm environment of a --code-path function is replaced when the code changes on disk,
    // so an edit takes effect at the next invoke through serve (and the environment stays warm
    // while the code does not change: the module-level counter goes on).
    func testServePicksUpCodePathEditsAtTheNextInvoke() throws {
        try RuntimeTools.requirePython()
        let sandbox = try Sandbox()
        sandbox.clock = .wall
        sandbox.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        try sandbox.write("src/app.py", "calls = 0\ndef handler(event, context):\n    global calls\n    calls += 1\n    return {'v': 1, 'calls': calls}\n")
        try sandbox.setup("create-function", "--function-name", "edit", "--runtime", "python3.12", "--handler", "app.handler",
                          "--code-path", sandbox.path("src"))
        let server = try ServeProcess(sandbox)
        defer { server.stop() }
        func invoke() throws -> String {
            let r = try RawHTTP.request(port: server.port, method: "POST", path: "/2015-03-31/functions/edit/invocations", body: Array("{}".utf8))
            XCTAssertEqual(r.status, 200, r.text)
            return r.text
        }
        XCTAssertEqual(try invoke(), #"{"v": 1, "calls": 1}"#)
        XCTAssertEqual(try invoke(), #"{"v": 1, "calls": 2}"#, "the environment stays warm")
        try sandbox.write("src/app.py", "calls = 0\ndef handler(event, context):\n    global calls\n    calls += 1\n    return {'v': 2, 'calls': calls}\n")
        XCTAssertEqual(try invoke(), #"{"v": 2, "calls": 1}"#, "the edit takes effect in a new environment")
    }

    // MARK: - SQS and SNS through the real CLI

    func testAWSCLIDrivesSQSAndSNS() throws {
        let executable = try awsExecutable()
        let sandbox = try Sandbox()
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        func run(_ arguments: String...) throws -> ProcessResult { try aws(arguments, server, executable: executable) }
        let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"

        let created = try run("sqs", "create-queue", "--queue-name", "jobs")
        XCTAssertEqual(created.stdoutText, "{\n    \"QueueUrl\": \"\(queueURL)\"\n}\n")
        let sent = try run("sqs", "send-message", "--queue-url", queueURL, "--message-body", "hello",
                           "--message-attributes", #"{"k":{"DataType":"String","StringValue":"v"}}"#)
        assertSuccess(sent, "send-message")
        XCTAssertEqual(json(sent)["MD5OfMessageBody"] as? String, "5d41402abc4b2a76b9719d911017c592")
        let received = try run("sqs", "receive-message", "--queue-url", queueURL, "--message-attribute-names", "All")
        assertSuccess(received, "receive-message")
        let message = (json(received)["Messages"] as? [[String: Any]])?.first
        XCTAssertEqual(message?["Body"] as? String, "hello")
        XCTAssertEqual(((message?["MessageAttributes"] as? [String: Any])?["k"] as? [String: Any])?["StringValue"] as? String, "v")

        let missing = try run("sqs", "get-queue-url", "--queue-name", "nope")
        XCTAssertEqual(missing.exitCode, 255)
        XCTAssertEqual(missing.stderrText,
                       "\nAn error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.\n")

        // SNS (query protocol) fans out to the queue.
        let topic = try run("sns", "create-topic", "--name", "news")
        XCTAssertEqual(topic.stdoutText, "{\n    \"TopicArn\": \"arn:aws:sns:us-east-1:123456789012:news\"\n}\n")
        assertSuccess(try run("sns", "subscribe", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:news", "--protocol", "sqs",
                              "--notification-endpoint", "arn:aws:sqs:us-east-1:123456789012:jobs", "--attributes", "RawMessageDelivery=true"),
                      "subscribe")
        assertSuccess(try run("sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:news", "--message", "extra"), "publish")
        let fannedOut = try run("sqs", "receive-message", "--queue-url", queueURL, "--query", "Messages[].Body", "--output", "text")
        XCTAssertEqual(fannedOut.stdoutText, "extra\n")
        let noTopic = try run("sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:gone", "--message", "x")
        XCTAssertEqual(noTopic.exitCode, 255)
        XCTAssertTrue(noTopic.stderrText.hasPrefix("\nAn error occurred (NotFound) when calling the Publish operation: "), noTopic.stderrText)
    }

    // MARK: - lambda-sim directly vs aws against serve

    func testLambdaSimAndAWSCLIThroughServePrintTheSame() throws {
        let executable = try awsExecutable()
        let sandbox = try Sandbox()
        try sandbox.writeStandardFixtures()
        try sandbox.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo",
                          "--role", Self.role, "--zip-file", "fileb://fn.zip")
        try sandbox.setup("publish-version", "--function-name", "f")
        try sandbox.setup("create-alias", "--function-name", "f", "--name", "live", "--function-version", "1")
        try sandbox.setup("put-function-event-invoke-config", "--function-name", "f", "--maximum-retry-attempts", "1")
        try sandbox.setup("create-function-url-config", "--function-name", "f", "--auth-type", "NONE")
        try sandbox.setup("sqs", "create-queue", "--queue-name", "q")
        try sandbox.setup("sns", "create-topic", "--name", "t")
        let server = try ServeProcess(sandbox)
        defer { XCTAssertEqual(server.stop(), 0, server.log) }
        let normalizer = Normalizer(options: [.logDurations])
        let queue = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
        let commands: [[String]] = [
            ["lambda", "get-function-configuration", "--function-name", "f"],
            ["lambda", "get-function", "--function-name", "f"],
            ["lambda", "list-functions"],
            ["lambda", "list-functions", "--output", "table"],
            ["lambda", "list-functions", "--query", "Functions[].[FunctionName,Runtime,MemorySize]", "--output", "text"],
            ["lambda", "list-versions-by-function", "--function-name", "f"],
            ["lambda", "get-alias", "--function-name", "f", "--name", "live"],
            ["lambda", "list-aliases", "--function-name", "f"],
            ["lambda", "get-function-event-invoke-config", "--function-name", "f"],
            ["lambda", "get-function-url-config", "--function-name", "f"],
            ["lambda", "list-function-url-configs", "--function-name", "f"],
            ["lambda", "invoke", "--function-name", "f", "--payload", #"{"a":1}"#, "out.json"],
            ["lambda", "invoke", "--function-name", "f", "--qualifier", "live", "--log-type", "Tail", "out.json"],
            ["lambda", "invoke", "--function-name", "f", "--invocation-type", "DryRun", "out.json"],
            ["lambda", "invoke", "--function-name", "missing", "out.json"],
            ["lambda", "get-alias", "--function-name", "f", "--name", "nope"],
            ["lambda", "create-alias", "--function-name", "f", "--name", "live", "--function-version", "1"],
            ["lambda", "put-function-concurrency", "--function-name", "f", "--reserved-concurrent-executions", "5"],
            ["lambda", "get-function-concurrency", "--function-name", "f"],
            ["lambda", "update-function-configuration", "--function-name", "f", "--timeout", "10"],
            ["lambda", "create-function-url-config", "--function-name", "f", "--auth-type", "BAD"],
            ["sqs", "get-queue-url", "--queue-name", "q"],
            ["sqs", "list-queues"],
            ["sqs", "get-queue-attributes", "--queue-url", queue, "--attribute-names", "All"],
            ["sqs", "send-message", "--queue-url", queue, "--message-body", "hi"],
            ["sqs", "get-queue-url", "--queue-name", "nope"],
            ["sns", "list-topics"],
            ["sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:nope", "--message", "m"],
        ]
        for command in commands {
            let direct = try sandbox.run(command, environment: ["LAMBDA_SIM_CLI_VERSION": "1"])
            let directOutfile = sandbox.read("out.json")
            let viaServe = try aws(command, server, executable: executable)
            let label = command.joined(separator: " ")
            XCTAssertEqual(direct.exitCode, viaServe.exitCode, "exit code of \(label)\ndirect: \(direct.stderrText)\nserve: \(viaServe.stderrText)")
            XCTAssertEqual(String(decoding: normalizer.apply(direct.stdout, isStdout: true), as: UTF8.self),
                           String(decoding: normalizer.apply(viaServe.stdout, isStdout: true), as: UTF8.self), "stdout of \(label)")
            XCTAssertEqual(direct.stderrText, viaServe.stderrText, "stderr of \(label)")
            if command.last == "out.json" {
                XCTAssertEqual(directOutfile, sandbox.read("out.json"), "outfile of \(label)")
            }
        }
    }

    // MARK: - The server itself

    func testServeRunsDueWorkInTheBackgroundAndStopsOnSIGINT() throws {
        let sandbox = try Sandbox()
        sandbox.clock = .wall
        try sandbox.setup("create-function", "--function-name", "bg", "--runtime", "builtin", "--handler", "echo")
        let server = try ServeProcess(sandbox)
        let accepted = try RawHTTP.request(port: server.port, method: "POST", path: "/2015-03-31/functions/bg/invocations",
                                           headers: [("X-Amz-Invocation-Type", "Event")], body: Array(#"{"n":1}"#.utf8))
        XCTAssertEqual(accepted.status, 202)
        // No further request: the server's own catch-up runs the event within a few seconds.
        var queued = -1
        for _ in 0..<50 {
            let state = try JSONSerialization.jsonObject(with: Data(sandbox.read("state.json") ?? [])) as? [String: Any]
            queued = (state?["asyncQueue"] as? [Any])?.count ?? -1
            if queued == 0 { break }
            usleep(100_000)
        }
        XCTAssertEqual(queued, 0, "the Event invoke ran in the background\n\(server.log)")
        let logs = try sandbox.run(["logs", "--function-name", "bg"])
        XCTAssertTrue(logs.stdoutText.contains(#"{"n":1}"#) || logs.stdoutText.contains("START RequestId"), logs.stdoutText)

        let unknown = try RawHTTP.request(port: server.port, method: "GET", path: "/no/such/route")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.header("x-amzn-ErrorType"), "UnknownOperationException")
        XCTAssertEqual(server.stop(signal: SIGINT), 0)
        XCTAssertTrue(server.log.contains("lambda-sim serve: stopped (SIGINT)"), server.log)
    }

    func testServeRejectsABadPortAndABusyOne() throws {
        let sandbox = try Sandbox()
        let bad = try sandbox.run(["serve", "--port", "70000"])
        XCTAssertNotEqual(bad.exitCode, 0)
        XCTAssertTrue(bad.stderrText.contains("invalid port"), bad.stderrText)
        let server = try ServeProcess(sandbox)
        defer { server.stop() }
        let busy = try sandbox.run(["serve", "--port", String(server.port)])
        XCTAssertNotEqual(busy.exitCode, 0)
        XCTAssertTrue(busy.stderrText.contains("cannot listen on 127.0.0.1:\(server.port)"), busy.stderrText)
    }
}
