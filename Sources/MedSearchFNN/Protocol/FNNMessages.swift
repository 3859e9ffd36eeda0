import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// A query's identifier: 16 random bytes chosen by the user, shown as hex.
public struct FNNQueryID: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes.
    public let bytes: [UInt8]

    /// Wraps 16 bytes.
    public init(bytes: [UInt8]) throws(FNNError) {
        guard bytes.count == 16 else { throw .malformed("a query id has 16 bytes") }
        self.bytes = bytes
    }

    /// A fresh random id.
    public static func random(using generator: inout some RandomNumberGenerator) -> FNNQueryID {
        try! FNNQueryID(bytes: SecureRandom.bytes(16, using: &generator))
    }

    /// Parses the hex form.
    public init(hex: String) throws(FNNError) {
        guard let bytes = Hex.decode(hex) else { throw .malformed("query id is not hex") }
        try self.init(bytes: bytes)
    }

    public var description: String { Hex.encode(bytes) }
}

/// The user's query as C1 receives it.
@MemberwiseInit(.public)
public struct FNNQueryForC1: Sendable, Equatable {
    /// The query id.
    public var queryID: FNNQueryID
    /// How many neighbours are wanted.
    public var k: Int
    /// The back-end payload.
    public var payload: Payload
    /// Whether the user asks for the winners' vectors (the masked hand-over of FNN's `E(m_min + r)`).
    public var wantsVectors: Bool = false

    /// The encrypted or shared query.
    public enum Payload: Sendable, Equatable {
        /// C1's additive share of `(q, S_q, f_q)` and of `(Q_q, P_q)`.
        case shared(share: [UInt128], norms: [UInt128])
        /// `E(-q_j)` per coordinate, the packed `E(-sum (q_j + M) 2^(s j))`, `E(-S_q)` and `E(-f_q)`.
        case paillier(coordinates: [PaillierCiphertext], packed: [PaillierCiphertext], sum: PaillierCiphertext,
                      root: PaillierCiphertext)
    }
}

/// The user's share for C2 (shared back end only): a 32-byte seed from which C2 expands its share.
@MemberwiseInit(.public)
public struct FNNQueryForC2: Sendable, Equatable {
    /// The query id.
    public var queryID: FNNQueryID
    /// The share seed.
    public var seed: [UInt8]
}

/// Blinded values on their way to C2.
public enum FNNBlindedValues: Sendable, Equatable {
    /// Shared back end: C1's parts `a (key1 + beta) + w1 + c + eta`, completed by C2 with `w2`.
    case shares([UInt128])
    /// Paillier back end: `E(a key + c + eta)` packed 128 bits per slot.
    case packed([PaillierCiphertext])
}

/// A message from C1 to C2 during a search.
public enum FNNC1Message: Sendable, Equatable {
    /// Shared back end: starts a search with correlation entry `entry` over records `ids` (slot order) and
    /// C1's opened difference `u1 - b'`.
    case sharedStart(queryID: FNNQueryID, entry: UInt64, ids: [UInt64], k: Int, batchSize: Int,
                     order: FNNScanOrder, delta: [UInt128])
    /// Paillier back end: starts a search over `count` slots with the SSEDLB SM inputs (masked statistic
    /// differences, packed).
    case paillierStart(queryID: FNNQueryID, count: Int, k: Int, batchSize: Int, order: FNNScanOrder,
                       packed: [PaillierCiphertext])
    /// The blinded lower-bound keys of every slot.
    case lowerBounds(queryID: FNNQueryID, values: FNNBlindedValues)
    /// Paillier back end: SSED inputs for `slots` (masked coordinate differences, packed, record after record).
    case ssedRequest(queryID: FNNQueryID, slots: [Int], packed: [PaillierCiphertext])
    /// The blinded distance keys of `slots`.
    case distances(queryID: FNNQueryID, slots: [Int], values: FNNBlindedValues)
    /// The masked distances of the winners for the user (Paillier: `E(T + r)`; shared: empty) and, when the user
    /// asked for them, the winners' masked vectors (``FNNVectorsForC2``).
    case finish(queryID: FNNQueryID, masked: [PaillierCiphertext], vectors: FNNVectorsForC2)

    /// The query this message belongs to.
    public var queryID: FNNQueryID {
        switch self {
        case let .sharedStart(id, _, _, _, _, _, _), let .paillierStart(id, _, _, _, _, _),
             let .lowerBounds(id, _), let .ssedRequest(id, _, _), let .distances(id, _, _), let .finish(id, _, _):
            id
        }
    }
}

