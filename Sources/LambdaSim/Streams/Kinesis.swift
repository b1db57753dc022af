import LambdaSimJSON
import LambdaSimSupport

/// A local Kinesis data stream: its shards split the 128-bit hash key space evenly; records
/// go to the shard whose range holds the MD5 of their partition key (or their explicit hash key).
public struct KinesisStream: Codable, Sendable {
    public var name: String
    public var region: String
    public var shardCount: Int
    /// `PROVISIONED` or `ON_DEMAND`.
    public var mode: String
    public var createdMs: SimInstant
    /// Records put so far (the last record's counter).
    public var recordCount: Int64
    /// How long records stay readable (24 h unless changed with increase- / decrease-stream-retention-period).
    public var retentionPeriodHours: Int?

    var retentionMs: Int64 { Int64(retentionPeriodHours ?? 24) * 3_600_000 }

    public var arn: String { KinesisStream.arn(region: region, name: name) }

    static func arn(region: String, name: String) -> String { "arn:aws:kinesis:\(region):\(Arn.account):stream/\(name)" }

    static func shardId(_ index: Int) -> String { "shardId-" + StreamFiles.pad(Int64(index), 12) }

    /// The size of each shard's hash key range (the last shard also takes the remainder).
    /// 2^128 / shardCount, computed without overflowing 128 bits (nil for one shard: 2^128).
    var rangeSize: UInt128? {
        guard shardCount > 1 else { return nil }
        let n = UInt128(shardCount)
        return UInt128.max / n + (UInt128.max % n + 1 == n ? 1 : 0)
    }

    func startingHashKey(_ index: Int) -> UInt128 { rangeSize.map { $0 * UInt128(index) } ?? 0 }

    func endingHashKey(_ index: Int) -> UInt128 {
        guard let size = rangeSize, index < shardCount - 1 else { return UInt128.max }
        return size * UInt128(index + 1) - 1
    }

    func shardIndex(hashKey: UInt128) -> Int {
        guard let size = rangeSize else { return 0 }
        return min(Int(hashKey / size), shardCount - 1)
    }

    /// Sequence numbers are 56 digits that grow with every record of the stream.
    static func sequenceNumber(counter: Int64, shard: Int) -> String {
        "4960" + StreamFiles.pad(counter, 40) + StreamFiles.pad(Int64(shard), 12)
    }

    static func hashKey(partitionKey: String) -> UInt128 {
        MD5.hash(Array(partitionKey.utf8)).reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }
}

extension Engine {
    func kinesisLogPath(region: String, name: String) -> String { store.directory + "/kinesis/\(region)/\(name).jsonl" }

    private func kinesisNotFound(_ name: String) -> ServiceError {
        ServiceError("ResourceNotFoundException", "Stream \(name) under account \(Arn.account) not found.", status: 400)
    }

    /// The stream named by `StreamName` or `StreamARN`.
    func kinesisStream(_ state: State, _ p: JSONObject) throws -> KinesisStream {
        var region = self.region
        var name = p.string("StreamName") ?? ""
        if let arn = p.string("StreamARN"), let parsed = ResourceArn(arn), parsed.service == "kinesis",
            parsed.resource.hasPrefix("stream/")
        {
            region = parsed.region
            name = String(parsed.resource.dropFirst("stream/".count))
        }
        if name.isEmpty {
            throw ServiceError("InvalidArgumentException", "Either StreamName or StreamARN should be provided.", status: 400)
        }
        guard let stream = state.streamResources.kinesis[region + "/" + name] else { throw kinesisNotFound(name) }
        return stream
    }

