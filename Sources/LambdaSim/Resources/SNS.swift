import LambdaSimJSON
import LambdaSimSupport

/// An SNS topic and its subscriptions, kept in the state file.
public struct SNSTopic: Codable, Sendable {
    public var name: String
    public var region: String
    public var arn: String
    /// Attributes as set (`DisplayName`, `Policy`, `FifoTopic`, …), as the API's strings.
    public var attributes: [String: String]
    public var tags: [String: String]?
    public var subscriptions: [SNSSubscription]
    public var createdMs: SimInstant
    /// FIFO topics: the last sequence number handed out.
    public var fifoSequence: Int64?

    public var isFifo: Bool { attributes["FifoTopic"] == "true" }
}

/// One subscription of a topic. SQS queues and Lambda functions receive messages; other
/// protocols (email, http, sms, …) are validated, stored and listed, with no local delivery.
public struct SNSSubscription: Codable, Sendable {
    public var arn: String
    public var protocolName: String
    public var endpoint: String
    /// `RawMessageDelivery`, `FilterPolicy`, `FilterPolicyScope`, … as set (those three apply).
    public var attributes: [String: String]
    /// Email and HTTP subscriptions wait for a confirmation that never comes locally.
    public var confirmed: Bool

    enum CodingKeys: String, CodingKey {
        case arn, protocolName = "protocol", endpoint, attributes, confirmed
    }

    var rawMessageDelivery: Bool { attributes["RawMessageDelivery"]?.lowercased() == "true" }
}

enum SNSError {
    static func invalidParameter(_ message: String) -> ServiceError {
        ServiceError("InvalidParameter", "Invalid parameter: \(message)", status: 400)
    }

    static func topicNotFound() -> ServiceError { ServiceError("NotFound", "Topic does not exist", status: 404) }
}

extension Engine {
    // MARK: - Topics

    func snsCreateTopic(_ p: JSONObject) throws -> JSON {
        let name = p.string("Name") ?? ""
        let attributes = p.stringMap("Attributes")
        let fifo = attributes.first { $0.0 == "FifoTopic" }?.1.lowercased() == "true"
        var base = Substring(name)
        if fifo {
            guard name.hasSuffix(".fifo") else {
                throw SNSError.invalidParameter("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
            }
            base = base.dropLast(5)
        }
        let validName = !base.isEmpty && name.count <= 256
            && base.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        guard validName else { throw SNSError.invalidParameter("Topic Name") }
        var stored: [String: String] = [:]
        for (key, value) in attributes {
            let known = ["DeliveryPolicy", "DisplayName", "FifoTopic", "Policy", "SignatureVersion", "TracingConfig",
                         "KmsMasterKeyId", "ContentBasedDeduplication", "ArchivePolicy", "FifoThroughputScope"]
            guard known.contains(key) else { throw SNSError.invalidParameter("Attributes Reason: Unknown attribute \(key)") }
            stored[key] = key == "FifoTopic" || key == "ContentBasedDeduplication" ? value.lowercased() : value
        }
        if stored["FifoTopic"] == "false" { stored["FifoTopic"] = nil }
        var tags: [String: String] = [:]
        for tag in p["Tags"]?.arrayValue ?? [] {
            if let key = tag["Key"]?.stringValue { tags[key] = tag["Value"]?.stringValue ?? "" }
        }
        let arn = ResourceNames.topicArn(region: region, name: name)
        try store.update { state in
            if let existing = state.localResources.topics[arn] {
                for (key, value) in stored where existing.attributes[key] != value {
                    throw SNSError.invalidParameter("Attributes Reason: Topic already exists with different attributes")
                }
                return
            }
            state.localResources.topics[arn] = SNSTopic(name: name, region: self.region, arn: arn, attributes: stored,
                                                        tags: tags.isEmpty ? nil : tags, subscriptions: [],
                                                        createdMs: self.now(state), fifoSequence: nil)
        }
        return .object(JSONObject([("TopicArn", .string(arn))]))
    }

    func snsDeleteTopic(_ p: JSONObject) throws -> JSON {
        let arn = p.string("TopicArn") ?? ""
        try Self.validateTopicArn(arn)
        try store.update { state in state.localResources.topics[arn] = nil }
        return .object(JSONObject())
    }

    static func validateTopicArn(_ arn: String) throws {
        guard let parsed = ResourceArn(arn), parsed.service == "sns", !parsed.resource.contains(":") else {
            throw SNSError.invalidParameter("TopicArn")
        }
    }

    func snsListTopics(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let arns = state.localResources.topics.values.filter { $0.region == region }.map(\.arn).sorted()
        let (page, next) = try Self.page(arns, token: p.string("NextToken"), size: 100)
        var out = JSONObject()
        out["Topics"] = .array(page.map { .object(JSONObject([("TopicArn", .string($0))])) })
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }

    /// A page of `items` after `token` (the last item of the previous page, base64).
    static func page(_ items: [String], token: String?, size: Int) throws -> ([String], String?) {
        var rest = items
        if let token {
            guard let after = Base64.decode(token).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw SNSError.invalidParameter("NextToken")
            }
            rest = items.filter { $0 > after }
        }
        guard rest.count > size else { return (rest, nil) }
        let page = Array(rest.prefix(size))
        return (page, page.last.map { Base64.encode(Array($0.utf8)) })
    }

