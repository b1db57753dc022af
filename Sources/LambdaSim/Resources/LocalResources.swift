import LambdaSimJSON

/// Local SQS queues, SNS topics, EventBridge buses and S3 buckets: the metadata kept in the
/// state file. Bulky data lives beside the state file (see docs/state.md): queued messages in
/// `sqs/<storageId>.jsonl`, the events each bus received in `events/<region>/<bus>.jsonl`, and
/// bucket objects in `s3/<bucket>/<key>`.
///
/// Every member decodes with a default, so fields can be added without a schema migration.
public struct LocalResources: Codable, Sendable {
    /// SQS queues by `region/name`.
    public var queues: [String: SQSQueue]
    /// Deletion times of recently deleted queues by `region/name` (AWS refuses to re-create a
    /// queue of the same name for 60 seconds).
    public var deletedQueues: [String: SimInstant]
    /// SNS topics by topic ARN.
    public var topics: [String: SNSTopic]
    /// EventBridge buses by `region/name`; each region's `default` bus exists without an entry.
    public var buses: [String: EventBus]
    /// S3 buckets by name (bucket names are global).
    public var buckets: [String: S3Bucket]

    /// The directories beside the state file that hold resource data (`state reset` removes them).
    public static let fileDirectories = ["sqs", "events", "s3"]

    public init() {
        queues = [:]
        deletedQueues = [:]
        topics = [:]
        buses = [:]
        buckets = [:]
    }

    enum CodingKeys: String, CodingKey {
        case queues, deletedQueues, topics, buses, buckets
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queues = try c.decodeIfPresent([String: SQSQueue].self, forKey: .queues) ?? [:]
        deletedQueues = try c.decodeIfPresent([String: SimInstant].self, forKey: .deletedQueues) ?? [:]
        topics = try c.decodeIfPresent([String: SNSTopic].self, forKey: .topics) ?? [:]
        buses = try c.decodeIfPresent([String: EventBus].self, forKey: .buses) ?? [:]
        buckets = try c.decodeIfPresent([String: S3Bucket].self, forKey: .buckets) ?? [:]
    }
}

/// A message attribute as SQS/SNS carry it (`DataType` String, Number or Binary, optionally
/// with a custom suffix such as `String.url`). `binaryValue` is base64, as on the wire.
public struct MessageAttributeValue: Codable, Sendable, Equatable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: String?
    public init(dataType: String, stringValue: String? = nil, binaryValue: String? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    /// `String`, `Number` or `Binary`: the part of the data type before any `.` suffix.
    var baseType: String {
        if let dot = dataType.firstIndex(of: ".") { return String(dataType[..<dot]) }
        return dataType
    }

    /// The SQS API shape: `{"StringValue": …, "DataType": …}` (model order).
    var sqsJSON: JSON {
        var o = JSONObject()
        if let stringValue { o["StringValue"] = .string(stringValue) }
        if let binaryValue { o["BinaryValue"] = .string(binaryValue) }
        o["DataType"] = .string(dataType)
        return .object(o)
    }
}

extension State {
    /// The local resources, created on first use.
    var localResources: LocalResources {
        get { resources ?? LocalResources() }
        set { resources = newValue }
    }
}

