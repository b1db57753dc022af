import Foundation
import XCTest

@testable import LambdaSim

/// The Runtime API server on its own, driven by a raw-socket client on the same thread: the
/// emulator's status codes and bodies, keep-alive, chunked bodies and `100 Continue`.
final class RuntimeAPIServerTests: XCTestCase {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A client connection that the test writes to and reads from without blocking, pumping
    /// the server in between.
    final class Client {
        let fd: Int32
        let server: RuntimeAPIServer
        var received: [UInt8] = []

        init(_ server: RuntimeAPIServer) throws {
            self.server = server
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(server.port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { throw XCTSkip("cannot connect to 127.0.0.1: \(String(cString: strerror(errno)))") }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }

        deinit { close(fd) }

        func send(_ text: String) { send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n > 0 { offset += n } else { server.poll(timeoutMs: 5) }
            }
            server.poll(timeoutMs: 0)
        }

        /// The next complete response, pumping the server for up to `timeout` seconds; nil if none came.
        func response(timeout: Double = 2) -> Response? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let parsed = parse() { return parsed }
                server.poll(timeoutMs: 5)
                var buffer = [UInt8](repeating: 0, count: 65536)
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += buffer[0..<n] }
            }
            return parse()
        }

        private func parse() -> Response? {
            guard let end = find([13, 10, 13, 10]) else { return nil }
            let head = String(decoding: received[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(head[0].split(separator: " ")[1]) ?? 0
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            guard received.count >= end + 4 + length else { return nil }
            let body = Array(received[(end + 4)..<(end + 4 + length)])
            received.removeFirst(end + 4 + length)
            return Response(status: status, headers: headers, body: body)
        }

        private func find(_ needle: [UInt8]) -> Int? {
            guard received.count >= needle.count else { return nil }
            for i in 0...(received.count - needle.count) where Array(received[i..<(i + needle.count)]) == needle { return i }
            return nil
        }
    }

    static func event(_ id: String = "req-1", payload: String = #"{"k":1}"#, clientContext: String? = nil) -> RuntimeAPIServer.Event {
        RuntimeAPIServer.Event(requestId: id, payload: Array(payload.utf8),
                               invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
                               traceId: "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
                               clientContext: clientContext, cognitoIdentity: nil, timeoutMs: 3000)
    }

    static let next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"

    static func post(_ path: String, _ body: String, headers: String = "") -> String {
        "POST /2018-06-01/runtime/\(path) HTTP/1.1\r\nHost: x\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    func testNextWaitsForAnEventAndCarriesTheRuntimeHeaders() throws {
        let server = try RuntimeAPIServer()
        let client = try Client(server)
        client.send(Self.next)
        XCTAssertNil(client.response(timeout: 0.1), "/next must wait for an event")
        XCTAssertEqual(server.state, .ready)
        XCTAssertNotNil(server.initDoneNs)
        let before = WallClock.nowMs()
        server.offer(Self.event(clientContext: #"{"custom":{"a":"b"}}"#))
        guard let response = client.response() else { return XCTFail("no event delivered") }
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, #"{"k":1}"#)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        XCTAssertEqual(response.headers["lambda-runtime-aws-request-id"], "req-1")
        XCTAssertEqual(response.headers["lambda-runtime-invoked-function-arn"], "arn:aws:lambda:us-east-1:123456789012:function:f")
        XCTAssertEqual(response.headers["lambda-runtime-client-context"], #"{"custom":{"a":"b"}}"#)
        XCTAssertNil(response.headers["lambda-runtime-cognito-identity"], "headers are omitted when empty")
        XCTAssertTrue(response.headers["lambda-runtime-trace-id"]?.hasPrefix("Root=1-") ?? false)
        let deadline = Int64(response.headers["lambda-runtime-deadline-ms"] ?? "") ?? 0
        XCTAssertTrue((before + 3000...WallClock.nowMs() + 3000).contains(deadline), "deadline \(deadline)")
        XCTAssertEqual(server.state, .running(requestId: "req-1"))
    }

    func testResponseIdsAndStateTransitions() throws {
        let server = try RuntimeAPIServer()
        let client = try Client(server)
        // Before the first /next the runtime is still initialising.
        client.send(Self.post("invocation/req-1/response", "{}"))
        XCTAssertEqual(client.response()?.status, 403)

        client.send(Self.next)
        server.offer(Self.event())
        XCTAssertEqual(client.response()?.status, 200)

        client.send(Self.post("invocation/someone-else/response", "{}"))
        let wrongId = client.response()
        XCTAssertEqual(wrongId?.status, 400)
        XCTAssertEqual(wrongId?.text, #"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#)

        client.send(Self.post("invocation/req-1/response", #"{"answer":42}"#))
        let accepted = client.response()
        XCTAssertEqual(accepted?.status, 202)
        XCTAssertEqual(accepted?.text, #"{"status":"OK"}"#)
        guard case let .response(body)? = server.takeOutcome() else { return XCTFail("no outcome") }
        XCTAssertEqual(String(decoding: body, as: UTF8.self), #"{"answer":42}"#)
        XCTAssertNil(server.takeOutcome(), "an outcome is taken once")

        client.send(Self.post("invocation/req-1/response", "{}"))
        let twice = client.response()
        XCTAssertEqual(twice?.status, 403)
        XCTAssertEqual(twice?.text,
                       #"{"errorType":"InvalidStateTransition","errorMessage":"State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed"}"#)

        client.send(Self.post("init/error", #"{"errorType":"X"}"#))
        XCTAssertEqual(client.response()?.status, 403, "init/error after initialisation")
    }

    func testErrorBodyIsForwardedVerbatimWithItsType() throws {
        let server = try RuntimeAPIServer()
        let client = try Client(server)
        client.send(Self.next)
        server.offer(Self.event("a%2Fb"))
        XCTAssertEqual(client.response()?.status, 200)
        let body = #"{"errorMessage": "nope", "errorType": "MyError", "extra": [1]}"#
        client.send(Self.post("invocation/a%252Fb/error", body, headers: "Lambda-Runtime-Function-Error-Type: Unhandled\r\n"))
        XCTAssertEqual(client.response()?.status, 202)
        guard case let .error(forwarded, type)? = server.takeOutcome() else { return XCTFail("no outcome") }
        XCTAssertEqual(String(decoding: forwarded, as: UTF8.self), body)
        XCTAssertEqual(type, "MyError")
    }

    func testInitErrorTakesTheHeaderTypeWhenTheBodyHasNone() throws {
        let server = try RuntimeAPIServer()
        let client = try Client(server)
        client.send(Self.post("init/error", "not json", headers: "Lambda-Runtime-Function-Error-Type: Runtime.Custom\r\n"))
        XCTAssertEqual(client.response()?.status, 202)
        guard case let .initError(body, type)? = server.takeOutcome() else { return XCTFail("no outcome") }
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "not json")
        XCTAssertEqual(type, "Runtime.Custom")
        client.send(Self.next)
        XCTAssertEqual(client.response()?.status, 403)
    }

    func testOversizedResponseIs413AndTheLimitItselfIsAccepted() throws {
        for (size, status) in [(PayloadLimits.response, 202), (PayloadLimits.response + 1, 413)] {
            let server = try RuntimeAPIServer()
            let client = try Client(server)
            client.send(Self.next)
            server.offer(Self.event())
            XCTAssertEqual(client.response()?.status, 200)
            let head = "POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n"
            client.send(Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size))
            let response = client.response(timeout: 10)
            XCTAssertEqual(response?.status, status)
            switch server.takeOutcome() {
            case let .response(body)?:
                XCTAssertEqual(status, 202)
                XCTAssertEqual(body.count, size)
            case .responseTooLarge?:
                XCTAssertEqual(status, 413)
                XCTAssertEqual(response?.text,
                               #"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#)
            default:
                XCTFail("unexpected outcome for \(size) bytes")
            }
        }
    }

    func testChunkedBodyExpectContinueAndPipelinedKeepAlive() throws {
        let server = try RuntimeAPIServer()
        let client = try Client(server)
        client.send(Self.next)
        server.offer(Self.event())
        XCTAssertEqual(client.response()?.status, 200)
        client.send("POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(client.response()?.status, 100)
        client.send("5\r\n{\"a\":\r\n3;ext=1\r\n12}\r\n0\r\n\r\n")
        XCTAssertEqual(client.response()?.status, 202)
        guard case let .response(body)? = server.takeOutcome() else { return XCTFail("no outcome") }
        XCTAssertEqual(String(decoding: body, as: UTF8.self), #"{"a":12}"#)

        // /next and an answer written back to back on one kept-alive connection.
        server.offer(Self.event("req-2"))
        client.send(Self.next + Self.post("invocation/req-2/response", "true"))
        XCTAssertEqual(client.response()?.headers["lambda-runtime-aws-request-id"], "req-2")
        XCTAssertEqual(client.response()?.status, 202)
        guard case let .response(second)? = server.takeOutcome() else { return XCTFail("no second outcome") }
        XCTAssertEqual(second, Array("true".utf8))
    }

    func testUnknownRoutesAndMethods() throws {
        let server = try RuntimeAPIServer()
        let client = try Client(server)
        client.send("GET /2018-06-01/runtime/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(client.response()?.status, 404)
        client.send("POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(client.response()?.status, 405)
        client.send("garbage\r\n\r\n")
        XCTAssertEqual(client.response()?.status, 400)
    }
}
