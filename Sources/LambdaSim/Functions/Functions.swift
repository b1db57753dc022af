import Foundation
import LambdaSimJSON
import LambdaSimSupport

extension JSONObject {
    func string(_ key: String) -> String? { self[key]?.stringValue }
    func int(_ key: String) -> Int? { self[key]?.intValue }
    func bool(_ key: String) -> Bool? { self[key]?.boolValue }
    func object(_ key: String) -> JSONObject? { self[key]?.objectValue }
}

/// The runtimes lambda-sim can run, beyond AWS's own list.
public enum RuntimeName {
    public static let builtin = "builtin"
    public static let exec = "exec"
    public static let aws: [String] = [
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
        "java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge",
        "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2",
        "ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13",
        "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10", "ruby4.0",
    ]
    public static var all: [String] { aws + [builtin, exec] }
}

/// Lambda's reserved environment variable names.
public let reservedEnvironmentKeys: Set<String> = [
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
]

extension Engine {
    // MARK: - Lookup

    /// Finds a function and the version a qualifier names, with AWS's not-found messages.
    func resolve(_ state: State, functionName: String, qualifier explicitQualifier: String?,
                 allowAliases: Bool = true) throws -> (key: String, record: FunctionRecord, version: FunctionVersion, qualifier: String?)
    {
        guard let ref = FunctionReference.parse(functionName) else {
            throw ServiceError.constraint(value: functionName, field: "functionName",
                                          "Member must satisfy regular expression pattern: \(namespacedFunctionNamePattern)")
        }
        if let q = ref.qualifier, let e = explicitQualifier, q != e {
            throw ServiceError.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
        }
        if let r = ref.region, r != region {
            throw ServiceError.notFound("Functions from '\(r)' are not reachable in this region ('\(region)')")
        }
        let qualifier = explicitQualifier ?? ref.qualifier
        let key = State.functionKey(region: region, name: ref.name)
        let arn = Arn.function(region: region, name: ref.name)
        guard let record = try state.functions.record(key) else {
            throw ServiceError.notFound("Function not found: \(arn)\(qualifier.map { ":" + $0 } ?? "")")
        }
        guard let qualifier else { return (key, record, record.latest, nil) }
        if let v = record.version(qualifier) { return (key, record, v, qualifier) }
        if allowAliases, let alias = record.aliases[qualifier], let v = record.version(alias.functionVersion) {
            return (key, record, v, qualifier)
        }
        throw ServiceError.notFound("Function not found: \(arn):\(qualifier)")
    }

    /// The record for an unqualified function name (operations that take FunctionName only).
    func record(_ state: State, _ functionName: String?) throws -> (key: String, record: FunctionRecord) {
        let found = try resolve(state, functionName: functionName ?? "", qualifier: nil)
        return (found.key, found.record)
    }

    func functionMissing(_ name: String) -> ServiceError {
        ServiceError.notFound("Function not found: \(Arn.function(region: region, name: name))")
    }

    // MARK: - Validation shared by create and update

