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
        var reader = ByteReader(bytes)
        try reader.heHeader(HESearchWire.secretKey)
        try configuration.readAndCheck(from: &reader)
        let keyBytes: [UInt8]
        do { keyBytes = try reader.readBytes(maxLength: 1 << 20) } catch { throw .malformed("\(error)") }
        try reader.heEnd()
        let key = try bfv { () throws(BFVError) in try context.deserializeSecretKey(keyBytes) }
        secretKey = key
        publicKey = context.generatePublicKey(secretKey: key)
        decryptor = try bfv { () throws(BFVError) in try BFVPowerOfTwoDecryptor(context: context, secretKey: key) }
    }

    /// The secret key's wire form. Keep it on the client side; wipe the array after storing it.
    public func secretKeyBytes() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.secretKey, version: HESearchWire.version)
        configuration.write(to: &writer)
        var key = context.serialize(secretKey)
        writer.writeBytes(key)
        constantTimeWipe(&key)
        return writer.bytes
    }

    /// The evaluation key for the master: the BFV public key only (the layout needs no relinearisation or
    /// Galois keys). With it the master can encrypt hashcodes but decrypt nothing.
    public func evaluationKeyBytes() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.evaluationKey, version: HESearchWire.version)
        configuration.write(to: &writer)
        writer.writeBytes(context.serialize(publicKey))
        return writer.bytes
    }

    /// Encrypts a query hashcode: an *unscaled* (BGV-form) secret-key encryption, seeded (half size), which the
    /// server multiplies with each block modulo `q` without base extension.
    public func encryptQuery(_ code: HammingCode) throws(HESearchError) -> [UInt8] {
        var rng = ChaChaRandomGenerator()
        return try encryptQuery(code, using: &rng)
    }

    /// Encrypts a query with randomness from `rng`.
    public func encryptQuery(_ code: HammingCode, using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        guard code.bitCount == configuration.codeLength else {
            throw .invalidCode("\(code.bitCount) bits, configuration has \(configuration.codeLength)")
        }
        let plaintext = try HammingLayout.queryPlaintext(code, configuration: configuration, context: context)
        let sk = secretKey
        let ciphertext = try bfv { () throws(BFVError) in try context.encryptUnscaled(plaintext, secretKey: sk, using: &rng) }
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.query, version: HESearchWire.evaluationVersion)
        configuration.write(to: &writer)
        context.writeCiphertext(ciphertext, into: &writer)
        return writer.bytes
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
            let plaintext = try HammingLayout.blockPlaintext(slice, configuration: configuration, context: context)
            let ciphertext = try bfv { () throws(BFVError) in try context.encrypt(plaintext, secretKey: sk, using: &rng) }
            blocks.append(EncryptedHammingBlock(ids: slice.map(\.id), ciphertext: ciphertext))
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
        matches.reserveCapacity(response.blocks.reduce(0) { $0 + $1.entries.count })
        for block in response.blocks { matches += try decrypt(block) }
        return matches
    }

    /// Decrypts a response with both cores (blocks split between tasks).
    public func distancesConcurrently(responseBytes: [UInt8]) async throws -> [HammingMatch] {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        guard !response.withholdsIdentifiers else {
            throw HESearchError.malformed("response withholds identifiers: use nearestSlots")
        }
        let blocks = response.blocks
        let workers = max(1, min(ProcessInfoCores.count, blocks.count))
        return try await withThrowingTaskGroup(of: [HammingMatch].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [HammingMatch] = []
                    for i in stride(from: w, to: blocks.count, by: workers) { out += try self.decrypt(blocks[i]) }
                    return out
                }
            }
            var all: [HammingMatch] = []
            for try await part in group { all += part }
            return all
        }
    }

    /// The `k` nearest records (smallest distance first, ties by identifier).
    public func topK(responseBytes: [UInt8], k: Int) throws(HESearchError) -> [HammingMatch] {
        Array(try distances(responseBytes: responseBytes).sorted().prefix(max(0, k)))
    }

    /// The `k` nearest records, decrypting with both cores.
    public func topKConcurrently(responseBytes: [UInt8], k: Int) async throws -> [HammingMatch] {
        Array(try await distancesConcurrently(responseBytes: responseBytes).sorted().prefix(max(0, k)))
    }

    /// The smallest remaining noise budget (bits) over a response's blocks, at the live records' results (after
    /// the server's noise flooding, which deliberately uses most of it): a client-side diagnostic.
    public func noiseBudget(responseBytes: [UInt8]) throws(HESearchError) -> Int {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        var budget = Int.max
        let l = configuration.codeLength
        for block in response.blocks where !block.entries.isEmpty {
            let positions = block.entries.map { HammingLayout.resultPosition(record: $0.position, codeLength: l) }
            let decryptor = self.decryptor
            budget = min(budget, try bfv { () throws(BFVError) in try decryptor.noiseBudget(block.ciphertext, positions: positions) })
        }
        return budget
    }

    func decrypt(_ block: HammingResponse.Block) throws(HESearchError) -> [HammingMatch] {
        guard !block.entries.isEmpty else { return [] }
        let l = configuration.codeLength
        let t = configuration.parameters.plainModulus
        let positions = block.entries.map { HammingLayout.resultPosition(record: $0.position, codeLength: l) }
        let decryptor = self.decryptor
        let values = try bfv { () throws(BFVError) in try decryptor.decrypt(block.ciphertext, positions: positions) }
        var out: [HammingMatch] = []
        out.reserveCapacity(block.entries.count)
        for (entry, raw) in zip(block.entries, values) {
            let v = raw > t / 2 ? -Int(t - raw) : Int(raw)
            guard abs(v) <= l, (l - v) % 2 == 0 else {
                throw .inconsistentResponse("a decrypted value is not a distance")
            }
            out.append(HammingMatch(id: entry.id, distance: (l - v) / 2))
        }
        return out
    }
}

import Foundation

enum ProcessInfoCores {
    static var count: Int { ProcessInfo.processInfo.activeProcessorCount }
}
