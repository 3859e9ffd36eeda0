/// Errors of de-identification set-up.
public enum DeidentificationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The deployment secret is too short.
    case secretTooShort(minimum: Int, actual: Int)
    /// The secret file is not hex of at least 32 bytes.
    case malformedSecretFile(reason: String)

    public var description: String {
        switch self {
        case .secretTooShort(let minimum, let actual): "de-identification secret has \(actual) bytes, needs \(minimum)"
        case .malformedSecretFile(let reason): "de-identification secret file is malformed: \(reason)"
        }
    }
}