    func validateCommon(_ p: JSONObject, runtime: String?) throws {
        if let role = p.string("Role"), !Self.isRoleArn(role) {
            throw ServiceError.constraint(value: role, field: "role",
                                          "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
        }
        if let runtime, !RuntimeName.all.contains(runtime) {
            throw ServiceError.constraint(value: runtime, field: "runtime",
                                          "Member must satisfy enum value set: [\(RuntimeName.all.joined(separator: ", "))] or be a valid ARN")
        }
        if let t = p.int("Timeout"), t > 900 {
            throw ServiceError.constraint(value: String(t), field: "timeout", "Member must have value less than or equal to 900")
        }
        if let m = p.int("MemorySize"), m > 10240 {
            throw ServiceError.constraint(value: String(m), field: "memorySize", "Member must have value less than or equal to 10240")
        }
        if let d = p.string("Description"), d.count > 256 {
            throw ServiceError.constraint(value: d, field: "description", "Member must have length less than or equal to 256")
        }
        if let h = p.string("Handler"), let runtime, runtime != RuntimeName.builtin, runtime != RuntimeName.exec,
            h.contains(where: \.isWhitespace)
        {
            // The model's pattern; builtin handlers (`fail:Type:message`) are lambda-sim's own.
            throw ServiceError.constraint(value: h, field: "handler", "Member must satisfy regular expression pattern: [^\\s]+")
        }
        if let h = p.string("Handler"), h.count > 128 {
            throw ServiceError.constraint(value: h, field: "handler", "Member must have length less than or equal to 128")
        }
        if let env = p.object("Environment")?.object("Variables") {
            try Self.validateEnvironment(env)
        }
        if let size = p.object("EphemeralStorage")?.int("Size"), size < 512 || size > 10240 {
            throw ServiceError.constraint(value: String(size), field: "ephemeralStorage.size",
                                          size < 512 ? "Member must have value greater than or equal to 512" : "Member must have value less than or equal to 10240")
        }
        if let archs = p["Architectures"]?.arrayValue {
            if archs.count != 1 {
                throw ServiceError.constraint(value: "[\(archs.compactMap(\.stringValue).joined(separator: ", "))]", field: "architectures",
                                              "Member must have length less than or equal to 1")
            }
            if let a = archs.first?.stringValue, a != "x86_64", a != "arm64" {
                throw ServiceError.constraint(value: "[\(a)]", field: "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
            }
        }
        if let layers = p["Layers"]?.arrayValue, layers.count > 5 {
            throw ServiceError.invalidParameter("Cannot reference more than 5 layers.")
        }
    }

    static func isRoleArn(_ role: String) -> Bool {
        let parts = role.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[3].isEmpty,
            parts[4].count == 12, parts[4].allSatisfy(\.isNumber)
        else { return false }
        let rest = parts[5]
        guard rest.hasPrefix("role") else { return false }
        let name = rest.dropFirst(4).drop { $0 == "/" }
        return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "+=,.@-_/".contains($0) }
    }

    /// Lambda's 4 KB limit (the compact JSON of the map), key pattern and reserved keys.
    static func validateEnvironment(_ vars: JSONObject) throws {
        // The model's key pattern is checked first (a ValidationException), then the service's rules.
        for key in vars.keys {
            let chars = Array(key.utf8)
            let ok = chars.count >= 2 && chars[0].isASCIILetter && chars.dropFirst().allSatisfy { $0.isASCIILetter || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            if !ok {
                throw ServiceError.validation(
                    "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
            }
        }
        var measured = JSONObject()
        for (k, v) in vars { measured[k] = .string(v.stringValue ?? JSONWriter.string(v)) }
        let text = JSONWriter.string(.object(measured))
        if text.utf8.count > 4096 {
            throw ServiceError.invalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: \(text)")
        }
        let reserved = vars.keys.filter { reservedEnvironmentKeys.contains($0) }
        if !reserved.isEmpty {
            throw ServiceError.invalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: \(reserved.joined(separator: ", "))")
        }
    }

    // MARK: - Code

    /// Reads the code a request supplies (`Code.ZipFile`, `ZipFile`, `CodePath`) and places it.
    /// Returns nil when the request supplies none.
    func placeCode(_ p: JSONObject, functionName: String, runtime: String?) throws -> (location: CodeLocation, sha: String, size: Int)? {
        let code = p.object("Code")
        if let path = p.string("CodePath") ?? code?.string("CodePath") {
            return try codeFromPath(path)
        }
        if let zip = p.string("ZipFile") ?? code?.string("ZipFile") {
            // Blobs reach the engine as base64 text.
            guard let bytes = Base64.decode(zip) else {
                throw ServiceError("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")
            }
            return try codeFromZip(bytes, functionName: functionName)
        }
        if code?.string("S3Bucket") != nil {
            throw ServiceError.invalidParameter("lambda-sim cannot fetch code from S3; use --zip-file fileb://… or --code-path.")
        }
        if code?.string("ImageUri") != nil {
            throw ServiceError.invalidParameter("lambda-sim does not run container images; use --zip-file fileb://… or --code-path.")
        }
        return nil
    }

    func codeFromPath(_ rawPath: String) throws -> (location: CodeLocation, sha: String, size: Int) {
        let path = rawPath.hasPrefix("/") ? rawPath : FileManager.default.currentDirectoryPath + "/" + rawPath
        let normalized = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: normalized, isDirectory: &isDir) else {
            throw ServiceError.invalidParameter("Code path does not exist: \(rawPath)")
        }
        var hasher = [UInt8]()
        var size = 0
        if isDir.boolValue {
            let files = (FileManager.default.enumerator(atPath: normalized)?.allObjects as? [String] ?? []).sorted()
            for file in files.prefix(2000) {
                let full = normalized + "/" + file
                var sub: ObjCBool = false
                guard FileManager.default.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue else { continue }
                let attributes = try? FileManager.default.attributesOfItem(atPath: full)
                let fileSize = (attributes?[.size] as? NSNumber)?.intValue ?? 0
                size += fileSize
                hasher += Array(file.utf8) + [0] + Array(String(fileSize).utf8) + [0]
                if let m = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 {
                    hasher += Array(String(m).utf8)
                }
            }
        } else {
            let data = FileManager.default.contents(atPath: normalized) ?? Data()
            size = data.count
            hasher = [UInt8](data)
        }
        return (CodeLocation(path: normalized, fromZip: false), SHA256.base64Digest(hasher), size)
    }

    func codeFromZip(_ bytes: [UInt8], functionName: String) throws -> (location: CodeLocation, sha: String, size: Int) {
        if bytes.count > 52_428_800 {
            throw ServiceError("RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes", status: 413)
        }
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes: bytes)
        } catch {
            throw ServiceError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        let unzipped = archive.entries.reduce(0) { $0 + $1.uncompressedSize }
        if unzipped > 262_144_000 {
            throw ServiceError.invalidParameter("Unzipped size must be smaller than 262144000 bytes")
        }
        let sha = SHA256.base64Digest(bytes)
        let safeSha = String(SHA256.hexDigest(bytes).prefix(16))
        let directory = store.directory + "/code/" + functionName + "/" + safeSha
        if !FileManager.default.fileExists(atPath: directory) {
            let temp = directory + ".tmp\(getpid())"
            try? FileManager.default.removeItem(atPath: temp)
            do {
                try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
                try archive.extract(to: temp)
                try FileManager.default.moveItem(atPath: temp, toPath: directory)
            } catch {
                try? FileManager.default.removeItem(atPath: temp)
                if !FileManager.default.fileExists(atPath: directory) {
                    throw ServiceError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again. (\(error))")
                }
            }
        }
        return (CodeLocation(path: directory, fromZip: true), sha, bytes.count)
    }

    // MARK: - Create

    func createFunction(_ p: JSONObject) throws -> JSON {
        let name = p.string("FunctionName") ?? ""
        guard let ref = FunctionReference.parse(name), ref.qualifier == nil, FunctionReference.isValidName(ref.name) else {
            throw ServiceError.constraint(value: name, field: "functionName",
                                          "Member must satisfy regular expression pattern: \(functionNamePattern)")
        }
        if ref.name.count > 64 {
            throw ServiceError.constraint(value: ref.name, field: "functionName", "Member must have length less than or equal to 64")
        }
        let runtime = p.string("Runtime")
        try validateCommon(p, runtime: runtime)
        let packageType = p.string("PackageType") ?? "Zip"
        let handler = p.string("Handler")
        if packageType == "Zip", runtime == nil {
            throw ServiceError.invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        if packageType == "Zip", handler == nil {
            throw ServiceError.invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        if runtime == RuntimeName.builtin, let handler { try BuiltinHandler.validate(handler) }
        if let runtime, let refusal = RuntimeDeprecation.refusal(runtime: runtime, creating: true, now: now(try store.read())) {
            throw refusal
        }
        let key = State.functionKey(region: region, name: ref.name)
        // Place code before taking the lock: extraction can be slow and touches no state.
        var placed = try placeCode(p, functionName: ref.name, runtime: runtime)
        if placed == nil, runtime == RuntimeName.exec, let handler, !handler.hasPrefix("/") {
            // `--handler ./fn.sh` and no code (README): the file in the working directory, in place.
            let file = handler.hasPrefix("./") ? String(handler.dropFirst(2)) : handler
            if !file.contains("/"), FileManager.default.fileExists(atPath: file) { placed = try codeFromPath(file) }
        }
        if placed == nil, runtime != RuntimeName.builtin {
            if runtime == RuntimeName.exec, let handler, handler.hasPrefix("/") {
                // An absolute executable needs no code.
            } else {
                throw ServiceError.invalidParameter("Please provide a source for function code.")
            }
        }
        return try store.update { state -> JSON in
            if state.functions[key] != nil {
                throw ServiceError.conflict("Function already exist: \(ref.name)")
            }
            try self.checkExecutionRoleTrust(state, roleArn: p.string("Role"), function: ref.name)
            try self.checkDeadLetterPermission(state, roleArn: p.string("Role"),
                                               target: p.object("DeadLetterConfig")?.string("TargetArn"), function: ref.name)
            let now = self.now(state)
            let builtinSha = SHA256.base64Digest(Array(("builtin:" + (handler ?? "")).utf8))
            var version = FunctionVersion(
                name: ref.name, region: region, version: "$LATEST", runtime: runtime,
                role: p.string("Role") ?? "arn:aws:iam::\(Arn.account):role/lambda-sim",
                handler: handler, description: p.string("Description") ?? "",
                timeout: p.int("Timeout") ?? 3, memorySize: p.int("MemorySize") ?? 128,
                environment: Self.environmentMap(p), codeSha256: placed?.sha ?? builtinSha, codeSize: placed?.size ?? 0,
                lastModifiedMs: now, revisionId: state.rng.uuid(),
                deadLetterTargetArn: p.object("DeadLetterConfig")?.string("TargetArn"),
                tracingMode: p.object("TracingConfig")?.string("Mode") ?? "PassThrough",
                layers: (p["Layers"]?.arrayValue ?? []).compactMap(\.stringValue),
                architectures: (p["Architectures"]?.arrayValue ?? []).compactMap(\.stringValue),
                ephemeralStorage: p.object("EphemeralStorage")?.int("Size") ?? 512,
                packageType: packageType, code: placed?.location, extras: nil)
            if version.architectures.isEmpty { version.architectures = ["x86_64"] }
            if !version.layers.isEmpty {
                version.layerSizes = try self.resolveFunctionLayers(state, version.layers, codeSize: placed?.size ?? 0)
            }
            version.extras = Self.extras(from: p, existing: nil)
            var record = FunctionRecord(latest: version, createdMs: now)
            if let tags = p.object("Tags"), !tags.isEmpty {
                record.tags = Dictionary(tags.map { ($0.key, $0.value.stringValue ?? "") }, uniquingKeysWith: { $1 })
            }
            var response = version
            if p.bool("Publish") == true {
                var published = version
                published.version = "1"
                published.publishedFromRevisionId = version.revisionId
                published.revisionId = state.rng.uuid()
                record.versions.append(published)
                record.nextVersion = 2
                response = published
            }
            state.functions[key] = record
            // With --publish, AWS answers the new version's configuration under the unqualified ARN.
            return self.configurationJSON(response, state: .creating, unqualifiedArn: true)
        }
    }

    static func environmentMap(_ p: JSONObject) -> [String: String]? {
        guard let vars = p.object("Environment")?.object("Variables") else {
            return p.object("Environment") != nil ? [:] : nil
        }
        var out: [String: String] = [:]
        for (k, v) in vars { out[k] = v.stringValue ?? JSONWriter.string(v) }
        return out
    }

    /// Settings with no local meaning, kept in response shape so they echo back.
    static func extras(from p: JSONObject, existing: JSON?) -> JSON? {
        var extras = existing?.objectValue ?? JSONObject()
        if let vpc = p.object("VpcConfig") {
            var out = JSONObject()
            out["SubnetIds"] = vpc["SubnetIds"] ?? .array([])
            out["SecurityGroupIds"] = vpc["SecurityGroupIds"] ?? .array([])
            out["VpcId"] = .string((vpc["SubnetIds"]?.arrayValue?.isEmpty ?? true) ? "" : "vpc-0123456789abcdef0")
            if let v = vpc["Ipv6AllowedForDualStack"] { out["Ipv6AllowedForDualStack"] = v }
            extras["VpcConfig"] = .object(out)
        }
        if let kms = p.string("KMSKeyArn") { extras["KMSKeyArn"] = kms.isEmpty ? nil : .string(kms) }
        if let fs = p["FileSystemConfigs"] { extras["FileSystemConfigs"] = fs }
        if let image = p.object("ImageConfig") { extras["ImageConfigResponse"] = .object(JSONObject([("ImageConfig", .object(image))])) }
        if let snap = p.object("SnapStart") {
            extras["SnapStart"] = .object(JSONObject([("ApplyOn", snap["ApplyOn"] ?? "None"), ("OptimizationStatus", "Off")]))
        }
        if let logging = p.object("LoggingConfig") { extras["LoggingConfig"] = .object(logging) }
        return extras.isEmpty ? nil : .object(extras)
    }

    enum ConfigState { case creating, active, updating, listed }

    /// A version's `FunctionConfiguration`, in the botocore model's key order.
    ///
    /// `arnQualifier`: the qualifier the caller named (`$LATEST`, a version, an alias), which AWS
    /// appends to `FunctionArn`; nil gives the unqualified ARN for `$LATEST` and the version's
    /// ARN otherwise. A response in a transitional state (`.creating`, `.updating`) carries the
    /// revision the function had before it settled: AWS changes `RevisionId` when it settles.
    /// `.listed` is `ListFunctions`' subset, without the state and runtime-version members.
    func configurationJSON(_ v: FunctionVersion, state: ConfigState = .active, arnQualifier: String? = nil,
                           unqualifiedArn: Bool = false) -> JSON
    {
        var o = JSONObject()
        o["FunctionName"] = .string(v.name)
        if unqualifiedArn {
            o["FunctionArn"] = .string(v.unqualifiedArn)
        } else if let arnQualifier {
            o["FunctionArn"] = .string(v.unqualifiedArn + ":" + arnQualifier)
        } else {
            o["FunctionArn"] = .string(v.version == "$LATEST" ? v.unqualifiedArn : v.qualifiedArn)
        }
        if let r = v.runtime { o["Runtime"] = .string(r) }
        o["Role"] = .string(v.role)
        if let h = v.handler { o["Handler"] = .string(h) }
        o["CodeSize"] = .int(v.codeSize)
        o["Description"] = .string(v.description)
        o["Timeout"] = .int(v.timeout)
        o["MemorySize"] = .int(v.memorySize)
        o["LastModified"] = .string(TimeFormat.lambda(v.lastModifiedMs))
        o["CodeSha256"] = .string(v.codeSha256)
        o["Version"] = .string(v.version)
        let extras = v.extras?.objectValue
        if let vpc = extras?["VpcConfig"] { o["VpcConfig"] = vpc }
        if let dlq = v.deadLetterTargetArn, !dlq.isEmpty {
            o["DeadLetterConfig"] = .object(JSONObject([("TargetArn", .string(dlq))]))
        }
        if let env = v.environment {
            var vars = JSONObject()
            for k in env.keys.sorted() { vars[k] = .string(env[k] ?? "") }
            o["Environment"] = .object(JSONObject([("Variables", .object(vars))]))
        }
        if let kms = extras?["KMSKeyArn"] { o["KMSKeyArn"] = kms }
        o["TracingConfig"] = .object(JSONObject([("Mode", .string(v.tracingMode))]))
        o["RevisionId"] = .string(state == .creating || state == .updating ? Self.transitionalRevision(v.revisionId) : v.revisionId)
        if !v.layers.isEmpty {
            o["Layers"] = .array(v.layers.enumerated().map { i, layer in
                .object(JSONObject([("Arn", .string(layer)), ("CodeSize", .int(v.layerSizes?[safe: i] ?? 0))]))
            })
        }
        switch state {
        case .creating:
            o["State"] = "Pending"
            o["StateReason"] = "The function is being created."
            o["StateReasonCode"] = "Creating"
        case .active:
            o["State"] = "Active"
            o["LastUpdateStatus"] = "Successful"
        case .updating:
            o["State"] = "Active"
            o["LastUpdateStatus"] = "InProgress"
            o["LastUpdateStatusReason"] = "The function is being created."
            o["LastUpdateStatusReasonCode"] = "Creating"
        case .listed:
            break
        }
        if let fs = extras?["FileSystemConfigs"] { o["FileSystemConfigs"] = fs }
        o["PackageType"] = .string(v.packageType)
        if let image = extras?["ImageConfigResponse"] { o["ImageConfigResponse"] = image }
        o["Architectures"] = .array(v.architectures.map { .string($0) })
        o["EphemeralStorage"] = .object(JSONObject([("Size", .int(v.ephemeralStorage))]))
        o["SnapStart"] = extras?["SnapStart"] ?? .object(JSONObject([("ApplyOn", "None"), ("OptimizationStatus", "Off")]))
        if state != .listed, let runtime = v.runtime, RuntimeName.aws.contains(runtime) {
            let hash = SHA256.hexDigest(Array(runtime.utf8))
            o["RuntimeVersionConfig"] = .object(JSONObject([
                ("RuntimeVersionArn", .string("arn:aws:lambda:\(v.region)::runtime:\(hash)")),
            ]))
        }
        var logging = extras?["LoggingConfig"]?.objectValue ?? JSONObject()
        if logging["LogFormat"] == nil { logging["LogFormat"] = "Text" }
        if logging["LogGroup"] == nil { logging["LogGroup"] = .string("/aws/lambda/\(v.name)") }
        o["LoggingConfig"] = .object(JSONObject([
            ("LogFormat", logging["LogFormat"] ?? "Text"),
            ("ApplicationLogLevel", logging["ApplicationLogLevel"] ?? .null),
            ("SystemLogLevel", logging["SystemLogLevel"] ?? .null),
            ("LogGroup", logging["LogGroup"] ?? .null),
        ].filter { !$0.1.isNull }))
        return .object(o)
    }

    /// The revision a function shows while it is `Pending` or `InProgress`: derived from the
    /// settled revision (stored), so a `--revision-id` taken from a create or update response
    /// no longer matches once the function has settled, as on AWS.
    static func transitionalRevision(_ settled: String) -> String {
        var hex = Array(SHA256.hexDigest(Array(("transitional:" + settled).utf8)).prefix(32))
        hex[12] = "4"
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16).map { $0 & 3 } ?? 0]
        let text = String(hex)
        func part(_ from: Int, _ to: Int) -> Substring {
            text[text.index(text.startIndex, offsetBy: from)..<text.index(text.startIndex, offsetBy: to)]
        }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    // MARK: - Read

    func getFunctionConfiguration(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: p.string("Qualifier"))
        return configurationJSON(found.version, arnQualifier: found.qualifier)
    }

    func getFunction(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: p.string("Qualifier"))
        var o = JSONObject()
        o["Configuration"] = configurationJSON(found.version, arnQualifier: found.qualifier)
        var code = JSONObject()
        code["RepositoryType"] = "S3"
        if let path = found.version.code?.path {
            code["Location"] = .string("file://" + path)
        } else {
            code["Location"] = .string("builtin:" + (found.version.handler ?? ""))
        }
        o["Code"] = .object(code)
        if let tags = found.record.tags, !tags.isEmpty { o["Tags"] = Self.tagMap(tags) }
        if let reserved = found.record.reservedConcurrency {
            o["Concurrency"] = .object(JSONObject([("ReservedConcurrentExecutions", .int(reserved))]))
        }
        return .object(o)
    }

