import LambdaSimJSON

/// The query protocol of SNS, IAM and STS: `POST /` with a form body
/// (`Action=Publish&Version=2010-03-31&TopicArn=…`, lists as `Name.member.N`, maps as
/// `Name.entry.N.key` / `.value`) and XML answers
/// (`<PublishResponse><PublishResult>…</PublishResult><ResponseMetadata>…`), decoded and written
/// from botocore's shapes (Serve/Generated/ServeModel.swift). The service comes from the
/// request's SigV4 credential scope (`…/us-east-1/iam/aws4_request`), else from the action.
struct QueryProtocolAPI: Sendable {
    struct Shape {
        var type: String
        /// Structure members: (name, shape, XML name, flattened).
        var members: [(name: String, shape: String, xmlName: String?, flattened: Bool)] = []
        var member: String?
        var memberName: String?
        var key: String?
        var value: String?
        var keyName = "key"
        var valueName = "value"
        var flattened = false
    }

    /// The service name as the engine knows it (`sns`, `iam`, `sts`).
    let service: String
    let operations: [String: [String?]]
    let namespace: String
    let shapes: [String: Shape]

    static let sns = QueryProtocolAPI(service: "sns", operations: ServeModel.snsOperations,
                                      namespace: ServeModel.snsXMLNamespace, shapes: parse(ServeModel.snsShapes))
    static let iam = QueryProtocolAPI(service: "iam", operations: ServeModel.iamOperations,
                                      namespace: ServeModel.iamXMLNamespace, shapes: parse(ServeModel.iamShapes))
    static let sts = QueryProtocolAPI(service: "sts", operations: ServeModel.stsOperations,
                                      namespace: ServeModel.stsXMLNamespace, shapes: parse(ServeModel.stsShapes))

    /// The service a form request is for: the credential scope's service, else the first whose
    /// operations include the action (SNS first, as before IAM was served).
    static func service(for request: ServeRequest, action: String) -> QueryProtocolAPI {
        if let auth = request.header("authorization"), let range = auth.range(of: "Credential=") {
            let scope = auth[range.upperBound...].prefix { $0 != "," && $0 != " " }.split(separator: "/")
            if scope.count >= 4 {
                switch scope[3] {
                case "iam": return .iam
                case "sts": return .sts
                case "sns": return .sns
                default: break
                }
            }
        }
        for api in [sns, iam, sts] where api.operations[action] != nil { return api }
        return .sns
    }

    /// Generated shapes, parsed once per service.
    static func parse(_ text: String) -> [String: Shape] {
        guard let parsed = try? JSONParser.parse(text), let object = parsed.objectValue else { return [:] }
        var out: [String: Shape] = [:]
        for (name, value) in object {
            var shape = Shape(type: value["type"]?.stringValue ?? "string")
            for member in value["members"]?.arrayValue ?? [] {
                guard let parts = member.arrayValue, parts.count == 4, let memberName = parts[0].stringValue,
                    let shapeName = parts[1].stringValue
                else { continue }
                shape.members.append((memberName, shapeName, parts[2].stringValue, parts[3].boolValue ?? false))
            }
            shape.member = value["member"]?.stringValue
            shape.memberName = value["memberName"]?.stringValue
            shape.key = value["key"]?.stringValue
            shape.value = value["value"]?.stringValue
            shape.keyName = value["keyName"]?.stringValue ?? "key"
            shape.valueName = value["valueName"]?.stringValue ?? "value"
            shape.flattened = value["flattened"]?.boolValue ?? false
            out[name] = shape
        }
        return out
    }

    static func handle(_ request: ServeRequest, engines: EngineRegistry) -> ServeResponse {
        let form = URLCoding.parseForm(String(decoding: request.body, as: UTF8.self))
        var values: [String: String] = [:]
        for (name, value) in form where values[name] == nil { values[name] = value }
        let action = values["Action"] ?? ""
        return service(for: request, action: action).handle(request, action: action, values: values, engines: engines)
    }

    func handle(_ request: ServeRequest, action: String, values: [String: String], engines: EngineRegistry) -> ServeResponse {
        guard let entry = operations[action], entry.count == 3 else {
            return errorResponse(ServiceError("InvalidAction", "The action \(action) is not valid for this endpoint."),
                                 requestId: request.requestId, operation: action.isEmpty ? nil : action)
        }
        var params = JSONObject()
        if let input = entry[0], case let .object(object)? = decode(input, prefix: "", values: values) { params = object }
        let engine = engines.engine(region: request.region)
        do {
            let result = try engine.perform(service: service, action, params)
            var xml = "<?xml version=\"1.0\"?>\n<\(action)Response xmlns=\"\(namespace)\">"
            if let output = entry[1], let wrapper = entry[2] {
                xml += "<\(wrapper)>"
                if let shape = shapes[output] { xml += encodeMembers(shape, result) }
                xml += "</\(wrapper)>"
            }
            xml += "<ResponseMetadata><RequestId>\(request.requestId)</RequestId></ResponseMetadata></\(action)Response>\n"
            return ServeResponse(status: 200, headers: [("Content-Type", "text/xml")], body: Array(xml.utf8), operation: action)
        } catch {
            return errorResponse(ServeErrors.serviceError(error), requestId: request.requestId, operation: action)
        }
    }

