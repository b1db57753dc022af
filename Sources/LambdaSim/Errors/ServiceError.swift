/// An error the simulated service returns; `code` is the AWS error code as the CLI prints it.
public struct ServiceError: Error, Equatable, Sendable {
    public var code: String
    public var message: String
    /// The HTTP status AWS answers with (used by `serve`).
    public var status: Int
    /// A throttle's `Reason` (`TooManyRequestsException`), as AWS's error body carries it.
    public var reason: String?

    public init(_ code: String, _ message: String, status: Int = 400) {
        self.code = code
        self.message = message
        self.status = status
    }

    public static func notFound(_ message: String) -> ServiceError {
        ServiceError("ResourceNotFoundException", message, status: 404)
    }

    public static func invalidParameter(_ message: String) -> ServiceError {
        ServiceError("InvalidParameterValueException", message, status: 400)
    }

    public static func conflict(_ message: String) -> ServiceError {
        ServiceError("ResourceConflictException", message, status: 409)
    }

    public static func validation(_ message: String) -> ServiceError {
        ServiceError("ValidationException", message, status: 400)
    }

    /// AWS's generic constraint message: `1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: …`.
    public static func constraint(value: String, field: String, _ constraint: String) -> ServiceError {
        validation("1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: \(constraint)")
    }
}

/// The state file could not be used.
public struct StateFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "state file \(path): \(reason)" }
}
