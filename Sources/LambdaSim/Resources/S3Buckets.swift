import Foundation
import LambdaSimJSON

/// An S3 bucket: a directory `s3/<name>/` beside the state file, whose files are the objects.
public struct S3Bucket: Codable, Sendable {
    public var name: String
    public var region: String
    public var createdMs: SimInstant
    /// The bucket's notification configuration in the API's shape
    /// (`LambdaFunctionConfigurations`, `QueueConfigurations`, `TopicConfigurations`).
    public var notification: JSON?
    /// Counter for the `sequencer` of object events.
    public var eventSequence: Int64?

    public var arn: String { ResourceNames.bucketArn(name) }
}

enum S3Error {
    static func noSuchBucket(_ name: String) -> ServiceError {
        ServiceError("NoSuchBucket", "The specified bucket does not exist", status: 404)
    }
}

extension Engine {
    /// `<state dir>/s3/<bucket>`: the directory holding a bucket's objects.
    public func bucketDirectory(_ bucket: String) -> String { store.directory + "/s3/" + bucket }

    /// Bucket naming rules: 3–63 characters of `a-z 0-9 . -`, starting and ending with a
    /// letter or digit, no `..`, not an IP address.
    static func isValidBucketName(_ name: String) -> Bool {
        guard (3...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
        let edges = (first.isLowercase || first.isNumber) && (last.isLowercase || last.isNumber)
        let looksLikeIP = name.split(separator: ".").count == 4 && name.split(separator: ".").allSatisfy { $0.allSatisfy(\.isNumber) }
        return allowed && edges && !name.contains("..") && !looksLikeIP && !name.hasPrefix("xn--")
    }

    func s3CreateBucket(_ p: JSONObject) throws -> JSON {
        let name = p.string("Bucket") ?? ""
        guard Self.isValidBucketName(name) else {
            throw ServiceError("InvalidBucketName", "The specified bucket is not valid.", status: 400)
        }
        let location = p.object("CreateBucketConfiguration")?.string("LocationConstraint")
        let bucketRegion = location ?? "us-east-1"
        if region == "us-east-1", let location, location == "us-east-1" {
            throw ServiceError("InvalidLocationConstraint", "The specified location-constraint is not valid", status: 400)
        }
        if location == nil, region != "us-east-1" {
            throw ServiceError("IllegalLocationConstraintException",
                               "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
                               status: 400)
        }
        if let location, location != region {
            throw ServiceError("IllegalLocationConstraintException",
                               "The \(location) location constraint is incompatible for the region specific endpoint this request was sent to.",
                               status: 400)
        }
        let directory = bucketDirectory(name)
        try store.update { state in
            if let existing = state.localResources.buckets[name] {
                // us-east-1 answers 200 to the owner re-creating a bucket there; other regions 409.
                if existing.region == "us-east-1", bucketRegion == "us-east-1" { return }
                throw ServiceError("BucketAlreadyOwnedByYou",
                                   "Your previous request to create the named bucket succeeded and you already own it.", status: 409)
            }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateFileError(path: directory, reason: "cannot create the bucket directory: \(error.localizedDescription)")
            }
            state.localResources.buckets[name] = S3Bucket(name: name, region: bucketRegion, createdMs: self.now(state))
        }
        return .object(JSONObject([("Location", .string(bucketRegion == "us-east-1" ? "/\(name)" : "http://\(name).s3.amazonaws.com/"))]))
    }

    func s3ListBuckets(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let buckets = state.localResources.buckets.values.sorted { $0.name < $1.name }.map { bucket in
            JSON.object(JSONObject([
                ("Name", .string(bucket.name)), ("CreationDate", .double(TimeFormat.epochSeconds(bucket.createdMs))),
                ("BucketRegion", .string(bucket.region)),
            ]))
        }
        return .object(JSONObject([
            ("Buckets", .array(buckets)),
            ("Owner", .object(JSONObject([("DisplayName", "lambda-sim"), ("ID", .string(String(repeating: "0", count: 64)))]))),
        ]))
    }

    /// `PutObject` (for scenario files): `Bucket`, `Key`, and `Body` as text.
    func s3PutObject(_ p: JSONObject) throws -> JSON {
        let bucket = p.string("Bucket") ?? ""
        let key = p.string("Key") ?? ""
        let body = Array((p.string("Body") ?? "").utf8)
        let etag = try store.update { state -> String in
            guard state.localResources.buckets[bucket] != nil else { throw S3Error.noSuchBucket(bucket) }
            return try self.s3WriteObject(&state, bucket: bucket, key: key, bytes: body)
        }
        return .object(JSONObject([("ETag", .string("\"\(etag)\""))]))
    }

