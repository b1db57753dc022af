import Foundation
import LambdaSimJSON

/// Top-level keys of a state or function file that this lambda-sim does not know (written by a
/// newer one, or by hand), kept so rewriting the file does not drop them.
///
/// The known keys are the stored properties of the decoded type, which are its coding keys as
/// long as the type keeps synthesized `Codable` (State and FunctionRecord do).
enum UnknownKeys {
    /// Decodes `T` from `data` and collects the top-level keys `T` has no property for, in one parse.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> (value: T, unknown: [String: JSON]) {
        let decoded = try JSONDecoder().decode(WithUnknown<T>.self, from: data)
        return (decoded.value, decoded.unknown)
    }

    struct WithUnknown<T: Decodable>: Decodable {
        var value: T
        var unknown: [String: JSON]

        init(from decoder: any Decoder) throws {
            value = try T(from: decoder)
            let known = Set(Mirror(reflecting: value).children.compactMap(\.label))
            let container = try decoder.container(keyedBy: JSON.AnyKey.self)
            var unknown: [String: JSON] = [:]
            for key in container.allKeys where !known.contains(key.stringValue) {
                unknown[key.stringValue] = try container.decode(JSON.self, forKey: key)
            }
            self.unknown = unknown
        }
    }

    /// `value` encoded with `unknown`'s keys beside its own (its own win on a clash).
    struct Merged<T: Encodable>: Encodable {
        var value: T
        var unknown: [String: JSON]

        func encode(to encoder: any Encoder) throws {
            if !unknown.isEmpty {
                var container = encoder.container(keyedBy: JSON.AnyKey.self)
                for (key, item) in unknown { try container.encode(item, forKey: JSON.AnyKey(key)) }
            }
            try value.encode(to: encoder)
        }
    }
}
