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

/// S3's errors, with its codes and texts.
enum S3Error {
    static func noSuchBucket(_ name: String) -> ServiceError {
        ServiceError("NoSuchBucket", "The specified bucket does not exist", status: 404)
    }

    static let noSuchKey = ServiceError("NoSuchKey", "The specified key does not exist.", status: 404)

    /// HEAD requests carry no body, so the CLI can only show the status: `An error occurred
    /// (404) when calling the HeadObject operation: Not Found`.
    static let headNotFound = ServiceError("404", "Not Found", status: 404)

    static let bucketNotEmpty = ServiceError("BucketNotEmpty", "The bucket you tried to delete is not empty", status: 409)
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
}