    func errorResponse(_ error: ServiceError, requestId: String, operation: String?) -> ServeResponse {
        let type = error.status >= 500 ? "Receiver" : "Sender"
        let xml = "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"\(namespace)\"><Error><Type>\(type)</Type>"
            + "<Code>\(Self.escape(error.code))</Code><Message>\(Self.escape(error.message))</Message></Error>"
            + "<RequestId>\(requestId)</RequestId></ErrorResponse>\n"
        return ServeResponse(status: error.status, headers: [("Content-Type", "text/xml")], body: Array(xml.utf8), operation: operation)
    }

    // MARK: - Form → parameters

    /// The value of shape `name` at `prefix`, or nil when the form has nothing for it.
    func decode(_ name: String, prefix: String, values: [String: String]) -> JSON? {
        guard let shape = shapes[name] else { return values[prefix].map { .string($0) } }
        func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : a + "." + b }
        switch shape.type {
        case "structure":
            var object = JSONObject()
            for member in shape.members {
                if let value = decode(member.shape, prefix: join(prefix, member.xmlName ?? member.name), values: values) {
                    object[member.name] = value
                }
            }
            if object.isEmpty, !prefix.isEmpty { return nil }
            return .object(object)
        case "list":
            guard let memberShape = shape.member else { return nil }
            let base = shape.flattened ? prefix : join(prefix, shape.memberName ?? "member")
            var items: [JSON] = []
            var index = 1
            while let item = decode(memberShape, prefix: "\(base).\(index)", values: values) {
                items.append(item)
                index += 1
            }
            if items.isEmpty { return values[prefix] != nil ? .array([]) : nil }
            return .array(items)
        case "map":
            guard let keyShape = shape.key, let valueShape = shape.value else { return nil }
            let base = shape.flattened ? prefix : join(prefix, "entry")
            var object = JSONObject()
            var index = 1
            while let key = decode(keyShape, prefix: "\(base).\(index).\(shape.keyName)", values: values)?.stringValue {
                object[key] = decode(valueShape, prefix: "\(base).\(index).\(shape.valueName)", values: values) ?? .null
                index += 1
            }
            return object.isEmpty ? nil : .object(object)
        case "integer", "long":
            return values[prefix].map { text in Int(text).map { .int($0) } ?? .string(text) }
        case "double", "float":
            return values[prefix].map { text in Double(text).map { .double($0) } ?? .string(text) }
        case "boolean":
            return values[prefix].map { text in .bool(text.lowercased() == "true") }
        default:
            return values[prefix].map { .string($0) }
        }
    }

    // MARK: - Result → XML

    func encodeMembers(_ shape: Shape, _ value: JSON) -> String {
        var xml = ""
        for member in shape.members {
            guard var memberValue = value[member.name], !memberValue.isNull else { continue }
            // IAM puts policy documents on the wire URL-encoded (botocore decodes them).
            if member.shape == "policyDocumentType", let text = memberValue.stringValue {
                memberValue = .string(URLCoding.percentEncode(text))
            }
            xml += encode(member.shape, memberValue, element: member.xmlName ?? member.name, flattened: member.flattened)
        }
        return xml
    }

    func encode(_ shapeName: String, _ value: JSON, element: String, flattened: Bool = false) -> String {
        guard let shape = shapes[shapeName] else { return "<\(element)>\(Self.escape(Self.scalarText(value)))</\(element)>" }
        switch shape.type {
        case "structure":
            return "<\(element)>" + encodeMembers(shape, value) + "</\(element)>"
        case "list":
            guard let memberShape = shape.member else { return "" }
            let items = value.arrayValue ?? []
            if shape.flattened || flattened {
                return items.map { encode(memberShape, $0, element: element) }.joined()
            }
            let name = shape.memberName ?? "member"
            return "<\(element)>" + items.map { encode(memberShape, $0, element: name) }.joined() + "</\(element)>"
        case "map":
            guard let keyShape = shape.key, let valueShape = shape.value else { return "" }
            var inner = ""
            for (key, item) in value.objectValue ?? JSONObject() {
                let entry = encode(keyShape, .string(key), element: shape.keyName) + encode(valueShape, item, element: shape.valueName)
                inner += shape.flattened ? "<\(element)>\(entry)</\(element)>" : "<entry>\(entry)</entry>"
            }
            return shape.flattened ? inner : "<\(element)>\(inner)</\(element)>"
        default:
            return "<\(element)>\(Self.escape(Self.scalarText(value)))</\(element)>"
        }
    }

    static func scalarText(_ value: JSON) -> String {
        switch value {
        case let .string(s): return s
        case let .bool(b): return b ? "true" : "false"
        case let .int(n): return String(n)
        case let .double(d): return JSONWriter.formatDouble(d)
        case .null: return ""
        default: return JSONWriter.string(value)
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#xD;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
