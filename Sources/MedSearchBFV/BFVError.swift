/// Errors of the BFV layer: bad parameters, mismatched objects, malformed serialisations.
///
/// Payloads describe shapes and limits only, never plaintexts, coefficients or key material.
public enum BFVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameter set is not usable (reason given).
    case invalidParameters(String)
    /// No parameter set has this name.
    case unknownParameterSet(String)
    /// An object was made under different parameters than the context in use.
    case parameterMismatch(String)
    /// Two operands are at different levels (number of RNS limbs) or of unsupported sizes.
    case shapeMismatch(String)
    /// A value is outside its allowed range (for example more slots than `N`, a value not below `t`).
    case valueOutOfRange(String)
    /// A rotation was requested without the Galois key for it.
    case missingGaloisKey(element: Int)
    /// The operation needs more RNS limbs than the ciphertext has left.
    case levelExhausted
    /// A serialised object could not be decoded.
    case malformed(String)

    public var description: String {
        switch self {
        case let .invalidParameters(reason): "invalid BFV parameters: \(reason)"
        case let .unknownParameterSet(name): "unknown BFV parameter set \(name.debugDescription)"
        case let .parameterMismatch(reason): "BFV parameter mismatch: \(reason)"
        case let .shapeMismatch(reason): "BFV operand shapes do not match: \(reason)"
        case let .valueOutOfRange(reason): "value out of range: \(reason)"
        case let .missingGaloisKey(element): "no Galois key for element \(element)"
        case .levelExhausted: "no RNS limb left to drop"
        case let .malformed(reason): "malformed BFV object: \(reason)"
        }
    }
}
