import LambdaSimJSON
import LambdaSimSupport

/// One Lambda operation's HTTP binding, from botocore's model (Serve/Generated/ServeModel.swift).
struct RESTRoute: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case label(String)
    }

    /// A member bound outside the JSON body: `uri`, `querystring` or `header`, its name on the
    /// wire, the API member, and its type (`string`, `integer`, `long`, `boolean`, `timestamp`,
    /// `list-string`).
    struct Binding: Sendable {
        var location: String
        var wireName: String
        var member: String
        var type: String
    }

    let operation: String
    let method: String
    let segments: [Segment]
    /// Literal query parameters the URI template requires (`?List=ALL`).
    let queryLiterals: [(name: String, value: String)]
    let status: Int
    let bindings: [Binding]
    /// The member that is the whole body (Invoke's `Payload`), if any.
    let payload: String?

    init(_ operation: String, _ method: String, _ uri: String, _ status: Int, _ bindings: [String], payload: String? = nil) {
        self.operation = operation
        self.method = method
        self.status = status
        self.payload = payload
        var path = Substring(uri)
        var literals: [(String, String)] = []
        if let mark = uri.firstIndex(of: "?") {
            path = uri[..<mark]
            literals = URLCoding.parseForm(String(uri[uri.index(after: mark)...]))
        }
        queryLiterals = literals
        segments = path.split(separator: "/").map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                return .label(String(part.dropFirst().dropLast()).replacingPlus())
            }
            return .literal(String(part))
        }
        self.bindings = bindings.map { text in
            let parts = text.split(separator: ":", maxSplits: 3).map(String.init)
            return Binding(location: parts[0], wireName: parts[1], member: parts[2], type: parts.count > 3 ? parts[3] : "string")
        }
    }

    /// The URI labels' values when `segments` (decoded) fit this route's template.
    func match(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var labels: [String: String] = [:]
        for (segment, value) in zip(segments, path) {
            switch segment {
            case let .literal(text): if text != value { return nil }
            case let .label(name): labels[name] = value
            }
        }
        return labels
    }

    var literalCount: Int { segments.filter { if case .literal = $0 { return true } else { return false } }.count }
}

private extension String {
    /// `{Key+}` (a greedy label) names the member `Key`.
    func replacingPlus() -> String { hasSuffix("+") ? String(dropLast()) : self }
}

/// Lambda's REST-JSON API: method + URI template → operation, parameters from the URI, the
/// querystring, headers and the JSON body; AWS's status codes, Invoke's headers and raw
/// payload, and errors as `x-amzn-ErrorType` + a JSON body (reference lambda-semantics.md §1.1).
enum LambdaRESTAPI {
    static let routes = ServeModel.lambdaRoutes

    /// Operations whose success status differs from the model's `responseCode`.
    /// DeleteFunction: AWS answers 204 No Content (the model's newer `StatusCode` member reads it).
    static let statusOverrides: [String: Int] = ["DeleteFunction": 204]

    static func handle(_ request: ServeRequest, engines: EngineRegistry) -> ServeResponse {
        let path = request.rawPath.split(separator: "/").map { URLCoding.percentDecode($0) }
        let query = request.queryItems
        guard let (route, labels) = find(method: request.method, path: path, query: query) else {
            return errorResponse(ServiceError("UnknownOperationException",
                                              "lambda-sim serve: no Lambda operation is \(request.method) \(request.rawPath)", status: 404),
                                 operation: nil)
        }
        let engine = engines.engine(region: request.region)
        do {
            switch route.operation {
            case "Invoke": return try invoke(request, route: route, labels: labels, query: query, engine: engine)
            case "InvokeAsync": return try invokeAsync(request, route: route, labels: labels, engine: engine)
            default: break
            }
            let params = try parameters(request, route: route, labels: labels, query: query)
            let result = try engine.performLambda(route.operation, params)
            let status = statusOverrides[route.operation] ?? route.status
            if status == 204 { return ServeResponse(status: 204, operation: route.operation) }
            return ServeResponse.json(status, result, operation: route.operation)
        } catch {
            return errorResponse(ServeErrors.serviceError(error), operation: route.operation)
        }
    }

    /// The route for `method` and the decoded path segments: the template with the most literal
    /// segments wins (`…/event-invoke-config/list` over a label), then one with query literals.
    static func find(method: String, path: [String], query: [(name: String, value: String)]) -> (RESTRoute, [String: String])? {
        var best: (route: RESTRoute, labels: [String: String], score: Int)?
        for route in routes where route.method == method {
            guard let labels = route.match(path) else { continue }
            let literalsPresent = route.queryLiterals.allSatisfy { literal in
                query.contains { $0.name == literal.name && $0.value == literal.value }
            }
            guard literalsPresent else { continue }
            let score = route.literalCount * 10 + route.queryLiterals.count
            if best == nil || score > best?.score ?? 0 { best = (route, labels, score) }
        }
        return best.map { ($0.route, $0.labels) }
    }

