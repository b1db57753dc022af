import Foundation
import LambdaSim
import LambdaSimJSON

/// The AWS CLI's high-level `s3 cp | ls | rm | rb` over the local buckets, printing the lines
/// awscli prints (`upload: a.txt to s3://b/a.txt`, `delete: s3://b/a.txt`, `remove_bucket: b`,
/// `ls`'s `PRE` and object lines). Progress lines are not printed (as with `--no-progress`).
/// A failed transfer prints `upload failed: … An error occurred …` on stderr and exits 1, as
/// awscli does; listing errors are service errors (254).
struct S3TransferCommand {
    var context: CommandContext

    struct S3URI {
        var bucket: String
        var key: String
        var text: String { "s3://\(bucket)/\(key)" }

        init?(_ text: String) {
            guard text.hasPrefix("s3://") else { return nil }
            let rest = text.dropFirst(5)
            if let slash = rest.firstIndex(of: "/") {
                bucket = String(rest[..<slash])
                key = String(rest[rest.index(after: slash)...])
            } else {
                bucket = String(rest)
                key = ""
            }
        }
    }

    func out(_ text: String) { context.streams.stdout(Array(text.utf8)) }
    func err(_ text: String) { context.streams.stderr(Array(text.utf8)) }

    func run(_ name: String, _ parsed: ParsedArguments) throws -> Int32 {
        let engine = Engine(settings: context.engineSettings())
        do {
            switch name {
            case "cp": return try copy(parsed, engine: engine)
            case "ls": return try list(parsed, engine: engine)
            case "rm": return try remove(parsed, engine: engine)
            default: return try removeBucket(parsed, engine: engine)
            }
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
    }

    var quiet: (ParsedArguments) -> Bool { { $0.flag("quiet") == true || $0.flag("only-show-errors") == true } }

    /// Python's `os.path.relpath` against the working directory, as awscli prints local paths.
    func relative(_ path: String) -> String {
        let full = absolute(path)
        let cwd = context.workingDirectory
        if full == cwd { return "." }
        if full.hasPrefix(cwd + "/") { return String(full.dropFirst(cwd.count + 1)) }
        var base = cwd.split(separator: "/").map(String.init)
        let target = full.split(separator: "/").map(String.init)
        var common = 0
        while common < base.count, common < target.count, base[common] == target[common] { common += 1 }
        base = Array(repeating: "..", count: base.count - common)
        return (base + target[common...]).joined(separator: "/")
    }

    func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : context.workingDirectory + "/" + path
        var parts: [String] = []
        for part in full.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { _ = parts.popLast() } else { parts.append(String(part)) }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The content type awscli guesses from the file name (Python's `mimetypes`), for common types.
    static func guessContentType(_ path: String) -> String? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let types = [
            "txt": "text/plain", "html": "text/html", "htm": "text/html", "css": "text/css", "csv": "text/csv",
            "js": "text/javascript", "json": "application/json", "xml": "application/xml", "pdf": "application/pdf",
            "zip": "application/zip", "gz": "application/gzip", "tar": "application/x-tar", "png": "image/png",
            "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml", "webp": "image/webp",
            "ico": "image/vnd.microsoft.icon", "mp4": "video/mp4", "mp3": "audio/mpeg", "wav": "audio/x-wav",
            "md": "text/markdown", "py": "text/x-python", "sh": "application/x-sh", "yaml": "application/yaml",
            "yml": "application/yaml",
        ]
        return types[path[path.index(after: dot)...].lowercased()]
    }

    // MARK: cp

    func copy(_ parsed: ParsedArguments, engine: Engine) throws -> Int32 {
        let source = parsed.positionals["paths"] ?? ""
        let destination = parsed.positionals["destination"] ?? ""
        let recursive = parsed.flag("recursive") == true
        let dryrun = parsed.flag("dryrun") == true
        let silent = quiet(parsed)
        var failed = false
        /// Runs one transfer, printing its line or its failure.
        func transfer(_ verb: String, from: String, to: String, _ body: () throws -> Void) {
            do {
                if !dryrun { try body() }
                if !silent { out("\(dryrun ? "(dryrun) " : "")\(verb): \(from) to \(to)\n") }
            } catch let error as ServiceError {
                failed = true
                err("\(verb) failed: \(from) to \(to) An error occurred (\(error.code)) when calling the \(operation(verb)) operation: \(error.message)\n")
            } catch {
                failed = true
                err("\(verb) failed: \(from) to \(to) \(error)\n")
            }
        }
        switch (S3URI(source), S3URI(destination)) {
        case (nil, let dest?):
            let local = absolute(source)
            guard FileManager.default.fileExists(atPath: local) else {
                throw CLIError.parameter("The user-provided path \(source) does not exist.")
            }
            var files: [(path: String, key: String)] = []
            if Self.isDirectory(local) {
                guard recursive else { throw CLIError.parameter("The user-provided path \(source) does not exist.") }
                let prefix = dest.key.isEmpty || dest.key.hasSuffix("/") ? dest.key : dest.key + "/"
                let walker = FileManager.default.enumerator(atPath: local)
                var relatives: [String] = []
                while let relative = walker?.nextObject() as? String {
                    if !Self.isDirectory(local + "/" + relative) { relatives.append(relative) }
                }
                for relative in relatives.sorted() { files.append((local + "/" + relative, prefix + relative)) }
            } else {
                let name = String(local.split(separator: "/").last ?? "")
                let key = dest.key.isEmpty || dest.key.hasSuffix("/") ? dest.key + name : dest.key
                files.append((local, key))
            }
            for file in files {
                let target = S3URI("s3://\(dest.bucket)/\(file.key)")?.text ?? ""
                transfer("upload", from: relative(file.path), to: target) {
                    guard let data = FileManager.default.contents(atPath: file.path) else {
                        throw CLIError.other("cannot read \(file.path)")
                    }
                    let bytes = [UInt8](data)
                    _ = try engine.s3PutObject(bucket: dest.bucket, key: file.key, bytes: bytes,
                                               contentType: parsed.value("content-type") ?? Self.guessContentType(file.path),
                                               metadata: [], multipart: bytes.count >= S3Objects.multipartThreshold)
                }
            }
        case (let src?, nil):
            let local = absolute(destination)
            let objects = try sourceObjects(src, recursive: recursive, engine: engine)
            if objects == nil { return 1 }
            for key in objects ?? [] {
                var path: String
                if recursive {
                    let base = src.key.isEmpty || src.key.hasSuffix("/") ? src.key : src.key + "/"
                    path = local + "/" + String(key.dropFirst(base.count))
                } else if Self.isDirectory(local) || destination.hasSuffix("/") {
                    path = local + "/" + String(key.split(separator: "/").last ?? "")
                } else {
                    path = local
                }
                transfer("download", from: "s3://\(src.bucket)/\(key)", to: relative(path)) {
                    let state = try engine.store.read()
                    let (bytes, _) = try engine.s3ReadObject(state, bucket: src.bucket, key: key)
                    if let slash = path.lastIndex(of: "/") {
                        try? FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
                    }
                    try InvokeCommand.writeOutfile(path, bytes: bytes, workingDirectory: context.workingDirectory)
                }
            }
        case (let src?, let dest?):
            let objects = try sourceObjects(src, recursive: recursive, engine: engine)
            if objects == nil { return 1 }
            for key in objects ?? [] {
                var target: String
                if recursive {
                    let base = src.key.isEmpty || src.key.hasSuffix("/") ? src.key : src.key + "/"
                    let prefix = dest.key.isEmpty || dest.key.hasSuffix("/") ? dest.key : dest.key + "/"
                    target = prefix + String(key.dropFirst(base.count))
                } else {
                    target = dest.key.isEmpty || dest.key.hasSuffix("/") ? dest.key + String(key.split(separator: "/").last ?? "") : dest.key
                }
                transfer("copy", from: "s3://\(src.bucket)/\(key)", to: "s3://\(dest.bucket)/\(target)") {
                    _ = try engine.perform("CopyObject", JSONObject([
                        ("Bucket", .string(dest.bucket)), ("Key", .string(target)), ("CopySource", .string(src.bucket + "/" + key)),
                    ]))
                }
            }
        case (nil, nil):
            throw CLIError.parameter("Error: Invalid argument type")
        }
        return failed ? 1 : 0
    }

    func operation(_ verb: String) -> String {
        switch verb {
        case "upload": return "PutObject"
        case "download": return "GetObject"
        case "copy": return "CopyObject"
        default: return "DeleteObject"
        }
    }

    /// The keys a command works on: one object, or everything under a prefix with --recursive.
    /// Nil (after printing awscli's message) when a single object does not exist.
    func sourceObjects(_ src: S3URI, recursive: Bool, engine: Engine) throws -> [String]? {
        let state = try engine.store.read()
        guard state.resources?.buckets[src.bucket] != nil else {
            throw CLIError.service(ServiceError("NoSuchBucket", "The specified bucket does not exist", status: 404),
                                   operation: recursive ? "ListObjectsV2" : "HeadObject")
        }
        let all: [String]
        do {
            all = try engine.s3ListAll(src.bucket).map(\.key)
        } catch let error as ServiceError {
            throw CLIError.service(error, operation: "ListObjectsV2")
        }
        if recursive {
            let base = src.key.isEmpty || src.key.hasSuffix("/") ? src.key : src.key + "/"
            return all.filter { $0.hasPrefix(base) && !$0.hasSuffix("/") }
        }
        guard all.contains(src.key) else {
            err("fatal error: An error occurred (404) when calling the HeadObject operation: Key \"\(src.key)\" does not exist\n")
            return nil
        }
        return [src.key]
    }

    // MARK: ls

    func list(_ parsed: ParsedArguments, engine: Engine) throws -> Int32 {
        let path = parsed.positionals["paths"] ?? ""
        let state = try engine.store.read()
        func stamp(_ ms: SimInstant) -> String {
            let text = TimeFormat.cliV2(seconds: Double(ms / 1000))
            return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
        }
        if path.isEmpty || path == "s3://" {
            var text = ""
            for bucket in (state.resources?.buckets.values.map { $0 } ?? []).sorted(by: { $0.name < $1.name }) {
                text += stamp(bucket.createdMs) + " " + bucket.name + "\n"
            }
            out(text)
            return 0
        }
        guard let uri = S3URI(path) else { throw CLIError.parameter("Error: Invalid argument type") }
        let recursive = parsed.flag("recursive") == true
        var params = JSONObject([("Bucket", .string(uri.bucket)), ("Prefix", .string(uri.key))])
        if !recursive { params["Delimiter"] = "/" }
        var text = ""
        var objects = 0
        var total = 0
        var token: String?
        repeat {
            if let token { params["ContinuationToken"] = .string(token) }
            let page: JSON
            do {
                page = try engine.perform("ListObjectsV2", params)
            } catch let error as ServiceError {
                throw CLIError.service(error, operation: "ListObjectsV2")
            }
            for prefix in page["CommonPrefixes"]?.arrayValue ?? [] {
                let parts = (prefix["Prefix"]?.stringValue ?? "").split(separator: "/", omittingEmptySubsequences: false)
                let name = parts.count >= 2 ? String(parts[parts.count - 2]) : ""
                text += String(repeating: " ", count: 27) + "PRE " + name + "/\n"
            }
            for content in page["Contents"]?.arrayValue ?? [] {
                let key = content["Key"]?.stringValue ?? ""
                let size = content["Size"]?.intValue ?? 0
                let modified = SimInstant((content["LastModified"]?.doubleValue ?? 0) * 1000)
                objects += 1
                total += size
                let sizeText = parsed.flag("human-readable") == true ? Self.humanReadable(size) : String(size)
                let name = recursive ? key : String(key.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
                text += stamp(modified) + " " + String(repeating: " ", count: max(0, 10 - sizeText.count)) + sizeText + " " + name + "\n"
            }
            token = page["NextContinuationToken"]?.stringValue
        } while token != nil
        if parsed.flag("summarize") == true {
            let sizeText = parsed.flag("human-readable") == true ? Self.humanReadable(total) : String(total)
            text += "\nTotal Objects: \(objects)\n   Total Size: \(sizeText)\n"
        }
        out(text)
        return text.isEmpty ? 1 : 0
    }

    /// awscli's `human_readable_size`: `1.0 KiB`, `10 Bytes`.
    static func humanReadable(_ size: Int) -> String {
        if size == 1 { return "1 Byte" }
        if size < 1024 { return "\(size) Bytes" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(size)
        for unit in units {
            value /= 1024
            if value < 1024 || unit == "EiB" {
                let rounded = (value * 10).rounded() / 10
                return String(rounded) + " " + unit
            }
        }
        return "\(size) Bytes"
    }

    // MARK: rm, rb

    func remove(_ parsed: ParsedArguments, engine: Engine) throws -> Int32 {
        guard let uri = S3URI(parsed.positionals["paths"] ?? "") else { throw CLIError.parameter("Error: Invalid argument type") }
        let recursive = parsed.flag("recursive") == true
        let keys: [String]
        if recursive {
            keys = try sourceObjects(uri, recursive: true, engine: engine) ?? []
        } else {
            keys = [uri.key]
        }
        return deleteKeys(keys, bucket: uri.bucket, engine: engine, dryrun: parsed.flag("dryrun") == true, silent: quiet(parsed))
    }

    func deleteKeys(_ keys: [String], bucket: String, engine: Engine, dryrun: Bool, silent: Bool) -> Int32 {
        var failed = false
        for key in keys {
            do {
                if !dryrun {
                    _ = try engine.perform("DeleteObject", JSONObject([("Bucket", .string(bucket)), ("Key", .string(key))]))
                }
                if !silent { out("\(dryrun ? "(dryrun) " : "")delete: s3://\(bucket)/\(key)\n") }
            } catch let error as ServiceError {
                failed = true
                err("delete failed: s3://\(bucket)/\(key) An error occurred (\(error.code)) when calling the DeleteObject operation: \(error.message)\n")
            } catch {
                failed = true
                err("delete failed: s3://\(bucket)/\(key) \(error)\n")
            }
        }
        return failed ? 1 : 0
    }

    func removeBucket(_ parsed: ParsedArguments, engine: Engine) throws -> Int32 {
        let path = parsed.positionals["path"] ?? ""
        guard let uri = S3URI(path) else { throw CLIError.parameter("<S3Uri>\nError: Invalid argument type") }
        if parsed.flag("force") == true, (try engine.store.read()).resources?.buckets[uri.bucket] != nil {
            let keys = try engine.s3ListAll(uri.bucket).map(\.key)
            if deleteKeys(keys, bucket: uri.bucket, engine: engine, dryrun: false, silent: false) != 0 { return 1 }
        }
        do {
            _ = try engine.perform("DeleteBucket", JSONObject([("Bucket", .string(uri.bucket))]))
        } catch let error as ServiceError {
            err("remove_bucket failed: s3://\(uri.bucket) An error occurred (\(error.code)) when calling the DeleteBucket operation: \(error.message)\n")
            return 1
        }
        out("remove_bucket: \(uri.bucket)\n")
        return 0
    }
}
