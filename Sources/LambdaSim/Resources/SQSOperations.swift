import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message as `receive-message` (and an event source poller) gets it.
public struct SQSReceivedMessage: Sendable {
    public var messageId: String
    public var receiptHandle: String
    public var body: String
    public var md5OfBody: String
    /// `SenderId`, `SentTimestamp`, `ApproximateReceiveCount`, `ApproximateFirstReceiveTimestamp`
    /// and, where they apply, `AWSTraceHeader`, `SequenceNumber`, `MessageDeduplicationId`,
    /// `MessageGroupId`, `DeadLetterQueueSourceArn`, as strings.
    public var attributes: [(name: String, value: String)]
    public var messageAttributes: [String: MessageAttributeValue]
    public var md5OfMessageAttributes: String?
}

/// What one receive did: the messages returned, and the messages it moved to the dead-letter
/// queue or dropped at the end of their retention period on the way.
public struct SQSReceiveResult: Sendable {
    public var messages: [SQSReceivedMessage] = []
    /// (message id, dead-letter queue ARN) for each message moved by the redrive policy.
    public var redriven: [(messageId: String, targetArn: String)] = []
    /// Ids of messages deleted because they outlived `MessageRetentionPeriod`.
    public var expired: [String] = []
}

/// Approximate message counts, as `GetQueueAttributes` reports them.
public struct SQSQueueCounts: Sendable, Equatable {
    public var visible = 0
    public var notVisible = 0
    public var delayed = 0
}

extension Engine {
    /// `<state dir>/sqs/<storageId>.jsonl`: where a queue's messages live.
    func messagesPath(_ queue: SQSQueue) -> String {
        store.directory + "/sqs/" + queue.storageId + ".jsonl"
    }

    // MARK: - Queues

    func sqsCreateQueue(_ p: JSONObject) throws -> JSON {
        let name = p.string("QueueName") ?? ""
        let given = p.stringMap("Attributes")
        let fifo = given.first { $0.0 == "FifoQueue" }?.1.lowercased() == "true"
        try Self.validateQueueName(name, fifo: fifo)
        let tags = p.stringMap("tags")
        return try store.update { state -> JSON in
            let attributes = try self.validateQueueAttributes(state, given, creating: true, fifo: fifo, region: self.region)
            let key = self.region + "/" + name
            let now = self.now(state)
            var resources = state.localResources
            if let existing = resources.queues[key] {
                for (attribute, value) in attributes where existing.attribute(attribute) ?? "" != value {
                    if attribute == "FifoQueue", value == "false", !existing.isFifo { continue }
                    throw ServiceError("QueueAlreadyExists",
                                       "A queue already exists with the same name and a different value for attribute \(attribute)",
                                       status: 400)
                }
                return .object(JSONObject([("QueueUrl", .string(existing.url))]))
            }
            if let deleted = resources.deletedQueues[key], now - deleted < 60_000 {
                throw ServiceError("AWS.SimpleQueueService.QueueDeletedRecently",
                                   "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
                                   status: 400)
            }
            resources.deletedQueues[key] = nil
            var stored: [String: String] = [:]
            for (attribute, value) in attributes where !(attribute == "RedrivePolicy" && value.isEmpty) {
                stored[attribute] = value
            }
            if stored["KmsMasterKeyId"] != nil, stored["SqsManagedSseEnabled"] == nil {
                stored["SqsManagedSseEnabled"] = "false"
            }
            let queue = SQSQueue(name: name, region: self.region, storageId: state.rng.hex32(), attributes: stored,
                                 tags: tags.isEmpty ? nil : Dictionary(tags, uniquingKeysWith: { $1 }),
                                 createdMs: now, lastModifiedMs: now, lastPurgeMs: nil, fifoSequence: nil)
            resources.queues[key] = queue
            state.localResources = resources
            return .object(JSONObject([("QueueUrl", .string(queue.url))]))
        }
    }

    func sqsGetQueueUrl(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let name = p.string("QueueName") ?? ""
        if let owner = p.string("QueueOwnerAWSAccountId"), owner != Arn.account { throw SQSError.nonExistentQueue() }
        guard let queue = state.localResources.queues[region + "/" + name] else { throw SQSError.nonExistentQueue() }
        return .object(JSONObject([("QueueUrl", .string(queue.url))]))
    }

