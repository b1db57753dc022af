#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LambdaSimJSON

/// The Lambda Runtime API (`/2018-06-01/runtime/...`) for one execution environment: a
/// hand-rolled HTTP/1.1 server on 127.0.0.1 and an ephemeral port.
///
/// It has no threads of its own. The environment that owns it drives it with `poll(...)` while
/// an invocation runs (together with the function's output pipe), so requests, output and
/// process exits are seen in one order and nothing needs a lock. Between invocations nobody
/// polls: a runtime's `GET /invocation/next` simply waits in the socket until the next
/// invocation starts, which is what "blocks until an event" means.
///
/// Status codes and error bodies are the Runtime Interface Emulator's (reference §7).
final class RuntimeAPIServer {
    /// The runtime's state, named as the emulator names it in its 403 messages.
    enum RuntimeState: Equatable {
        case started
        case ready
        case running(requestId: String)
        case responseSent
        case initError

        var name: String {
            switch self {
            case .started: return "Started"
            case .ready: return "Ready"
            case .running: return "Running"
            case .responseSent: return "RuntimeResponseSentState"
            case .initError: return "InitError"
            }
        }
    }

    /// One invocation for `/invocation/next` to hand out.
    struct Event {
        var requestId: String
        var payload: [UInt8]
        var invokedFunctionArn: String
        var traceId: String
        var clientContext: String?
        var cognitoIdentity: String?
        var timeoutMs: Int64
    }

    /// How the runtime finished the current invocation (or its initialisation).
    enum Outcome {
        case response([UInt8])
        case error(body: [UInt8], type: String)
        case responseTooLarge
        case initError(body: [UInt8], type: String)
    }

    static let prefix = "/2018-06-01/runtime/"

    private final class Connection {
        let fd: Int32
        var input = ByteQueue()
        var output: [UInt8] = []
        var outputOffset = 0
        var parser: HTTPRequestParser
        var waitingNext = false
        var closeAfterFlush = false
        var closed = false

        init(fd: Int32, maxBody: Int) {
            self.fd = fd
            parser = HTTPRequestParser(maxBody: maxBody)
        }

        var hasOutput: Bool { outputOffset < output.count }
    }

    let listenFD: Int32
    let port: Int
    let maxResponseBytes: Int
    private(set) var state = RuntimeState.started
    private var connections: [Connection] = []
    private var pending: Event?
    /// Monotonic time of the first `/invocation/next` (the end of initialisation).
    private(set) var initDoneNs: UInt64?
    /// Monotonic time the current invocation was handed to the runtime.
    private(set) var deliveredNs: UInt64?
    /// Monotonic time the current outcome arrived.
    private(set) var outcomeNs: UInt64?
    private var outcome: Outcome?

    struct SocketError: Error, CustomStringConvertible {
        var description: String
    }

    init(maxResponseBytes: Int = PayloadLimits.response) throws {
        self.maxResponseBytes = maxResponseBytes
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let message = String(cString: strerror(errno))
            closeDescriptor(fd)
            throw SocketError(description: "bind/listen on 127.0.0.1: \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close() }

    func close() {
        for connection in connections where !connection.closed {
            closeDescriptor(connection.fd)
            connection.closed = true
        }
        connections = []
        if listenFD >= 0 { closeDescriptor(listenFD) }
    }

    // MARK: - The owner's side

    /// Queues `event` for the runtime's next (or already waiting) `/invocation/next`.
    func offer(_ event: Event) {
        pending = event
        outcome = nil
        outcomeNs = nil
        deliveredNs = nil
        deliverIfPossible()
    }

    /// The outcome of the current invocation, once; nil while the runtime is still working.
    func takeOutcome() -> Outcome? {
        defer { outcome = nil }
        return outcome
    }

    /// Waits up to `timeoutMs` for activity on the server's sockets or on `watch`, serves every
    /// request that arrived, and returns the events seen on the watched descriptors.
    @discardableResult
    func poll(timeoutMs: Int32, watch: [Int32] = []) -> [Int32: Int16] {
        connections.removeAll { $0.closed }
        var fds: [pollfd] = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
        for connection in connections {
            var events = Int16(POLLIN)
            if connection.hasOutput { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: connection.fd, events: events, revents: 0))
        }
        for fd in watch where fd >= 0 { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let ready = pollDescriptors(&fds, nfds_t(fds.count), timeoutMs)
        guard ready > 0 else { return [:] }
        var watched: [Int32: Int16] = [:]
        let serverCount = 1 + connections.count
        for (index, entry) in fds.enumerated() where entry.revents != 0 {
            if index >= serverCount {
                watched[entry.fd] = entry.revents
            } else if index == 0 {
                acceptAll()
            } else {
                let connection = connections[index - 1]
                if entry.revents & Int16(POLLOUT) != 0 { flush(connection) }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(connection) }
            }
        }
        deliverIfPossible()
        return watched
    }

    /// Serves whatever has already arrived, without waiting (a few rounds, for a runtime that
    /// connected and wrote just before it exited).
    func drain() {
        for _ in 0..<4 {
            poll(timeoutMs: 0)
            if !hasReadableWork() { break }
        }
    }

    private func hasReadableWork() -> Bool {
        var fds: [pollfd] = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
        for connection in connections where !connection.closed {
            fds.append(pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0))
        }
        return pollDescriptors(&fds, nfds_t(fds.count), 0) > 0
    }

