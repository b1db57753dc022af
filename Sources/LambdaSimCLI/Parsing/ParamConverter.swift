import Foundation
import LambdaSimJSON
import LambdaSimSupport

/// Turns option text into API parameters, as awscli's argprocess + paramfile + botocore
/// validation do: `file://` / `fileb://`, JSON or shorthand for structures, typed scalars,
/// then client-side validation (required members, minimum lengths and values).
struct ParamConverter {
    var model: OperationModel
    var binaryFormat: String
    var dialect: Dialect
    var workingDirectory: String

    /// A blob value: raw bytes (for `--payload`) kept apart from the JSON params.
    struct Result {
        var params: JSONObject
        var blobs: [String: [UInt8]]
    }

    func convert(_ parsed: ParsedArguments, inputJSON: JSONObject?) throws -> Result {
        var params = inputJSON ?? JSONObject()
        var blobs: [String: [UInt8]] = [:]
        for option in parsed.spec.options {
            guard let member = option.member, let raw = parsed.values[option.name] else { continue }
            let cliName = "--" + option.name
            switch option.value {
            case .flag:
                params[member] = .bool(raw.last == "true")
            case .string, .integer, .choice:
                let text = try resolveParamFile(raw.last ?? "", cliName: cliName, binary: false).text
                params[member] = .string(text)
            case let .shape(shapeName):
                guard let shape = model.shapes[shapeName] else {
                    params[member] = .string(raw.last ?? "")
                    continue
                }
                if shape.kind == .blob {
                    let bytes = try blob(raw.last ?? "", cliName: cliName)
                    blobs[member] = bytes
                    params[member] = .string(Base64.encode(bytes))
                    continue
                }
                let text = try resolveParamFile(raw.last ?? "", cliName: cliName, binary: false).text
                params[member] = try value(text, shape: shape, cliName: cliName)
            case .list:
                guard let shapeName = model.params.first(where: { $0.member == member })?.shape,
                    let shape = model.shapes[shapeName]
                else { continue }
                params[member] = try listValue(raw, shape: shape, cliName: cliName)
            }
        }
        // Blob members given in --cli-input-json (not on the command line): the text itself, read
        // as the binary format says (base64 by default in v2), as the CLI reads them.
        if let inputJSON, let input = model.shape(model.input) {
            for (member, shapeName) in input.members where blobs[member] == nil && model.shapes[shapeName]?.kind == .blob {
                guard let text = inputJSON[member]?.stringValue else { continue }
                let bytes: [UInt8]
                if binaryFormat == "base64" {
                    guard let decoded = Base64.decode(text) else { throw CLIError.parameter("Invalid base64: \"\(text)\"") }
                    bytes = decoded
                } else {
                    bytes = Array(text.utf8)
                }
                blobs[member] = bytes
                params[member] = .string(Base64.encode(bytes))
            }
        }
        return Result(params: params, blobs: blobs)
    }

    // MARK: - Files

    /// awscli's paramfile: `file://` reads text, `fileb://` reads bytes.
    func resolveParamFile(_ raw: String, cliName: String, binary: Bool) throws -> (text: String, bytes: [UInt8]?) {
        if raw.hasPrefix("fileb://") {
            let path = String(raw.dropFirst(8))
            let bytes = try read(path, raw: raw, cliName: cliName)
            return (String(decoding: bytes, as: UTF8.self), bytes)
        }
        if raw.hasPrefix("file://") {
            let path = String(raw.dropFirst(7))
            let bytes = try read(path, raw: raw, cliName: cliName)
            guard let text = String(validatingUTF8Bytes: bytes) else {
                throw CLIError.parameter("Error parsing parameter '\(cliName)': Unable to load paramfile (\(path)), text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.")
            }
            return (text, nil)
        }
        return (raw, nil)
    }

    private func read(_ path: String, raw: String, cliName: String) throws -> [UInt8] {
        let expanded = path.hasPrefix("~/") ? (ProcessInfo.processInfo.environment["HOME"] ?? "") + path.dropFirst(1) : path
        let full = expanded.hasPrefix("/") ? expanded : workingDirectory + "/" + expanded
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue {
            throw CLIError.parameter("Error parsing parameter '\(cliName)': Unable to load paramfile \(raw): [Errno 21] Is a directory: '\(path)'")
        }
        // Read to the end (not by size): `/dev/stdin` and `<(…)` are pipes.
        guard let handle = FileHandle(forReadingAtPath: full), let data = try? handle.readToEnd() ?? Data() else {
            throw CLIError.parameter("Error parsing parameter '\(cliName)': Unable to load paramfile \(raw): [Errno 2] No such file or directory: '\(path)'")
        }
        return [UInt8](data)
    }