    /// `IncreaseStreamRetentionPeriod` / `DecreaseStreamRetentionPeriod`: 24 to 8,760 hours; the
    /// same value is accepted and changes nothing, as on AWS.
    func kinesisChangeRetention(_ p: JSONObject, increase: Bool) throws -> JSON {
        let hours = p.integer("RetentionPeriodHours") ?? 0
        try store.update { state in
            let stream = try self.kinesisStream(state, p)
            let current = stream.retentionPeriodHours ?? 24
            if increase {
                if hours > 8760 {
                    throw ServiceError("InvalidArgumentException",
                                       "Maximum allowed retention period is 8760 hours. Requested retention period (\(hours) hours) is too long.", status: 400)
                }
                if hours < current {
                    throw ServiceError("InvalidArgumentException",
                                       "Requested retention period (\(hours) hours) for stream \(stream.name) can not be shorter than existing retention period (\(current) hours). Use DecreaseRetentionPeriod API.", status: 400)
                }
            } else {
                if hours < 24 {
                    throw ServiceError("InvalidArgumentException",
                                       "Minimum allowed retention period is 24 hours. Requested retention period (\(hours) hours) is too short.", status: 400)
                }
                if hours > current {
                    throw ServiceError("InvalidArgumentException",
                                       "Requested retention period (\(hours) hours) for stream \(stream.name) can not be longer than existing retention period (\(current) hours). Use IncreaseRetentionPeriod API.", status: 400)
                }
            }
            state.streamResources.kinesis[stream.region + "/" + stream.name]?.retentionPeriodHours = hours == 24 ? nil : hours
        }
        return .object(JSONObject())
    }