    func sqsGetQueueAttributes(_ p: JSONObject) throws -> JSON {
        let requested = (p["AttributeNames"]?.arrayValue ?? []).compactMap(\.stringValue)
        for name in requested where name != "All" && !SQSConstants.attributeOrder.contains(name) {
            throw SQSError.invalidAttributeName(name)
        }
        return try store.update { state -> JSON in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            guard !requested.isEmpty else { return .object(JSONObject()) }
            let wanted = requested.contains("All") ? Set(SQSConstants.attributeOrder) : Set(requested)
            var counts = SQSQueueCounts()
            if wanted.contains(where: { $0.hasPrefix("ApproximateNumberOfMessages") }) {
                counts = try self.sqsCounts(state, queue: queue)
            }
            var out = JSONObject()
            for name in SQSConstants.attributeOrder where wanted.contains(name) {
                let value: String?
                switch name {
                case "QueueArn": value = queue.arn
                case "ApproximateNumberOfMessages": value = String(counts.visible)
                case "ApproximateNumberOfMessagesNotVisible": value = String(counts.notVisible)
                case "ApproximateNumberOfMessagesDelayed": value = String(counts.delayed)
                case "CreatedTimestamp": value = String(queue.createdMs / 1000)
                case "LastModifiedTimestamp": value = String(queue.lastModifiedMs / 1000)
                case "FifoQueue": value = queue.isFifo ? "true" : nil
                case "ContentBasedDeduplication": value = queue.isFifo ? queue.attributes[name] ?? "false" : nil
                case "DeduplicationScope": value = queue.isFifo ? queue.attributes[name] ?? "queue" : nil
                case "FifoThroughputLimit": value = queue.isFifo ? queue.attributes[name] ?? "perQueue" : nil
                case "KmsDataKeyReusePeriodSeconds":
                    value = queue.attributes[name] ?? (queue.attributes["KmsMasterKeyId"] != nil ? "300" : nil)
                default: value = queue.attribute(name)
                }
                if let value { out[name] = .string(value) }
            }
            return .object(JSONObject([("Attributes", .object(out))]))
        }
    }

    func sqsSetQueueAttributes(_ p: JSONObject) throws -> JSON {
        let given = p.stringMap("Attributes")
        try store.update { state in
            var queue = try self.queue(state, url: p.string("QueueUrl"))
            let attributes = try self.validateQueueAttributes(state, given, creating: false, fifo: queue.isFifo,
                                                              region: queue.region)
            for (name, value) in attributes {
                queue.attributes[name] = (name == "RedrivePolicy" || name == "Policy" || name == "RedriveAllowPolicy")
                    && value.isEmpty ? nil : value
            }
            queue.lastModifiedMs = self.now(state)
            state.localResources.queues[queue.region + "/" + queue.name] = queue
        }
        return .object(JSONObject())
    }

    func sqsListQueues(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let prefix = p.string("QueueNamePrefix") ?? ""
        var names = state.localResources.queues.values.filter { $0.region == region && $0.name.hasPrefix(prefix) }
            .map(\.name).sorted()
        if let token = p.string("NextToken") {
            guard let decoded = Base64.decode(token).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw SQSError.invalidParameterValue("Invalid NextToken value.")
            }
            names = names.filter { $0 > decoded }
        }
        var out = JSONObject()
        var next: String?
        if let max = p.integer("MaxResults") {
            guard (1...1000).contains(max) else {
                throw SQSError.invalidParameterValue("Value \(max) for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
            }
            if names.count > max {
                names = Array(names.prefix(max))
                next = names.last.map { Base64.encode(Array($0.utf8)) }
            }
        } else {
            names = Array(names.prefix(1000))
        }
        if !names.isEmpty {
            out["QueueUrls"] = .array(names.map { .string(ResourceNames.queueUrl(region: region, name: $0)) })
        }
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }

    func sqsDeleteQueue(_ p: JSONObject) throws -> JSON {
        try store.update { state in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            let key = queue.region + "/" + queue.name
            state.localResources.queues[key] = nil
            state.localResources.deletedQueues[key] = self.now(state)
            try SQSStoreCache.shared.with(self.messagesPath(queue)) { $0.removeFile() }
        }
        return .object(JSONObject())
    }

    func sqsPurgeQueue(_ p: JSONObject) throws -> JSON {
        try store.update { state in
            var queue = try self.queue(state, url: p.string("QueueUrl"))
            let now = self.now(state)
            if let last = queue.lastPurgeMs, now - last < 60_000 {
                throw ServiceError("AWS.SimpleQueueService.PurgeQueueInProgress",
                                   "Only one PurgeQueue operation on \(queue.name) is allowed every 60 seconds.", status: 403)
            }
            queue.lastPurgeMs = now
            state.localResources.queues[queue.region + "/" + queue.name] = queue
            try SQSStoreCache.shared.with(self.messagesPath(queue)) { store in
                try store.commit([.purge(atMs: now)])
            }
        }
        return .object(JSONObject())
    }

    /// Approximate counts of visible, in-flight and delayed messages at the simulated time.
    public func sqsCounts(_ state: State, queue: SQSQueue) throws -> SQSQueueCounts {
        let now = self.now(state)
        let retentionMs = SimInstant(queue.retentionSeconds) * 1000
        return try SQSStoreCache.shared.with(messagesPath(queue)) { store in
            var counts = SQSQueueCounts()
            for m in store.messages.values where now - m.sentMs < retentionMs {
                if m.visibleAtMs <= now {
                    counts.visible += 1
                } else if m.receiveCount > 0 {
                    counts.notVisible += 1
                } else {
                    counts.delayed += 1
                }
            }
            return counts
        }
    }

