import Foundation
import LambdaSimJSON
import LambdaSimSupport

/// One published version of a layer: its metadata and where its content is extracted.
public struct LayerVersionRecord: Codable, Sendable {
    public var version: Int
    public var description: String
    public var createdMs: SimInstant
    public var compatibleRuntimes: [String]?
    public var compatibleArchitectures: [String]?
    public var licenseInfo: String?
    public var codeSha256: String
    public var codeSize: Int
    public var unzippedSize: Int
    /// The extracted content (what AWS places under /opt).
    public var path: String
    /// Resource-policy statements (`AddLayerVersionPermission`) and the policy's revision.
    public var statements: [JSON]?
    public var policyRevisionId: String?
}

/// A layer: its versions (deleted ones removed; numbers are never reused).
public struct LayerRecord: Codable, Sendable {
    public var name: String
    public var region: String
    public var versions: [LayerVersionRecord]
    public var nextVersion: Int
}

/// Lambda layers (PublishLayerVersion and its neighbours), AWS's shapes and limits, and the
/// per-function `/opt` directory a function's layers make up.
extension Engine {
    func performLayerOperation(_ operation: String, _ p: JSONObject) throws -> JSON? {
        switch operation {
        case "PublishLayerVersion": return try publishLayerVersion(p)
        case "GetLayerVersion": return try getLayerVersion(p)
        case "GetLayerVersionByArn": return try getLayerVersionByArn(p)
        case "ListLayers": return try listLayers(p)
        case "ListLayerVersions": return try listLayerVersions(p)
        case "DeleteLayerVersion": return try deleteLayerVersion(p)
        case "AddLayerVersionPermission": return try addLayerVersionPermission(p)
        case "GetLayerVersionPolicy": return try getLayerVersionPolicy(p)
        case "RemoveLayerVersionPermission": return try removeLayerVersionPermission(p)
        default: return nil
        }
    }

    func layerArn(_ name: String) -> String { "arn:aws:lambda:\(region):\(Arn.account):layer:\(name)" }

    static let layerMissing = ServiceError.notFound("The resource you requested does not exist.")

    static let layerNamePattern = "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"