extension Engine {
    /// SQS, SNS, EventBridge and S3 API operations; nil when `operation` is not one of them.
    func performResourceOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        switch operation {
        // SQS
        case "CreateQueue": return try sqsCreateQueue(params)
        case "GetQueueUrl": return try sqsGetQueueUrl(params)
        case "GetQueueAttributes": return try sqsGetQueueAttributes(params)
        case "SetQueueAttributes": return try sqsSetQueueAttributes(params)
        case "SendMessage": return try sqsSendMessage(params)
        case "SendMessageBatch": return try sqsSendMessageBatch(params)
        case "ReceiveMessage": return try sqsReceiveMessage(params)
        case "DeleteMessage": return try sqsDeleteMessage(params)
        case "DeleteMessageBatch": return try sqsDeleteMessageBatch(params)
        case "ChangeMessageVisibility": return try sqsChangeMessageVisibility(params)
        case "PurgeQueue": return try sqsPurgeQueue(params)
        case "ListQueues": return try sqsListQueues(params)
        case "DeleteQueue": return try sqsDeleteQueue(params)
        // SNS
        case "CreateTopic": return try snsCreateTopic(params)
        case "Subscribe": return try snsSubscribe(params)
        case "Publish": return try snsPublish(params)
        case "ListTopics": return try snsListTopics(params)
        case "ListSubscriptions": return try snsListSubscriptions(params)
        case "ListSubscriptionsByTopic": return try snsListSubscriptions(params)
        case "Unsubscribe": return try snsUnsubscribe(params)
        case "DeleteTopic": return try snsDeleteTopic(params)
        // EventBridge
        case "CreateEventBus": return try eventsCreateEventBus(params)
        case "PutEvents": return try eventsPutEvents(params)
        case "ListEventBuses": return try eventsListEventBuses(params)
        case "DeleteEventBus": return try eventsDeleteEventBus(params)
        case "PutRule", "DescribeRule", "ListRules", "DeleteRule", "EnableRule", "DisableRule", "PutTargets", "ListTargetsByRule",
            "RemoveTargets", "ListRuleNamesByTarget":
            return try performEventRuleOperation(operation, params)
        default: return try performS3Operation(operation, params)
        }
    }

    /// Delivers a message to the SQS queue, SNS topic, EventBridge bus or S3 bucket named by
    /// `arn`, inside a state update (the caller holds the lock). Lambda function ARNs are not
    /// handled here: the async engine enqueues those itself.
    ///
    /// - SQS: one message with `body` and `attributes` (DLQ messages carry `RequestID`,
    ///   `ErrorCode`, `ErrorMessage`).
    /// - SNS: a publish of `body` as `Message` with `attributes` as `MessageAttributes`, fanned
    ///   out to the topic's subscriptions.
    /// - EventBridge (`arn:aws:events:REGION:ACCOUNT:event-bus/NAME`): one event whose `detail`
    ///   is `body` parsed as JSON, with `detail-type` and `source` as given; for Lambda's records
    ///   (`source` `lambda`) `resources` holds the bus and the record's function ARN.
    /// - S3 (`arn:aws:s3:::BUCKET`): `body` written to the object `s3Key` (which also fires the
    ///   bucket's notifications).
    ///
    /// Throws `ResourceNotFoundException` when the target does not exist locally.
    public func deliverToResource(_ state: inout State, arn: String, body: String,
                                  attributes: [String: MessageAttributeValue], eventBridgeDetailType: String?,
                                  eventBridgeSource: String?, s3Key: String?, snsSubject: String? = nil) throws
    {
        guard let target = ResourceArn(arn) else {
            throw ServiceError.notFound("No local resource for \(arn)")
        }
        switch target.service {
        case "sqs":
            guard let queue = state.localResources.queues[target.regionalKey] else {
                throw ServiceError.notFound("The destination queue \(arn) does not exist.")
            }
            _ = try sqsEnqueue(&state, queue: queue, body: body, attributes: attributes, delaySeconds: nil,
                               senderId: SQSConstants.serviceSenderId, groupId: nil, deduplicationId: nil)
        case "sns":
            guard state.localResources.topics[arn] != nil else {
                throw ServiceError.notFound("The destination topic \(arn) does not exist.")
            }
            _ = try snsPublish(&state, topicArn: arn, message: body, subject: snsSubject, attributes: attributes)
        case "events":
            guard target.resource.hasPrefix("event-bus/") else {
                throw ServiceError.notFound("No local resource for \(arn)")
            }
            let name = String(target.resource.dropFirst("event-bus/".count))
            guard eventBusExists(state, region: target.region, name: name) else {
                throw ServiceError.notFound("Event bus \(name) does not exist.")
            }
            let detail = (try? JSONParser.parse(body)) ?? .string(body)
            var resources: [String] = []
            if eventBridgeSource == "lambda" {
                resources.append(arn)
                if let fn = detail["requestContext"]?["functionArn"]?.stringValue { resources.append(fn) }
            }
            _ = try eventsRecord(&state, region: target.region, bus: name, source: eventBridgeSource ?? "lambda",
                                 detailType: eventBridgeDetailType ?? "", detail: detail, resources: resources,
                                 eventId: state.rng.uuid(), time: nil)
        case "s3":
            let bucket = target.resource
            guard state.localResources.buckets[bucket] != nil else {
                throw ServiceError("NoSuchBucket", "The specified bucket does not exist", status: 404)
            }
            guard let key = s3Key, !key.isEmpty else {
                throw ServiceError.invalidParameter("An S3 destination needs an object key.")
            }
            try s3StoreObject(&state, bucket: bucket, key: key, bytes: Array(body.utf8))
        default:
            throw ServiceError.notFound("No local resource for \(arn)")
        }
    }

    /// Whether `arn` names an existing local SQS queue, SNS topic, EventBridge bus (the
    /// `default` bus always exists) or S3 bucket. Function ARNs are not resources: false.
    public func resourceExists(_ state: State, arn: String) -> Bool {
        guard let target = ResourceArn(arn) else { return false }
        let resources = state.localResources
        switch target.service {
        case "sqs": return resources.queues[target.regionalKey] != nil
        case "sns": return resources.topics[arn] != nil
        case "events":
            guard target.resource.hasPrefix("event-bus/") else { return false }
            return eventBusExists(state, region: target.region, name: String(target.resource.dropFirst("event-bus/".count)))
        case "s3": return resources.buckets[target.resource] != nil
        default: return false
        }
    }
}

