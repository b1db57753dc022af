import LambdaSimJSON

/// AWS's JSON protocol: `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a JSON body of
/// the operation's input members; the answer is the output shape as JSON. SQS (`AmazonSQS`,
/// JSON 1.0, query-compatible errors), EventBridge (`AWSEvents`, JSON 1.1), DynamoDB
/// (`DynamoDB_20120810`, JSON 1.0) and Kinesis (`Kinesis_20131202`, JSON 1.1). Blobs travel as
/// base64 text and timestamps as epoch seconds, as the engine answers them.
enum JSONProtocolAPI {
    struct Service {
        var prefix: String
        var contentType: String
        var operations: Set<String>
        /// `x-amzn-query-error` and SQS's `com.amazonaws.sqs#Shape` error types.
        var queryCompatible: Bool
        /// The engine's service name (`perform(service:)`), which tells overlapping names apart.
        var name: String
        /// Prefixed to error codes in `__type` (DynamoDB's `com.amazonaws.dynamodb.v20120810#`).
        var errorTypePrefix = ""
    }

    static func implemented(_ service: String) -> Set<String> {
        Set(ImplementedOperations.byService.first { $0.service == service }?.operations ?? [])
    }

    static let services: [Service] = [
        Service(prefix: "AmazonSQS", contentType: "application/x-amz-json-1.0", operations: ServeModel.sqsOperations,
                queryCompatible: true, name: "sqs"),
        Service(prefix: "AWSEvents", contentType: "application/x-amz-json-1.1", operations: ServeModel.eventsOperations,
                queryCompatible: false, name: "events"),
        Service(prefix: "DynamoDB_20120810", contentType: "application/x-amz-json-1.0", operations: implemented("dynamodb"),
                queryCompatible: false, name: "dynamodb", errorTypePrefix: "com.amazonaws.dynamodb.v20120810#"),
        Service(prefix: "Kinesis_20131202", contentType: "application/x-amz-json-1.1", operations: implemented("kinesis"),
                queryCompatible: false, name: "kinesis"),
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
            let result = try engine.perform(service: service.name, operation, params)
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
        var type = service.errorTypePrefix + error.code
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