    static func isLayerNameText(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0.isASCIILetter || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    /// `LayerName` as a name or a layer ARN, checked against AWS's pattern (it names a
    /// directory, so nothing else may reach the file system). A layer ARN in another region or
    /// account names nothing here.
    func layerName(_ p: JSONObject) throws -> String {
        let raw = p.string("LayerName") ?? ""
        let field = "layerName"
        func refuse() -> ServiceError {
            ServiceError.constraint(value: raw, field: field, "Member must satisfy regular expression pattern: \(Self.layerNamePattern)")
        }
        if raw.count > 140 {
            throw ServiceError.constraint(value: raw, field: field, "Member must have length less than or equal to 140")
        }
        if raw.hasPrefix("arn:") {
            let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 7, parts[2] == "lambda", parts[5] == "layer", parts[4].count == 12,
                parts[4].allSatisfy(\.isNumber), Self.isLayerNameText(parts[6])
            else { throw refuse() }
            if parts[3] != region || parts[4] != Substring(Arn.account) { throw Self.layerMissing }
            return String(parts[6])
        }
        guard Self.isLayerNameText(Substring(raw)) else { throw refuse() }
        return raw
    }

    func layerVersionJSON(_ name: String, _ v: LayerVersionRecord, full: Bool) -> JSON {
        var o = JSONObject()
        if full {
            o["Content"] = .object(JSONObject([("Location", .string("file://" + v.path)), ("CodeSha256", .string(v.codeSha256)),
                                               ("CodeSize", .int(v.codeSize))]))
            o["LayerArn"] = .string(layerArn(name))
        }
        o["LayerVersionArn"] = .string(layerArn(name) + ":\(v.version)")
        o["Description"] = .string(v.description)
        o["CreatedDate"] = .string(TimeFormat.lambda(v.createdMs))
        o["Version"] = .int(v.version)
        if let runtimes = v.compatibleRuntimes, !runtimes.isEmpty { o["CompatibleRuntimes"] = .array(runtimes.map { .string($0) }) }
        if let license = v.licenseInfo { o["LicenseInfo"] = .string(license) }
        if let archs = v.compatibleArchitectures, !archs.isEmpty { o["CompatibleArchitectures"] = .array(archs.map { .string($0) }) }
        return .object(o)
    }

    func publishLayerVersion(_ p: JSONObject) throws -> JSON {
        let name = try layerName(p)
        let content = p.object("Content") ?? JSONObject()
        guard let zip = content.string("ZipFile") ?? p.string("ZipFile") else {
            if content.string("S3Bucket") != nil {
                throw ServiceError.invalidParameter("lambda-sim cannot fetch layer content from S3; use --zip-file fileb://….")
            }
            throw ServiceError.invalidParameter("Please provide a source for layer content.")
        }
        guard let bytes = Base64.decode(zip) else {
            throw ServiceError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        if bytes.count > 52_428_800 {
            throw ServiceError("RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes", status: 413)
        }
        let archive: ZipArchive
        do { archive = try ZipArchive(bytes: bytes) } catch {
            throw ServiceError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        let unzipped = archive.entries.reduce(0) { $0 + $1.uncompressedSize }
        if unzipped > 262_144_000 {
            throw ServiceError.invalidParameter("Unzipped size must be smaller than 262144000 bytes")
        }
        if let runtimes = p["CompatibleRuntimes"]?.arrayValue, runtimes.count > 15 {
            throw ServiceError.constraint(value: "[\(runtimes.compactMap(\.stringValue).joined(separator: ", "))]", field: "compatibleRuntimes",
                                          "Member must have length less than or equal to 15")
        }
        // Extract outside the lock into a unique directory; the version number is assigned under it.
        let staging = store.directory + "/layers/\(region)/\(name)/.staging-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try archive.extract(to: staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw ServiceError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        do {
            return try store.update { state -> JSON in
                let key = State.functionKey(region: self.region, name: name)
                var all = state.layers ?? [:]
                var layer = all[key] ?? LayerRecord(name: name, region: self.region, versions: [], nextVersion: 1)
                let path = self.store.directory + "/layers/\(self.region)/\(name)/\(layer.nextVersion)"
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.moveItem(atPath: staging, toPath: path)
                let v = LayerVersionRecord(
                    version: layer.nextVersion, description: p.string("Description") ?? "", createdMs: self.now(state),
                    compatibleRuntimes: p["CompatibleRuntimes"]?.arrayValue?.compactMap(\.stringValue),
                    compatibleArchitectures: p["CompatibleArchitectures"]?.arrayValue?.compactMap(\.stringValue),
                    licenseInfo: p.string("LicenseInfo"), codeSha256: SHA256.base64Digest(bytes), codeSize: bytes.count,
                    unzippedSize: unzipped, path: path, statements: nil, policyRevisionId: nil)
                layer.versions.append(v)
                layer.nextVersion += 1
                all[key] = layer
                state.layers = all
                return self.layerVersionJSON(name, v, full: true)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    func layerVersion(_ state: State, name: String, version: Int?) throws -> (LayerRecord, LayerVersionRecord) {
        guard let layer = state.layers?[State.functionKey(region: region, name: name)],
            let v = layer.versions.first(where: { $0.version == version })
        else { throw Self.layerMissing }
        return (layer, v)
    }

    func getLayerVersion(_ p: JSONObject) throws -> JSON {
        let name = try layerName(p)
        let (_, v) = try layerVersion(try store.read(), name: name, version: p.int("VersionNumber"))
        return layerVersionJSON(name, v, full: true)
    }

    func getLayerVersionByArn(_ p: JSONObject) throws -> JSON {
        let arn = p.string("Arn") ?? ""
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 8, parts[0] == "arn", parts[2] == "lambda", parts[5] == "layer", let version = Int(parts[7]) else {
            throw ServiceError.constraint(value: arn, field: "arn",
                                          "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)")
        }
        guard parts[3] == region, parts[4] == Arn.account else { throw Self.layerMissing }
        let (_, v) = try layerVersion(try store.read(), name: parts[6], version: version)
        return layerVersionJSON(parts[6], v, full: true)
    }

    func matches(_ v: LayerVersionRecord, _ p: JSONObject) -> Bool {
        if let runtime = p.string("CompatibleRuntime"), !(v.compatibleRuntimes ?? []).contains(runtime) { return false }
        if let arch = p.string("CompatibleArchitecture"), !(v.compatibleArchitectures ?? []).contains(arch) { return false }
        return true
    }

    func listLayers(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let prefix = region + "/"
        var items: [JSON] = []
        for key in (state.layers ?? [:]).keys.sorted() where key.hasPrefix(prefix) {
            guard let layer = state.layers?[key], let latest = layer.versions.last(where: { matches($0, p) }) else { continue }
            items.append(.object(JSONObject([("LayerName", .string(layer.name)), ("LayerArn", .string(layerArn(layer.name))),
                                             ("LatestMatchingVersion", layerVersionJSON(layer.name, latest, full: false))])))
        }
        return try paginate(items, key: "Layers", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    func listLayerVersions(_ p: JSONObject) throws -> JSON {
        let name = try layerName(p)
        let state = try store.read()
        let versions = state.layers?[State.functionKey(region: region, name: name)]?.versions ?? []
        let items = versions.reversed().filter { matches($0, p) }.map { layerVersionJSON(name, $0, full: false) }
        return try paginate(items, key: "LayerVersions", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    func deleteLayerVersion(_ p: JSONObject) throws -> JSON {
        let name = try layerName(p)
        return try store.update { state -> JSON in
            let key = State.functionKey(region: self.region, name: name)
            // Deleting a version that does not exist succeeds, as on AWS. The content stays on
            // disk for functions that still use it (AWS keeps a copy for them too).
            state.layers?[key]?.versions.removeAll { $0.version == p.int("VersionNumber") }
            return .object(JSONObject())
        }
    }

    // MARK: - Layer permissions

    /// The policy document as AWS prints it: each statement's members in AWS's order (the
    /// state file may store them in another).
    func layerPolicyText(_ statements: [JSON]) -> String {
        let ordered: [JSON] = statements.map { statement in
            var o = JSONObject()
            for key in ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"] {
                if let value = statement[key] { o[key] = value }
            }
            return .object(o)
        }
        return JSONWriter.string(.object(JSONObject([("Version", "2012-10-17"), ("Id", "default"), ("Statement", .array(ordered))])))
    }

    func addLayerVersionPermission(_ p: JSONObject) throws -> JSON {
        let name = try layerName(p)
        return try store.update { state -> JSON in
            let key = State.functionKey(region: self.region, name: name)
            var (layer, v) = try self.layerVersion(state, name: name, version: p.int("VersionNumber"))
            if let rev = p.string("RevisionId"), rev != v.policyRevisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id", status: 412)
            }
            let sid = p.string("StatementId") ?? ""
            var statements = v.statements ?? []
            if statements.contains(where: { $0["Sid"]?.stringValue == sid }) {
                throw ServiceError.conflict("The statement id (\(sid)) provided already exists. Please provide a new statement id, or remove the existing statement.")
            }
            let action = p.string("Action") ?? ""
            guard action == "lambda:GetLayerVersion" else {
                throw ServiceError.constraint(value: action, field: "action", "Member must satisfy regular expression pattern: lambda:GetLayerVersion")
            }
            let principalText = p.string("Principal") ?? ""
            let principal: JSON = principalText == "*" ? "*"
                : .object(JSONObject([("AWS", .string(principalText.hasPrefix("arn:") ? principalText : "arn:aws:iam::\(principalText):root"))]))
            var statement = JSONObject([("Sid", .string(sid)), ("Effect", "Allow"), ("Principal", principal), ("Action", .string(action)),
                                        ("Resource", .string(self.layerArn(name) + ":\(v.version)"))])
            if let org = p.string("OrganizationId") {
                statement["Condition"] = .object(JSONObject([("StringEquals", .object(JSONObject([("aws:PrincipalOrgID", .string(org))])))]))
            }
            statements.append(.object(statement))
            v.statements = statements
            v.policyRevisionId = state.rng.uuid()
            if let index = layer.versions.firstIndex(where: { $0.version == v.version }) { layer.versions[index] = v }
            state.layers?[key] = layer
            return .object(JSONObject([("Statement", .string(JSONWriter.string(.object(statement)))),
                                       ("RevisionId", .string(v.policyRevisionId ?? ""))]))
        }
    }

    func getLayerVersionPolicy(_ p: JSONObject) throws -> JSON {
        let (_, v) = try layerVersion(try store.read(), name: try layerName(p), version: p.int("VersionNumber"))
        guard let statements = v.statements, !statements.isEmpty else {
            throw ServiceError.notFound("No policy is associated with the given resource.")
        }
        return .object(JSONObject([("Policy", .string(layerPolicyText(statements))), ("RevisionId", .string(v.policyRevisionId ?? ""))]))
    }

    func removeLayerVersionPermission(_ p: JSONObject) throws -> JSON {
        let name = try layerName(p)
        return try store.update { state -> JSON in
            let key = State.functionKey(region: self.region, name: name)
            var (layer, v) = try self.layerVersion(state, name: name, version: p.int("VersionNumber"))
            if let rev = p.string("RevisionId"), rev != v.policyRevisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id", status: 412)
            }
            let sid = p.string("StatementId") ?? ""
            guard var statements = v.statements, statements.contains(where: { $0["Sid"]?.stringValue == sid }) else {
                throw ServiceError.notFound("Statement \(sid) is not found in resource policy.")
            }
            statements.removeAll { $0["Sid"]?.stringValue == sid }
            v.statements = statements
            v.policyRevisionId = state.rng.uuid()
            if let index = layer.versions.firstIndex(where: { $0.version == v.version }) { layer.versions[index] = v }
            state.layers?[key] = layer
            return .object(JSONObject())
        }
    }

    // MARK: - Functions' layers

    /// Checks a function's `Layers` (AWS's rules) and answers their sizes, in order.
    func resolveFunctionLayers(_ state: State, _ arns: [String], codeSize: Int) throws -> [Int] {
        if arns.count > 5 { throw ServiceError.invalidParameter("Cannot reference more than 5 layers.") }
        var sizes: [Int] = []
        var unzipped = codeSize
        var seen = Set<String>()
        for arn in arns {
            let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 8, parts[0] == "arn", parts[2] == "lambda", parts[5] == "layer", let version = Int(parts[7]) else {
                throw ServiceError.constraint(value: "[\(arns.joined(separator: ", "))]", field: "layers",
                                              "Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]")
            }
            let layer = parts[0..<7].joined(separator: ":")
            if !seen.insert(layer).inserted {
                throw ServiceError.invalidParameter("Two different versions of the same layer are not allowed to be referenced in the same function. \(layer) is referenced more than once.")
            }
            guard parts[3] == region, parts[4] == Arn.account,
                let v = state.layers?[State.functionKey(region: region, name: parts[6])]?.versions.first(where: { $0.version == version })
            else {
                throw ServiceError.invalidParameter("Layer version \(arn) does not exist.")
            }
            sizes.append(v.codeSize)
            unzipped += v.unzippedSize
        }
        if unzipped > 262_144_000 {
            throw ServiceError.invalidParameter("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is \(unzipped) bytes.")
        }
        return sizes
    }
}

/// The directory that stands in for `/opt` in a function's execution environment: its layers'
/// content merged in order (a later layer's file replaces an earlier one's, as AWS extracts
/// them), built once per set of layers beside the state file.
enum LayerFiles {
    static func optDirectory(stateDirectory: String, layers: [String]) -> String? {
        guard !layers.isEmpty else { return nil }
        // Keyed by the layers and their extracted directories' identity (a state reset can
        // publish different content under the same version ARN).
        var key = ""
        for arn in layers {
            key += arn + "\n"
            let parts = arn.split(separator: ":").map(String.init)
            var status = stat()
            if parts.count == 8, stat(stateDirectory + "/layers/\(parts[3])/\(parts[6])/\(parts[7])", &status) == 0 {
                key += "\(status.st_ino) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)\n"
            }
        }
        let id = String(SHA256.hexDigest(Array(key.utf8)).prefix(16))
        let target = stateDirectory + "/opt/" + id
        if FileManager.default.fileExists(atPath: target) { return target }
        let staging = target + ".tmp\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for arn in layers {
                let parts = arn.split(separator: ":").map(String.init)
                guard parts.count == 8 else { continue }
                let source = stateDirectory + "/layers/\(parts[3])/\(parts[6])/\(parts[7])"
                try merge(source, into: staging)
            }
            try? FileManager.default.moveItem(atPath: staging, toPath: target)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            return nil
        }
        try? FileManager.default.removeItem(atPath: staging)
        return FileManager.default.fileExists(atPath: target) ? target : nil
    }

    private static func merge(_ source: String, into target: String) throws {
        let fm = FileManager.default
        guard let names = fm.enumerator(atPath: source)?.allObjects as? [String] else { return }
        for relative in names.sorted() {
            let from = source + "/" + relative
            let to = target + "/" + relative
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: from, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
            } else {
                try? fm.removeItem(atPath: to)
                try fm.copyItem(atPath: from, toPath: to)
            }
        }
    }

    /// The search-path variables AWS's runtimes derive from /opt, pointing at `opt`.
    static func searchPaths(opt: String, runtime: String?) -> [String: String] {
        var env: [String: String] = [:]
        if let runtime, runtime.hasPrefix("python") {
            env["PYTHONPATH"] = "\(opt)/python/lib/\(runtime)/site-packages:\(opt)/python"
        }
        if let runtime, runtime.hasPrefix("nodejs") {
            let major = runtime.dropFirst("nodejs".count).prefix { $0.isNumber }
            env["NODE_PATH"] = "\(opt)/nodejs/node\(major)/node_modules:\(opt)/nodejs/node_modules"
        }
        return env
    }
}