    // MARK: - Subscriptions

    func snsSubscribe(_ p: JSONObject) throws -> JSON {
        let topicArn = p.string("TopicArn") ?? ""
        try Self.validateTopicArn(topicArn)
        let protocolName = p.string("Protocol") ?? ""
        let endpoint = p.string("Endpoint") ?? ""
        let confirmedProtocols = ["sqs", "lambda", "sms", "application", "firehose"]
        let pendingProtocols = ["http", "https", "email", "email-json"]
        guard confirmedProtocols.contains(protocolName) || pendingProtocols.contains(protocolName) else {
            throw SNSError.invalidParameter("Amazon SNS does not support this protocol string: \(protocolName)")
        }
        switch protocolName {
        case "sqs":
            guard let arn = ResourceArn(endpoint), arn.service == "sqs" else { throw SNSError.invalidParameter("SQS endpoint ARN") }
        case "lambda":
            guard FunctionReference.parse(endpoint) != nil, endpoint.hasPrefix("arn:") else {
                throw SNSError.invalidParameter("Lambda endpoint ARN")
            }
        case "http", "https":
            guard endpoint.lowercased().hasPrefix(protocolName + "://") else {
                throw SNSError.invalidParameter("Endpoint must match the specified protocol")
            }
        case "email", "email-json":
            let parts = endpoint.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { throw SNSError.invalidParameter("Email address") }
        case "sms":
            let digits = endpoint.filter { $0 != "+" && $0 != "-" && $0 != " " }
            guard !digits.isEmpty, digits.allSatisfy(\.isNumber) else { throw SNSError.invalidParameter("Invalid SMS endpoint: \(endpoint)") }
        case "application":
            guard let arn = ResourceArn(endpoint), arn.service == "sns" else { throw SNSError.invalidParameter("Application endpoint arn invalid:\(endpoint)") }
        default:
            guard ResourceArn(endpoint) != nil else { throw SNSError.invalidParameter("Endpoint") }
        }
        var attributes: [String: String] = [:]
        for (key, value) in p.stringMap("Attributes") {
            let known = ["DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                         "SubscriptionRoleArn", "ReplayPolicy"]
            guard known.contains(key) else { throw SNSError.invalidParameter("Attributes Reason: Unknown attribute \(key)") }
            switch key {
            case "RawMessageDelivery":
                guard ["true", "false"].contains(value.lowercased()) else {
                    throw SNSError.invalidParameter("Attributes Reason: RawMessageDelivery: Invalid value [\(value)]. Must be true or false.")
                }
                attributes[key] = value.lowercased()
            case "FilterPolicyScope":
                guard value == "MessageAttributes" || value == "MessageBody" else {
                    throw SNSError.invalidParameter("Attributes Reason: FilterPolicyScope: Invalid value [\(value)]. Please use either MessageBody or MessageAttributes")
                }
                attributes[key] = value
            case "FilterPolicy", "DeliveryPolicy", "RedrivePolicy":
                guard (try? JSONParser.parse(value))?.objectValue != nil else {
                    throw SNSError.invalidParameter("\(key): failed to parse JSON.")
                }
                attributes[key] = value
            default:
                attributes[key] = value
            }
        }
        if protocolName == "firehose", attributes["SubscriptionRoleArn"] == nil {
            throw SNSError.invalidParameter("Invalid parameter: SubscriptionRoleArn")
        }
        let returnArn = p.bool("ReturnSubscriptionArn") ?? false
        let subscription = try store.update { state -> SNSSubscription in
            guard var topic = state.localResources.topics[topicArn] else { throw SNSError.topicNotFound() }
            if let existing = topic.subscriptions.first(where: { $0.protocolName == protocolName && $0.endpoint == endpoint }) {
                for (key, value) in attributes where existing.attributes[key] != value {
                    throw SNSError.invalidParameter("Attributes Reason: Subscription already exists with different attributes")
                }
                return existing
            }
            let subscription = SNSSubscription(arn: topicArn + ":" + state.rng.uuid(), protocolName: protocolName,
                                               endpoint: endpoint, attributes: attributes,
                                               confirmed: confirmedProtocols.contains(protocolName))
            topic.subscriptions.append(subscription)
            state.localResources.topics[topicArn] = topic
            return subscription
        }
        let shown = subscription.confirmed || returnArn ? subscription.arn : "pending confirmation"
        return .object(JSONObject([("SubscriptionArn", .string(shown))]))
    }

    func snsListSubscriptions(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        var topics = state.localResources.topics.values.filter { $0.region == region }
        if let topicArn = p.string("TopicArn") {
            try Self.validateTopicArn(topicArn)
            guard let topic = state.localResources.topics[topicArn] else { throw SNSError.topicNotFound() }
            topics = [topic]
        }
        var rows: [(String, JSON)] = []
        for topic in topics {
            for s in topic.subscriptions {
                rows.append((s.arn, .object(JSONObject([
                    ("SubscriptionArn", .string(s.confirmed ? s.arn : "PendingConfirmation")), ("Owner", .string(Arn.account)),
                    ("Protocol", .string(s.protocolName)), ("Endpoint", .string(s.endpoint)), ("TopicArn", .string(topic.arn)),
                ]))))
            }
        }
        rows.sort { $0.0 < $1.0 }
        let (page, next) = try Self.page(rows.map(\.0), token: p.string("NextToken"), size: 100)
        let byArn = Dictionary(rows, uniquingKeysWith: { a, _ in a })
        var out = JSONObject()
        out["Subscriptions"] = .array(page.compactMap { byArn[$0] })
        if let next { out["NextToken"] = .string(next) }
        return .object(out)
    }

    func snsUnsubscribe(_ p: JSONObject) throws -> JSON {
        let arn = p.string("SubscriptionArn") ?? ""
        guard let parsed = ResourceArn(arn), parsed.service == "sns" else {
            throw SNSError.invalidParameter("SubscriptionArn Reason: An ARN must have at least 6 elements, not \(arn.split(separator: ":", omittingEmptySubsequences: false).count)")
        }
        try store.update { state in
            for (topicArn, var topic) in state.localResources.topics {
                if let index = topic.subscriptions.firstIndex(where: { $0.arn == arn }) {
                    topic.subscriptions.remove(at: index)
                    state.localResources.topics[topicArn] = topic
                    return
                }
            }
            throw ServiceError("NotFound", "Subscription does not exist", status: 404)
        }
        return .object(JSONObject())
    }

    // MARK: - Publishing

    func snsPublish(_ p: JSONObject) throws -> JSON {
        if p.string("PhoneNumber") != nil, p.string("TopicArn") == nil, p.string("TargetArn") == nil {
            // Nowhere to deliver an SMS locally: accepted, as AWS would.
            let messageId = try store.update { state in state.rng.uuid() }
            return .object(JSONObject([("MessageId", .string(messageId))]))
        }
        guard let topicArn = p.string("TopicArn") ?? p.string("TargetArn") else {
            throw SNSError.invalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
        }
        try Self.validateTopicArn(topicArn)
        let message = p.string("Message") ?? ""
        let subject = p.string("Subject")
        if let subject {
            let valid = !subject.isEmpty && subject.count < 100
                && subject.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
            guard valid else { throw SNSError.invalidParameter("Subject") }
        }
        var structured: JSONObject?
        if p.string("MessageStructure") != nil {
            guard p.string("MessageStructure") == "json" else {
                throw SNSError.invalidParameter("MessageStructure")
            }
            guard let object = (try? JSONParser.parse(message))?.objectValue else {
                throw SNSError.invalidParameter("Message Structure - JSON message body failed to parse")
            }
            guard object["default"]?.stringValue != nil else {
                throw SNSError.invalidParameter("Message Structure - No default entry in JSON message body")
            }
            structured = object
        }
        let attributes = try Self.snsMessageAttributes(p["MessageAttributes"])
        return try store.update { state -> JSON in
            let result = try self.snsPublish(&state, topicArn: topicArn, message: message, subject: subject,
                                             attributes: attributes, structured: structured,
                                             groupId: p.string("MessageGroupId"), deduplicationId: p.string("MessageDeduplicationId"))
            var out = JSONObject([("MessageId", .string(result.messageId))])
            if let sequence = result.sequenceNumber { out["SequenceNumber"] = .string(sequence) }
            return .object(out)
        }
    }

    /// SNS message attributes: SQS's rules plus the `String.Array` type.
    static func snsMessageAttributes(_ value: JSON?) throws -> [String: MessageAttributeValue] {
        guard let object = value?.objectValue else { return [:] }
        var out: [String: MessageAttributeValue] = [:]
        for (name, spec) in object {
            guard let dataType = spec["DataType"]?.stringValue, !dataType.isEmpty else {
                throw SNSError.invalidParameter("The message attribute '\(name)' must contain non-empty message attribute type.")
            }
            let base = dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? dataType
            switch base {
            case "String", "Number":
                guard let text = spec["StringValue"].map(JSONText.scalar), !text.isEmpty else {
                    throw SNSError.invalidParameter("The message attribute '\(name)' must contain non-empty message attribute value for message attribute type '\(base)'.")
                }
                if dataType == "String.Array", (try? JSONParser.parse(text))?.arrayValue == nil {
                    throw SNSError.invalidParameter("The message attribute '\(name)' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.")
                }
                if base == "Number", Double(text) == nil {
                    throw SNSError.invalidParameter("Could not cast message attribute '\(name)' value to number.")
                }
                out[name] = MessageAttributeValue(dataType: dataType, stringValue: text)
            case "Binary":
                guard let text = spec["BinaryValue"]?.stringValue, !text.isEmpty else {
                    throw SNSError.invalidParameter("The message attribute '\(name)' must contain non-empty message attribute value for message attribute type 'Binary'.")
                }
                out[name] = MessageAttributeValue(dataType: dataType,
                                                  binaryValue: Base64.decode(text) != nil ? text : Base64.encode(Array(text.utf8)))
            default:
                throw SNSError.invalidParameter("The message attribute '\(name)' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.")
            }
        }
        return out
    }

    /// Publishes to a topic inside a held state lock and fans the message out: SQS
    /// subscriptions get a message (the notification envelope, or the message itself with raw
    /// delivery), Lambda subscriptions an asynchronous invocation with an `aws:sns` event.
    @discardableResult
    func snsPublish(_ state: inout State, topicArn: String, message: String, subject: String?,
                    attributes: [String: MessageAttributeValue], structured: JSONObject? = nil,
                    groupId: String? = nil, deduplicationId: String? = nil) throws -> (messageId: String, sequenceNumber: String?)
    {
        guard var topic = state.localResources.topics[topicArn] else { throw SNSError.topicNotFound() }
        if message.isEmpty { throw SNSError.invalidParameter("Empty message") }
        let size = message.utf8.count + attributes.reduce(0) { $0 + $1.key.utf8.count + ($1.value.stringValue ?? $1.value.binaryValue ?? "").utf8.count }
        if size > 262_144 { throw SNSError.invalidParameter("Message too long") }
        var sequenceNumber: String?
        if topic.isFifo {
            guard let groupId, !groupId.isEmpty else {
                throw SNSError.invalidParameter("The MessageGroupId parameter is required for FIFO topics")
            }
            if deduplicationId == nil, topic.attributes["ContentBasedDeduplication"] != "true" {
                throw SNSError.invalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
            }
            let next = (topic.fifoSequence ?? 0) + 1
            topic.fifoSequence = next
            state.localResources.topics[topicArn] = topic
            let digits = String(next)
            sequenceNumber = "1" + String(repeating: "0", count: max(0, 19 - digits.count)) + digits
        } else if groupId != nil {
            throw SNSError.invalidParameter("MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
        }
        let messageId = state.rng.uuid()
        let now = self.now(state)
        let timestamp = TimeFormat.iso(now)
        for subscription in topic.subscriptions where subscription.confirmed {
            let text = structured?[subscription.protocolName]?.stringValue ?? structured?["default"]?.stringValue ?? message
            if let policyText = subscription.attributes["FilterPolicy"], let policy = try? JSONParser.parse(policyText),
                !SNSFilterPolicy.matches(policy: policy, scope: subscription.attributes["FilterPolicyScope"],
                                         attributes: attributes, message: text)
            {
                continue
            }
            switch subscription.protocolName {
            case "sqs":
                guard let target = ResourceArn(subscription.endpoint),
                    let queue = state.localResources.queues[target.regionalKey]
                else { continue }
                let body: String
                var sqsAttributes: [String: MessageAttributeValue] = [:]
                if subscription.rawMessageDelivery {
                    body = text
                    sqsAttributes = attributes
                } else {
                    body = Self.snsEnvelope(messageId: messageId, topicArn: topicArn, subject: subject, message: text,
                                            timestamp: timestamp, subscriptionArn: subscription.arn, region: topic.region,
                                            attributes: attributes, sequenceNumber: sequenceNumber)
                }
                var dedup = deduplicationId
                if queue.isFifo, dedup == nil { dedup = SHA256.hexDigest(Array(text.utf8)) }
                // A delivery SQS refuses (too large, bad characters) is dropped, as SNS drops it.
                _ = try? sqsEnqueue(&state, queue: queue, body: body, attributes: sqsAttributes, delaySeconds: nil,
                                    senderId: SQSConstants.snsSenderId, groupId: queue.isFifo ? groupId : nil,
                                    deduplicationId: queue.isFifo ? dedup : nil)
            case "lambda":
                guard let function = functionTarget(state, arn: subscription.endpoint) else { continue }
                // SNS invokes the function as sns.amazonaws.com, through its resource-based policy.
                let qualifier = FunctionReference.parse(subscription.endpoint)?.qualifier
                let decision = authorizeServiceInvoke(state, service: "sns.amazonaws.com", sourceArn: topicArn,
                                                      functionKey: function.key, qualifier: qualifier)
                if !decision.isAllowed {
                    let name = String(function.key.split(separator: "/").last ?? "") + (qualifier.map { ":" + $0 } ?? "")
                    recordDenial(&state, function: name, principal: "sns.amazonaws.com", action: "lambda:InvokeFunction",
                                 source: topicArn, decision: decision)
                    continue
                }
                let event = Self.snsLambdaEvent(messageId: messageId, topicArn: topicArn, subject: subject, message: text,
                                                timestamp: timestamp, subscriptionArn: subscription.arn, region: topic.region,
                                                attributes: attributes)
                enqueue(&state, functionKey: function.key, qualifier: function.qualifier, executedVersion: function.version,
                        payload: JSONWriter.bytes(event), source: "sns")
            default:
                continue
            }
        }
        return (messageId, sequenceNumber)
    }

    /// The function (and version) an ARN names, for SNS and S3 triggers; nil if it does not exist.
    func functionTarget(_ state: State, arn: String) -> (key: String, qualifier: String, version: String)? {
        guard let ref = FunctionReference.parse(arn) else { return nil }
        let key = State.functionKey(region: ref.region ?? region, name: ref.name)
        guard let record = state.functions[key] else { return nil }
        guard let qualifier = ref.qualifier else { return (key, "$LATEST", "$LATEST") }
        if let version = record.version(qualifier) { return (key, qualifier, version.version) }
        if let alias = record.aliases[qualifier] { return (key, qualifier, alias.functionVersion) }
        return nil
    }

    static func signingCertURL(region: String) -> String {
        "https://sns.\(region).amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
    }

    static func unsubscribeURL(region: String, subscriptionArn: String) -> String {
        "https://sns.\(region).amazonaws.com/?Action=Unsubscribe&SubscriptionArn=\(subscriptionArn)"
    }

    /// A stand-in signature: base64 of a digest of the message, the length of a real one.
    static func signature(_ parts: [String]) -> String {
        var bytes: [UInt8] = []
        var seed = Array(parts.joined(separator: "\n").utf8)
        while bytes.count < 256 {
            let digest = SHA256.hash(seed)
            bytes += digest
            seed = digest
        }
        return Base64.encode(Array(bytes.prefix(256)))
    }

    /// The JSON document SNS delivers to SQS (and HTTP) subscribers, laid out as SNS lays it
    /// out: two-space indent, `" : "` between key and value.
    static func snsEnvelope(messageId: String, topicArn: String, subject: String?, message: String, timestamp: String,
                            subscriptionArn: String, region: String, attributes: [String: MessageAttributeValue],
                            sequenceNumber: String?) -> String
    {
        var fields: [(String, String)] = [("Type", "Notification"), ("MessageId", messageId)]
        if let sequenceNumber { fields.append(("SequenceNumber", sequenceNumber)) }
        fields.append(("TopicArn", topicArn))
        if let subject { fields.append(("Subject", subject)) }
        fields += [
            ("Message", message), ("Timestamp", timestamp), ("SignatureVersion", "1"),
            ("Signature", signature([messageId, topicArn, message, timestamp])), ("SigningCertURL", signingCertURL(region: region)),
            ("UnsubscribeURL", unsubscribeURL(region: region, subscriptionArn: subscriptionArn)),
        ]
        var out = "{\n"
        for (i, (key, value)) in fields.enumerated() {
            out += "  "
            JSONWriter.writeString(key, into: &out)
            out += " : "
            JSONWriter.writeString(value, into: &out)
            if i < fields.count - 1 || !attributes.isEmpty { out += "," }
            out += "\n"
        }
        if !attributes.isEmpty {
            out += "  \"MessageAttributes\" : {\n"
            let names = attributes.keys.sorted()
            for (i, name) in names.enumerated() {
                guard let value = attributes[name] else { continue }
                out += "    "
                JSONWriter.writeString(name, into: &out)
                out += " : "
                out += JSONWriter.string(snsAttributeJSON(value))
                out += i < names.count - 1 ? ",\n" : "\n"
            }
            out += "  }\n"
        }
        out += "}"
        return out
    }

    /// `{"Type":"String","Value":"…"}`: a message attribute as SNS shows it to subscribers.
    static func snsAttributeJSON(_ value: MessageAttributeValue) -> JSON {
        .object(JSONObject([("Type", .string(value.dataType)), ("Value", .string(value.stringValue ?? value.binaryValue ?? ""))]))
    }

    /// The event Lambda receives from an SNS subscription.
    static func snsLambdaEvent(messageId: String, topicArn: String, subject: String?, message: String, timestamp: String,
                               subscriptionArn: String, region: String, attributes: [String: MessageAttributeValue]) -> JSON
    {
        var attrs = JSONObject()
        for name in attributes.keys.sorted() {
            if let value = attributes[name] { attrs[name] = snsAttributeJSON(value) }
        }
        let sns = JSONObject([
            ("Type", "Notification"), ("MessageId", .string(messageId)), ("TopicArn", .string(topicArn)),
            ("Subject", subject.map(JSON.string) ?? .null), ("Message", .string(message)), ("Timestamp", .string(timestamp)),
            ("SignatureVersion", "1"), ("Signature", .string(signature([messageId, topicArn, message, timestamp]))),
            ("SigningCertUrl", .string(signingCertURL(region: region))),
            ("UnsubscribeUrl", .string(unsubscribeURL(region: region, subscriptionArn: subscriptionArn))),
            ("MessageAttributes", .object(attrs)),
        ])
        let record = JSONObject([
            ("EventSource", "aws:sns"), ("EventVersion", "1.0"), ("EventSubscriptionArn", .string(subscriptionArn)),
            ("Sns", .object(sns)),
        ])
        return .object(JSONObject([("Records", .array([.object(record)]))]))
    }
}