    /// A blob parameter: `fileb://` bytes, or text read raw (default) or as base64.
    func blob(_ raw: String, cliName: String) throws -> [UInt8] {
        if raw.hasPrefix("fileb://") { return try read(String(raw.dropFirst(8)), raw: raw, cliName: cliName) }
        let text = try resolveParamFile(raw, cliName: cliName, binary: false).text
        if binaryFormat == "base64" {
            guard let bytes = Base64.decode(text) else {
                throw CLIError.parameter("Invalid base64: \"\(text)\"")
            }
            return bytes
        }
        return Array(text.utf8)
    }

    // MARK: - Values by shape

    func value(_ text: String, shape: ShapeModel, cliName: String) throws -> JSON {
        switch shape.kind {
        case .string: return .string(text)
        case .integer, .long:
            guard let v = Int(text.trimmingSpaces()) else {
                throw CLIError.parameter("invalid literal for int() with base 10: \(Suggestions.pythonRepr(text))")
            }
            return .int(v)
        case .double, .float:
            guard let v = Double(text.trimmingSpaces()) else {
                throw CLIError.parameter("could not convert string to float: \(Suggestions.pythonRepr(text))")
            }
            return .double(v)
        case .boolean:
            return .bool(text.lowercased() == "true")
        case .timestamp:
            return .string(text)
        case .blob:
            return try nestedBlob(text, cliName: cliName)
        case .structure, .map, .list:
            let trimmed = text.trimmingSpaces()
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") || (shape.kind == .list && trimmed.hasPrefix("[")) {
                let json: JSON
                do {
                    json = try JSONParser.parse(trimmed)
                } catch {
                    let message = "Invalid JSON: \(error.message): line \(error.line) column \(error.column) (char \(error.offset))"
                    throw CLIError.parameter("Error parsing parameter '\(cliName)': \(message)\nJSON received: \(text)")
                }
                return try encodingBlobs(json, shape: shape, cliName: cliName)
            }
            let tree: JSON
            do {
                if shape.kind == .list {
                    tree = .array([try ShorthandParser.parse(text)])
                } else {
                    tree = try ShorthandParser.parse(text)
                }
            } catch {
                throw CLIError.parameter("Error parsing parameter '\(cliName)': \(error.message)")
            }
            return try typed(tree, shape: shape, cliName: cliName)
        }
    }

    /// A blob inside a structure (SQS `BinaryValue`, …) as the engine receives blobs: base64.
    /// Raw text by default (`raw-in-base64-out`), already base64 with `--cli-binary-format base64`.
    func nestedBlob(_ text: String, cliName: String) throws -> JSON {
        if binaryFormat == "base64" {
            guard Base64.decode(text) != nil else { throw CLIError.parameter("Invalid base64: \"\(text)\"") }
            return .string(text)
        }
        return .string(Base64.encode(Array(text.utf8)))
    }

    /// The blobs of a JSON value given for a structure, map or list, encoded as `nestedBlob` does.
    func encodingBlobs(_ node: JSON, shape: ShapeModel, cliName: String) throws -> JSON {
        switch shape.kind {
        case .blob:
            guard let text = node.stringValue else { return node }
            return try nestedBlob(text, cliName: cliName)
        case .structure:
            guard var object = node.objectValue else { return node }
            for (member, shapeName) in shape.members {
                guard let child = object[member], let memberShape = model.shapes[shapeName] else { continue }
                object[member] = try encodingBlobs(child, shape: memberShape, cliName: cliName)
            }
            return .object(object)
        case .map:
            guard let object = node.objectValue, let valueShape = model.shape(shape.value) else { return node }
            var out = JSONObject()
            for (key, child) in object { out[key] = try encodingBlobs(child, shape: valueShape, cliName: cliName) }
            return .object(out)
        case .list:
            guard let items = node.arrayValue, let memberShape = model.shape(shape.member) else { return node }
            return .array(try items.map { try encodingBlobs($0, shape: memberShape, cliName: cliName) })
        default:
            return node
        }
    }

    /// Types a shorthand tree (all strings) by shape.
    func typed(_ node: JSON, shape: ShapeModel, cliName: String) throws -> JSON {
        switch shape.kind {
        case .structure:
            guard let object = node.objectValue else { return node }
            var out = JSONObject()
            for (key, child) in object {
                guard let memberShape = shape.members.first(where: { $0.0 == key }).flatMap({ model.shapes[$0.1] }) else {
                    out[key] = child
                    continue
                }
                out[key] = try typed(child, shape: memberShape, cliName: cliName)
            }
            return .object(out)
        case .map:
            guard let object = node.objectValue, let valueShape = model.shape(shape.value) else { return node }
            var out = JSONObject()
            for (key, child) in object { out[key] = try typed(child, shape: valueShape, cliName: cliName) }
            return .object(out)
        case .list:
            guard let memberShape = model.shape(shape.member) else { return node }
            let items = node.arrayValue ?? [node]
            return .array(try items.map { try typed($0, shape: memberShape, cliName: cliName) })
        default:
            if let s = node.stringValue { return try value(s, shape: shape, cliName: cliName) }
            return node
        }
    }

