import LambdaSimJSON

/// AWS's JSON protocol: `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a JSON body of
/// the operation's input members; the answer is the output shape as JSON. SQS (`AmazonSQS`,
/// JSON 1.0, query-compatible errors) and EventBridge (`AWSEvents`, JSON 1.1).
enum JSONProtocolAPI {
    struct Service {
        var prefix: String
        var contentType: String
        var operations: Set<String>
        /// `x-amzn-query-error` and SQS's `com.amazonaws.sqs#Shape` error types.
        var queryCompatible: Bool
    }

    static let services: [Service] = [
        Service(prefix: "AmazonSQS", contentType: "application/x-amz-json-1.0", operations: ServeModel.sqsOperations,
                queryCompatible: true),
        Service(prefix: "AWSEvents", contentType: "application/x-amz-json-1.1", operations: ServeModel.eventsOperations,
                queryCompatible: false),
    ]

    static func handle(_ request: ServeRequest, target: String, engines: EngineRegistry) -> ServeResponse {
        guard let dot = target.lastIndex(of: ".") else {
            return unknownOperation(target, contentType: "application/x-amz-json-1.0")
        }
        let prefix = String(target[..<dot])
        let operation = String(target[target.index(after: dot)...])
        guard let service = services.first(where: { $0.prefix == prefix }) else {
            return unknownOperation(target, contentType: "application/x-amz-json-1.1")
        }
        guard service.operations.contains(operation) else {
            return unknownOperation(target, contentType: service.contentType)
        }
        let engine = engines.engine(region: request.region)
        do {
            var params = JSONObject()
            if !request.body.isEmpty {
                let parsed: JSON
                do {
                    parsed = try JSONParser.parse(bytes: request.body)
                } catch {
                    throw ServiceError("SerializationException", "Start of structure or map found where not expected: \(error.message)")
                }
                guard let object = parsed.objectValue else {
                    throw ServiceError("SerializationException", "Start of structure or map found where not expected.")
                }
                params = object
            }
            if service.prefix == "AmazonSQS", let trace = request.header("x-amzn-trace-id") {
                params = Self.withTraceHeader(params, operation: operation, trace: trace.removingPercentEncoding ?? trace)
            }
            let result = try engine.perform(operation, params)
            let body: JSON = result.objectValue == nil ? .object(JSONObject()) : result
            return ServeResponse.json(200, body, contentType: service.contentType, operation: operation)
        } catch {
            return errorResponse(ServeErrors.serviceError(error), service: service, operation: operation)
        }
    }

    /// SQS keeps a sender's `X-Amzn-Trace-Id` header as the message's `AWSTraceHeader` system
    /// attribute unless the request sets one (an SDK inside a function sends the function's
    /// trace header, which carries the recursion chain).
    static func withTraceHeader(_ params: JSONObject, operation: String, trace: String) -> JSONObject {
        func tagged(_ o: JSONObject) -> JSONObject {
            guard o["MessageSystemAttributes"] == nil else { return o }
            var o = o
            o["MessageSystemAttributes"] = .object(JSONObject([("AWSTraceHeader", .object(JSONObject([
                ("DataType", "String"), ("StringValue", .string(trace)),
            ])))]))
            return o
        }
        switch operation {
        case "SendMessage": return tagged(params)
        case "SendMessageBatch":
            guard let entries = params["Entries"]?.arrayValue else { return params }
            var p = params
            p["Entries"] = .array(entries.map { $0.objectValue.map { .object(tagged($0)) } ?? $0 })
            return p
        default: return params
        }
    }

    static func unknownOperation(_ target: String, contentType: String) -> ServeResponse {
        ServeResponse.json(400, .object(JSONObject([("__type", "UnknownOperationException"),
                                                    ("message", .string("lambda-sim serve: unknown operation \(target)"))])),
                           contentType: contentType)
    }

    /// SQS's query error codes (the engine's, as the query protocol and the CLI spell them) whose
    /// JSON shape has another name; the rest are the code without the `AWS.SimpleQueueService.` prefix.
    static let sqsShapeNames: [String: String] = [
        "AWS.SimpleQueueService.NonExistentQueue": "QueueDoesNotExist",
        "QueueAlreadyExists": "QueueNameExists",
    ]

    /// `{"__type": …, "message": …}`; for SQS also `x-amzn-query-error: <query code>;Sender`, which
    /// botocore turns back into the query code the CLI prints.
    static func errorResponse(_ error: ServiceError, service: Service, operation: String) -> ServeResponse {
        var headers: [(String, String)] = []
        var type = error.code
        if service.queryCompatible {
            let prefix = "AWS.SimpleQueueService."
            let shape = sqsShapeNames[error.code] ?? (error.code.hasPrefix(prefix) ? String(error.code.dropFirst(prefix.count)) : error.code)
            type = "com.amazonaws.sqs#" + shape
            headers.append(("x-amzn-query-error", "\(error.code);\(error.status >= 500 ? "Receiver" : "Sender")"))
        }
        let body = JSONObject([("__type", .string(type)), ("message", .string(error.message))])
        return ServeResponse.json(error.status, .object(body), contentType: service.contentType, extraHeaders: headers,
                                  operation: operation)
    }
}