    /// Writes an object file and fires the bucket's `s3:ObjectCreated:Put` notifications,
    /// inside a held state lock. Returns the ETag (MD5 hex of the bytes).
    @discardableResult
    func s3WriteObject(_ state: inout State, bucket name: String, key: String, bytes: [UInt8]) throws -> String {
        guard var bucket = state.localResources.buckets[name] else { throw S3Error.noSuchBucket(name) }
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        let safe = !key.isEmpty && key.utf8.count <= 1024 && !key.hasPrefix("/")
            && !components.contains { $0 == ".." || $0 == "." }
        guard safe else {
            throw ServiceError("InvalidArgument", "lambda-sim cannot store the object key \"\(key)\" as a file.", status: 400)
        }
        let path = bucketDirectory(name) + "/" + key
        if let slash = path.lastIndex(of: "/") {
            let directory = String(path[..<slash])
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateFileError(path: directory, reason: "cannot create directory: \(error.localizedDescription)")
            }
        }
        if key.hasSuffix("/") {
            // A "folder" marker: the directory is the object.
        } else {
            try StateStore.atomicWrite(bytes, to: path)
        }
        let etag = MD5.hex(bytes)
        let sequence = (bucket.eventSequence ?? 0) + 1
        bucket.eventSequence = sequence
        state.localResources.buckets[name] = bucket
        try s3Notify(&state, bucket: bucket, key: key, size: bytes.count, etag: etag, eventName: "ObjectCreated:Put",
                     sequence: sequence)
        return etag
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
            for (section, arnKey) in [("TopicConfigurations", "TopicArn"), ("QueueConfigurations", "QueueArn"),
                                      ("LambdaFunctionConfigurations", "LambdaFunctionArn")]
            {
                var items: [JSON] = []
                for item in configuration[section]?.arrayValue ?? [] {
                    guard var o = item.objectValue, let target = o.string(arnKey) else {
                        throw ServiceError("InvalidArgument", "Unable to validate the following destination configurations", status: 400)
                    }
                    let events = (o["Events"]?.arrayValue ?? []).compactMap(\.stringValue)
                    guard !events.isEmpty, events.allSatisfy({ $0.hasPrefix("s3:") }) else {
                        throw ServiceError("InvalidArgument", "The event is not supported for notifications", status: 400)
                    }
                    let exists = arnKey == "LambdaFunctionArn" ? self.functionTarget(state, arn: target) != nil
                        : self.resourceExists(state, arn: target)
                    guard exists else {
                        throw ServiceError("InvalidArgument", "Unable to validate the following destination configurations", status: 400)
                    }
                    if o["Id"] == nil { o["Id"] = .string(state.rng.uuid()) }
                    items.append(.object(o))
                }
                if !items.isEmpty { normalized[section] = .array(items) }
            }
            bucket.notification = normalized.isEmpty ? nil : .object(normalized)
            state.localResources.buckets[name] = bucket
        }
        return .object(JSONObject())
    }

    func s3GetBucketNotificationConfiguration(_ p: JSONObject) throws -> JSON {
        let name = p.string("Bucket") ?? ""
        let state = try store.read()
        guard let bucket = state.localResources.buckets[name] else { throw S3Error.noSuchBucket(name) }
        return bucket.notification ?? .object(JSONObject())
    }

    /// Sends an S3 event for an object change to the bucket's matching notification targets:
    /// functions asynchronously, queues and topics as messages.
    func s3Notify(_ state: inout State, bucket: S3Bucket, key: String, size: Int, etag: String, eventName: String,
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
                    let decision = authorizeServiceInvoke(state, service: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::\(bucket.name)",
                                                          functionKey: function.key, qualifier: qualifier)
                    if !decision.isAllowed {
                        let name = String(function.key.split(separator: "/").last ?? "") + (qualifier.map { ":" + $0 } ?? "")
                        recordDenial(&state, function: name, principal: "s3.amazonaws.com", action: "lambda:InvokeFunction",
                                     source: "arn:aws:s3:::\(bucket.name)", decision: decision)
                        continue
                    }
                    enqueue(&state, functionKey: function.key, qualifier: function.qualifier, executedVersion: function.version,
                            payload: Array(text.utf8), source: "s3")
                case "QueueArn":
                    guard let arn = ResourceArn(target), let queue = state.localResources.queues[arn.regionalKey] else { continue }
                    _ = try? sqsEnqueue(&state, queue: queue, body: text, attributes: [:], delaySeconds: nil,
                                        senderId: SQSConstants.serviceSenderId, groupId: nil, deduplicationId: nil)
                default:
                    if state.localResources.topics[target] != nil {
                        _ = try? snsPublish(&state, topicArn: target, message: text, subject: "Amazon S3 Notification",
                                            attributes: [:])
                    }
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
    static func s3Event(bucket: S3Bucket, key: String, size: Int, etag: String, eventName: String, configurationId: String,
                        time: SimInstant, sequence: Int64, requestId: String) -> JSON
    {
        let hex = String(sequence, radix: 16, uppercase: true)
        let sequencer = String(repeating: "0", count: max(0, 18 - hex.count)) + hex
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
                ("object", .object(JSONObject([
                    ("key", .string(s3EventKey(key))), ("size", .int(size)), ("eTag", .string(etag)), ("sequencer", .string(sequencer)),
                ]))),
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
