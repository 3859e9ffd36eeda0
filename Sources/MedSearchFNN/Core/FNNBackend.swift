/// The arithmetic back end an FNN deployment runs on. Both share the protocol shape of
/// ``FNNC1Search`` / ``FNNC2Search`` (lower-bound pass, blinded comparisons at C2, masked hand-over).
public enum FNNBackend: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The paper's construction: per-coordinate Paillier ciphertexts at C1, secret key at C2
    /// (SM, SSED, SSEDLB; masked values packed for C2, statistical masks, batched rounds).
    case paillier
    /// Additive secret sharing over Z/2^128 between C1 and C2 with correlated randomness made by the owner
    /// (the dealer): shared matrix-vector products, owner-made VOLE correlations for blinding.
    case shared

    /// The wire code of the back end.
    public var code: UInt8 {
        switch self {
        case .paillier: 1
        case .shared: 2
        }
    }

    /// The back end with wire code `code`, or nil.
    public init?(code: UInt8) {
        switch code {
        case 1: self = .paillier
        case 2: self = .shared
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// The order in which C2 visits candidates (FNN Algorithm 3 line 11).
public enum FNNScanOrder: String, Sendable, Codable, CaseIterable {
    /// Ascending blinded lower bound (Ahn, Han and Hwang's order): the first candidate whose bound exceeds the
    /// k-th best distance ends the scan, so the reject ratio is the highest possible.
    case lowerBound
    /// C1's (randomly permuted) record order, as Algorithm 3 scans the database.
    case sequential

    /// The wire code.
    public var code: UInt8 { self == .lowerBound ? 1 : 2 }

    /// The order with wire code `code`, or nil.
    public init?(code: UInt8) {
        switch code {
        case 1: self = .lowerBound
        case 2: self = .sequential
        default: return nil
        }
    }
}
