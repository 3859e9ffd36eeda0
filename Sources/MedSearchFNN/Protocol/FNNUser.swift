import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// An authorised user (FNN's Bob): prepares queries and opens the masked hand-over.
public struct FNNUser: Sendable {
    /// The user's credentials.
    public let credentials: FNNUserCredentials
    private let encryptor: FNNPaillierEncryptor?
    private let layout: FNNPaillierLayout?

    /// Creates a user.
    public init(credentials: FNNUserCredentials) throws(FNNError) {
        self.credentials = credentials
        if let pk = credentials.publicKey, let base = credentials.randomizerBase {
            encryptor = FNNPaillierEncryptor(publicKey: pk, base: base)
            layout = try FNNPaillierLayout(parameters: credentials.parameters, keyBits: pk.bits)
        } else {
            encryptor = nil
            layout = nil
        }
        if credentials.parameters.backend == .paillier && encryptor == nil {
            throw .invalidParameter("Paillier credentials need a public key and randomizer base")
        }
    }

    /// A prepared query: the message for C1 and (shared back end) the share for C2.
    public struct PreparedQuery: Sendable {
        /// For C1.
        public var forC1: FNNQueryForC1
        /// For C2 (nil for Paillier, where C2 hears only from C1).
        public var forC2: FNNQueryForC2?
    }

    /// Encodes and encrypts (Paillier) or secret-shares (shared) a query vector.
    ///
    /// - Parameter recoverVectors: also ask for the winners' vectors (the masked hand-over): ``open(result:handover:)``
    ///   then fills ``FNNSearchHit/vector``.
    /// - Throws: ``FNNError`` for a vector of the wrong size or range, or `k < 1`.
    public func prepareQuery(_ vector: [Int64], k: Int, recoverVectors: Bool = false) throws(FNNError) -> PreparedQuery {
        var generator = SecureRandomGenerator()
        return try prepareQuery(vector, k: k, recoverVectors: recoverVectors, using: &generator)
    }

    /// As ``prepareQuery(_:k:)`` with an explicit generator for ids and shares (tests seed it; production uses the
    /// system CSPRNG). Paillier encryption always uses the system CSPRNG.
    public func prepareQuery(_ vector: [Int64], k: Int, recoverVectors: Bool = false,
                             using generator: inout some RandomNumberGenerator) throws(FNNError) -> PreparedQuery {
        let parameters = credentials.parameters
        try parameters.validate(vector)
        guard k >= 1 else { throw .invalidParameter("k must be at least 1") }
        let queryID = FNNQueryID.random(using: &generator)
        let statistics = FNNVectorStatistics(vector)
        switch parameters.backend {
        case .shared:
            let seed = SecureRandom.bytes(32, using: &generator)
            let beta = FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainUserVector, index: 0,
                                          count: parameters.dimension + 2)
            let gamma = FNNKeystream.words(seed: seed, domain: FNNSharedArithmetic.domainUserNorms, index: 0, count: 2)
            let augmented = FNNSharedArithmetic.augmented(vector, statistics: statistics)
            let norms = [FNNSharedArithmetic.word(statistics.sumOfSquares) &- gamma[0],
                         FNNSharedArithmetic.word(statistics.boundNorm) &- gamma[1]]
            return PreparedQuery(
                forC1: FNNQueryForC1(queryID: queryID, k: k,
                                     payload: .shared(share: FNNSharedArithmetic.subtract(augmented, beta), norms: norms),
                                     wantsVectors: recoverVectors),
                forC2: FNNQueryForC2(queryID: queryID, seed: seed))
        case .paillier:
            guard let encryptor, let layout else { throw .invalidParameter("missing Paillier credentials") }
            let coordinates = encryptor.encrypt(vector.map { BigInt(Int(-$0)) })
            let packedPlain = FNNPaillierOwnerHelpers.packedOffsetVector(vector, layout: layout,
                                                                        offset: parameters.maxAbsCoordinate)
            let packed = encryptor.encrypt(packedPlain.map { -$0 })
            return PreparedQuery(
                forC1: FNNQueryForC1(queryID: queryID, k: k,
                                     payload: .paillier(coordinates: coordinates, packed: packed,
                                                        sum: encryptor.encrypt(-statistics.sum),
                                                        root: encryptor.encrypt(-statistics.deviationRoot)),
                                     wantsVectors: recoverVectors),
                forC2: nil)
        }
    }

    /// Combines C1's answer and C2's hand-over into ranked hits with exact squared distances and, when the query
    /// asked for them, the winners' vectors (C1's vector mask seeds removed from C2's masked vectors).
    ///
    /// - Throws: ``FNNError`` when the two halves do not match, a label fails authentication or a recovered
    ///   vector is out of range.
    public func open(result: FNNC1Result, handover: FNNC2Handover) throws(FNNError) -> [FNNSearchHit] {
        guard result.queryID == handover.queryID else { throw .malformed("result and hand-over are for different queries") }
        guard result.entries.count == handover.masked.count else {
            throw .malformed("result has \(result.entries.count) entries, hand-over \(handover.masked.count)")
        }
        let d = UInt128(credentials.parameters.dimension)
        let wantsVectors = result.entries.contains { !$0.vectorMaskSeed.isEmpty }
        if wantsVectors {
            guard result.entries.allSatisfy({ !$0.vectorMaskSeed.isEmpty }), let vectors = handover.vectors,
                  vectors.count == result.entries.count else {
                throw .malformed("the hand-over has no masked vector for every winner")
            }
        }
        var hits = [FNNSearchHit]()
        for (index, (entry, masked)) in zip(result.entries, handover.masked).enumerated() {
            let scaled = masked &- entry.mask
            guard scaled % d == 0, scaled / d < UInt128(Int64.max) else {
                throw .malformed("an unmasked distance is not a valid d * |x - q|^2")
            }
            let label = try FNNLabelSealer.open(entry.sealedLabel, id: entry.id, key: credentials.labelKey)
            var vector: [Int64]?
            if wantsVectors { vector = try recoverVector(handover.vectors!, index: index, seed: entry.vectorMaskSeed) }
            hits.append(FNNSearchHit(id: entry.id, label: label, squaredDistance: Int64(scaled / d), vector: vector))
        }
        return hits
    }

    private func recoverVector(_ vectors: FNNMaskedVectors, index: Int, seed: [UInt8]) throws(FNNError) -> [Int64] {
        let parameters = credentials.parameters
        switch (vectors, parameters.backend) {
        case let (.shared(rows), .shared):
            return try FNNVectorHandover.recoverShared(rows[index], seed: seed, parameters: parameters)
        case let (.paillier(rows), .paillier):
            guard let pk = credentials.publicKey else { throw .invalidParameter("missing Paillier credentials") }
            return try FNNVectorHandover.recoverPaillier(rows[index], seed: seed, parameters: parameters, publicKey: pk)
        default:
            throw .backendMismatch(expected: parameters.backend.rawValue, found: "other")
        }
    }
}
