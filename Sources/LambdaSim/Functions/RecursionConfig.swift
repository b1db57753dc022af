import LambdaSimJSON

/// Recursive loop detection's per-function setting (`put-` / `get-function-recursion-config`).
///
/// Lambda stops a chain of invocations through SQS, SNS, S3 and Lambda itself once the same
/// request chain has invoked the function about 16 times, unless the function's setting is
/// `Allow` (AWS Lambda Developer Guide, "Recursive loop detection"). The chain travels with
/// each event (`AsyncEvent.chainDepth`, SQS messages' `chainDepth`); see `RecursionChain`.
extension Engine {
    func putFunctionRecursionConfig(_ p: JSONObject) throws -> JSON {
        let value = p.string("RecursiveLoop") ?? ""
        guard value == "Allow" || value == "Terminate" else {
            throw ServiceError.constraint(value: value, field: "recursiveLoop", "Member must satisfy enum value set: [Allow, Terminate]")
        }
        return try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            state.functions[found.key]?.recursiveLoop = value == "Allow" ? "Allow" : nil
            return .object(JSONObject([("RecursiveLoop", .string(value))]))
        }
    }

    func getFunctionRecursionConfig(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        return .object(JSONObject([("RecursiveLoop", .string(found.record.recursiveLoop ?? "Terminate"))]))
    }
}
