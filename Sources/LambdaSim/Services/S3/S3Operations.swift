import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// S3's API operations over JSON parameters (the CLI's `s3api`, scenario files and `serve`).
/// Object bodies travel as `Body` text here; the CLI and `serve` pass bytes to
/// `s3PutObject(bucket:key:bytes:…)` and read them with `s3ReadObject` directly.
extension Engine {
    /// S3 operations; nil when `operation` is not one of them.
    func performS3Operation(_ operation: String, _ p: JSONObject) throws -> JSON? {
        switch operation {
        case "CreateBucket": return try s3CreateBucket(p)
        case "HeadBucket": return try s3HeadBucket(p)
        case "ListBuckets": return try s3ListBuckets(p)
        case "DeleteBucket": return try s3DeleteBucket(p)
        case "PutObject":
            var metadata: [(String, String)] = []
            for (k, v) in p.object("Metadata") ?? JSONObject() { metadata.append((k.lowercased(), JSONText.scalar(v))) }
            return try s3PutObject(bucket: p.string("Bucket") ?? "", key: p.string("Key") ?? "",
                                   bytes: Array((p.string("Body") ?? "").utf8), contentType: p.string("ContentType"),
                                   metadata: metadata)
        case "GetObject":
            let state = try store.read()
            let (bytes, info) = try s3ReadObject(state, bucket: p.string("Bucket") ?? "", key: p.string("Key") ?? "")
            guard case var .object(o) = Self.s3ObjectHeaders(info) else { return nil }
            o["Body"] = .string(String(decoding: bytes, as: UTF8.self))
            return .object(o)
        case "HeadObject":
            let state = try store.read()
            do {
                let (_, info) = try s3ReadObject(state, bucket: p.string("Bucket") ?? "", key: p.string("Key") ?? "")
                return Self.s3ObjectHeaders(info)
            } catch let error as ServiceError where error.status == 404 {
                throw S3Error.headNotFound
            }
        case "DeleteObject":
            let bucket = p.string("Bucket") ?? ""
            let key = p.string("Key") ?? ""
            try store.update { state in _ = try self.s3RemoveObject(&state, bucket: bucket, key: key) }
            return .object(JSONObject())
        case "DeleteObjects": return try s3DeleteObjects(p)
        case "CopyObject": return try s3CopyObject(p)
        case "ListObjectsV2": return try s3ListObjectsV2(p)
        case "PutBucketNotificationConfiguration": return try s3PutBucketNotificationConfiguration(p)
        case "GetBucketNotificationConfiguration": return try s3GetBucketNotificationConfiguration(p)
        default: return nil
        }
    }

    /// `HeadObject`'s answer (and `GetObject`'s, without the body).
    public static func s3ObjectHeaders(_ info: S3ObjectInfo) -> JSON {
        .object(JSONObject([
            ("AcceptRanges", "bytes"), ("LastModified", .double(TimeFormat.epochSeconds(info.lastModifiedMs))),
            ("ContentLength", .int(info.size)), ("ETag", .string("\"\(info.etag)\"")), ("ContentType", .string(info.contentType)),
            ("ServerSideEncryption", "AES256"),
            ("Metadata", .object(JSONObject(info.metadata.map { ($0.0, JSON.string($0.1)) }))),
        ]))
    }

    func s3HeadBucket(_ p: JSONObject) throws -> JSON {
        let name = p.string("Bucket") ?? ""
        let state = try store.read()
        guard let bucket = state.localResources.buckets[name] else { throw S3Error.headNotFound }
        return .object(JSONObject([("BucketRegion", .string(bucket.region)), ("AccessPointAlias", false)]))
    }

