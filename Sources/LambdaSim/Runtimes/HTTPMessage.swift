/// The small part of HTTP/1.1 the Runtime API server and `serve` (Serve/APIServer.swift) need:
/// an incremental request parser (Content-Length and chunked bodies, `Expect: 100-continue`,
/// keep-alive) and a response writer.

/// One parsed request. Header names are lower-cased; the body is capped at the parser's
/// `maxBody` (`bodyLength` still counts every byte the client sent).
struct HTTPRequest {
    var method: String
    var target: String
    var version: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var bodyLength: Int

    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    var bodyTooLarge: Bool { bodyLength > body.count }

    /// Whether the connection stays open after the response (HTTP/1.1 default).
    var keepAlive: Bool {
        let connection = header("connection")?.lowercased() ?? ""
        if version == "HTTP/1.0" { return connection.contains("keep-alive") }
        return !connection.contains("close")
    }
}

/// Bytes received on a connection and not yet consumed.
struct ByteQueue {
    private(set) var storage: [UInt8] = []
    private(set) var start = 0

    var count: Int { storage.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 65536, start * 2 > storage.count {
            storage.removeFirst(start)
            start = 0
        }
        storage.append(contentsOf: bytes)
    }

    subscript(offset: Int) -> UInt8 { storage[start + offset] }

    /// The offset of the first `\r\n` at or after `from`, if any.
    func findCRLF(from: Int = 0) -> Int? {
        var i = start + from
        while i + 1 < storage.count {
            if storage[i] == 0x0D, storage[i + 1] == 0x0A { return i - start }
            i += 1
        }
        return nil
    }

    /// The offset of the first `\r\n\r\n`, if any.
    func findHeaderEnd() -> Int? {
        var i = start
        while i + 3 < storage.count {
            if storage[i] == 0x0D, storage[i + 1] == 0x0A, storage[i + 2] == 0x0D, storage[i + 3] == 0x0A {
                return i - start
            }
            i += 1
        }
        return nil
    }

    func slice(_ offset: Int, _ length: Int) -> ArraySlice<UInt8> {
        storage[(start + offset)..<(start + offset + length)]
    }

    mutating func consume(_ n: Int) {
        start += n
        if start == storage.count {
            storage.removeAll(keepingCapacity: storage.count <= 1 << 20)
            start = 0
        }
    }
}

struct HTTPParseError: Error {
    var status: Int
    var message: String
}

/// Parses requests one after another from a connection's bytes.
struct HTTPRequestParser {
    static let maxHeaderBytes = 65536

    enum Phase {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    let maxBody: Int
    private(set) var phase = Phase.head
    private var request: HTTPRequest?
    /// Set when a request's head asked for `100 Continue` and its body has not started; the
    /// server answers it once and clears it.
    var wantsContinue = false

    init(maxBody: Int) { self.maxBody = maxBody }

    /// True between a request's head and the end of its body.
    var inBody: Bool {
        if case .head = phase { return false }
        return true
    }

    /// Consumes what it can of `input`; returns a complete request, or nil when more bytes are needed.
    mutating func next(_ input: inout ByteQueue) throws -> HTTPRequest? {
        while true {
            switch phase {
            case .head:
                guard let end = input.findHeaderEnd() else {
                    if input.count > Self.maxHeaderBytes {
                        throw HTTPParseError(status: 431, message: "Request header fields too large")
                    }
                    return nil
                }
                let head = String(decoding: input.slice(0, end), as: UTF8.self)
                input.consume(end + 4)
                var parsed = try Self.parseHead(head)
                let transfer = parsed.header("transfer-encoding")?.lowercased() ?? ""
                if transfer.contains("chunked") {
                    phase = .chunkSize
                } else if let lengthText = parsed.header("content-length") {
                    guard let length = Int(lengthText.httpTrimmed), length >= 0 else {
                        throw HTTPParseError(status: 400, message: "Invalid Content-Length")
                    }
                    // Two lengths that differ leave the body's end ambiguous (RFC 9112 §6.3): refused.
                    let lengths = Set(parsed.headers.filter { $0.name == "content-length" }.map { $0.value.httpTrimmed })
                    guard lengths.count == 1 else {
                        throw HTTPParseError(status: 400, message: "Conflicting Content-Length headers")
                    }
                    phase = .fixedBody(remaining: length)
                } else {
                    phase = .fixedBody(remaining: 0)
                }
                parsed.body.reserveCapacity(min(maxBody, Int(parsed.header("content-length") ?? "") ?? 0))
                wantsContinue = parsed.header("expect")?.lowercased() == "100-continue"
                request = parsed
            case let .fixedBody(remaining):
                if remaining == 0 { return finish() }
                let n = min(remaining, input.count)
                if n == 0 { return nil }
                take(input.slice(0, n))
                input.consume(n)
                phase = .fixedBody(remaining: remaining - n)
            case .chunkSize:
                guard let end = input.findCRLF() else {
                    if input.count > 1024 { throw HTTPParseError(status: 400, message: "Invalid chunk size") }
                    return nil
                }
                let line = String(decoding: input.slice(0, end), as: UTF8.self)
                input.consume(end + 2)
                let hex = line.split(separator: ";", maxSplits: 1).first.map { String($0).httpTrimmed } ?? ""
                guard let size = Int(hex, radix: 16), size >= 0 else {
                    throw HTTPParseError(status: 400, message: "Invalid chunk size")
                }
                phase = size == 0 ? .trailers : .chunkData(remaining: size)
            case let .chunkData(remaining):
                let n = min(remaining, input.count)
                if n == 0 { return nil }
                take(input.slice(0, n))
                input.consume(n)
                phase = remaining - n == 0 ? .chunkDataEnd : .chunkData(remaining: remaining - n)
            case .chunkDataEnd:
                if input.count < 2 { return nil }
                guard input[0] == 0x0D, input[1] == 0x0A else {
                    throw HTTPParseError(status: 400, message: "Invalid chunk terminator")
                }
                input.consume(2)
                phase = .chunkSize
            case .trailers:
                guard let end = input.findCRLF() else { return nil }
                input.consume(end + 2)
                if end == 0 { return finish() }
            }
        }
    }

    private mutating func take(_ bytes: ArraySlice<UInt8>) {
        guard request != nil else { return }
        request?.bodyLength += bytes.count
        let room = maxBody - (request?.body.count ?? 0)
        if room > 0 { request?.body.append(contentsOf: bytes.prefix(room)) }
        wantsContinue = false
    }

    private mutating func finish() -> HTTPRequest? {
        phase = .head
        wantsContinue = false
        defer { request = nil }
        return request
    }

    static func parseHead(_ head: String) throws -> HTTPRequest {
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { throw HTTPParseError(status: 400, message: "Empty request") }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            throw HTTPParseError(status: 400, message: "Malformed request line")
        }
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw HTTPParseError(status: 400, message: "Malformed header line")
            }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).httpTrimmed
            headers.append((name, value))
        }
        return HTTPRequest(method: requestLine[0], target: requestLine[1], version: requestLine[2],
                           headers: headers, body: [], bodyLength: 0)
    }
}

enum HTTPResponse {
    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 412: return "Precondition Failed"
        case 413: return "Request Entity Too Large"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }

    /// A complete response with `Content-Length`; `headers` must not contain CR or LF.
    static func bytes(status: Int, headers: [(String, String)] = [], body: [UInt8], close: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n"
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var httpTrimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[first...last])
    }
}
