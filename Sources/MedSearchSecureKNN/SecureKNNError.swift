/// Why a secure kNN operation was refused. Payloads carry shapes and reasons, never key or vector values.
public enum SecureKNNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A vector or matrix had the wrong shape.
    case dimensionMismatch(what: String, expected: Int, actual: Int)
    /// A matrix that must be invertible is singular (or numerically too close to singular).
    case singularMatrix(what: String)
    /// A parameter is outside its allowed range.
    case invalidParameter(String)
    /// A value is not finite (NaN or infinity).
    case nonFiniteValue(what: String)
    /// Serialized key or vector data could not be decoded.
    case malformedData(String)

    public var description: String {
        switch self {
        case let .dimensionMismatch(what, expected, actual):
            "\(what): expected dimension \(expected), got \(actual)"
        case let .singularMatrix(what):
            "\(what) is singular or numerically not invertible"
        case let .invalidParameter(reason):
            "invalid parameter: \(reason)"
        case let .nonFiniteValue(what):
            "\(what) contains a value that is not finite"
        case let .malformedData(reason):
            "malformed secure kNN data: \(reason)"
        }
    }
}
