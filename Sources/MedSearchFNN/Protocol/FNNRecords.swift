import MedSearchCore
import MedSearchPaillier

/// A record as the owner has it in the clear: an id, its integer vector and a label (file name, finding...).
@MemberwiseInit(.public)
public struct FNNRecordInput: Sendable, Equatable {
    /// The record id (ties in distance are broken by ascending id).
    public var id: UInt64
    /// The integer vector (`d` coordinates, each at most `M` in magnitude).
    public var vector: [Int64]
    /// A short label sealed for users (never readable by the servers).
    public var label: String
}

/// The encrypted form of a record that C1 stores.
public enum FNNC1RecordPayload: Sendable, Equatable {
    /// Shared back end: the masked augmented row `(x, S, f) - A_id` and the masked norms `(Q - alpha_Q, P - alpha_P)`.
    case shared(masked: [UInt128], norms: [UInt128])
    /// Paillier back end: `E(x_j)` per coordinate (the paper's attribute-wise encryption), the packed
    /// `E(sum (x_j + M) 2^(s j))` per group of coordinates, `E(S)` and `E(f)`.
    case paillier(coordinates: [PaillierCiphertext], packed: [PaillierCiphertext], sum: PaillierCiphertext,
                  root: PaillierCiphertext)
}

/// A record as C1 stores it.
public struct FNNC1Record: Sendable, Equatable {
    /// The record id.
    public var id: UInt64
    /// The label sealed with the owner's label key (AES-256-GCM, id as associated data).
    public var sealedLabel: [UInt8]
    /// The encrypted vector.
    public var payload: FNNC1RecordPayload
}

/// One correlation entry seed of the shared back end (C1's or C2's half).
@MemberwiseInit(.public)
public struct FNNPoolSeed: Sendable, Equatable {
    /// The entry number (each query consumes one).
    public var index: UInt64
    /// The 32-byte seed.
    public var seed: [UInt8]
}

/// C2's explicit per-record correlation values for one entry: `(s2_stats, s2_vector, w2_bound, w2_distance)`.
@MemberwiseInit(.public)
public struct FNNPoolRow: Sendable, Equatable {
    /// The entry number.
    public var entry: UInt64
    /// The record id.
    public var id: UInt64
    /// The four values.
    public var values: [UInt128]
}

/// C2's half of a batch of correlation entries (seeds plus explicit rows).
@MemberwiseInit(.public)
public struct FNNSharedPoolC2: Sendable, Equatable {
    /// The entry seeds.
    public var entries: [FNNPoolSeed]
    /// The explicit rows, one per entry and record.
    public var rows: [FNNPoolRow]
}
