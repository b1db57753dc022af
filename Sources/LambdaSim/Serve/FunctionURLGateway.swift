import LambdaSimJSON
import LambdaSimSupport

/// Function URLs, served locally (docs/serve.md):
///
/// - `http://127.0.0.1:9001/lambda-url/<url-id>/<path>?<query>` — the path after the id is the
///   function's `rawPath`;
/// - or any request whose `Host` is `<url-id>.lambda-url.<region>.<anything>` (for example
///   `curl --resolve` or a `*.localhost` name), with the whole path as `rawPath`.
///
/// The request becomes the API Gateway payload format 2.0 event Lambda sends for function URLs;
/// the function's answer becomes the HTTP response: a JSON object with `statusCode` is a
/// structured response (`headers`, `cookies`, `body`, `isBase64Encoded`), anything else is
/// returned as it is with status 200 and `application/json`.
enum FunctionURLGateway {
    static let pathPrefix = "/lambda-url/"

    struct Route {
        var urlId: String
        /// The path the function sees (percent-encoded, as `rawPath` is).
        var rawPath: String
    }

    static func route(host: String?, path: String) -> Route? {
        if path.hasPrefix(pathPrefix) {
            let rest = path.dropFirst(pathPrefix.count)
            let id = rest.prefix { $0 != "/" }
            guard isURLId(id) else { return nil }
            let remainder = rest.dropFirst(id.count)
            return Route(urlId: String(id), rawPath: remainder.isEmpty ? "/" : String(remainder))
        }
        if let host {
            let labels = host.lowercased().split(separator: ".", omittingEmptySubsequences: false)
            if labels.count >= 3, labels[1] == "lambda-url", isURLId(labels[0]) {
                return Route(urlId: String(labels[0]), rawPath: path.isEmpty ? "/" : path)
            }
        }
        return nil
    }