    func listFunctions(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let all = p.string("FunctionVersion") == "ALL"
        var items: [JSON] = []
        let prefix = region + "/"
        for key in state.functions.keys where key.hasPrefix(prefix) {
            guard let record = try state.functions.record(key) else { continue }
            // With `--function-version ALL`, AWS qualifies the $LATEST entry's ARN too.
            items.append(configurationJSON(record.latest, state: .listed, arnQualifier: all ? "$LATEST" : nil))
            if all { items += record.versions.map { configurationJSON($0, state: .listed) } }
        }
        return try paginate(items, key: "Functions", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    /// Lambda-style pagination: `Marker` is the index of the next item.
    func paginate(_ items: [JSON], key: String, marker: String?, maxItems: Int?) throws -> JSON {
        var start = 0
        if let marker {
            guard let m = Int(marker), m >= 0, m <= items.count else {
                throw ServiceError.invalidParameter("Invalid marker: \(marker)")
            }
            start = m
        }
        let limit = min(maxItems ?? 50, 10000)
        let end = min(items.count, start + limit)
        var o = JSONObject()
        if end < items.count { o["NextMarker"] = .string(String(end)) }
        o[key] = .array(Array(items[start..<end]))
        return .object(o)
    }

    func listVersionsByFunction(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        let items = [configurationJSON(found.record.latest, arnQualifier: "$LATEST")] + found.record.versions.map { configurationJSON($0) }
        return try paginate(items, key: "Versions", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    // MARK: - Update

    func updateFunctionConfiguration(_ p: JSONObject) throws -> JSON {
        let name = p.string("FunctionName") ?? ""
        let runtime = p.string("Runtime")
        try validateCommon(p, runtime: runtime)
        return try store.update { state -> JSON in
            let found = try self.resolve(state, functionName: name, qualifier: nil)
            var v = found.record.latest
            try self.refuseDeprecatedRuntime(runtime ?? v.runtime, state)
            if let rev = p.string("RevisionId"), rev != v.revisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", status: 412)
            }
            if let r = runtime { v.runtime = r }
            if let r = p.string("Role") {
                try self.checkExecutionRoleTrust(state, roleArn: r, function: v.name)
                v.role = r
            }
            if let target = p.object("DeadLetterConfig")?.string("TargetArn"), !target.isEmpty {
                try self.checkDeadLetterPermission(state, roleArn: p.string("Role") ?? v.role, target: target, function: v.name)
            }
            if let h = p.string("Handler") {
                if v.runtime == RuntimeName.builtin { try BuiltinHandler.validate(h) }
                v.handler = h
            }
            if let d = p.string("Description") { v.description = d }
            if let t = p.int("Timeout") { v.timeout = t }
            if let m = p.int("MemorySize") { v.memorySize = m }
            if p["Environment"] != nil { v.environment = Self.environmentMap(p) }
            if let dlq = p.object("DeadLetterConfig") {
                let target = dlq.string("TargetArn") ?? ""
                v.deadLetterTargetArn = target.isEmpty ? nil : target
            }
            if let mode = p.object("TracingConfig")?.string("Mode") { v.tracingMode = mode }
            if let layers = p["Layers"]?.arrayValue {
                v.layers = layers.compactMap(\.stringValue)
                v.layerSizes = try self.resolveFunctionLayers(state, v.layers, codeSize: v.codeSize)
            }
            if let size = p.object("EphemeralStorage")?.int("Size") { v.ephemeralStorage = size }
            v.extras = Self.extras(from: p, existing: v.extras)
            v.lastModifiedMs = self.now(state)
            v.revisionId = state.rng.uuid()
            state.functions[found.key]?.latest = v
            return self.configurationJSON(v, state: .updating)
        }
    }

    func updateFunctionCode(_ p: JSONObject) throws -> JSON {
        let name = p.string("FunctionName") ?? ""
        let existing = try resolve(try store.read(), functionName: name, qualifier: nil)
        guard let placed = try placeCode(p, functionName: existing.version.name, runtime: existing.version.runtime) else {
            throw ServiceError.invalidParameter("Please provide a source for function code.")
        }
        if p.bool("DryRun") == true {
            var v = existing.version
            v.code = placed.location
            v.codeSha256 = placed.sha
            v.codeSize = placed.size
            return configurationJSON(v, state: .updating)
        }
        return try store.update { state -> JSON in
            let found = try self.resolve(state, functionName: name, qualifier: nil)
            var v = found.record.latest
            try self.refuseDeprecatedRuntime(v.runtime, state)
            if let rev = p.string("RevisionId"), rev != v.revisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", status: 412)
            }
            v.code = placed.location
            v.codeSha256 = placed.sha
            v.codeSize = placed.size
            if let archs = p["Architectures"]?.arrayValue { v.architectures = archs.compactMap(\.stringValue) }
            v.lastModifiedMs = self.now(state)
            v.revisionId = state.rng.uuid()
            state.functions[found.key]?.latest = v
            if p.bool("Publish") == true {
                // The version is created while the update is still in progress: AWS answers it Pending.
                return self.configurationJSON(try self.publish(&state, key: found.key, description: nil), state: .creating)
            }
            return self.configurationJSON(v, state: .updating)
        }
    }

    /// Updates of a function whose runtime is past AWS's "block function update" date are refused.
    func refuseDeprecatedRuntime(_ runtime: String?, _ state: State) throws {
        if let runtime, let refusal = RuntimeDeprecation.refusal(runtime: runtime, creating: false, now: now(state)) {
            throw refusal
        }
    }

    // MARK: - Versions

    /// Publishes `$LATEST` as a new version unless its code and configuration are unchanged
    /// since the last version (then AWS returns that version).
    func publish(_ state: inout State, key: String, description: String?) throws -> FunctionVersion {
        guard var record = state.functions[key] else { throw functionMissing(key) }
        // Unchanged since the last publish (same revision of $LATEST): AWS returns that version.
        if let last = record.versions.last, last.codeSha256 == record.latest.codeSha256,
            last.publishedFromRevisionId.map({ $0 == record.latest.revisionId })
                ?? (last.lastModifiedMs == record.latest.lastModifiedMs)
        {
            return last
        }
        var v = record.latest
        v.publishedFromRevisionId = record.latest.revisionId
        v.version = String(record.nextVersion)
        if let description { v.description = description }
        v.revisionId = state.rng.uuid()
        record.nextVersion += 1
        record.versions.append(v)
        state.functions[key] = record
        return v
    }

    func publishVersion(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let found = try self.resolve(state, functionName: p.string("FunctionName") ?? "", qualifier: nil)
            if let sha = p.string("CodeSha256"), sha != found.record.latest.codeSha256 {
                throw ServiceError.invalidParameter("CodeSHA256 (\(sha)) is different from current CodeSHA256 in $LATEST (\(found.record.latest.codeSha256)). Please try again with the CodeSHA256 in $LATEST.")
            }
            if let rev = p.string("RevisionId"), rev != found.record.latest.revisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", status: 412)
            }
            let v = try self.publish(&state, key: found.key, description: p.string("Description"))
            return self.configurationJSON(v, state: .active)
        }
    }

