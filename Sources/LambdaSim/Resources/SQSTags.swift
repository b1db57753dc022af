import LambdaSimJSON

/// SQS's `tag-queue`, `untag-queue` and `list-queue-tags` (tags also come from `create-queue --tags`).
extension Engine {
    func performSQSTagOperation(_ operation: String, _ p: JSONObject) throws -> JSON? {
        switch operation {
        case "TagQueue":
            try store.update { state in
                let queue = try self.queue(state, url: p.string("QueueUrl"))
                var tags = queue.tags ?? [:]
                for (k, v) in p.stringMap("Tags") { tags[k] = v }
                state.localResources.queues[queue.region + "/" + queue.name]?.tags = tags
            }
            return .object(JSONObject())
        case "UntagQueue":
            try store.update { state in
                let queue = try self.queue(state, url: p.string("QueueUrl"))
                var tags = queue.tags ?? [:]
                for k in (p["TagKeys"]?.arrayValue ?? []).compactMap(\.stringValue) { tags[k] = nil }
                state.localResources.queues[queue.region + "/" + queue.name]?.tags = tags.isEmpty ? nil : tags
            }
            return .object(JSONObject())
        case "ListQueueTags":
            let queue = try self.queue(try store.read(), url: p.string("QueueUrl"))
            guard let tags = queue.tags, !tags.isEmpty else { return .object(JSONObject()) }
            return .object(JSONObject([("Tags", Self.tagMap(tags))]))
        default:
            return nil
        }
    }
}
