import Foundation
import LambdaSimJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What S3 knows about one object besides its bytes. The bytes are the file
/// `s3/<bucket>/<key>`; this record lives in the bucket's index `s3/.index/<bucket>.json`
/// (bucket names never start with a dot, so the index cannot collide with a bucket).
public struct S3ObjectInfo: Sendable, Equatable {
    /// MD5 hex of the bytes, or for a multipart upload `md5-of-part-md5s-N` (no quotes).
    public var etag: String
    public var size: Int
    /// S3 keeps whole seconds.
    public var lastModifiedMs: SimInstant
    public var contentType: String
    /// `x-amz-meta-*` user metadata, keys in lower case as S3 returns them.
    public var metadata: [(String, String)]

    public static func == (a: S3ObjectInfo, b: S3ObjectInfo) -> Bool {
        a.etag == b.etag && a.size == b.size && a.lastModifiedMs == b.lastModifiedMs && a.contentType == b.contentType
            && a.metadata.map { $0.0 + "\u{0}" + $0.1 } == b.metadata.map { $0.0 + "\u{0}" + $0.1 }
    }

    var json: JSON {
        var o = JSONObject([("ETag", .string(etag)), ("Size", .int(size)), ("LastModified", .int(Int(lastModifiedMs))),
                            ("ContentType", .string(contentType))])
        if !metadata.isEmpty { o["Metadata"] = .object(JSONObject(metadata.map { ($0.0, JSON.string($0.1)) })) }
        return .object(o)
    }

    init(etag: String, size: Int, lastModifiedMs: SimInstant, contentType: String, metadata: [(String, String)]) {
        self.etag = etag
        self.size = size
        self.lastModifiedMs = lastModifiedMs
        self.contentType = contentType
        self.metadata = metadata
    }

    init?(_ json: JSON) {
        guard let etag = json["ETag"]?.stringValue, let size = json["Size"]?.intValue else { return nil }
        self.etag = etag
        self.size = size
        lastModifiedMs = SimInstant(json["LastModified"]?.intValue ?? 0)
        contentType = json["ContentType"]?.stringValue ?? S3Objects.defaultContentType
        metadata = (json["Metadata"]?.objectValue ?? JSONObject()).map { ($0.key, $0.value.stringValue ?? "") }
    }
}

/// Constants and pure helpers of the object store.
public enum S3Objects {
    /// What `put-object` stores without `--content-type`.
    public static let defaultContentType = "binary/octet-stream"
    /// The AWS CLI uploads files of at least 8 MiB in 8 MiB parts (`multipart_threshold`,
    /// `multipart_chunksize`), so S3 reports `ObjectCreated:CompleteMultipartUpload` and a
    /// multipart ETag for them.
    public static let multipartThreshold = 8 * 1024 * 1024

    /// The ETag S3 gives a multipart upload: MD5 of the concatenated part MD5s, `-` part count.
    public static func multipartETag(_ bytes: [UInt8], partSize: Int = multipartThreshold) -> String {
        var digests: [UInt8] = []
        var parts = 0
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + partSize)
            digests += MD5.hash(Array(bytes[start..<end]))
            parts += 1
            start = end
        }
        return MD5.hex(digests) + "-\(parts)"
    }

    /// Keys compare as S3 lists them: by UTF-8 bytes.
    static func keyOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

extension Engine {
    func s3IndexPath(_ bucket: String) -> String { store.directory + "/s3/.index/" + bucket + ".json" }

    /// The bucket's object index (empty when the bucket has none yet).
    func s3LoadIndex(_ bucket: String) throws -> [String: S3ObjectInfo] {
        guard let data = FileManager.default.contents(atPath: s3IndexPath(bucket)) else { return [:] }
        let json: JSON
        do {
            json = try JSONParser.parse(bytes: [UInt8](data))
        } catch {
            throw StateFileError(path: s3IndexPath(bucket), reason: "the object index does not parse: \(error)")
        }
        var out: [String: S3ObjectInfo] = [:]
        for (key, value) in json.objectValue ?? JSONObject() { out[key] = S3ObjectInfo(value) }
        return out
    }