    // MARK: - Sending

    func sqsSendMessage(_ p: JSONObject) throws -> JSON {
        let attributes = try Self.messageAttributes(p["MessageAttributes"])
        let traceHeader = try Self.traceHeader(p["MessageSystemAttributes"])
        return try store.update { state -> JSON in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            let delay = try Self.delay(p, queue: queue)
            let result = try self.sqsEnqueue(&state, queue: queue, body: p.string("MessageBody") ?? "", attributes: attributes,
                                             delaySeconds: delay, senderId: SQSConstants.userSenderId,
                                             groupId: p.string("MessageGroupId"), deduplicationId: p.string("MessageDeduplicationId"),
                                             traceHeader: traceHeader)
            return Self.sendResult(result, id: nil)
        }
    }

    func sqsSendMessageBatch(_ p: JSONObject) throws -> JSON {
        let entries = (p["Entries"]?.arrayValue ?? []).compactMap(\.objectValue)
        try Self.validateBatchIds(entries, action: "SendMessageBatch")
        return try store.update { state -> JSON in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            let total = entries.reduce(0) { $0 + ($1.string("MessageBody")?.utf8.count ?? 0) }
            if total > queue.maximumMessageSize {
                throw ServiceError("AWS.SimpleQueueService.BatchRequestTooLong",
                                   "Batch requests cannot be longer than \(queue.maximumMessageSize) bytes. You have sent \(total) bytes.",
                                   status: 400)
            }
            var successful: [JSON] = []
            var failed: [JSON] = []
            for entry in entries {
                let id = entry.string("Id") ?? ""
                do {
                    let attributes = try Self.messageAttributes(entry["MessageAttributes"])
                    let traceHeader = try Self.traceHeader(entry["MessageSystemAttributes"])
                    let delay = try Self.delay(entry, queue: queue)
                    let current = state.localResources.queues[queue.region + "/" + queue.name] ?? queue
                    let result = try self.sqsEnqueue(&state, queue: current, body: entry.string("MessageBody") ?? "",
                                                     attributes: attributes, delaySeconds: delay,
                                                     senderId: SQSConstants.userSenderId, groupId: entry.string("MessageGroupId"),
                                                     deduplicationId: entry.string("MessageDeduplicationId"),
                                                     traceHeader: traceHeader)
                    successful.append(Self.sendResult(result, id: id))
                } catch let error as ServiceError {
                    failed.append(Self.batchFailure(id: id, error))
                }
            }
            return Self.batchResult(successful: successful, failed: failed)
        }
    }

    /// A batch entry that failed, as `SendMessageBatch` and `DeleteMessageBatch` report it.
    static func batchFailure(id: String, _ error: ServiceError) -> JSON {
        .object(JSONObject([
            ("Id", .string(id)), ("SenderFault", true), ("Code", .string(error.code)), ("Message", .string(error.message)),
        ]))
    }

    /// A batch answer: `Successful` and `Failed`, each only when it is not empty.
    static func batchResult(successful: [JSON], failed: [JSON]) -> JSON {
        var out = JSONObject()
        if !successful.isEmpty { out["Successful"] = .array(successful) }
        if !failed.isEmpty { out["Failed"] = .array(failed) }
        return .object(out)
    }

    static func sendResult(_ m: SQSMessage, id: String?) -> JSON {
        var o = JSONObject()
        if let id { o["Id"] = .string(id) }
        o["MessageId"] = .string(m.messageId)
        o["MD5OfMessageBody"] = .string(m.md5OfBody)
        if let md5 = m.md5OfMessageAttributes { o["MD5OfMessageAttributes"] = .string(md5) }
        if let md5 = m.md5OfMessageSystemAttributes { o["MD5OfMessageSystemAttributes"] = .string(md5) }
        if let sequence = m.sequenceNumber { o["SequenceNumber"] = .string(sequence) }
        return .object(o)
    }

    static func delay(_ p: JSONObject, queue: SQSQueue) throws -> Int? {
        guard let delay = p.integer("DelaySeconds") else { return nil }
        if queue.isFifo {
            throw SQSError.invalidParameterValue("Value \(delay) for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.")
        }
        guard (0...900).contains(delay) else {
            throw SQSError.invalidParameterValue("Value \(delay) for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")
        }
        return delay
    }

