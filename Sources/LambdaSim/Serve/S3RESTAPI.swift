import Foundation
import LambdaSimJSON

/// S3's REST API, path style (`http://127.0.0.1:PORT/bucket/key`), for SDKs and the CLI's
/// `--endpoint-url`: buckets (create, head, delete, list), objects (put, get, head, delete),
/// ListObjectsV2 and the notification configuration, with S3's XML bodies and errors. A
/// request is S3's when its SigV4 credential scope names the `s3` service.
enum S3RESTAPI {
    static func isS3(_ request: ServeRequest) -> Bool {
        guard let authorization = request.header("authorization"), let range = authorization.range(of: "Credential=") else {
            return false
        }
        let scope = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }.split(separator: "/")
        return scope.count >= 5 && scope[scope.count - 2] == "s3"
    }

    static func handle(_ request: ServeRequest, engines: EngineRegistry) -> ServeResponse {
        let engine = engines.engine(region: request.region)
        let path = request.rawPath.hasPrefix("/") ? String(request.rawPath.dropFirst()) : request.rawPath
        let slash = path.firstIndex(of: "/")
        let bucket = URLEncoding.decode(String(slash.map { path[..<$0] } ?? Substring(path)), plusIsSpace: false)
        let key = slash.map { URLEncoding.decode(String(path[path.index(after: $0)...]), plusIsSpace: false) } ?? ""
        var query: [String: String] = [:]
        for (name, value) in URLCoding.parseForm(request.rawQuery) where query[name] == nil { query[name] = value }
        let method = request.method
        var operation = "S3"
        do {
            if bucket.isEmpty {
                guard method == "GET" else { throw ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.", status: 405) }
                operation = "ListBuckets"
                return xml(listBuckets(try engine.perform(service: "s3", operation, JSONObject())))
            }
            if key.isEmpty {
                switch (method, query["notification"] != nil) {
                case ("POST", _) where query["delete"] != nil:
                    operation = "DeleteObjects"
                    let root = XMLElement.parse(request.http.body)
                    let objects = (root?.children ?? []).filter { $0.name == "Object" }.map { o -> JSON in
                        .object(JSONObject([("Key", .string(o.child("Key")?.text ?? ""))]))
                    }
                    let quiet = root?.child("Quiet")?.text == "true"
                    let result = try engine.perform(service: "s3", operation, JSONObject([
                        ("Bucket", .string(bucket)), ("Delete", .object(JSONObject([("Objects", .array(objects)), ("Quiet", .bool(quiet))]))),
                    ]))
                    return xml("<DeleteResult\(namespace)>" + (result["Deleted"]?.arrayValue ?? []).map { "<Deleted>" + element("Key", $0["Key"]) + "</Deleted>" }
                        .joined() + "</DeleteResult>")
                case ("PUT", true):
                    operation = "PutBucketNotificationConfiguration"
                    let configuration = notificationJSON(XMLElement.parse(request.http.body))
                    _ = try engine.perform(service: "s3", operation, JSONObject([("Bucket", .string(bucket)),
                                                                                  ("NotificationConfiguration", configuration)]))
                    return ServeResponse(status: 200)
                case ("GET", true):
                    operation = "GetBucketNotificationConfiguration"
                    let result = try engine.perform(service: "s3", operation, JSONObject([("Bucket", .string(bucket))]))
                    return xml(notificationXML(result))
                case ("PUT", _):
                    operation = "CreateBucket"
                    var p = JSONObject([("Bucket", .string(bucket))])
                    if let location = XMLElement.parse(request.http.body)?.child("LocationConstraint")?.text, !location.isEmpty {
                        p["CreateBucketConfiguration"] = .object(JSONObject([("LocationConstraint", .string(location))]))
                    }
                    _ = try engine.perform(service: "s3", operation, p)
                    return ServeResponse(status: 200, headers: [("Location", "/" + bucket)])
                case ("HEAD", _):
                    operation = "HeadBucket"
                    _ = try engine.perform(service: "s3", operation, JSONObject([("Bucket", .string(bucket))]))
                    return ServeResponse(status: 200, headers: [("x-amz-bucket-region", request.region)])
                case ("DELETE", _):
                    operation = "DeleteBucket"
                    _ = try engine.perform(service: "s3", operation, JSONObject([("Bucket", .string(bucket))]))
                    return ServeResponse(status: 204)
                case ("GET", _):
                    operation = "ListObjectsV2"
                    var p = JSONObject([("Bucket", .string(bucket))])
                    for (name, member) in [("prefix", "Prefix"), ("delimiter", "Delimiter"), ("start-after", "StartAfter"),
                                           ("continuation-token", "ContinuationToken")] {
                        if let v = query[name] { p[member] = .string(v) }
                    }
                    if let v = query["max-keys"], let n = Int(v) { p["MaxKeys"] = .int(n) }
                    return xml(listObjects(try engine.perform(service: "s3", operation, p), urlEncoded: query["encoding-type"] == "url"))
                default:
                    throw ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.", status: 405)
                }
            }
            switch method {
            case "PUT" where request.header("x-amz-copy-source") != nil:
                operation = "CopyObject"
                let result = try engine.perform(service: "s3", operation, JSONObject([
                    ("Bucket", .string(bucket)), ("Key", .string(key)), ("CopySource", .string(request.header("x-amz-copy-source") ?? "")),
                ]))
                let copied = result["CopyObjectResult"]
                return xml("<CopyObjectResult\(namespace)>" + element("LastModified", copied?["LastModified"]) + element("ETag", copied?["ETag"])
                    + "</CopyObjectResult>")
            case "PUT":
                operation = "PutObject"
                var metadata: [(String, String)] = []
                for (name, value) in request.http.headers where name.lowercased().hasPrefix("x-amz-meta-") {
                    metadata.append((String(name.lowercased().dropFirst("x-amz-meta-".count)), value))
                }
                let body = try decodedBody(request)
                let result = try engine.s3PutObject(bucket: bucket, key: key, bytes: body, contentType: request.header("content-type"),
                                                    metadata: metadata)
                return ServeResponse(status: 200, headers: [("ETag", result["ETag"]?.stringValue ?? ""),
                                                            ("x-amz-server-side-encryption", "AES256")])
            case "GET", "HEAD":
                operation = method == "GET" ? "GetObject" : "HeadObject"
                let state = try engine.store.read()
                let (bytes, info) = try engine.s3ReadObject(state, bucket: bucket, key: key)
                var headers: [(String, String)] = [
                    ("Content-Type", info.contentType), ("ETag", "\"\(info.etag)\""), ("Accept-Ranges", "bytes"),
                    ("Last-Modified", httpDate(info.lastModifiedMs)), ("x-amz-server-side-encryption", "AES256"),
                ]
                for (name, value) in info.metadata { headers.append(("x-amz-meta-" + name, value)) }
                return ServeResponse(status: 200, headers: headers, body: method == "GET" ? bytes : [])
            case "DELETE":
                operation = "DeleteObject"
                _ = try engine.perform(service: "s3", operation, JSONObject([("Bucket", .string(bucket)), ("Key", .string(key))]))
                return ServeResponse(status: 204)
            default:
                throw ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.", status: 405)
            }
        } catch {
            let e = ServeErrors.serviceError(error)
            if method == "HEAD" { return ServeResponse(status: e.status) }
            var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(escape(e.code))</Code><Message>\(escape(e.message))</Message>"
            if e.code == "NoSuchBucket" { body += "<BucketName>\(escape(bucket))</BucketName>" }
            if e.code == "NoSuchKey" { body += "<Key>\(escape(key))</Key>" }
            body += "<RequestId>\(request.requestId)</RequestId></Error>"
            return ServeResponse(status: e.status, headers: [("Content-Type", "application/xml")], body: Array(body.utf8),
                                 operation: operation)
        }
    }

    /// The object's bytes: `aws-chunked` bodies (signed or with a checksum trailer, as newer
    /// SDKs send them) are unwrapped.
    static func decodedBody(_ request: ServeRequest) throws -> [UInt8] {
        let body = request.http.body
        let encoding = request.header("content-encoding") ?? ""
        let sha = request.header("x-amz-content-sha256") ?? ""
        guard encoding.contains("aws-chunked") || sha.hasPrefix("STREAMING-") else { return body }
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            var lineEnd = i
            while lineEnd + 1 < body.count, !(body[lineEnd] == 0x0D && body[lineEnd + 1] == 0x0A) { lineEnd += 1 }
            let line = String(decoding: body[i..<lineEnd], as: UTF8.self)
            guard let size = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
                throw ServiceError("IncompleteBody", "The request body terminated unexpectedly", status: 400)
            }
            i = lineEnd + 2
            if size == 0 { break }
            guard i + size <= body.count else { throw ServiceError("IncompleteBody", "The request body terminated unexpectedly", status: 400) }
            out.append(contentsOf: body[i..<(i + size)])
            i += size + 2
        }
        return out
    }

    // MARK: - XML

    static func xml(_ body: String) -> ServeResponse {
        ServeResponse(status: 200, headers: [("Content-Type", "application/xml")],
                      body: Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body).utf8))
    }

    static let namespace = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func element(_ name: String, _ value: JSON?) -> String {
        guard let value else { return "" }
        let text: String
        switch value {
        case let .string(s): text = escape(s)
        case let .int(n): text = String(n)
        case let .bool(b): text = b ? "true" : "false"
        case let .double(d): text = TimeFormat.iso(SimInstant((d * 1000).rounded()))
        default: text = ""
        }
        return "<\(name)>\(text)</\(name)>"
    }

    static func httpDate(_ ms: SimInstant) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func listBuckets(_ result: JSON) -> String {
        var out = "<ListAllMyBucketsResult\(namespace)><Owner>"
        out += element("ID", result["Owner"]?["ID"]) + element("DisplayName", result["Owner"]?["DisplayName"]) + "</Owner><Buckets>"
        for b in result["Buckets"]?.arrayValue ?? [] {
            out += "<Bucket>" + element("Name", b["Name"]) + element("CreationDate", b["CreationDate"])
                + element("BucketRegion", b["BucketRegion"]) + "</Bucket>"
        }
        return out + "</Buckets></ListAllMyBucketsResult>"
    }

    /// `encoding-type=url` (the CLI asks for it): keys and prefixes URL-encoded, spaces as `+`.
    static func listObjects(_ result: JSON, urlEncoded: Bool) -> String {
        func encoded(_ value: JSON?) -> JSON? {
            guard urlEncoded, let s = value?.stringValue else { return value }
            return .string(Engine.s3EventKey(s))
        }
        var out = "<ListBucketResult\(namespace)>"
        for name in ["Name", "Prefix", "Delimiter", "StartAfter", "ContinuationToken", "NextContinuationToken", "KeyCount", "MaxKeys",
                     "IsTruncated"] {
            out += element(name, ["Prefix", "Delimiter", "StartAfter"].contains(name) ? encoded(result[name]) : result[name])
        }
        if urlEncoded { out += "<EncodingType>url</EncodingType>" }
        for c in result["Contents"]?.arrayValue ?? [] {
            out += "<Contents>" + element("Key", encoded(c["Key"]))
                + ["LastModified", "ETag", "Size", "StorageClass"].map { element($0, c[$0]) }.joined() + "</Contents>"
        }
        for p in result["CommonPrefixes"]?.arrayValue ?? [] { out += "<CommonPrefixes>" + element("Prefix", encoded(p["Prefix"])) + "</CommonPrefixes>" }
        return out + "</ListBucketResult>"
    }

    /// XML names of the configuration's sections (botocore's `locationName`s).
    static let sections = [("TopicConfigurations", "TopicConfiguration", "TopicArn", "Topic"),
                           ("QueueConfigurations", "QueueConfiguration", "QueueArn", "Queue"),
                           ("LambdaFunctionConfigurations", "CloudFunctionConfiguration", "LambdaFunctionArn", "CloudFunction")]

    static func notificationJSON(_ root: XMLElement?) -> JSON {
        var o = JSONObject()
        guard let root else { return .object(o) }
        for (section, tag, arnKey, arnTag) in sections {
            let items = root.children.filter { $0.name == tag }
            if items.isEmpty { continue }
            o[section] = .array(items.map { item in
                var c = JSONObject()
                if let id = item.child("Id")?.text { c["Id"] = .string(id) }
                c[arnKey] = .string(item.child(arnTag)?.text ?? "")
                c["Events"] = .array(item.children.filter { $0.name == "Event" }.map { .string($0.text) })
                if let rules = item.child("Filter")?.child("S3Key")?.children.filter({ $0.name == "FilterRule" }), !rules.isEmpty {
                    c["Filter"] = .object(JSONObject([("Key", .object(JSONObject([("FilterRules", .array(rules.map { rule in
                        .object(JSONObject([("Name", .string(rule.child("Name")?.text ?? "")), ("Value", .string(rule.child("Value")?.text ?? ""))]))
                    }))])))]))
                }
                return .object(c)
            })
        }
        if root.child("EventBridgeConfiguration") != nil { o["EventBridgeConfiguration"] = .object(JSONObject()) }
        return .object(o)
    }

    static func notificationXML(_ result: JSON) -> String {
        var out = "<NotificationConfiguration\(namespace)>"
        for (section, tag, arnKey, arnTag) in sections {
            for item in result[section]?.arrayValue ?? [] {
                out += "<\(tag)>" + element("Id", item["Id"]) + element(arnTag, item[arnKey])
                for event in item["Events"]?.arrayValue ?? [] { out += element("Event", event) }
                if let rules = item["Filter"]?["Key"]?["FilterRules"]?.arrayValue {
                    out += "<Filter><S3Key>" + rules.map { "<FilterRule>" + element("Name", $0["Name"]) + element("Value", $0["Value"]) + "</FilterRule>" }
                        .joined() + "</S3Key></Filter>"
                }
                out += "</\(tag)>"
            }
        }
        if result["EventBridgeConfiguration"] != nil { out += "<EventBridgeConfiguration></EventBridgeConfiguration>" }
        return out + "</NotificationConfiguration>"
    }
}