    func s3SaveIndex(_ bucket: String, _ index: [String: S3ObjectInfo]) throws {
        let path = s3IndexPath(bucket)
        if index.isEmpty {
            unlink(path)
            return
        }
        let directory = store.directory + "/s3/.index"
        if access(directory, F_OK) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateFileError(path: directory, reason: "cannot create directory: \(error.localizedDescription)")
            }
        }
        let sorted = index.keys.sorted(by: S3Objects.keyOrder).map { ($0, index[$0]?.json ?? .null) }
        try StateStore.atomicWrite(JSONWriter.bytes(.object(JSONObject(sorted))), to: path)
    }

    /// The file holding an object's bytes; throws for keys that cannot be a path.
    func s3ObjectPath(bucket: String, key: String) throws -> String {
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        let safe = !key.isEmpty && key.utf8.count <= 1024 && !key.hasPrefix("/")
            && !components.contains { $0 == ".." || $0 == "." } && !key.contains("\u{0}")
        guard safe else {
            throw ServiceError("InvalidArgument", "lambda-sim cannot store the object key \"\(key)\" as a file.", status: 400)
        }
        return bucketDirectory(bucket) + "/" + key
    }

    /// Reads an object's bytes and record; `NoSuchKey` when it does not exist.
    public func s3ReadObject(_ state: State, bucket: String, key: String) throws -> (bytes: [UInt8], info: S3ObjectInfo) {
        guard state.localResources.buckets[bucket] != nil else { throw S3Error.noSuchBucket(bucket) }
        let path = try s3ObjectPath(bucket: bucket, key: key)
        let index = try s3LoadIndex(bucket)
        if key.hasSuffix("/") {
            guard let info = index[key] else { throw S3Error.noSuchKey }
            return ([], info)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw S3Error.noSuchKey }
        let bytes = [UInt8](data)
        if let info = index[key] { return (bytes, info) }
        // A file written before the index existed: describe it from its bytes.
        return (bytes, S3ObjectInfo(etag: MD5.hex(bytes), size: bytes.count, lastModifiedMs: 0,
                                    contentType: S3Objects.defaultContentType, metadata: []))
    }

    /// Writes an object (file and index entry) and fires the bucket's notifications for
    /// `eventName` (`ObjectCreated:Put`, `:Copy`, `:CompleteMultipartUpload`), inside a held
    /// state lock. Returns the object's record.
    @discardableResult
    public func s3StoreObject(_ state: inout State, bucket name: String, key: String, bytes: [UInt8],
                              contentType: String? = nil, metadata: [(String, String)] = [],
                              eventName: String = "ObjectCreated:Put", multipart: Bool = false) throws -> S3ObjectInfo
    {
        guard var bucket = state.localResources.buckets[name] else { throw S3Error.noSuchBucket(name) }
        let path = try s3ObjectPath(bucket: name, key: key)
        if let slash = path.lastIndex(of: "/") {
            let directory = String(path[..<slash])
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ServiceError("InvalidArgument",
                                   "lambda-sim cannot store the object key \"\(key)\": a shorter key is a file on disk.", status: 400)
            }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateFileError(path: directory, reason: "cannot create directory: \(error.localizedDescription)")
            }
        }
        if !key.hasSuffix("/") {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ServiceError("InvalidArgument",
                                   "lambda-sim cannot store the object key \"\(key)\": longer keys use it as a directory on disk.",
                                   status: 400)
            }
            // A "folder" marker (key ending in /) is the directory itself.
            try StateStore.atomicWrite(bytes, to: path)
        }
        let now = self.now(state)
        let info = S3ObjectInfo(etag: multipart ? S3Objects.multipartETag(bytes) : MD5.hex(bytes), size: bytes.count,
                                lastModifiedMs: now - now % 1000,
                                contentType: contentType ?? S3Objects.defaultContentType, metadata: metadata)
        var index = try s3LoadIndex(name)
        index[key] = info
        try s3SaveIndex(name, index)
        let sequence = (bucket.eventSequence ?? 0) + 1
        bucket.eventSequence = sequence
        state.localResources.buckets[name] = bucket
        try s3Notify(&state, bucket: bucket, key: key, size: bytes.count, etag: info.etag, eventName: eventName,
                     sequence: sequence)
        return info
    }

    /// Deletes an object (a no-op when it does not exist, as on an unversioned bucket) and fires
    /// `ObjectRemoved:Delete` when there was one. Returns whether it existed.
    @discardableResult
    public func s3RemoveObject(_ state: inout State, bucket name: String, key: String) throws -> Bool {
        guard var bucket = state.localResources.buckets[name] else { throw S3Error.noSuchBucket(name) }
        guard let path = try? s3ObjectPath(bucket: name, key: key) else { return false }
        var index = try s3LoadIndex(name)
        var existed = index.removeValue(forKey: key) != nil
        if key.hasSuffix("/") {
            rmdir(path)
        } else if unlink(path) == 0 {
            existed = true
            // Drop directories the key's "folders" left empty (never the bucket's own directory).
            var directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
            let root = bucketDirectory(name)
            while directory.count > root.count, index[String(directory.dropFirst(root.count + 1)) + "/"] == nil,
                rmdir(directory) == 0
            {
                directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])
            }
        }
        guard existed else { return false }
        try s3SaveIndex(name, index)
        let sequence = (bucket.eventSequence ?? 0) + 1
        bucket.eventSequence = sequence
        state.localResources.buckets[name] = bucket
        try s3Notify(&state, bucket: bucket, key: key, size: nil, etag: nil, eventName: "ObjectRemoved:Delete",
                     sequence: sequence)
        return true
    }

    /// Every object of a bucket, by key (the index plus files written before it existed).
    public func s3ListAll(_ bucket: String) throws -> [(key: String, info: S3ObjectInfo)] {
        var index = try s3LoadIndex(bucket)
        let root = bucketDirectory(bucket)
        if let walker = FileManager.default.enumerator(atPath: root) {
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                guard index[relative] == nil, FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory),
                    !isDirectory.boolValue, let data = FileManager.default.contents(atPath: root + "/" + relative)
                else { continue }
                index[relative] = S3ObjectInfo(etag: MD5.hex([UInt8](data)), size: data.count, lastModifiedMs: 0,
                                               contentType: S3Objects.defaultContentType, metadata: [])
            }
        }
        return index.keys.sorted(by: S3Objects.keyOrder).compactMap { key in index[key].map { (key, $0) } }
    }
}