    /// Puts one message in `queue` (send-message, SNS fan-out, Lambda destinations and
    /// dead-letter queues), inside a held state lock. FIFO duplicates within five minutes
    /// return the original message and add nothing.
    @discardableResult
    func sqsEnqueue(_ state: inout State, queue: SQSQueue, body: String, attributes: [String: MessageAttributeValue],
                    delaySeconds: Int?, senderId: String, groupId: String?, deduplicationId: String?,
                    traceHeader: String? = nil) throws -> SQSMessage
    {
        if body.isEmpty { throw SQSError.missingParameter("MessageBody") }
        if let bad = Self.firstInvalidCharacter(body) {
            throw ServiceError("InvalidMessageContents",
                               "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (found U+\(String(bad, radix: 16, uppercase: true)))",
                               status: 400)
        }
        let size = body.utf8.count + attributes.reduce(0) { total, pair in
            total + pair.key.utf8.count + pair.value.dataType.utf8.count
                + (pair.value.stringValue?.utf8.count ?? Self.binaryBytes(pair.value.binaryValue).count)
        }
        if size > queue.maximumMessageSize {
            throw SQSError.invalidParameterValue("One or more parameters are invalid. Reason: Message must be shorter than \(queue.maximumMessageSize) bytes.")
        }
        var dedupKey: String?
        if queue.isFifo {
            guard let groupId, !groupId.isEmpty else { throw SQSError.missingParameter("MessageGroupId") }
            var dedup = deduplicationId
            if dedup == nil, queue.attributes["ContentBasedDeduplication"] == "true" {
                dedup = SHA256.hexDigest(Array(body.utf8))
            }
            guard let dedup else {
                throw SQSError.invalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
            }
            dedupKey = queue.attributes["DeduplicationScope"] == "messageGroup" ? groupId + "\u{1}" + dedup : dedup
        } else if let deduplicationId {
            throw SQSError.invalidParameterValue("Value \(deduplicationId) for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.")
        }
        let now = self.now(state)
        let path = messagesPath(queue)
        if let dedupKey {
            let duplicate = try SQSStoreCache.shared.with(path) { store -> SQSMessage? in
                store.expireDeduplication(now: now)
                guard let entry = store.deduplication[dedupKey] else { return nil }
                return store.messages[entry.messageId]
            }
            if let duplicate { return duplicate }
        }
        var sequenceNumber: String?
        if queue.isFifo {
            var q = queue
            let next = (q.fifoSequence ?? 0) + 1
            q.fifoSequence = next
            state.localResources.queues[q.region + "/" + q.name] = q
            let digits = String(next)
            sequenceNumber = "1" + String(repeating: "0", count: max(0, 19 - digits.count)) + digits
        }
        var systemMD5: String?
        if let traceHeader {
            systemMD5 = Self.md5OfAttributes(["AWSTraceHeader": MessageAttributeValue(dataType: "String", stringValue: traceHeader)])
        }
        let delay = delaySeconds ?? queue.delaySeconds
        let message = SQSMessage(
            messageId: state.rng.uuid(), body: body, md5OfBody: MD5.hex(body), messageAttributes: attributes,
            md5OfMessageAttributes: Self.md5OfAttributes(attributes), awsTraceHeader: traceHeader,
            md5OfMessageSystemAttributes: systemMD5, senderId: senderId, sentMs: now,
            visibleAtMs: now + SimInstant(delay) * 1000, receiveCount: 0, firstReceiveMs: nil, receiptHandle: nil,
            seq: 0, messageGroupId: groupId, messageDeduplicationId: dedupKey, sequenceNumber: sequenceNumber,
            deadLetterQueueSourceArn: nil)
        try SQSStoreCache.shared.with(path) { store in try store.commit([.send(message)]) }
        return message
    }

    // MARK: - Receiving

