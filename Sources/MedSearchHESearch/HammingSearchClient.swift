import MedSearchBFV
import MedSearchCore

/// The key holder's side (data owner or authorised clinician): holds the BFV secret key, encrypts queries (and
/// optionally the database), and decrypts responses to distances or top-k identifiers.
///
/// The client learns the distances of the live records in the responses it decrypts (every other coefficient is
/// masked by the server with fresh randomness) and nothing else about the stored hashcodes.
public final class HammingSearchClient: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let context: BFVContext
    let secretKey: BFVSecretKey
    let publicKey: BFVPublicKey

    /// A client with fresh keys from the system-seeded CSPRNG.
    public convenience init(configuration: HammingSearchConfiguration) throws(HESearchError) {
        var rng = ChaChaRandomGenerator()
        try self.init(configuration: configuration, using: &rng)
    }

    /// A client with keys from `rng` (tests pass a seeded generator).
    public init(configuration: HammingSearchConfiguration,
                using rng: inout some RandomNumberGenerator) throws(HESearchError) {
        self.configuration = configuration
        context = try configuration.context()
        secretKey = context.generateSecretKey(using: &rng)
        publicKey = context.generatePublicKey(secretKey: secretKey, using: &rng)
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

    /// Encrypts a query hashcode (secret-key encryption, seeded: about half the size of a public-key one).
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
        let ciphertext = try bfv { () throws(BFVError) in try context.encrypt(plaintext, secretKey: sk, using: &rng) }
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.query, version: HESearchWire.version)
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
        var matches: [HammingMatch] = []
        matches.reserveCapacity(response.blocks.reduce(0) { $0 + $1.entries.count })
        for block in response.blocks { matches += try decrypt(block) }
        return matches
    }

    /// Decrypts a response with both cores (blocks split between tasks).
    public func distancesConcurrently(responseBytes: [UInt8]) async throws -> [HammingMatch] {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
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

    /// The smallest remaining noise budget (bits) over a response's blocks: a client-side diagnostic.
    public func noiseBudget(responseBytes: [UInt8]) throws(HESearchError) -> Int {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        var budget = Int.max
        let sk = secretKey
        for block in response.blocks {
            budget = min(budget, try bfv { () throws(BFVError) in try context.noiseBudget(block.ciphertext, secretKey: sk) })
        }
        return budget
    }

    func decrypt(_ block: HammingResponse.Block) throws(HESearchError) -> [HammingMatch] {
        let sk = secretKey
        let plaintext = try bfv { () throws(BFVError) in try context.decrypt(block.ciphertext, secretKey: sk) }
        let l = configuration.codeLength
        let t = configuration.parameters.plainModulus
        var out: [HammingMatch] = []
        out.reserveCapacity(block.entries.count)
        for entry in block.entries {
            let raw = plaintext.coefficients[HammingLayout.resultPosition(record: entry.position, codeLength: l)]
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
