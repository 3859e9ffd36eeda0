import MedSearchCore

/// The client-side holder of the homomorphic secret key (the data owner and the clinicians it authorises).
///
/// TrustMedSearch (schemes.md, "Key placement") keeps the BFV secret key on the client side: the client
/// encrypts hashcodes, the edge master evaluates Hamming distances under encryption with public and evaluation
/// keys only, and the client decrypts the distances. Ciphertexts cross this boundary as opaque bytes so the
/// engine does not depend on one BFV implementation's types.
///
/// A hashcode is given as `hashBits` bits, one per array element (each 0 or 1).
public protocol TrustMedKeyHolder: Sendable {
    /// The hashcode length in bits.
    var hashBits: Int { get }
    /// How many hashcodes one encrypted block holds.
    var recordsPerBlock: Int { get }
    /// Serialised public and evaluation keys for the edge master (never the secret key).
    func evaluationKeys() throws(TrustMedError) -> [UInt8]
    /// Encrypts up to ``recordsPerBlock`` hashcodes into one block; hashcode `i` occupies slot `i`.
    func encryptBlock(_ hashcodes: [[UInt8]]) throws(TrustMedError) -> [UInt8]
    /// Encrypts a query hashcode in the layout the evaluator expects.
    func encryptQuery(_ hashcode: [UInt8]) throws(TrustMedError) -> [UInt8]
    /// Decrypts the distances of slots `0..<count` from an evaluator's result.
    func decryptDistances(_ encrypted: [UInt8], count: Int) throws(TrustMedError) -> [Int]
    /// Decrypts an **unlinkable** result (no record ids, ``TrustMedEvaluator/searchUnlinkable(query:blocks:)``) and
    /// picks the `k` nearest slots plus every slot tied with the k-th distance: the request for the master (slots
    /// and ranks only, no distance) and the requested slots' distances, ascending (the master returns the first `k`
    /// of the requested records in that order).
    func nearestSlots(_ encrypted: [UInt8], k: Int) throws(TrustMedError) -> (request: [UInt8], distances: [Int])
}

/// A stored block as the evaluator sees it: a stable id, its sequence number, its ciphertext bytes and its live slots.
public struct TrustMedEvaluatorBlock: Sendable {
    /// The block id (its bytes never change under that id).
    public var id: String
    /// The store's sequence number for the block (never reused): results name a record `(handle, slot)`.
    public var handle: UInt64
    /// The encrypted block.
    public var ciphertext: [UInt8]
    /// The slots of its searchable records (deleted records' slots are left out).
    public var liveSlots: [Int]
}

/// The result of an unlinkable evaluation: the response for the client (no record ids, positions in a fresh random
/// order) and the master's private resolver from the client's slot request to every requested
/// `(block handle, slot, rank)` (the master orders them by rank, ties by record id). Keep the resolver on the master,
/// use it once.
@MemberwiseInit(.public)
public struct TrustMedUnlinkableResult: Sendable {
    /// The response for the client.
    public var response: [UInt8]
    /// The resolver: request bytes -> the requested `(block handle, slot, rank)` triples.
    public var resolve: @Sendable ([UInt8]) throws(TrustMedError) -> [(handle: UInt64, slot: Int, rank: Int)]
}

/// The edge master's homomorphic evaluator: public and evaluation keys only, so it can compute but never
/// decrypt.
public protocol TrustMedEvaluator: Sendable {
    /// The encrypted Hamming distances between an encrypted query and every hashcode of an encrypted block.
    func distances(query: [UInt8], block: [UInt8]) async throws(TrustMedError) -> [UInt8]
    /// The encrypted distances of the live slots `liveSlots` of a stored block with a stable id (its bytes never
    /// change under that id). Evaluators leave every other slot (deleted records) out of the result, so its
    /// distance cannot be decrypted even by the key holder, and may cache the block's decoded, precomputed form
    /// between queries.
    func distances(query: [UInt8], block: [UInt8], blockID: String, liveSlots: [Int]) async throws(TrustMedError) -> [UInt8]
    /// Evaluates the query against every searchable block at once in **unlinkable** mode: the client learns the
    /// distances but not whose they are, and record ids only for the slots it then requests. `version` names the
    /// state `blocks` come from (the store's record version): an evaluator may skip comparing an unchanged state.
    func searchUnlinkable(query: [UInt8], blocks: [TrustMedEvaluatorBlock],
                          version: Int64?) async throws(TrustMedError) -> TrustMedUnlinkableResult
    /// A search worker's part: evaluates the query against `blocks` (one shard) and returns a partial result that
    /// names each record `(handle, slot)`, for ``mergeUnlinkable(_:)`` on the master. Never sent to a client.
    func searchPartial(query: [UInt8], blocks: [TrustMedEvaluatorBlock], version: Int64?) async throws(TrustMedError) -> [UInt8]
    /// Joins the shards' partial results into one unlinkable result (records in a fresh random order, no ids in
    /// the response, one private resolver).
    func mergeUnlinkable(_ parts: [[UInt8]]) throws(TrustMedError) -> TrustMedUnlinkableResult
    /// Brings what ``searchUnlinkable(query:blocks:version:)`` keeps between queries up to `blocks` without a query
    /// (an edge master warms up at start), returning the number of records prepared.
    func prepare(blocks: [TrustMedEvaluatorBlock], version: Int64?) async throws(TrustMedError) -> Int
}

extension TrustMedEvaluator {
    /// Default: nothing is kept between queries, so nothing is prepared.
    public func prepare(blocks: [TrustMedEvaluatorBlock], version: Int64?) async throws(TrustMedError) -> Int { 0 }

    /// Default: every slot evaluated, no caching.
    public func distances(query: [UInt8], block: [UInt8], blockID: String, liveSlots: [Int]) async throws(TrustMedError) -> [UInt8] {
        try await distances(query: query, block: block)
    }
}