    /// Writes pending responses as far as the sockets take them without blocking.
    func flushAll() {
        for connection in connections where connection.hasOutput { flush(connection) }
    }

    // MARK: - Sockets

    private func acceptAll() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let connection = Connection(fd: fd, maxBody: maxResponseBytes)
            connections.append(connection)
            read(connection)
        }
    }

    private func read(_ connection: Connection) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !connection.closed {
            let n = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.withUnsafeBytes { connection.input.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                serve(connection)
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            // End of stream or a socket error: the runtime hung up.
            closeConnection(connection)
            return
        }
    }

    private func flush(_ connection: Connection) {
        while connection.hasOutput, !connection.closed {
            let n = connection.output.withUnsafeBytes { raw in
                send(connection.fd, raw.baseAddress.map { $0 + connection.outputOffset },
                     connection.output.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                connection.outputOffset += n
            } else if n < 0, errno == EINTR {
                continue
            } else if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                closeConnection(connection)
                return
            }
        }
        if !connection.hasOutput {
            connection.output.removeAll(keepingCapacity: connection.output.count <= 1 << 20)
            connection.outputOffset = 0
            if connection.closeAfterFlush { closeConnection(connection) }
        }
    }

    private func closeConnection(_ connection: Connection) {
        guard !connection.closed else { return }
        closeDescriptor(connection.fd)
        connection.closed = true
        connection.waitingNext = false
    }

    private func respond(_ connection: Connection, status: Int, json: [UInt8], extraHeaders: [(String, String)] = [],
                         close: Bool = false)
    {
        let headers = [("Content-Type", "application/json")] + extraHeaders
        connection.output += HTTPResponse.bytes(status: status, headers: headers, body: json, close: close)
        if close { connection.closeAfterFlush = true }
        flush(connection)
    }

    // MARK: - Requests

    /// Parses and serves the requests buffered on `connection`, in order; stops at a
    /// `/invocation/next` that has to wait.
    private func serve(_ connection: Connection) {
        while !connection.closed, !connection.waitingNext, !connection.closeAfterFlush {
            let request: HTTPRequest?
            do {
                request = try connection.parser.next(&connection.input)
            } catch let error as HTTPParseError {
                respond(connection, status: error.status,
                        json: Self.errorBody(message: error.message, type: "InvalidRequestFormat"), close: true)
                return
            } catch {
                closeConnection(connection)
                return
            }
            guard let request else {
                if connection.parser.wantsContinue {
                    connection.parser.wantsContinue = false
                    connection.output += HTTPResponse.continueLine
                    flush(connection)
                }
                return
            }
            handle(request, on: connection)
            if !request.keepAlive { connection.closeAfterFlush = true }
            if !connection.hasOutput, connection.closeAfterFlush, !connection.waitingNext { closeConnection(connection) }
        }
    }

    private func handle(_ request: HTTPRequest, on connection: Connection) {
        var path = request.target
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        guard path.hasPrefix(Self.prefix) else {
            return respond(connection, status: 404, json: Self.errorBody(message: "Not Found", type: "NotFound"))
        }
        let route = String(path.dropFirst(Self.prefix.count))
        if route == "invocation/next" {
            guard request.method == "GET" else { return methodNotAllowed(connection) }
            return next(on: connection)
        }
        if route == "init/error" {
            guard request.method == "POST" else { return methodNotAllowed(connection) }
            return initError(request, on: connection)
        }
        let parts = route.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3, parts[0] == "invocation", parts[2] == "response" || parts[2] == "error" {
            guard request.method == "POST" else { return methodNotAllowed(connection) }
            let requestId = Self.percentDecode(parts[1])
            return invocationResult(request, requestId: requestId, isError: parts[2] == "error", on: connection)
        }
        respond(connection, status: 404, json: Self.errorBody(message: "Not Found", type: "NotFound"))
    }

    private func methodNotAllowed(_ connection: Connection) {
        respond(connection, status: 405, json: Self.errorBody(message: "Method Not Allowed", type: "MethodNotAllowed"))
    }

    /// `GET /invocation/next`: ready for work; answered when an event is (or becomes) available.
    private func next(on connection: Connection) {
        switch state {
        case .started:
            initDoneNs = WallClock.monotonicNs()
            state = .ready
        case .responseSent:
            state = .ready
        case .ready, .running:
            // Already ready, or asking again without answering: wait like the first request.
            break
        case .initError:
            return respond(connection, status: 403, json: Self.transitionError(from: state, to: "Ready"))
        }
        connection.waitingNext = true
    }

    private func deliverIfPossible() {
        guard let event = pending, state == .ready,
            let connection = connections.first(where: { $0.waitingNext && !$0.closed })
        else { return }
        pending = nil
        connection.waitingNext = false
        deliveredNs = WallClock.monotonicNs()
        state = .running(requestId: event.requestId)
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", Self.headerSafe(event.requestId)),
            ("Lambda-Runtime-Deadline-Ms", String(WallClock.nowMs() + event.timeoutMs)),
            ("Lambda-Runtime-Invoked-Function-Arn", Self.headerSafe(event.invokedFunctionArn)),
            ("Lambda-Runtime-Trace-Id", Self.headerSafe(event.traceId)),
        ]
        if let clientContext = event.clientContext, !clientContext.isEmpty {
            headers.append(("Lambda-Runtime-Client-Context", Self.headerSafe(clientContext)))
        }
        if let identity = event.cognitoIdentity, !identity.isEmpty {
            headers.append(("Lambda-Runtime-Cognito-Identity", Self.headerSafe(identity)))
        }
        connection.output += HTTPResponse.bytes(status: 200, headers: headers, body: event.payload)
        flush(connection)
        // Requests the runtime pipelined behind its `/next` can be served now.
        serve(connection)
    }

    /// `invocation/<id>/response` (`isError` false) or `invocation/<id>/error`: the outcome of
    /// the running invocation.
    private func invocationResult(_ request: HTTPRequest, requestId: String, isError: Bool, on connection: Connection) {
        guard case let .running(current) = state else {
            let transition = isError ? "InvocationErrorResponse" : "InvocationResponse"
            return respond(connection, status: 403, json: Self.transitionError(from: state, to: transition))
        }
        guard requestId == current else { return respond(connection, status: 400, json: Self.invalidRequestID) }
        state = .responseSent
        outcomeNs = WallClock.monotonicNs()
        if request.bodyTooLarge {
            outcome = .responseTooLarge
            return respond(connection, status: 413, json: Self.tooLargeBody)
        }
        outcome = isError ? .error(body: request.body, type: Self.errorType(request, fallback: "Unhandled")) : .response(request.body)
        respond(connection, status: 202, json: Self.accepted)
    }

    private func initError(_ request: HTTPRequest, on connection: Connection) {
        guard state == .started else {
            return respond(connection, status: 403, json: Self.transitionError(from: state, to: "InitError"))
        }
        state = .initError
        outcomeNs = WallClock.monotonicNs()
        outcome = .initError(body: request.body, type: Self.errorType(request, fallback: "Runtime.Unknown"))
        respond(connection, status: 202, json: Self.accepted)
    }

    // MARK: - Bodies

    static let accepted = Array(#"{"status":"OK"}"#.utf8)
    static let invalidRequestID = Array(#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#.utf8)
    static let tooLargeBody = Array(
        #"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#.utf8)

    static func errorBody(message: String, type: String) -> [UInt8] {
        JSONWriter.bytes(.object(JSONObject([("errorMessage", .string(message)), ("errorType", .string(type))])))
    }

    static func transitionError(from state: RuntimeState, to target: String) -> [UInt8] {
        let message = "State transition from \(state.name) to \(target) failed for runtime. Error: State transition is not allowed"
        return JSONWriter.bytes(.object(JSONObject([("errorType", "InvalidStateTransition"), ("errorMessage", .string(message))])))
    }

    /// The error's type for the caller: the body's `errorType` when the body is an error
    /// document, else the `Lambda-Runtime-Function-Error-Type` header, else `fallback`.
    static func errorType(_ request: HTTPRequest, fallback: String) -> String {
        if let doc = try? JSONParser.parse(bytes: request.body), let type = doc["errorType"]?.stringValue, !type.isEmpty {
            return type
        }
        if let header = request.header("lambda-runtime-function-error-type"), !header.isEmpty { return header }
        return fallback
    }

    static func headerSafe(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }.map(Character.init))
    }

    static func percentDecode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The C calls, outside the class whose `close` and `poll` methods would shadow them.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

private func pollDescriptors(_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: Int32) -> Int32 {
    poll(fds, count, timeout)
}
