/// `--output text`, as the AWS CLI v1 prints it (awscli/text.py).
///
/// * A scalar prints alone on its line, in Python `str()` spelling
///   (`None`, `True`, `1e+16`).
/// * An object prints its scalar members on one tab-joined line, in key
///   (code point) order, then each list or object member, in key order,
///   with that member's key UPPERCASED as the line prefix.
/// * A list of scalars is one tab-joined line; under a key, one
///   `KEY\tvalue` line per item.
/// * In a list holding objects, every object prints the union of scalar
///   keys of the whole list, with empty fields where one lacks a key.
public enum TextFormatter {
    /// The text output for `value`.  When the real CLI would fail half-way
    /// (a list mixing objects and non-objects), this is what it printed
    /// before failing; use ``render(_:)`` to learn about the failure.
    public static func format(_ value: JSON) -> String {
        do {
            return try render(value)
        } catch {
            return error.partialOutput
        }
    }

    /// The text output for `value`, or the error the real CLI would raise.
    public static func render(_ value: JSON) throws(OutputFormatError) -> String {
        var writer = Writer()
        do {
            try writer.text(value, identifier: nil, scalarKeys: nil)
        } catch {
            throw OutputFormatError(type: error.type, message: error.message, partialOutput: writer.out)
        }
        return writer.out
    }

    private struct Writer {
        var out = ""

        mutating func text(_ item: JSON, identifier: String?, scalarKeys: [String]?) throws(OutputFormatError) {
            switch item {
            case let .object(object):
                dict(object, identifier: identifier, scalarKeys: scalarKeys)
                // Members are written after the scalar line.
                for (key, value) in nonScalarMembers(object, scalarKeys: scalarKeys) {
                    try text(value, identifier: key, scalarKeys: nil)
                }
            case let .array(items):
                try list(items, identifier: identifier)
            default:
                out += PythonText.str(item)
                out += "\n"
            }
        }

        mutating func list(_ items: [JSON], identifier: String?) throws(OutputFormatError) {
            if items.isEmpty { return }
            if items.contains(where: { $0.objectValue != nil }) {
                let keys = try allScalarKeys(items)
                for element in items {
                    try text(element, identifier: identifier, scalarKeys: keys)
                }
            } else if items.contains(where: { $0.arrayValue != nil }) {
                let scalars = items.filter(PyFormat.isScalar)
                if !scalars.isEmpty { scalarList(scalars, identifier: identifier) }
                for element in items where !PyFormat.isScalar(element) {
                    try text(element, identifier: identifier, scalarKeys: nil)
                }
            } else {
                scalarList(items, identifier: identifier)
            }
        }

        mutating func scalarList(_ items: [JSON], identifier: String?) {
            if let identifier {
                let prefix = PyFormat.upper(identifier)
                for item in items {
                    out += prefix + "\t" + PythonText.str(item) + "\n"
                }
            } else {
                out += items.map(PythonText.str).joined(separator: "\t")
                out += "\n"
            }
        }

        /// Writes the scalar line of an object.
        mutating func dict(_ object: JSONObject, identifier: String?, scalarKeys: [String]?) {
            var scalars: [String] = []
            if let scalarKeys {
                for key in scalarKeys {
                    scalars.append(object[key].map(PythonText.str) ?? "")
                }
            } else {
                for key in object.keys.sorted(by: PythonText.codePointLess) {
                    if let value = object[key], PyFormat.isScalar(value) { scalars.append(PythonText.str(value)) }
                }
            }
            if scalars.isEmpty { return }
            if let identifier { scalars.insert(PyFormat.upper(identifier), at: 0) }
            out += scalars.joined(separator: "\t")
            out += "\n"
        }

        func nonScalarMembers(_ object: JSONObject, scalarKeys: [String]?) -> [(String, JSON)] {
            if let scalarKeys {
                let known = Set(scalarKeys)
                return PythonText.sortedUnique(object.keys.filter { !known.contains($0) }).map { ($0, object[$0] ?? .null) }
            }
            return object.keys.sorted(by: PythonText.codePointLess).compactMap { key in
                guard let value = object[key], !PyFormat.isScalar(value) else { return nil }
                return (key, value)
            }
        }

        func allScalarKeys(_ items: [JSON]) throws(OutputFormatError) -> [String] {
            var seen: Set<String> = []
            for item in items {
                guard case let .object(object) = item else {
                    throw OutputFormatError(
                        type: "AttributeError", message: "'\(PythonText.typeName(item))' object has no attribute 'items'")
                }
                for (key, value) in object where PyFormat.isScalar(value) { seen.insert(key) }
            }
            return seen.sorted(by: PythonText.codePointLess)
        }
    }
}