    /// A list parameter given as separate words (`nargs='+'`), or one JSON document.
    func listValue(_ words: [String], shape: ShapeModel, cliName: String) throws -> JSON {
        if words.count == 1 {
            let text = try resolveParamFile(words[0], cliName: cliName, binary: false).text
            if text.trimmingSpaces().hasPrefix("[") { return try value(text, shape: shape, cliName: cliName) }
        }
        guard let memberShape = model.shape(shape.member) else { return .array(words.map { .string($0) }) }
        var items: [JSON] = []
        for word in words {
            let text = try resolveParamFile(word, cliName: cliName, binary: false).text
            if memberShape.isScalar {
                items.append(try value(text, shape: memberShape, cliName: cliName))
            } else {
                items.append(try value(text, shape: memberShape, cliName: cliName))
            }
        }
        return .array(items)
    }

    // MARK: - Validation (botocore's ParamValidator: required, min, types)

    func validate(_ params: JSONObject, inputShape: ShapeModel, skipRequired: Set<String> = []) -> [String] {
        var errors: [String] = []
        validateStructure(.object(params), shape: inputShape, path: "", errors: &errors, skipRequired: skipRequired)
        return errors
    }

    private func validateStructure(_ node: JSON, shape: ShapeModel, path: String, errors: inout [String], skipRequired: Set<String>) {
        guard let object = node.objectValue else {
            errors.append("Invalid type for parameter \(path), value: \(pythonish(node)), type: \(pythonType(node)), valid types: <class 'dict'>")
            return
        }
        for required in shape.required where object[required] == nil && !skipRequired.contains(required) {
            errors.append("Missing required parameter in \(path.isEmpty ? "input" : path): \"\(required)\"")
        }
        for (key, child) in object {
            let childPath = path.isEmpty ? key : path + "." + key
            guard let memberShape = shape.members.first(where: { $0.0 == key }).flatMap({ model.shapes[$0.1] }) else {
                if key == "CodePath" { continue }  // lambda-sim's --code-path
                let names = shape.members.map(\.0).joined(separator: ", ")
                errors.append("Unknown parameter in \(path.isEmpty ? "input" : path): \"\(key)\", must be one of: \(names)")
                continue
            }
            validateValue(child, shape: memberShape, path: childPath, errors: &errors)
        }
    }

    private func validateValue(_ node: JSON, shape: ShapeModel, path: String, errors: inout [String]) {
        switch shape.kind {
        case .structure:
            validateStructure(node, shape: shape, path: path, errors: &errors, skipRequired: [])
        case .list:
            guard let items = node.arrayValue else {
                errors.append("Invalid type for parameter \(path), value: \(pythonish(node)), type: \(pythonType(node)), valid types: <class 'list'>, <class 'tuple'>")
                return
            }
            if let min = shape.min, Double(items.count) < min {
                errors.append("Invalid length for parameter \(path), value: \(items.count), valid min length: \(Int(min))")
            }
            if let memberShape = model.shape(shape.member) {
                for (i, item) in items.enumerated() { validateValue(item, shape: memberShape, path: "\(path)[\(i)]", errors: &errors) }
            }
        case .map:
            guard let object = node.objectValue else {
                errors.append("Invalid type for parameter \(path), value: \(pythonish(node)), type: \(pythonType(node)), valid types: <class 'dict'>")
                return
            }
            if let valueShape = model.shape(shape.value) {
                for (k, v) in object { validateValue(v, shape: valueShape, path: "\(path).\(k)", errors: &errors) }
            }
        case .string:
            guard let s = node.stringValue else {
                errors.append("Invalid type for parameter \(path), value: \(pythonish(node)), type: \(pythonType(node)), valid types: <class 'str'>")
                return
            }
            if let min = shape.min, Double(s.count) < min {
                errors.append("Invalid length for parameter \(path), value: \(s.count), valid min length: \(Int(min))")
            }
        case .integer, .long:
            guard let v = node.intValue, case .int = node else {
                errors.append("Invalid type for parameter \(path), value: \(pythonish(node)), type: \(pythonType(node)), valid types: <class 'int'>")
                return
            }
            if let min = shape.min, Double(v) < min {
                errors.append("Invalid value for parameter \(path), value: \(v), valid min value: \(Int(min))")
            }
        case .boolean:
            if node.boolValue == nil {
                errors.append("Invalid type for parameter \(path), value: \(pythonish(node)), type: \(pythonType(node)), valid types: <class 'bool'>")
            }
        default:
            break
        }
    }

    /// `str(value)` and `type(value)` as botocore's ParamValidator shows them.
    private func pythonish(_ node: JSON) -> String { PythonText.str(node) }

    private func pythonType(_ node: JSON) -> String { "<class '\(PythonText.typeName(node))'>" }
}

extension String {
    /// Decodes UTF-8, failing on invalid bytes (as Python's strict decoder does).
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): out.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(out)
    }
}
