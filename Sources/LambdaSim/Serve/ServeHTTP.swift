import LambdaSimJSON

/// One request as `serve` sees it: the parsed HTTP request split into path and query, with the
/// caller's region (from the SigV4 credential scope) and a request id for the response.
struct ServeRequest {
    var http: HTTPRequest
    /// The path without the query, still percent-encoded.
    var rawPath: String
    /// What follows `?`, without it ("" when there is none).
    var rawQuery: String
    var region: String
    var requestId: String
    /// The client's address (for function URL events).
    var peerAddress: String
    /// The port the server listens on (for `x-forwarded-port`).
    var serverPort: Int

    var method: String { http.method }
    var body: [UInt8] { http.body }
    func header(_ name: String) -> String? { http.header(name) }

    init(http: HTTPRequest, region: String, requestId: String, peerAddress: String, serverPort: Int) {
        self.http = http
        if let mark = http.target.firstIndex(of: "?") {
            rawPath = String(http.target[..<mark])
            rawQuery = String(http.target[http.target.index(after: mark)...])
        } else {
            rawPath = http.target
            rawQuery = ""
        }
        // An absolute-form target (`http://host/path`) as proxies send it.
        if rawPath.hasPrefix("http://") || rawPath.hasPrefix("https://"),
            let slash = rawPath.dropFirst(8).firstIndex(of: "/")
        {
            rawPath = String(rawPath[slash...])
        }
        self.region = region
        self.requestId = requestId
        self.peerAddress = peerAddress
        self.serverPort = serverPort
    }

    /// The query's name/value pairs, decoded, in order (`+` is a space, as in forms).
    var queryItems: [(name: String, value: String)] { URLCoding.parseForm(rawQuery) }

    /// The region in the `Authorization` header's credential scope
    /// (`Credential=AKID/20260101/us-east-1/lambda/aws4_request`), if it looks like one.
    static func region(fromAuthorization authorization: String?) -> String? {
        guard let authorization, let range = authorization.range(of: "Credential=") else { return nil }
        let scope = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
        let parts = scope.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let region = String(parts[parts.count - 3])
        return isRegionName(region) ? region : nil
    }

    /// The access key id of a SigV4 `Authorization` header.
    static func accessKey(fromAuthorization authorization: String?) -> String? {
        guard let authorization, let range = authorization.range(of: "Credential=") else { return nil }
        let key = authorization[range.upperBound...].prefix { $0 != "/" && $0 != "," && $0 != " " }
        return key.isEmpty ? nil : String(key)
    }

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`: lower-case words joined by `-`, ending in a digit.
    static func isRegionName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, text.count <= 32, let last = parts.last, last.allSatisfy(\.isASCIIDigitCharacter) else {
            return false
        }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 >= "a" && $0 <= "z" } }
    }
}

/// A complete response: status, headers (without `Content-Length`, which the writer adds) and body.
struct ServeResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    /// The operation served, for the access log.
    var operation: String?

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], operation: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.operation = operation
    }

    static func json(_ status: Int, _ value: JSON, contentType: String = "application/json", extraHeaders: [(String, String)] = [],
                     operation: String? = nil) -> ServeResponse
    {
        ServeResponse(status: status, headers: [("Content-Type", contentType)] + extraHeaders,
                      body: JSONWriter.bytes(value), operation: operation)
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> ServeResponse {
        ServeResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }
}

/// Percent-decoding and form parsing for paths, query strings and form bodies.
public enum URLCoding {
    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`); invalid escapes stay as they are.
    public static func percentDecode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.contains(UInt8(ascii: "%")) || (plusAsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let byte = utf8[i]
            if byte == UInt8(ascii: "%"), i + 2 < utf8.count, let high = hexValue(utf8[i + 1]), let low = hexValue(utf8[i + 2]) {
                out.append(high << 4 | low)
                i += 3
                continue
            }
            out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `a=1&b=x%20y&c` → `[("a","1"), ("b","x y"), ("c","")]`.
    static func parseForm(_ text: String) -> [(name: String, value: String)] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return (percentDecode(pair[..<eq], plusAsSpace: true), percentDecode(pair[pair.index(after: eq)...], plusAsSpace: true))
            }
            return (percentDecode(pair, plusAsSpace: true), "")
        }
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCIIAlphanumericCharacter || c == "-" || c == "_" || c == "." || c == "~" {
                out.append(c)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { self >= "0" && self <= "9" }
    var isASCIIAlphanumericCharacter: Bool { isASCIIDigitCharacter || (self >= "a" && self <= "z") || (self >= "A" && self <= "Z") }
}
