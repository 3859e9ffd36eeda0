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
}

extension TrustMedEvaluator {
    /// Default: every slot evaluated, no caching.
    public func distances(query: [UInt8], block: [UInt8], blockID: String, liveSlots: [Int]) async throws(TrustMedError) -> [UInt8] {
        try await distances(query: query, block: block)
    }
}