    func sqsReceiveMessage(_ p: JSONObject) throws -> JSON {
        let max = p.integer("MaxNumberOfMessages") ?? 1
        guard (1...10).contains(max) else {
            throw SQSError.invalidParameterValue("Value \(max) for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
        }
        let visibility = p.integer("VisibilityTimeout")
        if let visibility, !(0...43200).contains(visibility) {
            throw SQSError.invalidParameterValue("Value \(visibility) for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.")
        }
        if let wait = p.integer("WaitTimeSeconds"), !(0...20).contains(wait) {
            throw SQSError.invalidParameterValue("Value \(wait) for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.")
        }
        let systemNames = Set(((p["AttributeNames"]?.arrayValue ?? []) + (p["MessageSystemAttributeNames"]?.arrayValue ?? []))
            .compactMap(\.stringValue))
        let attributeFilters = (p["MessageAttributeNames"]?.arrayValue ?? []).compactMap(\.stringValue)
        // Long polling: on the wall clock an empty receive waits (WaitTimeSeconds, else the
        // queue's ReceiveMessageWaitTimeSeconds) for a message, looking again every 50 ms
        // without holding the lock. On the manual clock time stands still: it answers at once.
        var deadlineNs: UInt64?
        while true {
            let (response, waitSeconds, wall) = try store.update { state -> (JSON, Int, Bool) in
                let queue = try self.queue(state, url: p.string("QueueUrl"))
                let wait = p.integer("WaitTimeSeconds") ?? queue.intAttribute("ReceiveMessageWaitTimeSeconds")
                let response = try self.sqsReceiveResponse(&state, queue: queue, max: max, visibility: visibility,
                                                           systemNames: systemNames, attributeFilters: attributeFilters)
                return (response, wait, state.clock.mode == .wall)
            }
            let empty = response.objectValue?.isEmpty ?? true
            guard empty, wall, waitSeconds > 0 else { return response }
            let now = WallClock.monotonicNs()
            let deadline = deadlineNs ?? now + UInt64(waitSeconds) * 1_000_000_000
            deadlineNs = deadline
            if now >= deadline { return response }
            usleep(50_000)
        }
    }

    func sqsReceiveResponse(_ state: inout State, queue: SQSQueue, max: Int, visibility: Int?, systemNames: Set<String>,
                            attributeFilters: [String]) throws -> JSON
    {
        let result = try self.sqsReceive(&state, queue: queue, maxMessages: max, visibilityTimeout: visibility)
        guard !result.messages.isEmpty else { return .object(JSONObject()) }
        var messages: [JSON] = []
        for m in result.messages {
            var o = JSONObject()
            o["MessageId"] = .string(m.messageId)
            o["ReceiptHandle"] = .string(m.receiptHandle)
            o["MD5OfBody"] = .string(m.md5OfBody)
            o["Body"] = .string(m.body)
            let wanted = m.attributes.filter { systemNames.contains("All") || systemNames.contains($0.name) }
            if !wanted.isEmpty {
                var attrs = JSONObject()
                for (name, value) in wanted { attrs[name] = .string(value) }
                o["Attributes"] = .object(attrs)
            }
            let selected = m.messageAttributes.filter { Self.attributeSelected($0.key, by: attributeFilters) }
            if !selected.isEmpty {
                o["MD5OfMessageAttributes"] = Self.md5OfAttributes(selected).map(JSON.string)
                var attrs = JSONObject()
                for (name, value) in selected.sorted(by: { $0.key < $1.key }) { attrs[name] = value.sqsJSON }
                o["MessageAttributes"] = .object(attrs)
            }
            messages.append(.object(o))
        }
        return .object(JSONObject([("Messages", .array(messages))]))
    }

    static func attributeSelected(_ name: String, by filters: [String]) -> Bool {
        for filter in filters {
            if filter == "All" || filter == ".*" || filter == name { return true }
            if filter.hasSuffix(".*"), name.hasPrefix(String(filter.dropLast(1))) { return true }
        }
        return false
    }

    /// Receives up to `maxMessages` from the queue with ARN `queueArn` at the simulated time,
    /// inside a held state lock (for event source pollers). Messages whose receive count
    /// already reached the redrive policy's `maxReceiveCount` move to the dead-letter queue
    /// instead; messages past their retention period are deleted.
    public func sqsReceive(_ state: inout State, queueArn: String, maxMessages: Int,
                           visibilityTimeout: Int? = nil) throws -> SQSReceiveResult
    {
        guard let arn = ResourceArn(queueArn), let queue = state.localResources.queues[arn.regionalKey] else {
            throw SQSError.nonExistentQueue()
        }
        return try sqsReceive(&state, queue: queue, maxMessages: maxMessages, visibilityTimeout: visibilityTimeout)
    }

    func sqsReceive(_ state: inout State, queue: SQSQueue, maxMessages: Int, visibilityTimeout: Int?) throws -> SQSReceiveResult {
        let now = self.now(state)
        let timeoutMs = SimInstant(visibilityTimeout ?? queue.visibilityTimeout) * 1000
        let retentionMs = SimInstant(queue.retentionSeconds) * 1000
        var redrive: (queue: SQSQueue, maxReceiveCount: Int)?
        if let policy = queue.redrive, let target = ResourceArn(policy.targetArn),
            let dlq = state.localResources.queues[target.regionalKey], dlq.storageId != queue.storageId
        {
            redrive = (dlq, policy.maxReceiveCount)
        }
        let path = messagesPath(queue)
        let dlqPath = redrive.map { messagesPath($0.queue) } ?? path
        let queueArn = queue.arn
        let storageId = queue.storageId
        return try SQSStoreCache.shared.with(path, dlqPath) { store, dlqStore in
            var result = SQSReceiveResult()
            var records: [JournalOp] = []
            var dlqRecords: [JournalOp] = []
            var blockedGroups: Set<String> = []
            var deliveredInGroup: [String: Int] = [:]
            var taken: [VisibilityHeap.Entry] = []
            defer { store.putBack(taken) }
            while result.messages.count < maxMessages, let (entry, m) = store.takeVisible(at: now) {
                taken.append(entry)
                if now - m.sentMs >= retentionMs {
                    records.append(.delete(messageId: m.messageId, reason: "expired"))
                    result.expired.append(m.messageId)
                    continue
                }
                if let group = m.messageGroupId, queue.isFifo {
                    if blockedGroups.contains(group) { continue }
                    let members = store.groupMembers(group)
                    let position = members.firstIndex(of: m.messageId) ?? 0
                    let earlierInFlight = members.prefix(position).contains { id in
                        store.messages[id].map { $0.visibleAtMs > now } ?? false
                    }
                    if earlierInFlight || position != deliveredInGroup[group, default: 0] {
                        blockedGroups.insert(group)
                        continue
                    }
                }
                if let redrive, m.receiveCount >= redrive.maxReceiveCount {
                    records.append(.delete(messageId: m.messageId, reason: "redrive"))
                    var moved = m
                    moved.visibleAtMs = now
                    moved.receiptHandle = nil
                    moved.seq = 0
                    moved.deadLetterQueueSourceArn = queueArn
                    dlqRecords.append(.send(moved))
                    result.redriven.append((m.messageId, redrive.queue.arn))
                    continue
                }
                let handle = Self.receiptHandle(storageId: storageId, messageId: m.messageId, count: m.receiveCount + 1)
                records.append(.receive(messageId: m.messageId, receiptHandle: handle, atMs: now, visibleAtMs: now + timeoutMs))
                if let group = m.messageGroupId { deliveredInGroup[group, default: 0] += 1 }
                var received = m
                received.receiveCount += 1
                received.firstReceiveMs = m.firstReceiveMs ?? now
                received.receiptHandle = handle
                result.messages.append(Self.received(received, handle: handle))
            }
            if !dlqRecords.isEmpty { try dlqStore.commit(dlqRecords) }
            try store.commit(records)
            return result
        }
    }

    static func received(_ m: SQSMessage, handle: String) -> SQSReceivedMessage {
        var attributes: [(name: String, value: String)] = [
            ("SenderId", m.senderId),
            ("ApproximateFirstReceiveTimestamp", String(m.firstReceiveMs ?? m.sentMs)),
            ("ApproximateReceiveCount", String(m.receiveCount)),
            ("SentTimestamp", String(m.sentMs)),
        ]
        if let v = m.awsTraceHeader { attributes.append(("AWSTraceHeader", v)) }
        if let v = m.sequenceNumber { attributes.append(("SequenceNumber", v)) }
        if let v = m.messageDeduplicationId, m.sequenceNumber != nil {
            let id = v.split(separator: "\u{1}", maxSplits: 1).last.map(String.init) ?? v
            attributes.append(("MessageDeduplicationId", id))
        }
        if let v = m.messageGroupId { attributes.append(("MessageGroupId", v)) }
        if let v = m.deadLetterQueueSourceArn { attributes.append(("DeadLetterQueueSourceArn", v)) }
        return SQSReceivedMessage(messageId: m.messageId, receiptHandle: handle, body: m.body, md5OfBody: m.md5OfBody,
                                  attributes: attributes, messageAttributes: m.messageAttributes,
                                  md5OfMessageAttributes: m.md5OfMessageAttributes)
    }

    /// An opaque-looking receipt handle that names the queue storage, the message and the receive.
    static func receiptHandle(storageId: String, messageId: String, count: Int) -> String {
        Base64.encode(Array("lambda-sim:\(storageId):\(messageId):\(count)".utf8))
    }

    /// The message id a receipt handle names, if it is one of this queue's.
    static func messageId(fromHandle handle: String, storageId: String) -> String? {
        guard let bytes = Base64.decode(handle) else { return nil }
        // `lambda-sim:<storageId>:<messageId>:<count>`: the four non-empty parts between colons
        // (as `split(separator: ":")` finds them), scanned as bytes: the pollers delete a
        // million of these.
        if bytes.contains(where: { $0 >= 0x80 }) {
            // Not ASCII: split as characters, exactly as ever (a colon can combine with what follows).
            let parts = String(decoding: bytes, as: UTF8.self).split(separator: ":").map(String.init)
            guard parts.count == 4, parts[0] == "lambda-sim", parts[1] == storageId else { return nil }
            return parts[2]
        }
        var parts: [Range<Int>] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ":") {
            if i > start {
                if parts.count == 4 { return nil }
                parts.append(start..<i)
            }
            start = i + 1
        }
        guard parts.count == 4 else { return nil }
        func part(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        guard part(parts[0]) == "lambda-sim", part(parts[1]) == storageId else { return nil }
        return part(parts[2])
    }

    // MARK: - Deleting and visibility

    func sqsDeleteMessage(_ p: JSONObject) throws -> JSON {
        try store.update { state in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            try self.sqsDelete(state, queue: queue, receiptHandle: p.string("ReceiptHandle") ?? "")
        }
        return .object(JSONObject())
    }

    func sqsDeleteMessageBatch(_ p: JSONObject) throws -> JSON {
        let entries = (p["Entries"]?.arrayValue ?? []).compactMap(\.objectValue)
        try Self.validateBatchIds(entries, action: "DeleteMessageBatch")
        return try store.update { state -> JSON in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            var successful: [JSON] = []
            var failed: [JSON] = []
            for entry in entries {
                let id = entry.string("Id") ?? ""
                do {
                    try self.sqsDelete(state, queue: queue, receiptHandle: entry.string("ReceiptHandle") ?? "")
                    successful.append(.object(JSONObject([("Id", .string(id))])))
                } catch let error as ServiceError {
                    failed.append(Self.batchFailure(id: id, error))
                }
            }
            return Self.batchResult(successful: successful, failed: failed)
        }
    }

    /// Deletes the messages the receipt handles name from the queue `queueArn`, inside a held
    /// state lock (for event source pollers). Handles of messages already gone are ignored.
    public func sqsDeleteMessages(_ state: State, queueArn: String, receiptHandles: [String]) throws {
        guard let arn = ResourceArn(queueArn), let queue = state.localResources.queues[arn.regionalKey] else {
            throw SQSError.nonExistentQueue()
        }
        var ids: [String] = []
        for handle in receiptHandles {
            guard let id = Self.messageId(fromHandle: handle, storageId: queue.storageId) else {
                throw SQSError.receiptHandleIsInvalid(handle)
            }
            ids.append(id)
        }
        try SQSStoreCache.shared.with(messagesPath(queue)) { store in
            var seen: Set<String> = []
            let ops = ids.filter { store.messages[$0] != nil && seen.insert($0).inserted }
                .map { JournalOp.delete(messageId: $0, reason: nil) }
            try store.commit(ops)
        }
    }

    func sqsDelete(_ state: State, queue: SQSQueue, receiptHandle: String) throws {
        guard let id = Self.messageId(fromHandle: receiptHandle, storageId: queue.storageId) else {
            throw SQSError.receiptHandleIsInvalid(receiptHandle)
        }
        try SQSStoreCache.shared.with(messagesPath(queue)) { store in
            guard store.messages[id] != nil else { return }
            try store.commit([.delete(messageId: id, reason: nil)])
        }
    }

    func sqsChangeMessageVisibility(_ p: JSONObject) throws -> JSON {
        let timeout = p.integer("VisibilityTimeout") ?? 0
        try store.update { state in
            let queue = try self.queue(state, url: p.string("QueueUrl"))
            try self.sqsChangeVisibility(state, queue: queue, receiptHandle: p.string("ReceiptHandle") ?? "",
                                         visibilityTimeout: timeout)
        }
        return .object(JSONObject())
    }

    /// Changes the visibility timeout of an in-flight message (for event source pollers, e.g.
    /// to make a failed batch visible again), inside a held state lock.
    public func sqsChangeVisibility(_ state: State, queueArn: String, receiptHandle: String, visibilityTimeout: Int) throws {
        guard let arn = ResourceArn(queueArn), let queue = state.localResources.queues[arn.regionalKey] else {
            throw SQSError.nonExistentQueue()
        }
        try sqsChangeVisibility(state, queue: queue, receiptHandle: receiptHandle, visibilityTimeout: visibilityTimeout)
    }

    func sqsChangeVisibility(_ state: State, queue: SQSQueue, receiptHandle: String, visibilityTimeout: Int) throws {
        guard (0...43200).contains(visibilityTimeout) else {
            throw SQSError.invalidParameterValue("Value \(visibilityTimeout) for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.")
        }
        guard let id = Self.messageId(fromHandle: receiptHandle, storageId: queue.storageId) else {
            throw SQSError.receiptHandleIsInvalid(receiptHandle)
        }
        let now = self.now(state)
        try SQSStoreCache.shared.with(messagesPath(queue)) { store in
            guard let m = store.messages[id], m.isInFlight(at: now) else {
                throw ServiceError("AWS.SimpleQueueService.MessageNotInflight",
                                   "Message does not exist or is not available for visibility timeout change.", status: 400)
            }
            try store.commit([.visibility(messageId: id, visibleAtMs: now + SimInstant(visibilityTimeout) * 1000)])
        }
    }

    /// The next simulated time a message of the queue `queueArn` becomes visible (after a
    /// delay or a visibility timeout), for the scheduler; nil when nothing is waiting.
    public func sqsNextVisibleTime(_ state: State, queueArn: String) throws -> SimInstant? {
        guard let arn = ResourceArn(queueArn), let queue = state.localResources.queues[arn.regionalKey] else { return nil }
        let now = self.now(state)
        return try SQSStoreCache.shared.with(messagesPath(queue)) { $0.nextVisibilityChange(after: now) }
    }

    // MARK: - Validation

    static func validateBatchIds(_ entries: [JSONObject], action: String) throws {
        if entries.isEmpty { throw SQSError.batchEmpty(action) }
        if entries.count > 10 { throw SQSError.tooManyEntries(entries.count) }
        var seen: Set<String> = []
        for entry in entries {
            let id = entry.string("Id") ?? ""
            let valid = !id.isEmpty && id.count <= 80 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            if !valid { throw SQSError.invalidBatchEntryId() }
            if !seen.insert(id).inserted { throw SQSError.idsNotDistinct(id) }
        }
    }

    /// Message attributes from the API shape, validated as SQS does.
    static func messageAttributes(_ value: JSON?) throws -> [String: MessageAttributeValue] {
        guard let object = value?.objectValue else { return [:] }
        if object.count > 10 {
            throw SQSError.invalidParameterValue("Number of message attributes [\(object.count)] exceeds the allowed maximum [10].")
        }
        var out: [String: MessageAttributeValue] = [:]
        for (name, spec) in object {
            let lower = name.lowercased()
            let validName = !name.isEmpty && name.utf8.count <= 256
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
                && !name.hasPrefix(".") && !name.hasSuffix(".") && !name.contains("..")
                && !lower.hasPrefix("aws.") && !lower.hasPrefix("amazon.")
            guard validName else {
                throw SQSError.invalidParameterValue("Message (user) attribute name '\(name)' is invalid. The attribute name can contain only alphanumeric characters, hyphens, underscores and periods, must not start or end with a period, must not contain successive periods, and must not start with AWS. or Amazon.")
            }
            guard let dataType = spec["DataType"]?.stringValue, !dataType.isEmpty else {
                throw SQSError.invalidParameterValue("The message attribute '\(name)' must contain non-empty message attribute type.")
            }
            var attribute = MessageAttributeValue(dataType: dataType)
            switch attribute.baseType {
            case "String", "Number":
                guard let text = spec["StringValue"].map(JSONText.scalar), !text.isEmpty else {
                    throw SQSError.invalidParameterValue("The message attribute '\(name)' must contain non-empty message attribute value for message attribute type '\(attribute.baseType)'.")
                }
                if attribute.baseType == "Number", Double(text) == nil {
                    throw SQSError.invalidParameterValue("Can't cast the value of message (user) attribute '\(name)' to a number.")
                }
                attribute.stringValue = text
            case "Binary":
                guard let text = spec["BinaryValue"]?.stringValue, !text.isEmpty else {
                    throw SQSError.invalidParameterValue("The message attribute '\(name)' must contain non-empty message attribute value for message attribute type 'Binary'.")
                }
                attribute.binaryValue = Base64.decode(text) != nil ? text : Base64.encode(Array(text.utf8))
            default:
                throw SQSError.invalidParameterValue("The type of message (user) attribute '\(name)' is invalid. You must use only the following supported type prefixes: Binary, Number, String.")
            }
            out[name] = attribute
        }
        return out
    }

    /// The `AWSTraceHeader` message system attribute, the only one SQS accepts.
    static func traceHeader(_ value: JSON?) throws -> String? {
        guard let object = value?.objectValue, !object.isEmpty else { return nil }
        for key in object.keys where key != "AWSTraceHeader" {
            throw SQSError.invalidParameterValue("Message system attribute name '\(key)' is invalid.")
        }
        guard let header = object["AWSTraceHeader"], header["DataType"]?.stringValue == "String",
            let text = header["StringValue"]?.stringValue, !text.isEmpty
        else {
            throw SQSError.invalidParameterValue("Message system attribute 'AWSTraceHeader' must contain a non-empty String value.")
        }
        return text
    }

    static func binaryBytes(_ base64: String?) -> [UInt8] {
        guard let base64 else { return [] }
        return Base64.decode(base64) ?? Array(base64.utf8)
    }

    /// MD5 of message attributes as SQS computes it: for each attribute in name order, the
    /// name, the data type and the value, each as a 4-byte big-endian length and its bytes,
    /// with a transport byte (1 string, 2 binary) before the value.
    static func md5OfAttributes(_ attributes: [String: MessageAttributeValue]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes: [UInt8] = []
        func append(_ data: [UInt8]) {
            let n = UInt32(data.count)
            bytes += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            bytes += data
        }
        for name in attributes.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            guard let value = attributes[name] else { continue }
            append(Array(name.utf8))
            append(Array(value.dataType.utf8))
            if let text = value.stringValue, value.baseType != "Binary" {
                bytes.append(1)
                append(Array(text.utf8))
            } else {
                bytes.append(2)
                append(binaryBytes(value.binaryValue))
            }
        }
        return MD5.hex(bytes)
    }

    /// The first character SQS does not accept in a message, if any.
    static func firstInvalidCharacter(_ text: String) -> UInt32? {
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let ok = v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                || (0x10000...0x10FFFF).contains(v)
            if !ok { return v }
        }
        return nil
    }
}