    static func isURLId<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.count <= 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    static func forbidden() -> ServeResponse {
        ServeResponse(status: 403, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")],
                      body: Array(#"{"Message":"Forbidden"}"#.utf8), operation: "FunctionURL")
    }

    static func handle(_ request: ServeRequest, route: Route, engines: EngineRegistry) -> ServeResponse {
        let lookup = engines.engine(region: engines.defaultRegion)
        let target: FunctionURLTarget
        do {
            guard let found = try lookup.functionURL(id: route.urlId) else { return forbidden() }
            target = found
        } catch {
            return gatewayError(ServeErrors.serviceError(error))
        }
        let config = target.config
        if config.authType == "AWS_IAM", !isSigned(request) { return forbidden() }
        let regional = engines.engine(region: target.region)
        if config.authType == "NONE", let state = try? regional.store.read() {
            // A public URL still needs the function's resource-based policy (Services/IAM/).
            let decision = regional.authorizeFunctionURL(state, functionName: target.functionName, qualifier: config.qualifier)
            if !decision.isAllowed {
                try? regional.store.update { state in
                    regional.recordDenial(&state, function: target.functionName, principal: "*", action: "lambda:InvokeFunctionUrl",
                                        source: "function URL \(route.urlId)", decision: decision)
                }
                return forbidden()
            }
        }
        let cors = Cors(config.cors)
        let origin = request.header("origin")
        if request.method == "OPTIONS", let origin, request.header("access-control-request-method") != nil, let cors {
            return cors.preflight(origin: origin, request: request)
        }
        if request.http.bodyTooLarge || request.body.count > PayloadLimits.syncRequest {
            return ServeResponse(status: 413, headers: [("Content-Type", "application/json")],
                                 body: Array(#"{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}"#.utf8),
                                 operation: "FunctionURL")
        }
        let engine = engines.engine(region: target.region)
        let event = self.event(request, route: route, target: target, nowMs: (try? engine.now(engine.store.read())) ?? WallClock.nowMs())
        var response: ServeResponse
        do {
            let result = try engine.invoke(InvokeRequest(
                functionName: target.functionName, qualifier: config.qualifier == "$LATEST" ? nil : config.qualifier,
                payload: JSONWriter.bytes(event), caller: "function URL (serve)"))
            if result.functionError != nil {
                response = ServeResponse(status: 502, headers: [("Content-Type", "application/json")],
                                         body: Array("Internal Server Error".utf8))
            } else {
                response = httpResponse(result.payload, streaming: config.invokeMode == "RESPONSE_STREAM")
            }
        } catch {
            response = gatewayError(ServeErrors.serviceError(error))
        }
        if let cors, let origin { response.headers += cors.responseHeaders(origin: origin) }
        response.operation = "FunctionURL \(target.functionName)"
        return response
    }

    /// A request signed with SigV4 (header or presigned query). lambda-sim does not check
    /// signatures; an `AWS_IAM` URL only refuses unsigned requests.
    static func isSigned(_ request: ServeRequest) -> Bool {
        if request.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256") ?? false { return true }
        return request.queryItems.contains { $0.name == "X-Amz-Signature" }
    }

    static func gatewayError(_ error: ServiceError) -> ServeResponse {
        let (status, message): (Int, String)
        switch error.code {
        case "TooManyRequestsException": (status, message) = (429, "Rate Exceeded.")
        case "RequestEntityTooLargeException": (status, message) = (413, error.message)
        case "ResourceNotFoundException": (status, message) = (403, "Forbidden")
        default: (status, message) = (502, "Internal Server Error")
        }
        let body = JSONWriter.bytes(.object(JSONObject([("Message", .string(message))])))
        return ServeResponse(status: status, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code)],
                             body: body)
    }

    // MARK: - Request → event

    /// The payload format 2.0 event (AWS's "Request payload format" for function URLs).
    static func event(_ request: ServeRequest, route: Route, target: FunctionURLTarget, nowMs: SimInstant) -> JSON {
        let domain = "\(route.urlId).lambda-url.\(target.region).on.aws"
        var headers = JSONObject()
        var cookies: [JSON] = []
        for (name, value) in request.http.headers {
            if name == "cookie" {
                cookies += value.split(separator: ";").map { .string(String($0).httpTrimmed) }.filter { $0 != .string("") }
                continue
            }
            if let existing = headers[name]?.stringValue {
                headers[name] = .string(existing + "," + value)
            } else {
                headers[name] = .string(value)
            }
        }
        if headers["x-forwarded-for"] == nil { headers["x-forwarded-for"] = .string(request.peerAddress) }
        if headers["x-forwarded-proto"] == nil { headers["x-forwarded-proto"] = "http" }
        if headers["x-forwarded-port"] == nil { headers["x-forwarded-port"] = .string(String(request.serverPort)) }
        if headers["x-amzn-trace-id"] == nil {
            let hex = request.requestId.filter { $0 != "-" }
            headers["x-amzn-trace-id"] = .string("Root=1-\(String(UInt64(nowMs / 1000), radix: 16))-\(hex.prefix(24))")
        }
        var query = JSONObject()
        for (name, value) in request.queryItems {
            if let existing = query[name]?.stringValue {
                query[name] = .string(existing + "," + value)
            } else {
                query[name] = .string(value)
            }
        }
        let iam = target.config.authType == "AWS_IAM"
        var http = JSONObject()
        http["method"] = .string(request.method)
        http["path"] = .string(URLCoding.percentDecode(route.rawPath))
        http["protocol"] = .string(request.http.version)
        http["sourceIp"] = .string(request.peerAddress)
        http["userAgent"] = .string(request.header("user-agent") ?? "")
        var context = JSONObject()
        context["accountId"] = .string(iam ? Arn.account : "anonymous")
        context["apiId"] = .string(route.urlId)
        if iam {
            let key = ServeRequest.accessKey(fromAuthorization: request.header("authorization")) ?? ""
            context["authorizer"] = .object(JSONObject([("iam", .object(JSONObject([
                ("accessKey", .string(key)), ("accountId", .string(Arn.account)), ("callerId", "AIDACKCEVSQ6C2EXAMPLE"),
                ("cognitoIdentity", .null), ("principalOrgId", .null),
                ("userArn", .string("arn:aws:iam::\(Arn.account):user/lambda-sim")), ("userId", "AIDACKCEVSQ6C2EXAMPLE"),
            ])))]))
        }
        context["domainName"] = .string(domain)
        context["domainPrefix"] = .string(route.urlId)
        context["http"] = .object(http)
        context["requestId"] = .string(request.requestId)
        context["routeKey"] = "$default"
        context["stage"] = "$default"
        context["time"] = .string(clfTime(nowMs))
        context["timeEpoch"] = .int(Int(nowMs))
        var event = JSONObject()
        event["version"] = "2.0"
        event["routeKey"] = "$default"
        event["rawPath"] = .string(route.rawPath)
        event["rawQueryString"] = .string(request.rawQuery)
        if !cookies.isEmpty { event["cookies"] = .array(cookies) }
        event["headers"] = .object(headers)
        if !query.isEmpty { event["queryStringParameters"] = .object(query) }
        event["requestContext"] = .object(context)
        if !request.body.isEmpty {
            if isText(contentType: request.header("content-type")), let text = String(validating: request.body, as: UTF8.self) {
                event["body"] = .string(text)
                event["isBase64Encoded"] = false
            } else {
                event["body"] = .string(Base64.encode(request.body))
                event["isBase64Encoded"] = true
            }
        } else {
            event["isBase64Encoded"] = false
        }
        return .object(event)
    }

    /// Bodies of these types reach the function as text; others (and bytes that are not UTF-8) as base64.
    static func isText(contentType: String?) -> Bool {
        guard let type = contentType?.lowercased().split(separator: ";").first.map({ String($0).httpTrimmed }), !type.isEmpty else {
            return true
        }
        if type.hasPrefix("text/") { return true }
        let textual = ["application/json", "application/javascript", "application/xml", "application/x-www-form-urlencoded",
                       "application/yaml", "application/x-yaml", "application/graphql", "application/ld+json"]
        return textual.contains(type) || type.hasSuffix("+json") || type.hasSuffix("+xml")
    }

    /// `12/Mar/2020:19:03:58 +0000`.
    static func clfTime(_ ms: SimInstant) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let iso = TimeFormat.iso(ms)  // 2026-11-22T19:58:59.383Z
        let chars = Array(iso)
        let year = String(chars[0..<4]), month = Int(String(chars[5..<7])) ?? 1, day = String(chars[8..<10])
        let time = String(chars[11..<19])
        return "\(day)/\(months[max(0, min(11, month - 1))])/\(year):\(time) +0000"
    }

