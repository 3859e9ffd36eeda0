import MedSearchCore

/// Why an FNN protocol step refused its input. Payloads never carry vectors, distances, masks or key bytes.
public enum FNNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A wire message could not be decoded.
    case wire(WireError)
    /// A message belongs to another back end than the party was set up for.
    case backendMismatch(expected: String, found: String)
    /// A vector has the wrong number of coordinates.
    case dimensionMismatch(expected: Int, found: Int)
    /// A coordinate is outside the encoder's declared range.
    case valueOutOfRange(index: Int, limit: Int64)
    /// The parameters would let an intermediate value overflow its ring or plaintext space.
    case parameterOverflow(String)
    /// A parameter is invalid (k = 0, empty database, bad batch size, ...).
    case invalidParameter(String)
    /// A record id is already stored (add) or unknown (delete, lookup).
    case duplicateRecord(UInt64)
    /// A record id is unknown.
    case unknownRecord(UInt64)
    /// A message arrived for a query the party does not know, or out of order.
    case unknownQuery(String)
    /// A message arrived in a state that does not expect it.
    case unexpectedMessage(String)
    /// A peer's message is inconsistent (wrong counts, slots out of range, ...).
    case malformed(String)
    /// The shared back end's pool of owner-made correlations is used up; the owner must replenish it.
    case correlationPoolExhausted
    /// A Paillier operation failed.
    case paillier(String)
    /// A sealed record label failed authentication (wrong key or tampered data).
    case labelAuthenticationFailed

    public var description: String {
        switch self {
        case let .wire(error): "malformed FNN message: \(error)"
        case let .backendMismatch(expected, found): "FNN back end mismatch: expected \(expected), found \(found)"
        case let .dimensionMismatch(expected, found): "vector has \(found) coordinates, expected \(expected)"
        case let .valueOutOfRange(index, limit): "coordinate \(index) is outside -\(limit)...\(limit)"
        case let .parameterOverflow(reason): "FNN parameters overflow: \(reason)"
        case let .invalidParameter(reason): "invalid FNN parameter: \(reason)"
        case let .duplicateRecord(id): "record \(id) already exists"
        case let .unknownRecord(id): "record \(id) does not exist"
        case let .unknownQuery(id): "unknown FNN query \(id)"
        case let .unexpectedMessage(reason): "unexpected FNN message: \(reason)"
        case let .malformed(reason): "inconsistent FNN message: \(reason)"
        case .correlationPoolExhausted:
            "the shared back end's correlation pool is used up: the owner must run `medsearch fnn replenish`"
        case let .paillier(reason): "Paillier failure in FNN: \(reason)"
        case .labelAuthenticationFailed: "a sealed record label failed authentication (wrong key or tampered data)"
        }
    }
}