    func s3DeleteBucket(_ p: JSONObject) throws -> JSON {
        let name = p.string("Bucket") ?? ""
        try store.update { state in
            guard state.localResources.buckets[name] != nil else { throw S3Error.noSuchBucket(name) }
            guard try self.s3ListAll(name).isEmpty else { throw S3Error.bucketNotEmpty }
            state.localResources.buckets[name] = nil
            // Left-over empty "folders" go with the bucket.
            try? FileManager.default.removeItem(atPath: self.bucketDirectory(name))
            unlink(self.s3IndexPath(name))
        }
        return .object(JSONObject())
    }

    /// Stores an object's bytes. `multipart` makes it the result of a multipart upload (the
    /// CLI's `s3 cp` of a file of 8 MiB or more): a multipart ETag and `CompleteMultipartUpload`.
    public func s3PutObject(bucket: String, key: String, bytes: [UInt8], contentType: String?,
                            metadata: [(String, String)], multipart: Bool = false) throws -> JSON
    {
        guard !key.isEmpty else {
            throw ServiceError.constraint(value: key, field: "key", "Member must have length greater than or equal to 1")
        }
        let info = try store.update { state in
            try self.s3StoreObject(&state, bucket: bucket, key: key, bytes: bytes, contentType: contentType, metadata: metadata,
                                   eventName: multipart ? "ObjectCreated:CompleteMultipartUpload" : "ObjectCreated:Put",
                                   multipart: multipart)
        }
        return .object(JSONObject([("ETag", .string("\"\(info.etag)\"")), ("ServerSideEncryption", "AES256")]))
    }

    func s3DeleteObjects(_ p: JSONObject) throws -> JSON {
        let bucket = p.string("Bucket") ?? ""
        let delete = p.object("Delete") ?? JSONObject()
        let keys = (delete["Objects"]?.arrayValue ?? []).compactMap { $0["Key"]?.stringValue }
        guard !keys.isEmpty, keys.count <= 1000 else {
            throw ServiceError("MalformedXML",
                               "The XML you provided was not well-formed or did not validate against our published schema", status: 400)
        }
        let quiet = delete["Quiet"]?.boolValue ?? false
        try store.update { state in
            guard state.localResources.buckets[bucket] != nil else { throw S3Error.noSuchBucket(bucket) }
            for key in keys { _ = try self.s3RemoveObject(&state, bucket: bucket, key: key) }
        }
        if quiet { return .object(JSONObject()) }
        return .object(JSONObject([("Deleted", .array(keys.map { .object(JSONObject([("Key", .string($0))])) }))]))
    }

    /// `CopySource` is `bucket/key` (optionally with a leading `/`, URL-encoded, `?versionId=`).
    static func s3ParseCopySource(_ text: String) -> (bucket: String, key: String)? {
        var source = text.hasPrefix("/") ? String(text.dropFirst()) : text
        if let q = source.range(of: "?versionId=") { source = String(source[..<q.lowerBound]) }
        guard let slash = source.firstIndex(of: "/") else { return nil }
        let bucket = String(source[..<slash])
        let key = URLEncoding.decode(String(source[source.index(after: slash)...]), plusIsSpace: false)
        guard !bucket.isEmpty, !key.isEmpty else { return nil }
        return (bucket, key)
    }

    func s3CopyObject(_ p: JSONObject) throws -> JSON {
        let bucket = p.string("Bucket") ?? ""
        let key = p.string("Key") ?? ""
        guard let source = Self.s3ParseCopySource(p.string("CopySource") ?? "") else {
            throw ServiceError("InvalidArgument", "Invalid copy source object key", status: 400)
        }
        let info = try store.update { state -> S3ObjectInfo in
            let (bytes, original) = try self.s3ReadObject(state, bucket: source.bucket, key: source.key)
            let replace = p.string("MetadataDirective") == "REPLACE"
            if !replace, source.bucket == bucket, source.key == key {
                throw ServiceError("InvalidRequest",
                                   "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
                                   status: 400)
            }
            var metadata = original.metadata
            var contentType = original.contentType
            if replace {
                metadata = (p.object("Metadata") ?? JSONObject()).map { ($0.key.lowercased(), JSONText.scalar($0.value)) }
                contentType = p.string("ContentType") ?? S3Objects.defaultContentType
            }
            return try self.s3StoreObject(&state, bucket: bucket, key: key, bytes: bytes, contentType: contentType,
                                          metadata: metadata, eventName: "ObjectCreated:Copy")
        }
        return .object(JSONObject([
            ("ServerSideEncryption", "AES256"),
            ("CopyObjectResult", .object(JSONObject([
                ("ETag", .string("\"\(info.etag)\"")), ("LastModified", .double(TimeFormat.epochSeconds(info.lastModifiedMs))),
            ]))),
        ]))
    }