    /// The operation's input: the JSON body's members, then the URI labels, querystring and
    /// headers the model binds (which win over the body).
    static func parameters(_ request: ServeRequest, route: RESTRoute, labels: [String: String],
                           query: [(name: String, value: String)]) throws -> JSONObject
    {
        var params = JSONObject()
        if route.payload == nil, !request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let parsed: JSON
            do {
                parsed = try JSONParser.parse(bytes: request.body)
            } catch {
                throw ServiceError("InvalidRequestContentException",
                                   "Could not parse request body into json: \(error.message) at line \(error.line) column \(error.column)")
            }
            guard let object = parsed.objectValue else {
                throw ServiceError("InvalidRequestContentException", "Could not parse request body into json: expected a JSON object")
            }
            params = object
        }
        for binding in route.bindings {
            switch binding.location {
            case "uri":
                if let value = labels[binding.wireName] { params[binding.member] = try convert(value, binding) }
            case "querystring":
                let values = query.filter { $0.name == binding.wireName }.map(\.value)
                guard let first = values.first else { continue }
                if binding.type.hasPrefix("list") {
                    params[binding.member] = .array(values.map { .string($0) })
                } else {
                    params[binding.member] = try convert(first, binding)
                }
            case "header":
                if let value = request.header(binding.wireName.lowercased()) { params[binding.member] = try convert(value, binding) }
            default:
                break
            }
        }
        return params
    }

    /// A URI, querystring or header value as the member's JSON type.
    static func convert(_ value: String, _ binding: RESTRoute.Binding) throws -> JSON {
        switch binding.type {
        case "integer", "long":
            guard let n = Int(value) else {
                throw ServiceError("InvalidParameterValueException",
                                   "Invalid value for \(binding.wireName): '\(value)' is not an integer.")
            }
            return .int(n)
        case "boolean":
            switch value.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                throw ServiceError("InvalidParameterValueException", "Invalid value for \(binding.wireName): '\(value)' is not a boolean.")
            }
        default:
            return .string(value)
        }
    }

    // MARK: - Invoke

    static func invoke(_ request: ServeRequest, route: RESTRoute, labels: [String: String],
                       query: [(name: String, value: String)], engine: Engine) throws -> ServeResponse
    {
        if request.http.bodyTooLarge || request.body.count > PayloadLimits.syncRequest {
            throw ServiceError("RequestEntityTooLargeException",
                               "Request must be smaller than \(PayloadLimits.syncRequest) bytes for the InvokeFunction operation", status: 413)
        }
        let invoke = InvokeRequest(
            functionName: labels["FunctionName"] ?? "",
            qualifier: query.first { $0.name == "Qualifier" }?.value,
            invocationType: request.header("x-amz-invocation-type"),
            logType: request.header("x-amz-log-type"),
            clientContext: request.header("x-amz-client-context"),
            payload: request.body,
            traceHeader: request.header("x-amzn-trace-id").map { $0.removingPercentEncoding ?? $0 },
            caller: "Invoke API (serve)")
        let response = try engine.invoke(invoke)
        var headers: [(String, String)] = []
        if response.statusCode == 200 { headers.append(("Content-Type", "application/json")) }
        if let error = response.functionError { headers.append(("X-Amz-Function-Error", error)) }
        if let log = response.logResult { headers.append(("X-Amz-Log-Result", log)) }
        if let version = response.executedVersion { headers.append(("X-Amz-Executed-Version", version)) }
        // As on AWS, the response's request id is the invocation's (the START line's).
        if let id = response.requestId { headers.append(("x-amzn-RequestId", id)) }
        return ServeResponse(status: response.statusCode, headers: headers, body: response.payload, operation: route.operation)
    }

    /// The deprecated `InvokeAsync`: an `Event` invoke answering `{"Status": 202}`.
    static func invokeAsync(_ request: ServeRequest, route: RESTRoute, labels: [String: String], engine: Engine) throws -> ServeResponse {
        let response = try engine.invoke(InvokeRequest(functionName: labels["FunctionName"] ?? "", invocationType: "Event",
                                                       payload: request.body))
        return ServeResponse.json(response.statusCode, .object(JSONObject([("Status", .int(response.statusCode))])),
                                  operation: route.operation)
    }

    // MARK: - Errors

    /// `x-amzn-ErrorType: Code` and `{"Type": "User", "Message"|"message": …}` as the model's
    /// error shape spells its message member (reference §1.1).
    static func errorResponse(_ error: ServiceError, operation: String?) -> ServeResponse {
        let modeled = ServeModel.lambdaErrors[error.code]
        let senderFault = modeled?.senderFault ?? (error.status < 500)
        var body = JSONObject()
        if modeled?.capitalMessage ?? false {
            body["Message"] = .string(error.message)
            body["Type"] = .string(senderFault ? "User" : "Service")
        } else {
            if let reason = error.reason { body["Reason"] = .string(reason) }
            body["Type"] = .string(senderFault ? "User" : "Service")
            body["message"] = .string(error.message)
        }
        return ServeResponse.json(error.status, .object(body), extraHeaders: [("x-amzn-ErrorType", error.code)], operation: operation)
    }
}
