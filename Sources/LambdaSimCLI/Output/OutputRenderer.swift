import LambdaSim
import LambdaSimJSON

/// Prints a response as the AWS CLI does: keys in model order, timestamps per dialect,
/// `--query`, then json / text / table / yaml.
struct OutputRenderer {
    var format: String
    var query: JMESPathExpression?
    var dialect: Dialect
    /// `cli_timestamp_format` from the profile: `iso8601` or `wire`; nil = the dialect's default
    /// (v1 wire, v2 iso8601).
    var timestampFormat: String?

    private var isoTimestamps: Bool {
        switch timestampFormat {
        case "iso8601": return true
        case "wire": return false
        default: return dialect == .v2
        }
    }

    /// Compiles `--query`, with the CLI's message for a bad expression.
    static func compileQuery(_ text: String?) throws -> JMESPathExpression? {
        guard let text else { return nil }
        do {
            return try JMESPathExpression(text)
        } catch {
            throw CLIError.other("Bad value for --query \(text): \(error.awsCLIMessage)")
        }
    }

    func render(_ response: JSON, model: OperationModel?, title: String) throws -> String {
        var value = response
        if let model, let output = model.shape(model.output) {
            value = ordered(value, shape: output, model: model)
        }
        if let query {
            do {
                value = try query.search(value)
            } catch {
                throw CLIError.other("\(error)")
            }
        } else if case let .object(o) = value, o.isEmpty {
            return ""
        }
        switch format {
        case "text": return TextFormatter.format(value)
        case "table": return TableFormatter.format(value, title: title)
        case "yaml": return YAMLFormatter.format(value)
        case "yaml-stream": return YAMLFormatter.formatStream(value)
        default: return JSONWriter.string(value, style: .pretty) + "\n"
        }
    }

    /// A response in its model's order (as botocore's parser builds it), timestamps converted.
    func ordered(_ response: JSON, model: OperationModel) -> JSON {
        guard let output = model.shape(model.output) else { return response }
        return ordered(response, shape: output, model: model)
    }

    /// Walks the output shape: keys in model order (as botocore's parser builds its dict),
    /// unknown keys dropped, timestamps converted.
    func ordered(_ node: JSON, shape: ShapeModel, model: OperationModel) -> JSON {
        switch shape.kind {
        case .structure:
            guard let object = node.objectValue else { return node }
            var out = JSONObject()
            for (member, shapeName) in shape.members {
                guard var child = object[member] else { continue }
                // IAM's policy documents arrive as (URL-encoded) JSON text; the CLI prints them
                // as JSON (botocore's `json_decode_policies` for the shape `policyDocumentType`).
                if shapeName == "policyDocumentType", let text = child.stringValue,
                    let decoded = try? JSONParser.parse(URLCoding.percentDecode(text))
                {
                    child = decoded
                }
                if let childShape = model.shapes[shapeName] {
                    out[member] = ordered(child, shape: childShape, model: model)
                } else {
                    out[member] = child
                }
            }
            return .object(out)
        case .list:
            guard let items = node.arrayValue, let memberShape = model.shape(shape.member) else { return node }
            return .array(items.map { ordered($0, shape: memberShape, model: model) })
        case .map:
            guard let object = node.objectValue, let valueShape = model.shape(shape.value) else { return node }
            var out = JSONObject()
            for (k, v) in object { out[k] = ordered(v, shape: valueShape, model: model) }
            return .object(out)
        case .timestamp:
            // Epoch numbers on the wire: v1 prints them as they came, v2 as ISO 8601 local time
            // (either way round with `cli_timestamp_format`).
            guard isoTimestamps else { return node }
            if let text = node.stringValue {
                // ISO text on the wire (IAM's `2026-11-22T19:58:59Z`): v2 prints it in UTC as
                // Python's `isoformat()` does.
                guard let ms = TimeFormat.parse(text) else { return node }
                return .string(TimeFormat.cliV2UTC(ms: ms))
            }
            guard let seconds = node.doubleValue else { return node }
            return .string(TimeFormat.cliV2(seconds: seconds))
        default:
            return node
        }
    }
}