/// A minimal XML element tree for S3 request bodies (elements and text; attributes, comments
/// and processing instructions are skipped).
final class XMLElement {
    let name: String
    var children: [XMLElement] = []
    var text = ""

    init(name: String) { self.name = name }

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    static func parse(_ bytes: [UInt8]) -> XMLElement? {
        let s = Array(String(decoding: bytes, as: UTF8.self))
        var stack: [XMLElement] = []
        var root: XMLElement?
        var i = 0
        while i < s.count {
            if s[i] == "<" {
                guard let close = s[i...].firstIndex(of: ">") else { return root }
                let inside = String(s[(i + 1)..<close])
                i = close + 1
                if inside.hasPrefix("?") || inside.hasPrefix("!") { continue }
                if inside.hasPrefix("/") {
                    if let done = stack.popLast(), stack.isEmpty { root = done }
                    continue
                }
                let selfClosing = inside.hasSuffix("/")
                let name = String(inside.prefix { $0 != " " && $0 != "/" && $0 != "\t" && $0 != "\n" })
                let element = XMLElement(name: name)
                stack.last?.children.append(element)
                if selfClosing {
                    if stack.isEmpty { root = element }
                } else {
                    stack.append(element)
                }
            } else {
                let next = s[i...].firstIndex(of: "<") ?? s.count
                stack.last?.text += unescape(String(s[i..<next]).trimmingCharacters(in: .whitespacesAndNewlines))
                i = next
            }
        }
        return root ?? stack.first
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
