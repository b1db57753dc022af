/// awscli's own helpers for the output formats ported from it.  How Python
/// itself spells and orders values (`str()`, `repr()`, `<` on strings) is
/// ``PythonText``; these are the few pieces awscli adds on top.
enum PyFormat {
    /// Not a list or a dict.
    static func isScalar(_ value: JSON) -> Bool {
        switch value {
        case .array, .object: return false
        default: return true
        }
    }

    /// awscli's `get_text_length`: code points, East Asian Wide, Fullwidth
    /// and Ambiguous ones counting 2.
    static func textLength(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (EastAsianWidth.isWide($1) ? 2 : 1) }
    }

    /// Python `str.upper()`.
    static func upper(_ s: String) -> String { s.uppercased() }
}

/// A Python exception that the real AWS CLI would raise while formatting
/// (for instance `ValueError: Row should have 2 elements, instead it has 1`
/// in a table, or `AttributeError` in text output for a list mixing objects
/// and scalars).  The CLI prints the message to stderr, after whatever output
/// was already written: `partialOutput`.
public struct OutputFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Python exception class, e.g. `ValueError`.
    public var type: String
    /// `str(exception)`: what awscli prints (between blank lines) on stderr.
    public var message: String
    /// What reached stdout before the failure.
    public var partialOutput: String

    public init(type: String, message: String, partialOutput: String = "") {
        self.type = type
        self.message = message
        self.partialOutput = partialOutput
    }

    public var description: String { "\(type): \(message)" }
}