    // MARK: - Delete

    func deleteFunction(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let name = p.string("FunctionName") ?? ""
            let qualifier = p.string("Qualifier")
            let found: (key: String, record: FunctionRecord, version: FunctionVersion, qualifier: String?)
            do {
                found = try self.resolve(state, functionName: name, qualifier: qualifier, allowAliases: false)
            } catch let error as ServiceError where error.code == "ResourceNotFoundException" {
                // Deleting a version that does not exist (of a function that does) succeeds, as on AWS.
                let ref = FunctionReference.parse(name)
                let q = qualifier ?? ref?.qualifier
                if let ref, let q, q != "$LATEST", state.functions[State.functionKey(region: self.region, name: ref.name)] != nil {
                    return .object(JSONObject([("StatusCode", .int(204))]))
                }
                throw error
            }
            if let q = found.qualifier, q != "$LATEST" {
                if found.record.aliases.values.contains(where: { $0.functionVersion == q }) {
                    throw ServiceError.conflict("Unable to delete version because the following aliases reference it: [\(found.record.aliases.values.filter { $0.functionVersion == q }.map(\.name).sorted().joined(separator: ", "))]")
                }
                state.functions[found.key]?.versions.removeAll { $0.version == q }
            } else if found.qualifier == "$LATEST" {
                throw ServiceError.invalidParameter("$LATEST version cannot be deleted without deleting the function.")
            } else {
                state.functions[found.key] = nil
                state.asyncQueue.removeAll { $0.functionKey == found.key }
            }
            // The model's `StatusCode` member is the HTTP status (204 No Content), which the CLI prints.
            return .object(JSONObject([("StatusCode", .int(204))]))
        }
    }

    // MARK: - Aliases

    func aliasJSON(_ a: AliasRecord, function: FunctionVersion) -> JSON {
        var o = JSONObject()
        o["AliasArn"] = .string(function.unqualifiedArn + ":" + a.name)
        o["Name"] = .string(a.name)
        o["FunctionVersion"] = .string(a.functionVersion)
        o["Description"] = .string(a.description)
        if let weights = a.additionalVersionWeights, !weights.isEmpty {
            var w = JSONObject()
            for k in weights.keys.sorted() { w[k] = .double(weights[k] ?? 0) }
            o["RoutingConfig"] = .object(JSONObject([("AdditionalVersionWeights", .object(w))]))
        }
        o["RevisionId"] = .string(a.revisionId)
        return .object(o)
    }

    func validateAliasName(_ name: String) throws {
        let ok = !name.isEmpty && name.count <= 128 && !name.allSatisfy(\.isNumber)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        if !ok {
            throw ServiceError.constraint(value: name, field: "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
        }
    }

    func weights(_ p: JSONObject, record: FunctionRecord, primary: String) throws -> [String: Double]? {
        guard let routing = p.object("RoutingConfig") else { return nil }
        var out: [String: Double] = [:]
        for (version, weight) in routing.object("AdditionalVersionWeights") ?? JSONObject() {
            guard let w = weight.doubleValue, w >= 0, w <= 1 else {
                throw ServiceError.constraint(value: JSONWriter.string(weight), field: "routingConfig.additionalVersionWeights", "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]")
            }
            guard record.version(version) != nil, version != "$LATEST" else {
                throw ServiceError.notFound("Function not found: \(record.latest.unqualifiedArn):\(version)")
            }
            if version == primary {
                throw ServiceError.invalidParameter("Invalid function version \(version). Function version \(version) is already included in routing configuration.")
            }
            out[version] = w
        }
        if out.count > 1 {
            throw ServiceError.invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
        }
        if primary == "$LATEST", !out.isEmpty {
            throw ServiceError.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
        }
        return out
    }

    func createAlias(_ p: JSONObject) throws -> JSON {
        let name = p.string("Name") ?? ""
        try validateAliasName(name)
        return try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            let version = p.string("FunctionVersion") ?? ""
            guard found.record.version(version) != nil else {
                throw ServiceError.notFound("Function not found: \(found.record.latest.unqualifiedArn):\(version)")
            }
            if found.record.aliases[name] != nil {
                throw ServiceError.conflict("Alias already exists: \(found.record.latest.unqualifiedArn):\(name)")
            }
            let alias = AliasRecord(name: name, functionVersion: version, description: p.string("Description") ?? "",
                                    additionalVersionWeights: try self.weights(p, record: found.record, primary: version),
                                    revisionId: state.rng.uuid())
            state.functions[found.key]?.aliases[name] = alias
            return self.aliasJSON(alias, function: found.record.latest)
        }
    }

    func getAlias(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        let name = p.string("Name") ?? ""
        guard let alias = found.record.aliases[name] else {
            throw ServiceError.notFound("Cannot find alias arn: \(found.record.latest.unqualifiedArn):\(name)")
        }
        return aliasJSON(alias, function: found.record.latest)
    }

    func listAliases(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        let filter = p.string("FunctionVersion")
        let items = found.record.aliases.keys.sorted().compactMap { found.record.aliases[$0] }
            .filter { filter == nil || $0.functionVersion == filter }
            .map { aliasJSON($0, function: found.record.latest) }
        return try paginate(items, key: "Aliases", marker: p.string("Marker"), maxItems: p.int("MaxItems"))
    }

    func updateAlias(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            let name = p.string("Name") ?? ""
            guard var alias = found.record.aliases[name] else {
                throw ServiceError.notFound("Alias not found: \(found.record.latest.unqualifiedArn):\(name)")
            }
            if let rev = p.string("RevisionId"), rev != alias.revisionId {
                throw ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", status: 412)
            }
            if let version = p.string("FunctionVersion") {
                guard found.record.version(version) != nil else {
                    throw ServiceError.notFound("Function not found: \(found.record.latest.unqualifiedArn):\(version)")
                }
                alias.functionVersion = version
            }
            if let d = p.string("Description") { alias.description = d }
            if p["RoutingConfig"] != nil {
                alias.additionalVersionWeights = try self.weights(p, record: found.record, primary: alias.functionVersion)
            }
            alias.revisionId = state.rng.uuid()
            state.functions[found.key]?.aliases[name] = alias
            return self.aliasJSON(alias, function: found.record.latest)
        }
    }

    func deleteAlias(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            let name = p.string("Name") ?? ""
            state.functions[found.key]?.aliases[name] = nil
            // The alias's function URL goes with it.
            state.functions[found.key]?.urlConfigs?[name] = nil
            return .object(JSONObject())
        }
    }

    // MARK: - Concurrency

    /// AWS's default account-level concurrency limit, of which 100 must stay unreserved.
    public static let defaultAccountConcurrency = 1000
    /// The unreserved pool never goes below 100 (AWS's minimum), or below the whole limit in an
    /// account whose limit is smaller (new accounts with a limit of 10 cannot reserve any).
    public static func minimumUnreservedConcurrency(limit: Int) -> Int { min(100, limit) }
    /// AWS's code-size quotas, as `GetAccountSettings` reports them: 75 GB of storage, 250 MB
    /// unzipped, 50 MB zipped (direct upload).
    static let totalCodeSizeLimit: Int64 = 80_530_636_800
    static let codeSizeUnzippedLimit: Int64 = 262_144_000
    static let codeSizeZippedLimit: Int64 = 52_428_800

    /// `GetAccountSettings`: the account's limits and usage in this state (all regions share it).
    func getAccountSettings(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let limit = state.accountConcurrency ?? Self.defaultAccountConcurrency
        let reserved = state.functions.values.compactMap(\.reservedConcurrency).reduce(0, +)
        // Every version's package counts, as AWS counts the storage of each published version.
        var codeSize: Int64 = 0
        for record in state.functions.values {
            codeSize += Int64(record.latest.codeSize) + record.versions.reduce(0) { $0 + Int64($1.codeSize) }
        }
        let accountLimit = JSONObject([
            ("TotalCodeSize", .int(Int(Self.totalCodeSizeLimit))),
            ("CodeSizeUnzipped", .int(Int(Self.codeSizeUnzippedLimit))),
            ("CodeSizeZipped", .int(Int(Self.codeSizeZippedLimit))),
            ("ConcurrentExecutions", .int(limit)),
            ("UnreservedConcurrentExecutions", .int(limit - reserved)),
        ])
        let usage = JSONObject([("TotalCodeSize", .int(Int(codeSize))), ("FunctionCount", .int(state.functions.count))])
        return .object(JSONObject([("AccountLimit", .object(accountLimit)), ("AccountUsage", .object(usage))]))
    }

    /// Reserved concurrency belongs to the function, never to a version or alias.
    func unqualifiedForConcurrency(_ p: JSONObject) throws {
        if let ref = FunctionReference.parse(p.string("FunctionName") ?? ""), ref.qualifier != nil {
            throw ServiceError.invalidParameter("This operation is not supported for qualified function names or ARNs.")
        }
    }

    func putFunctionConcurrency(_ p: JSONObject) throws -> JSON {
        try unqualifiedForConcurrency(p)
        return try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            let value = p.int("ReservedConcurrentExecutions") ?? 0
            let others = state.functions.filter { $0.key != found.key }.compactMap(\.value.reservedConcurrency).reduce(0, +)
            let limit = state.accountConcurrency ?? Self.defaultAccountConcurrency
            let unreserved = limit - others
            if value > unreserved {
                throw ServiceError.invalidParameter("Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [\(unreserved)].")
            }
            let minimum = Self.minimumUnreservedConcurrency(limit: limit)
            if unreserved - value < minimum {
                throw ServiceError.invalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(minimum)].")
            }
            state.functions[found.key]?.reservedConcurrency = value
            return .object(JSONObject([("ReservedConcurrentExecutions", .int(value))]))
        }
    }

    func getFunctionConcurrency(_ p: JSONObject) throws -> JSON {
        try unqualifiedForConcurrency(p)
        let state = try store.read()
        let found = try record(state, p.string("FunctionName"))
        guard let value = found.record.reservedConcurrency else { return .object(JSONObject()) }
        return .object(JSONObject([("ReservedConcurrentExecutions", .int(value))]))
    }

    func deleteFunctionConcurrency(_ p: JSONObject) throws -> JSON {
        try unqualifiedForConcurrency(p)
        return try store.update { state -> JSON in
            let found = try self.record(state, p.string("FunctionName"))
            state.functions[found.key]?.reservedConcurrency = nil
            return .object(JSONObject())
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension UInt8 {
    var isASCIILetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }
}