/// The winners' vectors as C1 hands them to C2, masked with fresh randomness only C1 and the user know
/// (FNN's `E(m_min + r)`), in C2's winner order.
public enum FNNVectorsForC2: Sendable, Equatable {
    /// The user did not ask for vectors.
    case none
    /// Shared back end: per winner, `X1_j + r_j mod 2^64` (C1's masked row plus a fresh mask `r`); C2 adds its
    /// row mask `A_id`, which gives `x_j + r_j`.
    case shared([[UInt64]])
    /// Paillier back end: per winner, `E(P_g + R_g)` for every packed group `P_g = sum (x_j + M) 2^(s j)` with a
    /// fresh `R_g` uniform modulo `N`; C2 decrypts `(P_g + R_g) mod N`.
    case paillier([[PaillierCiphertext]])
}

/// The winners' masked vectors C2 keeps for the user, in C1's result order: uniformly random to C2.
public enum FNNMaskedVectors: Sendable, Equatable {
    /// Shared back end: per winner, `x_j + r_j mod 2^64`.
    case shared([[UInt64]])
    /// Paillier back end: per winner, `(P_g + R_g) mod N` per packed group.
    case paillier([[BigInt]])

    /// The number of winners.
    public var count: Int {
        switch self {
        case let .shared(rows): rows.count
        case let .paillier(rows): rows.count
        }
    }
}

/// A message from C2 to C1 during a search.
public enum FNNC2Message: Sendable, Equatable {
    /// Shared back end: C2's opened difference `beta - b` and its masked bound-key shares `key2 - v`.
    case sharedStartReply(queryID: FNNQueryID, delta: [UInt128], boundShares: [UInt128])
    /// Paillier back end: `E(u_S^2 + u_F^2)` per slot (the SM products of SSEDLB, summed per record).
    case paillierSquares(queryID: FNNQueryID, sums: [PaillierCiphertext])
    /// The next candidates to compute (shared: with C2's masked distance-key shares).
    case compute(queryID: FNNQueryID, slots: [Int], distanceShares: [UInt128])
    /// Paillier back end: `E(sum u_j^2)` per requested slot.
    case ssedReply(queryID: FNNQueryID, sums: [PaillierCiphertext])
    /// The scan is over: the winners' slots, best first.
    case done(queryID: FNNQueryID, winners: [Int])
    /// C2 stored the user's hand-over.
    case finished(queryID: FNNQueryID)
}

/// One ranked entry of C1's answer to the user.
public struct FNNResultEntry: Sendable, Equatable {
    /// The record id.
    public var id: UInt64
    /// The sealed label.
    public var sealedLabel: [UInt8]
    /// The mask the user removes from C2's hand-over value.
    public var mask: UInt128
    /// The 32-byte seed of the mask the user removes from C2's masked vector (empty when no vector was asked for).
    public var vectorMaskSeed: [UInt8] = []
}

/// C1's answer to the user.
@MemberwiseInit(.public)
public struct FNNC1Result: Sendable, Equatable {
    /// The query id.
    public var queryID: FNNQueryID
    /// The winners, best first.
    public var entries: [FNNResultEntry]
    /// Records in the database at search time.
    public var recordCount: Int
    /// Records rejected by the lower bound (never SSED'd).
    public var rejected: Int

    /// `rejected / recordCount`.
    public var rejectRatio: Double { recordCount == 0 ? 0 : Double(rejected) / Double(recordCount) }
}

/// C2's hand-over to the user: the winners' masked values, in C1's result order.
@MemberwiseInit(.public)
public struct FNNC2Handover: Sendable, Equatable {
    /// The query id.
    public var queryID: FNNQueryID
    /// `T + r` (Paillier) or C2's share of `T` (shared), per winner.
    public var masked: [UInt128]
    /// The winners' masked vectors, when the user asked for them.
    public var vectors: FNNMaskedVectors? = nil
}

/// What a user finally sees: id, label and exact squared distance, best first.
@MemberwiseInit(.public)
public struct FNNSearchHit: Sendable, Equatable {
    /// The record id.
    public var id: UInt64
    /// The opened label.
    public var label: String
    /// The exact squared Euclidean distance.
    public var squaredDistance: Int64
    /// The record's vector, recovered from the masked hand-over (nil unless the query asked for vectors).
    public var vector: [Int64]? = nil

    /// The hit as a ``FNNNeighbor``.
    public var neighbor: FNNNeighbor { FNNNeighbor(id: id, squaredDistance: squaredDistance) }
}
