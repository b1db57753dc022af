import LambdaSimJSON

/// S3 event notifications: the configuration's validation (event names, filter rules,
/// destinations, overlaps), the `s3:TestEvent` message, and the event records S3 sends.
extension Engine {
    /// Event names S3 accepts in a notification configuration.
    static let s3SupportedEvents: Set<String> = [
        "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete", "s3:ReducedRedundancyLostObject", "s3:Replication:*",
        "s3:Replication:OperationFailedReplication", "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectTagging:*", "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put",
    ]

    static func s3InvalidArgument(_ message: String) -> ServiceError { ServiceError("InvalidArgument", message, status: 400) }

    /// One destination of a notification configuration, normalized.
    struct S3NotificationTarget {
        var section: String
        var arnKey: String
        var arn: String
        var events: [String]
        var prefix: String
        var suffix: String
    }

    func s3PutBucketNotificationConfiguration(_ p: JSONObject) throws -> JSON {
        let name = p.string("Bucket") ?? ""
        let configuration = p["NotificationConfiguration"] ?? .object(JSONObject())
        guard configuration.objectValue != nil else {
            throw ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema",
                               status: 400)
        }
        try store.update { state in
            guard var bucket = state.localResources.buckets[name] else { throw S3Error.noSuchBucket(name) }
            var normalized = JSONObject()
            var targets: [S3NotificationTarget] = []
            var unreachable = false
            for (section, arnKey) in [("TopicConfigurations", "TopicArn"), ("QueueConfigurations", "QueueArn"),
                                      ("LambdaFunctionConfigurations", "LambdaFunctionArn")]
            {
                var items: [JSON] = []
                for item in configuration[section]?.arrayValue ?? [] {
                    guard let given = item.objectValue, let arn = given.string(arnKey), !arn.isEmpty else {
                        throw ServiceError("MalformedXML",
                                           "The XML you provided was not well-formed or did not validate against our published schema",
                                           status: 400)
                    }
                    let events = (given["Events"]?.arrayValue ?? []).compactMap(\.stringValue)
                    guard !events.isEmpty, events.allSatisfy({ Self.s3SupportedEvents.contains($0) }) else {
                        throw Self.s3InvalidArgument("The event is not supported for notifications")
                    }
                    // Filter rules: at most one prefix and one suffix; S3 echoes the names capitalized.
                    var prefix: String?
                    var suffix: String?
                    var rules: [JSON] = []
                    for rule in given["Filter"]?["Key"]?["FilterRules"]?.arrayValue ?? [] {
                        let value = rule["Value"]?.stringValue ?? ""
                        switch rule["Name"]?.stringValue?.lowercased() {
                        case "prefix":
                            guard prefix == nil else { throw Self.s3InvalidArgument("Cannot specify more than one prefix rule in a filter.") }
                            prefix = value
                            rules.append(.object(JSONObject([("Name", "Prefix"), ("Value", .string(value))])))
                        case "suffix":
                            guard suffix == nil else { throw Self.s3InvalidArgument("Cannot specify more than one suffix rule in a filter.") }
                            suffix = value
                            rules.append(.object(JSONObject([("Name", "Suffix"), ("Value", .string(value))])))
                        default:
                            throw Self.s3InvalidArgument("filter rule name must be either prefix or suffix")
                        }
                    }
                    var reachable: Bool
                    if arnKey == "LambdaFunctionArn" {
                        // S3 checks that it may invoke the function (its resource-based policy).
                        if let function = self.functionTarget(state, arn: arn) {
                            reachable = self.authorizeServiceInvoke(state, service: "s3.amazonaws.com", sourceArn: bucket.arn,
                                                                    functionKey: function.key,
                                                                    qualifier: FunctionReference.parse(arn)?.qualifier).isAllowed
                        } else {
                            reachable = false
                        }
                    } else {
                        reachable = self.resourceExists(state, arn: arn)
                    }
                    if !reachable { unreachable = true }
                    var o = JSONObject()
                    o["Id"] = .string(given.string("Id") ?? Self.s3ConfigurationId(&state.rng))
                    o[arnKey] = .string(arn)
                    o["Events"] = .array(events.map(JSON.string))
                    if !rules.isEmpty {
                        o["Filter"] = .object(JSONObject([("Key", .object(JSONObject([("FilterRules", .array(rules))])))]))
                    }
                    items.append(.object(o))
                    targets.append(S3NotificationTarget(section: section, arnKey: arnKey, arn: arn, events: events,
                                                        prefix: prefix ?? "", suffix: suffix ?? ""))
                }
                if !items.isEmpty { normalized[section] = .array(items) }
            }
            if configuration["EventBridgeConfiguration"] != nil {
                normalized["EventBridgeConfiguration"] = .object(JSONObject())
            }
            for (i, a) in targets.enumerated() {
                for b in targets[(i + 1)...] where Self.s3Overlap(a, b) {
                    throw Self.s3InvalidArgument(
                        "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.")
                }
            }
            if unreachable { throw Self.s3InvalidArgument("Unable to validate the following destination configurations") }
            bucket.notification = normalized.isEmpty ? nil : .object(normalized)
            state.localResources.buckets[name] = bucket
            // S3 checks a new queue or topic destination by sending it a test message.
            for target in targets where target.arnKey != "LambdaFunctionArn" {
                let requestId = String(state.rng.hex32().prefix(16)).uppercased()
                let test = JSON.object(JSONObject([
                    ("Service", "Amazon S3"), ("Event", "s3:TestEvent"), ("Time", .string(TimeFormat.iso(self.now(state)))),
                    ("Bucket", .string(name)), ("RequestId", .string(requestId)),
                    ("HostId", .string(String(Self.signature([requestId, name]).prefix(76)))),
                ]))
                try? self.deliverToResource(&state, arn: target.arn, body: JSONWriter.string(test), attributes: [:],
                                            eventBridgeDetailType: nil, eventBridgeSource: nil, s3Key: nil,
                                            snsSubject: "Amazon S3 Notification")
            }
        }
        return .object(JSONObject())
    }

    /// An `Id` like the ones S3 generates for configurations given without one.
    static func s3ConfigurationId(_ rng: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var out = ""
        for _ in 0..<48 { out.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return out
    }

    /// AWS's overlap rule: two destinations may not share an event type when their prefixes
    /// overlap (one starts the other, or either is empty) and their suffixes overlap too.
    static func s3Overlap(_ a: S3NotificationTarget, _ b: S3NotificationTarget) -> Bool {
        let sharedEvent = a.events.contains { x in
            b.events.contains { y in x == y || s3EventMatches(x, String(y.dropFirst(3))) || s3EventMatches(y, String(x.dropFirst(3))) }
        }
        guard sharedEvent else { return false }
        let prefixes = a.prefix.hasPrefix(b.prefix) || b.prefix.hasPrefix(a.prefix)
        let suffixes = a.suffix.hasSuffix(b.suffix) || b.suffix.hasSuffix(a.suffix)
        return prefixes && suffixes
    }

    func s3GetBucketNotificationConfiguration(_ p: JSONObject) throws -> JSON {
        let name = p.string("Bucket") ?? ""
        let state = try store.read()
        guard let bucket = state.localResources.buckets[name] else { throw S3Error.noSuchBucket(name) }
        return bucket.notification ?? .object(JSONObject())
    }

    /// Sends an S3 event for an object change to the bucket's matching notification targets:
    /// functions asynchronously, queues and topics as messages. `size` and `etag` are nil for
    /// removals (their records carry only the key and sequencer).
    func s3Notify(_ state: inout State, bucket: S3Bucket, key: String, size: Int?, etag: String?, eventName: String,
                  sequence: Int64) throws
    {
        guard let configuration = bucket.notification else { return }
        let now = self.now(state)
        for (section, arnKey) in [("LambdaFunctionConfigurations", "LambdaFunctionArn"), ("QueueConfigurations", "QueueArn"),
                                  ("TopicConfigurations", "TopicArn")]
        {
            for item in configuration[section]?.arrayValue ?? [] {
                guard let target = item[arnKey]?.stringValue else { continue }
                let events = (item["Events"]?.arrayValue ?? []).compactMap(\.stringValue)
                guard events.contains(where: { Self.s3EventMatches($0, eventName) }),
                    Self.s3FilterMatches(item["Filter"], key: key)
                else { continue }
                let event = Self.s3Event(bucket: bucket, key: key, size: size, etag: etag, eventName: eventName,
                                         configurationId: item["Id"]?.stringValue ?? "", time: now, sequence: sequence,
                                         requestId: String(state.rng.hex32().prefix(16)).uppercased())
                let text = JSONWriter.string(event)
                switch arnKey {
                case "LambdaFunctionArn":
                    guard let function = functionTarget(state, arn: target) else { continue }
                    // S3 invokes as s3.amazonaws.com through the function's resource-based policy
                    // (aws:SourceArn the bucket, aws:SourceAccount the bucket owner).
                    let qualifier = FunctionReference.parse(target)?.qualifier
                    let decision = authorizeServiceInvoke(state, service: "s3.amazonaws.com", sourceArn: bucket.arn,
                                                          functionKey: function.key, qualifier: qualifier)
                    if !decision.isAllowed {
                        let name = String(function.key.split(separator: "/").last ?? "") + (qualifier.map { ":" + $0 } ?? "")
                        recordDenial(&state, function: name, principal: "s3.amazonaws.com", action: "lambda:InvokeFunction",
                                     source: bucket.arn, decision: decision)
                        continue
                    }
                    enqueue(&state, functionKey: function.key, qualifier: function.qualifier, executedVersion: function.version,
                            payload: Array(text.utf8), source: "s3")
                default:
                    try? deliverToResource(&state, arn: target, body: text, attributes: [:], eventBridgeDetailType: nil,
                                           eventBridgeSource: nil, s3Key: nil, snsSubject: "Amazon S3 Notification")
                }
            }
        }
    }

    /// `s3:ObjectCreated:*` matches `ObjectCreated:Put`; exact names match themselves.
    static func s3EventMatches(_ pattern: String, _ eventName: String) -> Bool {
        let name = "s3:" + eventName
        if pattern == name { return true }
        if pattern.hasSuffix(":*") { return name.hasPrefix(String(pattern.dropLast(1))) }
        return false
    }

    /// Prefix and suffix filter rules (`Filter.Key.FilterRules`).
    static func s3FilterMatches(_ filter: JSON?, key: String) -> Bool {
        for rule in filter?["Key"]?["FilterRules"]?.arrayValue ?? [] {
            let value = rule["Value"]?.stringValue ?? ""
            switch rule["Name"]?.stringValue?.lowercased() {
            case "prefix": if !key.hasPrefix(value) { return false }
            case "suffix": if !key.hasSuffix(value) { return false }
            default: continue
            }
        }
        return true
    }

    /// The event S3 sends to notification targets (event version 2.1).
    static func s3Event(bucket: S3Bucket, key: String, size: Int?, etag: String?, eventName: String, configurationId: String,
                        time: SimInstant, sequence: Int64, requestId: String) -> JSON
    {
        let hex = String(sequence, radix: 16, uppercase: true)
        let sequencer = String(repeating: "0", count: max(0, 18 - hex.count)) + hex
        var object = JSONObject([("key", .string(s3EventKey(key)))])
        if let size { object["size"] = .int(size) }
        if let etag { object["eTag"] = .string(etag) }
        object["sequencer"] = .string(sequencer)
        let record = JSONObject([
            ("eventVersion", "2.1"), ("eventSource", "aws:s3"), ("awsRegion", .string(bucket.region)),
            ("eventTime", .string(TimeFormat.iso(time))), ("eventName", .string(eventName)),
            ("userIdentity", .object(JSONObject([("principalId", "AWS:AIDAIENQZJOLO23YVJ4VO")]))),
            ("requestParameters", .object(JSONObject([("sourceIPAddress", "127.0.0.1")]))),
            ("responseElements", .object(JSONObject([
                ("x-amz-request-id", .string(requestId)),
                ("x-amz-id-2", .string(String(signature([requestId]).prefix(76)))),
            ]))),
            ("s3", .object(JSONObject([
                ("s3SchemaVersion", "1.0"), ("configurationId", .string(configurationId)),
                ("bucket", .object(JSONObject([
                    ("name", .string(bucket.name)), ("ownerIdentity", .object(JSONObject([("principalId", "A3NL1KOZZKExample")]))),
                    ("arn", .string(bucket.arn)),
                ]))),
                ("object", .object(object)),
            ]))),
        ])
        return .object(JSONObject([("Records", .array([.object(record)]))]))
    }

    /// Object keys in S3 events are URL-encoded, spaces as `+`.
    static func s3EventKey(_ key: String) -> String {
        var out = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
