import Foundation
import LambdaSimJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `accept4`, which the Glibc module does not export: accepted sockets are close-on-exec
/// atomically, so a function process spawned at that moment never inherits a client connection.
@_silgen_name("accept4")
private func acceptCloseOnExec(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?,
                               _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32

/// `lambda-sim serve`: AWS's wire protocols over HTTP/1.1 on one state file, for the real AWS
/// CLI and the SDKs (`--endpoint-url`), and the functions' URLs (docs/serve.md).
///
/// - Lambda's REST-JSON API, routed by method and URI template (Serve/LambdaRESTAPI.swift);
/// - SQS's and EventBridge's JSON protocol, `POST /` with `X-Amz-Target` (Serve/JSONProtocolAPI.swift);
/// - the query protocol of SNS, IAM and STS, `POST /` with a form body and XML answers (Serve/QueryProtocolAPI.swift);
/// - function URLs, by `Host: <url-id>.lambda-url.<region>.…` or under `/lambda-url/<url-id>/`
///   (Serve/FunctionURLGateway.swift).
///
/// Each connection has its own thread and blocking socket. Requests share one `Engine` per
/// region (engines are thread-safe: the state store locks with `flock` per update and the
/// execution environment pool has its own mutex), so warm environments are reused across
/// requests. Due asynchronous work runs before each request and once a second in the
/// background, one run at a time in this process (the async scheduler's lease belongs to the
/// process, so two threads must never run it at once).
public final class APIServer: @unchecked Sendable {
    public let host: String
    /// The port actually bound (the requested one, or the kernel's choice for port 0).
    public let port: Int
    /// Largest request body accepted (a 50 MB zip is about 70 MB as base64 in JSON).
    static let maxBody = 96 * 1024 * 1024
    /// Idle keep-alive connections are closed after this many seconds.
    static let idleSeconds = 120

    let engines: EngineRegistry
    private let log: (@Sendable (String) -> Void)?
    private let listenFD: Int32
    private let lock = Mutex()
    private var stopped = false
    /// Whether the accept thread owns (and will close) the listening socket.
    private var accepting = false

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds and listens on `host:port` (port 0: any free port); serving starts with `start()`.
    public init(host: String, port: Int, settings: EngineSettings, log: (@Sendable (String) -> Void)? = nil) throws {
        self.host = host
        self.log = log
        engines = EngineRegistry(settings: settings)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw StartError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var fd: Int32 = -1
        var lastError = ""
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let candidate = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            if candidate < 0 { continue }
            var one: Int32 = 1
            setsockopt(candidate, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(candidate, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(candidate, 128) == 0 {
                fd = candidate
                break
            }
            lastError = String(cString: strerror(errno))
            _ = close(candidate)
        }
        guard fd >= 0 else { throw StartError(description: "cannot listen on \(host):\(port): \(lastError)") }
        listenFD = fd
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Self.address(of: storage).port
    }

    deinit {
        stop()
    }

    /// Starts accepting connections and the background catch-up, each on its own thread.
    public func start() {
        let starting = lock.withLock { () -> Bool in
            guard !stopped, !accepting else { return false }
            accepting = true
            return true
        }
        guard starting else { return }
        Thread.detachNewThread { [self] in acceptLoop() }
        Thread.detachNewThread { [self] in backgroundLoop() }
    }

    /// Stops accepting, and shuts down the warm execution environments. Connections being
    /// served finish on their own threads.
    public func stop() {
        let (first, threadOwnsSocket) = lock.withLock { () -> (Bool, Bool) in
            defer { stopped = true }
            return (!stopped, accepting)
        }
        guard first else { return }
        // Wakes the thread blocked in accept(), which then closes the socket (closing it here
        // could let a new descriptor take its number under that thread's feet).
        shutdown(listenFD, Int32(SHUT_RDWR))
        if !threadOwnsSocket { _ = close(listenFD) }
        engines.shutdown()
    }

    var isStopped: Bool { lock.withLock { stopped } }

    // MARK: - Threads

    private func acceptLoop() {
        defer { _ = close(listenFD) }
        while !isStopped {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { acceptCloseOnExec(listenFD, $0, &length, Int32(SOCK_CLOEXEC.rawValue)) }
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if isStopped { return }
                // Out of descriptors or similar: back off briefly rather than spin.
                usleep(50_000)
                continue
            }
            let peer = Self.address(of: storage).host
            Thread.detachNewThread { [self] in serveConnection(fd, peer: peer) }
        }
    }

    /// The background runner of this state (docs/background.md), on this thread for as long as
    /// `serve` runs: due async work, poll batches and deliveries run here, never in front of a
    /// request. A runner process started earlier by a command steps aside first.
    private func backgroundLoop() {
        let engine = engines.engine(region: engines.defaultRegion)
        let runner = BackgroundRunner(engine: engine)
        BackgroundRunner.requestYield(runner.paths)
        runner.acquireBlocking()
        BackgroundRunner.clearYield(runner.paths)
        defer { runner.release() }
        let path = engine.store.path
        var lastPrune = WallClock.monotonicNs()
        runner.loop(persistent: true, shouldStop: { [self] in isStopped }, wake: { [self] in
            // Every half minute: stop warm environments idle for 10 minutes or left behind by a
            // code or configuration change.
            if WallClock.monotonicNs() &- lastPrune > 30_000_000_000, let state = try? engine.store.read() {
                lastPrune = WallClock.monotonicNs()
                engines.pruneEnvironments(idleNs: Self.environmentIdleNs, current: ExecutionEnvironmentPool.currentKeys(state))
            }
            // A request of this process wrote the state.
            return BackgroundLauncher.takeWrite(path: path)
        })
    }

    /// How long a warm execution environment stays without an invocation.
    static let environmentIdleNs: UInt64 = 10 * 60 * 1_000_000_000

    private func serveConnection(_ fd: Int32, peer: String) {
        defer { _ = close(fd) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var idle = timeval(tv_sec: Self.idleSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, socklen_t(MemoryLayout<timeval>.size))
        var input = ByteQueue()
        var parser = HTTPRequestParser(maxBody: Self.maxBody)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let request: HTTPRequest?
            do {
                request = try parser.next(&input)
            } catch let error as HTTPParseError {
                let body = JSONWriter.bytes(.object(JSONObject([("message", .string(error.message))])))
                _ = Self.sendAll(fd, HTTPResponse.bytes(status: error.status, headers: [("Content-Type", "application/json")],
                                                        body: body, close: true))
                return
            } catch {
                return
            }
            if let request {
                let started = WallClock.monotonicNs()
                let response = handle(request, peer: peer)
                let keepAlive = request.keepAlive && !isStopped
                let body = request.method == "HEAD" ? [] : response.body
                let bytes = HTTPResponse.bytes(status: response.status, headers: response.headers, body: body, close: !keepAlive)
                let sent = Self.sendAll(fd, bytes)
                if let log {
                    let ms = Double(WallClock.monotonicNs() - started) / 1_000_000
                    var path = request.target
                    if path.count > 200 { path = String(path.prefix(200)) + "…" }
                    log("\(request.method) \(path) \(response.status)\(response.operation.map { " " + $0 } ?? "") \(Self.milliseconds(ms))")
                }
                if !sent || !keepAlive { return }
                continue
            }
            if parser.wantsContinue {
                parser.wantsContinue = false
                guard Self.sendAll(fd, HTTPResponse.continueLine) else { return }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.withUnsafeBytes { input.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            } else if n < 0, errno == EINTR {
                continue
            } else {
                // Closed by the client, idle time-out, or an error.
                return
            }
        }
    }

    static func milliseconds(_ ms: Double) -> String {
        let tenths = Int((ms * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)ms"
    }

    // MARK: - Dispatch

    /// Routes one request to the protocol that serves it.
    func handle(_ http: HTTPRequest, peer: String) -> ServeResponse {
        var rng = SystemRandomNumberGenerator()
        var seeded = SeededGenerator(seed: rng.next())
        let region = ServeRequest.region(fromAuthorization: http.header("authorization")) ?? engines.defaultRegion
        var request = ServeRequest(http: http, region: region, requestId: seeded.uuid(), peerAddress: peer, serverPort: port)
        var response = dispatch(&request)
        if !response.headers.contains(where: { $0.0 == "x-amzn-RequestId" }) {
            response.headers.append(("x-amzn-RequestId", request.requestId))
        }
        return response
    }

    private func dispatch(_ request: inout ServeRequest) -> ServeResponse {
        if let route = FunctionURLGateway.route(host: request.header("host"), path: request.rawPath) {
            return FunctionURLGateway.handle(request, route: route, engines: engines)
        }
        if request.http.bodyTooLarge {
            return ServeResponse.json(413, .object(JSONObject([("message", .string("Request must be smaller than \(Self.maxBody) bytes"))])),
                                      extraHeaders: [("x-amzn-ErrorType", "RequestEntityTooLargeException")])
        }
        if S3RESTAPI.isS3(request) {
            return S3RESTAPI.handle(request, engines: engines)
        }
        if let target = request.header("x-amz-target") {
            return JSONProtocolAPI.handle(request, target: target, engines: engines)
        }
        let contentType = request.header("content-type")?.lowercased() ?? ""
        if request.method == "POST", request.rawPath == "/", contentType.hasPrefix("application/x-www-form-urlencoded") {
            return QueryProtocolAPI.handle(request, engines: engines)
        }
        return LambdaRESTAPI.handle(request, engines: engines)
    }

    // MARK: - Sockets

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                offset += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// The numeric host and port of an IPv4 or IPv6 socket address.
    static func address(of storage: sockaddr_storage) -> (host: String, port: Int) {
        var storage = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let length = socklen_t(storage.ss_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return ("", 0) }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let serviceText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (hostText, Int(serviceText) ?? 0)
    }
}

/// One `Engine` per region, shared by every request and the background runner.
final class EngineRegistry: @unchecked Sendable {
    let base: EngineSettings
    private var engines: [String: Engine] = [:]
    private let lock = Mutex()

    init(settings: EngineSettings) { base = settings }

    var defaultRegion: String { base.region }

    func engine(region: String) -> Engine {
        lock.withLock {
            if let engine = engines[region] { return engine }
            var settings = base
            settings.region = region
            let engine = Engine(settings: settings)
            engines[region] = engine
            return engine
        }
    }

    func shutdown() {
        let all = lock.withLock { Array(engines.values) }
        for engine in all { engine.environments.shutdown() }
    }

    func pruneEnvironments(idleNs: UInt64, current: Set<String>) {
        let all = lock.withLock { Array(engines.values) }
        for engine in all { engine.environments.shutdownIdle(idleNs: idleNs, current: current) }
    }
}

/// Service errors as every protocol reports them: the engine's `ServiceError`, a state file
/// that cannot be used (500), or anything else (500).
enum ServeErrors {
    static func serviceError(_ error: any Error) -> ServiceError {
        if let error = error as? ServiceError { return error }
        if let error = error as? StateFileError { return ServiceError("ServiceException", error.description, status: 500) }
        return ServiceError("ServiceException", "lambda-sim: \(error)", status: 500)
    }
}