    func s3ListObjectsV2(_ p: JSONObject) throws -> JSON {
        let bucket = p.string("Bucket") ?? ""
        let state = try store.read()
        guard state.localResources.buckets[bucket] != nil else { throw S3Error.noSuchBucket(bucket) }
        let prefix = p.string("Prefix") ?? ""
        let delimiter = p.string("Delimiter").flatMap { $0.isEmpty ? nil : $0 }
        let maxKeys = max(0, min(p.integer("MaxKeys") ?? 1000, 1000))
        var after = p.string("StartAfter") ?? ""
        if let token = p.string("ContinuationToken") {
            guard let decoded = Base64.decode(token).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw ServiceError("InvalidArgument", "The continuation token provided is incorrect", status: 400)
            }
            after = decoded
        }
        var contents: [JSON] = []
        var commonPrefixes: [String] = []
        var truncated = false
        var last = ""
        for (key, info) in try s3ListAll(bucket) where key.hasPrefix(prefix) && (after.isEmpty || S3Objects.keyOrder(after, key)) {
            var rolled: String?
            if let delimiter, let range = key.dropFirst(prefix.count).range(of: delimiter) {
                rolled = String(key[..<range.upperBound])
            }
            if let rolled, commonPrefixes.last == rolled { continue }
            if contents.count + commonPrefixes.count >= maxKeys {
                truncated = true
                break
            }
            if let rolled {
                commonPrefixes.append(rolled)
                last = rolled + "\u{10FFFF}"
            } else {
                contents.append(.object(JSONObject([
                    ("Key", .string(key)), ("LastModified", .double(TimeFormat.epochSeconds(info.lastModifiedMs))),
                    ("ETag", .string("\"\(info.etag)\"")), ("Size", .int(info.size)), ("StorageClass", "STANDARD"),
                ])))
                last = key
            }
        }
        var out = JSONObject()
        out["IsTruncated"] = .bool(truncated)
        if !contents.isEmpty { out["Contents"] = .array(contents) }
        out["Name"] = .string(bucket)
        out["Prefix"] = .string(prefix)
        if let delimiter { out["Delimiter"] = .string(delimiter) }
        out["MaxKeys"] = .int(maxKeys)
        if !commonPrefixes.isEmpty {
            out["CommonPrefixes"] = .array(commonPrefixes.map { .object(JSONObject([("Prefix", .string($0))])) })
        }
        if let t = p.string("EncodingType") { out["EncodingType"] = .string(t) }
        out["KeyCount"] = .int(contents.count + commonPrefixes.count)
        if let token = p.string("ContinuationToken") { out["ContinuationToken"] = .string(token) }
        if truncated { out["NextContinuationToken"] = .string(Base64.encode(Array(last.utf8))) }
        if let s = p.string("StartAfter") { out["StartAfter"] = .string(s) }
        return .object(out)
    }
}

/// Percent-decoding and -encoding as S3 uses them.
enum URLEncoding {
    static func decode(_ text: String, plusIsSpace: Bool) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2, let hi = hexValue(bytes[bytes.startIndex]),
                let lo = hexValue(bytes[bytes.startIndex + 1])
            {
                out.append(hi << 4 | lo)
                bytes = bytes.dropFirst(2)
            } else if b == UInt8(ascii: "+"), plusIsSpace {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
