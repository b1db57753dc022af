import LambdaSimJSON

/// A shape of an AWS API model: what a parameter's value must look like.
struct ShapeModel: Sendable {
    enum Kind: String, Sendable { case string, integer, long, boolean, double, float, blob, timestamp, structure, list, map }
    var kind: Kind
    var min: Double?
    var max: Double?
    var enumValues: [String]?
    /// Structure members in model order: (member name, shape name).
    var members: [(String, String)] = []
    var required: [String] = []
    var member: String?
    var key: String?
    var value: String?

    var isScalar: Bool { ![.structure, .list, .map].contains(kind) }
}

/// One CLI parameter of an AWS operation.
struct ParamModel: Sendable {
    var name: String
    var member: String
    var shape: String
    var required: Bool
    var help: String
}

/// One AWS operation as the CLI exposes it, read from the botocore-derived data in `AWSModelData`.
struct OperationModel: Sendable {
    var service: String
    var command: String
    var operation: String
    var help: String
    var params: [ParamModel]
    var input: String?
    var output: String?
    var shapes: [String: ShapeModel]

    static func load(service: String, command: String) -> OperationModel? {
        guard let text = AWSModelData.operations[service + " " + command],
            let doc = try? JSONParser.parse(text)
        else { return nil }
        return OperationModel(doc)
    }

    static var allKeys: [(service: String, command: String)] {
        AWSModelData.operations.keys.sorted().map { key in
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    init?(_ doc: JSON) {
        guard let service = doc["service"]?.stringValue, let command = doc["command"]?.stringValue,
            let operation = doc["operation"]?.stringValue
        else { return nil }
        self.service = service
        self.command = command
        self.operation = operation
        help = doc["help"]?.stringValue ?? ""
        input = doc["input"]?.stringValue
        output = doc["output"]?.stringValue
        params = (doc["params"]?.arrayValue ?? []).map { p in
            ParamModel(name: p["name"]?.stringValue ?? "", member: p["member"]?.stringValue ?? "",
                       shape: p["shape"]?.stringValue ?? "", required: p["required"]?.boolValue ?? false,
                       help: p["help"]?.stringValue ?? "")
        }
        var shapes: [String: ShapeModel] = [:]
        for (name, s) in doc["shapes"]?.objectValue ?? JSONObject() {
            var shape = ShapeModel(kind: ShapeModel.Kind(rawValue: s["type"]?.stringValue ?? "string") ?? .string)
            shape.min = s["min"]?.doubleValue
            shape.max = s["max"]?.doubleValue
            shape.enumValues = s["enum"]?.arrayValue?.compactMap(\.stringValue)
            shape.members = (s["members"]?.arrayValue ?? []).compactMap { pair in
                guard let a = pair.arrayValue, a.count == 2, let m = a[0].stringValue, let t = a[1].stringValue else { return nil }
                return (m, t)
            }
            shape.required = s["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            shape.member = s["member"]?.stringValue
            shape.key = s["key"]?.stringValue
            shape.value = s["value"]?.stringValue
            shapes[name] = shape
        }
        self.shapes = shapes
    }

    func shape(_ name: String?) -> ShapeModel? { name.flatMap { shapes[$0] } }
}