    func kinesisCreateStream(_ p: JSONObject) throws -> JSON {
        let name = p.string("StreamName") ?? ""
        guard !name.isEmpty, name.count <= 128,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
        else {
            throw ServiceError.constraint(value: name, field: "streamName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
        let requestedMode = p.object("StreamModeDetails")?.string("StreamMode")
        let shardCount = p.integer("ShardCount")
        let mode = requestedMode ?? (shardCount == nil ? "ON_DEMAND" : "PROVISIONED")
        if mode == "PROVISIONED", shardCount == nil {
            throw ServiceError("InvalidArgumentException", "ShardCount is missing for the PROVISIONED stream mode.", status: 400)
        }
        if let shardCount, shardCount < 1 {
            throw ServiceError.constraint(value: String(shardCount), field: "shardCount", "Member must have value greater than or equal to 1")
        }
        // An on-demand stream starts with 4 shards.
        let shards = mode == "ON_DEMAND" ? 4 : (shardCount ?? 4)
        return try store.update { state -> JSON in
            let key = self.region + "/" + name
            if state.streamResources.kinesis[key] != nil {
                throw ServiceError("ResourceInUseException", "Stream \(name) under account \(Arn.account) already exists.", status: 400)
            }
            state.streamResources.kinesis[key] = KinesisStream(name: name, region: self.region, shardCount: shards, mode: mode,
                                                               createdMs: self.now(state), recordCount: 0)
            return .object(JSONObject())
        }
    }

    func kinesisDescribeStream(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let stream = try kinesisStream(state, p)
        var shards: [JSON] = []
        for index in 0..<stream.shardCount {
            shards.append(.object(JSONObject([
                ("ShardId", .string(KinesisStream.shardId(index))),
                ("HashKeyRange", .object(JSONObject([
                    ("StartingHashKey", .string(String(stream.startingHashKey(index)))),
                    ("EndingHashKey", .string(String(stream.endingHashKey(index)))),
                ]))),
                ("SequenceNumberRange", .object(JSONObject([
                    ("StartingSequenceNumber", .string(KinesisStream.sequenceNumber(counter: 0, shard: index))),
                ]))),
            ])))
        }
        return .object(JSONObject([("StreamDescription", .object(JSONObject([
            ("StreamName", .string(stream.name)),
            ("StreamARN", .string(stream.arn)),
            ("StreamStatus", "ACTIVE"),
            ("StreamModeDetails", .object(JSONObject([("StreamMode", .string(stream.mode))]))),
            ("Shards", .array(shards)),
            ("HasMoreShards", false),
            ("RetentionPeriodHours", .int(stream.retentionPeriodHours ?? 24)),
            ("StreamCreationTimestamp", .double(TimeFormat.epochSeconds(stream.createdMs))),
            ("EnhancedMonitoring", .array([.object(JSONObject([("ShardLevelMetrics", .array([]))]))])),
            ("EncryptionType", "NONE"),
        ])))]))
    }

    func kinesisListStreams(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        var streams = state.streamResources.kinesis.values.filter { $0.region == region }.sorted { $0.name < $1.name }
        // NextToken (lambda-sim's: the base64 of the last name answered) or ExclusiveStartStreamName.
        var after = p.string("ExclusiveStartStreamName")
        if let token = p.string("NextToken") {
            guard let decoded = Base64.decode(token).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw ServiceError("InvalidArgumentException", "NextToken is invalid.")
            }
            after = decoded
        }
        if let after { streams = streams.filter { $0.name > after } }
        let limit = p.int("Limit") ?? 100
        let more = streams.count > limit
        if more { streams = Array(streams.prefix(limit)) }
        let summaries: [JSON] = streams.map {
            .object(JSONObject([("StreamName", .string($0.name)), ("StreamARN", .string($0.arn)), ("StreamStatus", "ACTIVE"),
                                ("StreamModeDetails", .object(JSONObject([("StreamMode", .string($0.mode))]))),
                                ("StreamCreationTimestamp", .double(TimeFormat.epochSeconds($0.createdMs)))]))
        }
        var o = JSONObject([("StreamNames", .array(streams.map { .string($0.name) })), ("HasMoreStreams", .bool(more))])
        if more, let last = streams.last { o["NextToken"] = .string(Base64.encode(Array(last.name.utf8))) }
        o["StreamSummaries"] = .array(summaries)
        return .object(o)
    }

    /// One record to put: (data base64, partition key, explicit hash key).
    private func kinesisEntry(_ stream: inout KinesisStream, data: String?, partitionKey: String?, explicitHashKey: String?,
                              at now: SimInstant) throws -> StreamEntry
    {
        guard let data, let bytes = Base64.decode(data) else {
            throw ServiceError.validation("1 validation error detected: Value null at 'data' failed to satisfy constraint: Member must not be null")
        }
        if bytes.count > 1_048_576 {
            throw ServiceError.validation("1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576")
        }
        guard let partitionKey, !partitionKey.isEmpty, partitionKey.count <= 256 else {
            throw ServiceError.validation("1 validation error detected: Value at 'partitionKey' failed to satisfy constraint: Member must have length between 1 and 256")
        }
        var hashKey = KinesisStream.hashKey(partitionKey: partitionKey)
        if let explicitHashKey {
            guard let explicit = UInt128(explicitHashKey) else {
                throw ServiceError("InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was \(explicitHashKey)", status: 400)
            }
            hashKey = explicit
        }
        let shard = stream.shardIndex(hashKey: hashKey)
        stream.recordCount += 1
        return StreamEntry(counter: stream.recordCount, shardId: KinesisStream.shardId(shard),
                           sequenceNumber: KinesisStream.sequenceNumber(counter: stream.recordCount, shard: shard), arrivalMs: now,
                           body: .object(JSONObject([("k", .string(partitionKey)), ("d", .string(Base64.encode(bytes)))])))
    }

    func kinesisPutRecord(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            var stream = try self.kinesisStream(state, p)
            let entry = try self.kinesisEntry(&stream, data: p.string("Data"), partitionKey: p.string("PartitionKey"),
                                              explicitHashKey: p.string("ExplicitHashKey"), at: self.now(state))
            try StreamLogs.append([entry], to: self.kinesisLogPath(region: stream.region, name: stream.name))
            state.streamResources.kinesis[stream.region + "/" + stream.name] = stream
            return .object(JSONObject([("ShardId", .string(entry.shardId)), ("SequenceNumber", .string(entry.sequenceNumber)),
                                       ("EncryptionType", "NONE")]))
        }
    }

    func kinesisPutRecords(_ p: JSONObject) throws -> JSON {
        let records = p["Records"]?.arrayValue ?? []
        if records.isEmpty || records.count > 500 {
            throw ServiceError.validation("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and 500")
        }
        return try store.update { state -> JSON in
            var stream = try self.kinesisStream(state, p)
            let now = self.now(state)
            var entries: [StreamEntry] = []
            for record in records {
                entries.append(try self.kinesisEntry(&stream, data: record["Data"]?.stringValue,
                                                     partitionKey: record["PartitionKey"]?.stringValue,
                                                     explicitHashKey: record["ExplicitHashKey"]?.stringValue, at: now))
            }
            try StreamLogs.append(entries, to: self.kinesisLogPath(region: stream.region, name: stream.name))
            state.streamResources.kinesis[stream.region + "/" + stream.name] = stream
            let results: [JSON] = entries.map {
                .object(JSONObject([("SequenceNumber", .string($0.sequenceNumber)), ("ShardId", .string($0.shardId))]))
            }
            return .object(JSONObject([("FailedRecordCount", 0), ("Records", .array(results)), ("EncryptionType", "NONE")]))
        }
    }
}