/// The parts of a resource ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
struct ResourceArn {
    var service: String
    var region: String
    var account: String
    var resource: String

    init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), !parts[2].isEmpty, !parts[5].isEmpty else {
            return nil
        }
        service = parts[2]
        region = parts[3]
        account = parts[4]
        resource = parts[5]
    }

    /// `region/resource`: how regional resources are keyed in the state.
    var regionalKey: String { region + "/" + resource }
}

/// ARNs and URLs of the local resources.
enum ResourceNames {
    static func queueArn(region: String, name: String) -> String { "arn:aws:sqs:\(region):\(Arn.account):\(name)" }
    static func queueUrl(region: String, name: String) -> String {
        "https://sqs.\(region).amazonaws.com/\(Arn.account)/\(name)"
    }
    static func topicArn(region: String, name: String) -> String { "arn:aws:sns:\(region):\(Arn.account):\(name)" }
    static func busArn(region: String, name: String) -> String {
        "arn:aws:events:\(region):\(Arn.account):event-bus/\(name)"
    }
    static func bucketArn(_ name: String) -> String { "arn:aws:s3:::\(name)" }
}

/// Reading API parameters leniently: numbers may arrive as JSON numbers or as strings.
extension JSONObject {
    func integer(_ key: String) -> Int? {
        guard let value = self[key] else { return nil }
        if let i = value.intValue { return i }
        if let s = value.stringValue { return Int(s.strippedOfSpaces) }
        return nil
    }

    /// A string-to-string map (queue attributes, tags); numbers and booleans become their text.
    func stringMap(_ key: String) -> [(String, String)] {
        guard let object = self[key]?.objectValue else { return [] }
        return object.map { ($0.key, JSONText.scalar($0.value)) }
    }
}

enum JSONText {
    /// A scalar's text as the API would receive it (`30`, `true`, `abc`); objects as JSON.
    static func scalar(_ value: JSON) -> String {
        switch value {
        case let .string(s): return s
        case let .int(i): return String(i)
        case let .double(d): return JSONWriter.formatDouble(d)
        case let .bool(b): return b ? "true" : "false"
        case .null: return ""
        default: return JSONWriter.string(value)
        }
    }
}

extension String {
    /// The text without leading and trailing spaces.
    var strippedOfSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
