/// Why a feature could not be built, trained, decoded or applied.
public enum FeaturesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No feature is registered under this name.
    case unknownFeature(name: String, known: [String])
    /// A parameter is out of range.
    case invalidParameter(name: String, reason: String)
    /// Training needs more (or different) data.
    case insufficientTrainingData(reason: String)
    /// A serialised model could not be decoded.
    case malformedModel(reason: String)
    /// A vector's length differs from what the model expects.
    case dimensionMismatch(expected: Int, actual: Int)
    /// The feature exists but is not available in this build (for example missing weights).
    case unavailable(name: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownFeature(name, known):
            "unknown feature \(name.debugDescription) (known: \(known.joined(separator: ", ")))"
        case let .invalidParameter(name, reason):
            "invalid parameter \(name): \(reason)"
        case let .insufficientTrainingData(reason):
            "insufficient training data: \(reason)"
        case let .malformedModel(reason):
            "malformed feature model: \(reason)"
        case let .dimensionMismatch(expected, actual):
            "vector has \(actual) values, expected \(expected)"
        case let .unavailable(name, reason):
            "feature \(name) is unavailable: \(reason)"
        }
    }
}