    // MARK: - Function result → response

    static func httpResponse(_ payload: [UInt8], streaming: Bool) -> ServeResponse {
        if streaming {
            // `awslambda.HttpResponseStream.from`: a JSON prelude, 8 NUL bytes, then the body.
            if let split = preludeEnd(payload),
                let prelude = try? JSONParser.parse(bytes: payload[0..<split]), let object = prelude.objectValue
            {
                var response = structured(object, body: Array(payload[(split + 8)...]))
                if !response.headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                    response.headers.append(("Content-Type", "application/octet-stream"))
                }
                return response
            }
            return ServeResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: payload)
        }
        if let parsed = try? JSONParser.parse(bytes: payload), let object = parsed.objectValue, object["statusCode"] != nil {
            var body: [UInt8] = []
            switch object["body"] {
            case let .string(text)?:
                if object["isBase64Encoded"]?.boolValue ?? false {
                    body = Base64.decode(text) ?? Array(text.utf8)
                } else {
                    body = Array(text.utf8)
                }
            case nil, .null?: body = []
            case let other?: body = JSONWriter.bytes(other)
            }
            var response = structured(object, body: body)
            if !response.headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                response.headers.append(("Content-Type", "application/json"))
            }
            return response
        }
        return ServeResponse(status: 200, headers: [("Content-Type", "application/json")], body: payload)
    }

    /// Status, headers and cookies of a structured response (or a stream's prelude).
    static func structured(_ object: JSONObject, body: [UInt8]) -> ServeResponse {
        var status = 200
        switch object["statusCode"] {
        case let .int(n)?: status = n
        case let .double(d)?: status = Int(d)
        case let .string(s)?: status = Int(s) ?? 200
        default: break
        }
        if status < 100 || status > 599 { status = 502 }
        var headers: [(String, String)] = []
        for (name, value) in object["headers"]?.objectValue ?? JSONObject() {
            let safeName = name.filter { $0 != "\r" && $0 != "\n" && $0 != ":" }
            guard !safeName.isEmpty, safeName.lowercased() != "content-length", safeName.lowercased() != "connection",
                safeName.lowercased() != "transfer-encoding"
            else { continue }
            headers.append((safeName, headerText(value)))
        }
        for name in (object["multiValueHeaders"]?.objectValue ?? JSONObject()).keys {
            for value in object["multiValueHeaders"]?[name]?.arrayValue ?? [] {
                headers.append((name.filter { $0 != "\r" && $0 != "\n" && $0 != ":" }, headerText(value)))
            }
        }
        for cookie in object["cookies"]?.arrayValue ?? [] {
            headers.append(("Set-Cookie", headerText(cookie)))
        }
        return ServeResponse(status: status, headers: headers, body: body)
    }

    static func headerText(_ value: JSON) -> String {
        let text: String
        switch value {
        case let .string(s): text = s
        case .null: text = ""
        default: text = JSONWriter.string(value)
        }
        return text.filter { $0 != "\r" && $0 != "\n" }
    }

    /// The offset of the 8 NUL bytes that end a streaming response's prelude, if the payload starts with `{`.
    static func preludeEnd(_ payload: [UInt8]) -> Int? {
        guard payload.first == UInt8(ascii: "{"), payload.count >= 10 else { return nil }
        var run = 0
        for (i, byte) in payload.enumerated() {
            run = byte == 0 ? run + 1 : 0
            if run == 8 { return i - 7 }
        }
        return nil
    }

    // MARK: - CORS

    /// A URL's `Cors` settings (AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders, MaxAge, AllowCredentials).
    struct Cors {
        var origins: [String]
        var methods: [String]
        var allowHeaders: [String]
        var exposeHeaders: [String]
        var maxAge: Int?
        var credentials: Bool

        init?(_ json: JSON?) {
            guard let object = json?.objectValue else { return nil }
            func strings(_ key: String) -> [String] { object[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            origins = strings("AllowOrigins")
            methods = strings("AllowMethods")
            allowHeaders = strings("AllowHeaders")
            exposeHeaders = strings("ExposeHeaders")
            maxAge = object["MaxAge"]?.intValue
            credentials = object["AllowCredentials"]?.boolValue ?? false
        }

        func allowedOrigin(_ origin: String) -> String? {
            if origins.contains(origin) { return origin }
            if origins.contains("*") { return credentials ? origin : "*" }
            return nil
        }

        func responseHeaders(origin: String) -> [(String, String)] {
            guard let allowed = allowedOrigin(origin) else { return [] }
            var headers = [("Access-Control-Allow-Origin", allowed)]
            if !exposeHeaders.isEmpty { headers.append(("Access-Control-Expose-Headers", exposeHeaders.joined(separator: ","))) }
            if credentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
            if allowed != "*" { headers.append(("Vary", "Origin")) }
            return headers
        }

        /// The answer to a preflight `OPTIONS`, without invoking the function.
        func preflight(origin: String, request: ServeRequest) -> ServeResponse {
            guard let allowed = allowedOrigin(origin) else { return ServeResponse(status: 200, operation: "FunctionURL preflight") }
            var headers = [("Access-Control-Allow-Origin", allowed)]
            let requested = request.header("access-control-request-method") ?? ""
            if methods.contains("*") || methods.contains(requested.uppercased()) {
                headers.append(("Access-Control-Allow-Methods", methods.contains("*") ? requested : methods.joined(separator: ",")))
            }
            if !allowHeaders.isEmpty {
                let asked = request.header("access-control-request-headers") ?? ""
                headers.append(("Access-Control-Allow-Headers", allowHeaders.contains("*") ? asked : allowHeaders.joined(separator: ",")))
            }
            if let maxAge { headers.append(("Access-Control-Max-Age", String(maxAge))) }
            if credentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
            if allowed != "*" { headers.append(("Vary", "Origin")) }
            return ServeResponse(status: 200, headers: headers, operation: "FunctionURL preflight")
        }
    }
}
