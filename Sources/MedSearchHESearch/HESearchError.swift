import MedSearchBFV
import MedSearchCore

/// Errors of the encrypted Hamming search. Payloads never carry hashcodes, distances or key material.
public enum HESearchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The code length is unsupported (16...256 bits, at most `N`, `2l + 1 < t`).
    case invalidCodeLength(Int)
    /// A hashcode has the wrong number of bits or stray bits above its length.
    case invalidCode(String)
    /// A message was made for another configuration (parameter set or code length).
    case configurationMismatch(String)
    /// A message could not be decoded.
    case malformed(String)
    /// A decrypted value is not a possible distance (wrong key, tampered or foreign response).
    case inconsistentResponse(String)
    /// Duplicate record identifiers.
    case duplicateIdentifier
    /// An error of the BFV layer.
    case bfv(BFVError)

    public var description: String {
        switch self {
        case let .invalidCodeLength(l): "unsupported hashcode length \(l) (need 16...256 bits, at most N)"
        case let .invalidCode(reason): "invalid hashcode: \(reason)"
        case let .configurationMismatch(reason): "Hamming search configuration mismatch: \(reason)"
        case let .malformed(reason): "malformed Hamming search message: \(reason)"
        case let .inconsistentResponse(reason): "inconsistent Hamming search response: \(reason)"
        case .duplicateIdentifier: "duplicate record identifier"
        case let .bfv(error): error.description
        }
    }
}

/// Runs a BFV call, wrapping its error.
@inline(__always)
func bfv<T>(_ body: () throws(BFVError) -> T) throws(HESearchError) -> T {
    do { return try body() } catch { throw .bfv(error) }
}

/// Runs a decoding step, reporting a ``WireError`` as ``HESearchError/malformed(_:)``.
@inline(__always)
func wire<T>(_ body: () throws(WireError) -> T) throws(HESearchError) -> T {
    do { return try body() } catch { throw .malformed(error.description) }
}
