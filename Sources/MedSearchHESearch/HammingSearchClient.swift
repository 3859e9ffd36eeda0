import MedSearchBFV
import MedSearchCore

/// The key holder's side (data owner or authorised clinician): holds the BFV secret key, encrypts queries (and
/// optionally the database), and decrypts responses to distances or top-k identifiers.
///
/// The client learns the distances of the live records in the responses it decrypts (with flooded noise; the
/// server sends the first polynomial of each product only at those records' result coefficients, so no other
/// coefficient can be decrypted); see docs/bfv.md for the exact statement.
public final class HammingSearchClient: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let context: BFVContext
    let secretKey: BFVSecretKey
    let publicKey: BFVPublicKey
    let decryptor: BFVPowerOfTwoDecryptor

    /// A client with fresh keys from the system-seeded CSPRNG.
    public convenience init(configuration: HammingSearchConfiguration) throws(HESearchError) {
        var rng = ChaChaRandomGenerator()
        try self.init(configuration: configuration, using: &rng)
    }

    /// A client with keys from `rng` (tests pass a seeded generator).
    public init(configuration: HammingSearchConfiguration,
                using rng: inout some RandomNumberGenerator) throws(HESearchError) {
        self.configuration = configuration
        let context = try configuration.context()
        self.context = context
        let key = context.generateSecretKey(using: &rng)
        secretKey = key
        publicKey = context.generatePublicKey(secretKey: key, using: &rng)
        decryptor = try bfv { () throws(BFVError) in try BFVPowerOfTwoDecryptor(context: context, secretKey: key) }
    }

    /// A client restored from ``secretKeyBytes()``.
    public init(configuration: HammingSearchConfiguration, secretKeyBytes bytes: [UInt8]) throws(HESearchError) {
        self.configuration = configuration
        let context = try configuration.context()
        self.context = context
        let wireContext = HammingWireContext(configuration: configuration, bfv: context)
        let key = try wire { () throws(WireError) in try HammingSecretKey(serialized: bytes, context: wireContext).key }
        secretKey = key
        publicKey = context.generatePublicKey(secretKey: key)
        decryptor = try bfv { () throws(BFVError) in try BFVPowerOfTwoDecryptor(context: context, secretKey: key) }
    }

    /// The secret key's wire form. Keep it on the client side; wipe the array after storing it.
    public func secretKeyBytes() -> [UInt8] {
        HammingSecretKey(secretKey).serialized(context: wireContext)
    }

    /// The configuration and its BFV context.
    var wireContext: HammingWireContext { HammingWireContext(configuration: configuration, bfv: context) }

    /// The evaluation key for the master: the BFV public key and, when the configuration expands queries, fresh
    /// Galois keys for the expansion (``BFVContext/expansionGaloisElements(count:)``: `ceil(log2 l)` automorphisms; no
    /// relinearisation key). With it the master can encrypt hashcodes and expand queries but decrypt nothing.
    public func evaluationKeyBytes() throws(HESearchError) -> [UInt8] {
        var galoisKeys: BFVGaloisKeys?
        if configuration.expandsQueries {
            let elements = context.expansionGaloisElements(count: configuration.codeLength)
            let (context, key) = (context, secretKey)
            galoisKeys = try bfv { () throws(BFVError) in try context.generateGaloisKeys(secretKey: key, elements: elements) }
        }
        return HammingEvaluationKey(publicKey, galoisKeys: galoisKeys).serialized(context: wireContext)
    }

    /// Encrypts a query hashcode. When the configuration expands queries (``HammingSearchConfiguration/expandsQueries``):
    /// one seeded ciphertext carrying `+-1` for bit `j` at coefficient `j`, which the server expands into the `l`
    /// unscaled constants; otherwise `l` *unscaled* (BGV-form) secret-key encryptions of the constants `+-1`, each
    /// seeded (half size). The server multiplies them with the blocks' bit slices modulo `q` without base extension.
    ///
    /// With `form: .ntt`, `l` unscaled encryptions in NTT form (``HammingNTTQuery``), which the server uses as they are.
    public func encryptQuery(_ code: HammingCode, form: HammingQueryForm = .compact) throws(HESearchError) -> [UInt8] {
        var rng = ChaChaRandomGenerator()
        return try encryptQuery(code, form: form, using: &rng)
    }

    /// Encrypts a query with randomness from `rng`.
    public func encryptQuery(_ code: HammingCode, form: HammingQueryForm = .compact,
                             using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        guard code.bitCount == configuration.codeLength else {
            throw .invalidCode("\(code.bitCount) bits, configuration has \(configuration.codeLength)")
        }
        let sk = secretKey
        if form == .ntt {
            var ciphertexts: [BFVCiphertext] = []
            for plaintext in try HammingLayout.queryPlaintexts(code, configuration: configuration, context: context) {
                ciphertexts.append(try bfv { () throws(BFVError) in
                    try context.encryptUnscaledInNTTForm(plaintext, secretKey: sk, using: &rng)
                })
            }
            return HammingNTTQuery(ciphertexts: ciphertexts).serialized(context: wireContext)
        }
        if configuration.expandsQueries {
            let values = HammingLayout.queryValues(code, configuration: configuration)
            let ciphertext = try bfv { () throws(BFVError) in try context.encryptForExpansion(values, secretKey: sk, using: &rng) }
            return HammingQuery(ciphertexts: [ciphertext]).serialized(context: wireContext)
        }
        let plaintexts = try HammingLayout.queryPlaintexts(code, configuration: configuration, context: context)
        var ciphertexts: [BFVCiphertext] = []
        for plaintext in plaintexts {
            ciphertexts.append(try bfv { () throws(BFVError) in try context.encryptUnscaled(plaintext, secretKey: sk, using: &rng) })
        }
        return HammingQuery(ciphertexts: ciphertexts).serialized(context: wireContext)
    }

    /// Encrypts a database under the secret key (the owner's alternative to the master's public-key encryption;
    /// seeded ciphertexts serialise to half size).
    public func encryptDatabase(_ records: [HammingRecord]) throws(HESearchError) -> EncryptedHammingDatabase {
        var rng = ChaChaRandomGenerator()
        return try encryptDatabase(records, using: &rng)
    }

    /// Encrypts a database under the secret key with randomness from `rng`.
    public func encryptDatabase(_ records: [HammingRecord],
                                using rng: inout some RandomNumberGenerator) throws(HESearchError) -> EncryptedHammingDatabase {
        var blocks: [EncryptedHammingBlock] = []
        let sk = secretKey
        for slice in try HammingLayout.blocks(records, configuration: configuration) {
            var ciphertexts: [BFVCiphertext] = []
            for plaintext in try HammingLayout.blockPlaintexts(slice, configuration: configuration, context: context) {
                ciphertexts.append(try bfv { () throws(BFVError) in try context.encrypt(plaintext, secretKey: sk, using: &rng) })
            }
            blocks.append(EncryptedHammingBlock(ids: slice.map(\.id), ciphertexts: ciphertexts))
        }
        return EncryptedHammingDatabase(configuration: configuration, blocks: blocks)
    }

    /// Decrypts every live record's distance from a response (in response order).
    ///
    /// - Throws: ``HESearchError/inconsistentResponse(_:)`` when a decrypted value cannot be a distance (a
    ///   response for another key, or tampered), or a decoding error.
    public func distances(responseBytes: [UInt8]) throws(HESearchError) -> [HammingMatch] {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        guard !response.withholdsIdentifiers else { throw .malformed("response withholds identifiers: use nearestSlots") }
        var matches: [HammingMatch] = []
        matches.reserveCapacity(response.shelves.reduce(0) { $0 + $1.positions.count })
        for shelf in response.shelves {
            for (id, distance) in zip(shelf.ids, try decrypt(shelf)) { matches.append(HammingMatch(id: id, distance: distance)) }
        }
        return matches
    }

    /// Decrypts a response with every core (shelves split between tasks).
    public func distancesConcurrently(responseBytes: [UInt8]) async throws -> [HammingMatch] {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        guard !response.withholdsIdentifiers else {
            throw HESearchError.malformed("response withholds identifiers: use nearestSlots")
        }
        let shelves = response.shelves
        let parts = try await HammingSearchServer.concurrently(count: shelves.count) { i throws(HESearchError) in
            zip(shelves[i].ids, try self.decrypt(shelves[i])).map { HammingMatch(id: $0, distance: $1) }
        }
        return parts.flatMap { $0 }
    }

    /// The `k` nearest records (smallest distance first, ties by identifier).
    public func topK(responseBytes: [UInt8], k: Int) throws(HESearchError) -> [HammingMatch] {
        Self.nearest(try distances(responseBytes: responseBytes), k: k, codeLength: configuration.codeLength)
    }

    /// The `k` nearest records, decrypting with every core.
    public func topKConcurrently(responseBytes: [UInt8], k: Int) async throws -> [HammingMatch] {
        Self.nearest(try await distancesConcurrently(responseBytes: responseBytes), k: k,
                     codeLength: configuration.codeLength)
    }

    /// The `k` smallest matches (ties by identifier) in linear time: distances are small integers, so a count per
    /// distance finds the cut-off and only the matches up to it are sorted.
    static func nearest(_ matches: [HammingMatch], k: Int, codeLength: Int) -> [HammingMatch] {
        guard k > 0, !matches.isEmpty else { return [] }
        let cutoff = HammingLayout.cutoff(matches.lazy.map(\.distance), k: k, codeLength: codeLength)
        return Array(matches.filter { $0.distance <= cutoff }.sorted().prefix(k))
    }

    /// The smallest remaining noise budget (bits) over a response's shelves, at the live records' results (after
    /// the server's noise flooding, which deliberately uses most of it): a client-side diagnostic.
    public func noiseBudget(responseBytes: [UInt8]) throws(HESearchError) -> Int {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        var budget = Int.max
        for shelf in response.shelves where !shelf.positions.isEmpty {
            let decryptor = self.decryptor
            let ciphertext = powerOfTwoCiphertext(shelf)
            budget = min(budget, try bfv { () throws(BFVError) in
                try decryptor.noiseBudget(ciphertext, positions: shelf.positions)
            })
        }
        return budget
    }

    /// The shelf as a power-of-two ciphertext with a sparse first polynomial (results scaled back to `2^k`).
    func powerOfTwoCiphertext(_ shelf: HammingResponse.Shelf) -> BFVPowerOfTwoCiphertext {
        let shift = UInt64(configuration.responseBits - configuration.resultBits)
        return BFVPowerOfTwoCiphertext(bits: configuration.responseBits,
                                       polys: [shelf.results.map { $0 << shift }, shelf.c1, shelf.c2])
    }

    /// The distances of a shelf's live records (in position order).
    func decrypt(_ shelf: HammingResponse.Shelf) throws(HESearchError) -> [Int] {
        guard !shelf.positions.isEmpty else { return [] }
        let l = configuration.codeLength
        let t = configuration.parameters.plainModulus
        let decryptor = self.decryptor
        let ciphertext = powerOfTwoCiphertext(shelf)
        let values = try bfv { () throws(BFVError) in try decryptor.decrypt(ciphertext, positions: shelf.positions) }
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for raw in values {
            guard let d = HammingLayout.distance(decrypted: raw, codeLength: l, plainModulus: t) else {
                throw .inconsistentResponse("a decrypted value is not a distance")
            }
            out.append(d)
        }
        return out
    }
}

import Foundation

enum ProcessInfoCores {
    static var count: Int { ProcessInfo.processInfo.activeProcessorCount }
}
