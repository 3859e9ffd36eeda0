import MedSearchBFV
import MedSearchCore
import MedSearchHESearch
import Synchronization

/// The client side's homomorphic key holder on MedSearchHESearch (BFV, bit-sliced coefficient encoding: a block of
/// hashcodes is `l` ciphertexts, hashcode `i` at coefficient `i` of each; distances of deleted records are never
/// sent, so only the live ones decrypt).
///
/// The evaluation-key bytes sent to the master are the parameter-set name, the code length and
/// HESearch's evaluation key (public material only).
public struct BFVHammingKeyHolder: TrustMedKeyHolder {
    /// Hashcodes per upload block: a sixteenth of what one response ciphertext holds (256 for `N = 4096`), so an
    /// upload request stays small; the evaluator packs blocks side by side into response ciphertexts.
    static let blocksPerShelf = 16

    /// The search configuration (parameters and code length).
    public let configuration: HammingSearchConfiguration
    /// The parameter set's name.
    public let parameterSet: String
    /// How queries are sent: `.compact` (the default: one 30 KB ciphertext the evaluator expands) or `.ntt` (one
    /// ciphertext per bit in NTT form, 1.94 MB for 64 bits, which no search worker has to expand or transform).
    public var queryForm: TrustMedQueryForm = .compact
    private let client: HammingSearchClient

    /// Fresh keys from the system CSPRNG.
    public init(parameterSet: String, hashBits: Int) throws(TrustMedError) {
        let configuration = try Self.configuration(parameterSet: parameterSet, hashBits: hashBits)
        do { client = try HammingSearchClient(configuration: configuration) } catch {
            throw .homomorphic("key generation: \(error)")
        }
        self.configuration = configuration
        self.parameterSet = parameterSet
    }

    /// Restores a key holder from its secret key.
    public init(parameterSet: String, hashBits: Int, secretKey: SecretBytes) throws(TrustMedError) {
        let configuration = try Self.configuration(parameterSet: parameterSet, hashBits: hashBits)
        do {
            var bytes = secretKey.copyBytes()
            defer { constantTimeWipe(&bytes) }
            client = try HammingSearchClient(configuration: configuration, secretKeyBytes: bytes)
        } catch {
            throw .homomorphic("restoring the secret key: \(error)")
        }
        self.configuration = configuration
        self.parameterSet = parameterSet
    }

    static func configuration(parameterSet: String, hashBits: Int) throws(TrustMedError) -> HammingSearchConfiguration {
        do {
            return try HammingSearchConfiguration(parameters: try BFVParameters.named(parameterSet), codeLength: hashBits)
        } catch {
            throw .homomorphic("parameters \(parameterSet) with \(hashBits)-bit codes: \(error)")
        }
    }

    /// The serialised secret key (wipe the copy after storing it).
    public func secretKey() -> SecretBytes {
        var bytes = client.secretKeyBytes()
        defer { constantTimeWipe(&bytes) }
        return SecretBytes(bytes)
    }

    public var hashBits: Int { configuration.codeLength }

    public var recordsPerBlock: Int {
        max(1, configuration.recordsPerBlock / Self.blocksPerShelf)
    }

    public func evaluationKeys() throws(TrustMedError) -> [UInt8] {
        do {
            return TrustMedEvaluationKeys(parameterSet: parameterSet, hashBits: hashBits,
                                          evaluationKey: try client.evaluationKeyBytes()).serialized()
        } catch {
            throw .homomorphic("generating the evaluation keys: \(error)")
        }
    }

    public func encryptBlock(_ hashcodes: [[UInt8]]) throws(TrustMedError) -> [UInt8] {
        guard !hashcodes.isEmpty, hashcodes.count <= recordsPerBlock else {
            throw .invalidParameter("a block holds 1...\(recordsPerBlock) hashcodes")
        }
        do {
            let records = try hashcodes.enumerated().map { slot, bits in
                HammingRecord(id: UInt64(slot), code: try HammingCode(bits: bits.map { $0 == 1 }))
            }
            return try client.encryptDatabase(records).serialized()
        } catch {
            throw .homomorphic("encrypting a block: \(error)")
        }
    }

    public func encryptQuery(_ hashcode: [UInt8]) throws(TrustMedError) -> [UInt8] {
        do { return try client.encryptQuery(try HammingCode(bits: hashcode.map { $0 == 1 }), form: queryForm.hamming) } catch {
            throw .homomorphic("encrypting a query: \(error)")
        }
    }

    public func decryptDistances(_ encrypted: [UInt8], count: Int) throws(TrustMedError) -> [Int] {
        let matches: [HammingMatch]
        do { matches = try client.distances(responseBytes: encrypted) } catch {
            throw .homomorphic("decrypting distances: \(error)")
        }
        var distances = [Int](repeating: -1, count: count)
        for match in matches where match.id < UInt64(count) { distances[Int(match.id)] = Int(match.distance) }
        return distances
    }

    public func nearestSlots(_ encrypted: [UInt8], k: Int) throws(TrustMedError) -> (request: [UInt8], distances: [Int]) {
        let ranked: [HammingRankedSlot]
        do { ranked = try client.nearestSlots(responseBytes: encrypted, k: k) } catch {
            throw .homomorphic("decrypting distances: \(error)")
        }
        return (HammingSlotRequest(ranked).serialized(), ranked.map(\.distance).sorted())
    }
}

/// The edge master's evaluator on MedSearchHESearch: evaluates encrypted Hamming distances of a block with
/// public material only. Responses are re-randomised with the client's public key (HESearch's evaluation key), and
/// stored blocks are kept decoded and in NTT form between queries (``distances(query:block:blockID:)``).
public final class BFVHammingEvaluator: TrustMedEvaluator {
    /// The search configuration read from the registration.
    public let configuration: HammingSearchConfiguration
    private let server: HammingSearchServer
    /// Prepared blocks by block id (with the byte count as a consistency check and the live slots they were
    /// prepared for), bounded in total size.
    private let prepared = Mutex<[String: (size: Int, liveSlots: [Int], database: PreparedHammingDatabase)]>([:])
    /// The most block bytes kept prepared (the NTT form takes about as much again).
    public static let preparedCacheLimitBytes = 1 << 30

    /// How many new blocks a search decodes at once before packing them (128: at most about 1 GiB decoded).
    let decodeBatch: Int

    /// Builds the evaluator from a client's registration; `maxConcurrency` bounds the threads one evaluation uses
    /// (nil: every core; a search worker limited to one thread passes 1).
    public convenience init(registration: KeyRegistration, maxConcurrency: Int? = nil) throws(TrustMedError) {
        try self.init(registration: registration, maxConcurrency: maxConcurrency, decodeBatch: 128)
    }

    init(registration: KeyRegistration, maxConcurrency: Int?, decodeBatch: Int) throws(TrustMedError) {
        self.decodeBatch = max(1, decodeBatch)
        do {
            let keys = try TrustMedEvaluationKeys(serialized: registration.evaluationKeys)
            let name = keys.parameterSet, bits = keys.hashBits, evaluationKey = keys.evaluationKey
            guard bits == registration.hashBits else { throw TrustMedError.invalidParameter("hash bits differ from the keys'") }
            configuration = try BFVHammingKeyHolder.configuration(parameterSet: name, hashBits: bits)
            var server = try HammingSearchServer(configuration: configuration, evaluationKeyBytes: evaluationKey)
            server.maxConcurrency = maxConcurrency
            self.server = server
        } catch let error as TrustMedError {
            throw error
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .homomorphic("evaluation keys: \(error)")
        }
    }

    public func distances(query: [UInt8], block: [UInt8]) async throws(TrustMedError) -> [UInt8] {
        do {
            let database = try EncryptedHammingDatabase(serialized: block, configuration: configuration)
            return try await server.evaluate(queryBytes: query, database: database)
        } catch {
            throw .homomorphic("evaluating a block: \(error)")
        }
    }

    public func distances(query: [UInt8], block: [UInt8], blockID: String, liveSlots: [Int]) async throws(TrustMedError) -> [UInt8] {
        do {
            let cached = prepared.withLock { $0[blockID] }
            let database: PreparedHammingDatabase
            if let cached, cached.size == block.count, cached.liveSlots == liveSlots {
                database = cached.database
            } else {
                var decoded = try EncryptedHammingDatabase(serialized: block, configuration: configuration)
                // Deleted records' positions are masked out of every response (their blocks dropped when empty).
                let live = Set(liveSlots.map(UInt64.init))
                decoded.remove(ids: Set(decoded.ids).subtracting(live))
                guard !decoded.ids.isEmpty else {
                    throw TrustMedError.invalidParameter("no live slot in block \(blockID)")
                }
                database = try await server.prepare(decoded)
                prepared.withLock { cache in
                    var total = cache.values.reduce(0) { $0 + $1.size }
                    while total + block.count > Self.preparedCacheLimitBytes, let victim = cache.keys.first {
                        total -= cache.removeValue(forKey: victim)!.size
                    }
                    cache[blockID] = (block.count, liveSlots, database)
                }
            }
            return try await server.evaluate(queryBytes: query, prepared: database)
        } catch let error as TrustMedError {
            throw error
        } catch {
            throw .homomorphic("evaluating a block: \(error)")
        }
    }

    /// Drops a block's prepared form (after the block was deleted).
    public func forget(blockID: String) { _ = prepared.withLock { $0.removeValue(forKey: blockID) } }

    /// The searchable blocks packed into shelves (``ShelvedHammingDatabase``), kept between queries and changed
    /// block by block: an added block is prepared into a shelf with room, a dropped block's shelf is prepared again,
    /// a deleted record only changes its shelf's identifiers. Records are named `handle << 16 | slot`.
    private let shelved = Mutex<ShelvedState?>(nil)

    private struct ShelvedState: Sendable {
        var version: Int64?
        var blocks: [UInt64: (size: Int, liveSlots: [Int])]
        var database: ShelvedHammingDatabase
    }

    /// The record name in results: the block's handle and the slot.
    static func recordName(handle: UInt64, slot: Int) -> UInt64 { handle << 16 | UInt64(slot) }


    /// Brings the shelved database to `blocks` and returns it prepared.
    private func synchronised(_ blocks: [TrustMedEvaluatorBlock], version: Int64?) async throws -> PreparedHammingDatabase {
        let keys = Set(blocks.map(\.handle))
        let current = shelved.withLock { $0 }
        if let current, let version, current.version == version, Set(current.blocks.keys) == keys {
            return current.database.prepared
        }
        var state = current ?? ShelvedState(version: nil, blocks: [:], database: ShelvedHammingDatabase(configuration: configuration))
        var pending: [(handle: UInt64, id: String, ciphertext: [UInt8], live: Set<Int>)] = []
        var relabelling: [UInt64: [UInt64?]] = [:]
        var bytes: [UInt64: [UInt8]] = [:]
        var next: [UInt64: (size: Int, liveSlots: [Int])] = [:]
        for block in blocks {
            guard block.handle < 1 << 47, block.liveSlots.allSatisfy({ (0..<(1 << 16)).contains($0) }) else {
                throw TrustMedError.invalidParameter("block handle or slot out of range")
            }
            guard next[block.handle] == nil else { throw TrustMedError.invalidParameter("block \(block.handle) given twice") }
            bytes[block.handle] = block.ciphertext
            next[block.handle] = (block.ciphertext.count, block.liveSlots)
            let live = Set(block.liveSlots)
            if let known = state.blocks[block.handle], known.size == block.ciphertext.count,
               let span = state.database.ids(of: block.handle)?.count {
                if known.liveSlots != block.liveSlots {
                    relabelling[block.handle] = (0..<span).map {
                        live.contains($0) ? Self.recordName(handle: block.handle, slot: $0) : nil
                    }
                }
            } else {
                pending.append((block.handle, block.id, block.ciphertext, live))
            }
        }
        let configuration = self.configuration, stored = bytes
        let removing = Set(state.blocks.keys).subtracting(keys)
        let load: @Sendable (UInt64) throws -> EncryptedHammingDatabase = { key in
            guard let data = stored[key] else { throw TrustMedError.invalidParameter("block \(key) not given") }
            return try EncryptedHammingDatabase(serialized: data, configuration: configuration)
        }
        // New blocks are decoded a batch at a time: a decoded block takes about twice its stored bytes, and decoding
        // every new block at once made a first search's peak memory 16 KB per record (blocks of 256 records).
        var start = 0
        repeat {
            var adding: [UInt64: EncryptedHammingDatabase] = [:]
            for item in pending[start..<min(start + decodeBatch, pending.count)] {
                let decoded = try EncryptedHammingDatabase(serialized: item.ciphertext, configuration: configuration)
                guard decoded.blockCount == 1 else { throw TrustMedError.invalidParameter("block \(item.id) is not one block") }
                adding[item.handle] = try decoded.mapIdentifiers { slot in
                    item.live.contains(Int(slot)) ? Self.recordName(handle: item.handle, slot: Int(slot)) : nil
                }
            }
            try await server.update(&state.database, removing: start == 0 ? removing : [], adding: adding,
                                    relabelling: start == 0 ? relabelling : [:], load: load)
            start += decodeBatch
        } while start < pending.count
        state.blocks = next
        state.version = version
        shelved.withLock { $0 = state }
        return state.database.prepared
    }

    /// The result for the master: the response and a resolver from slots to `(handle, slot, rank)`.
    private static func unlinkable(_ result: HammingUnlinkableResponse) -> TrustMedUnlinkableResult {
        let mapping = result.mapping
        return TrustMedUnlinkableResult(response: result.response) { request throws(TrustMedError) in
            do {
                return try mapping.resolveAll(HammingSlotRequest(serialized: request)).map {
                    (handle: $0.id >> 16, slot: Int($0.id & 0xFFFF), rank: $0.rank)
                }
            } catch {
                throw .invalidParameter("slot request: \(error)")
            }
        }
    }

    public func searchUnlinkable(query: [UInt8], blocks: [TrustMedEvaluatorBlock],
                                 version: Int64?) async throws(TrustMedError) -> TrustMedUnlinkableResult {
        guard !blocks.isEmpty else { throw .invalidParameter("no searchable block") }
        do {
            let database = try await synchronised(blocks, version: version)
            return Self.unlinkable(try await server.evaluateUnlinkable(queryBytes: query, prepared: database))
        } catch let error as TrustMedError {
            throw error
        } catch {
            throw .homomorphic("evaluating the database: \(error)")
        }
    }

    public func prepare(blocks: [TrustMedEvaluatorBlock], version: Int64?) async throws(TrustMedError) -> Int {
        guard !blocks.isEmpty else { return 0 }
        do {
            return try await synchronised(blocks, version: version).recordCount
        } catch let error as TrustMedError {
            throw error
        } catch {
            throw .homomorphic("preparing the database: \(error)")
        }
    }

    public func searchPartial(query: [UInt8], blocks: [TrustMedEvaluatorBlock],
                              version: Int64?) async throws(TrustMedError) -> [UInt8] {
        do {
            let database = try await synchronised(blocks, version: version)
            return try await server.evaluate(queryBytes: query, prepared: database, shelves: 0..<database.shelfCount)
        } catch let error as TrustMedError {
            throw error
        } catch {
            throw .homomorphic("evaluating the shard: \(error)")
        }
    }

    public func mergeUnlinkable(_ parts: [[UInt8]]) throws(TrustMedError) -> TrustMedUnlinkableResult {
        do {
            return Self.unlinkable(try server.mergeUnlinkable(parts))
        } catch {
            throw .homomorphic("merging partial results: \(error)")
        }
    }
}

/// The public material a ``BFVHammingKeyHolder`` registers with the master (``KeyRegistration/evaluationKeys``):
/// `"TMEK"` version 1, the parameter set's name, the code length, then HESearch's evaluation key (public and
/// evaluation keys only). The master stores it with the registration.
@MemberwiseInit(.public)
public struct TrustMedEvaluationKeys: WireMessage, Equatable {
    public static let magic = FormatMagic("TMEK")
    public static let version: UInt16 = 1

    /// The homomorphic parameter set's name.
    public var parameterSet: String
    /// The hashcode length in bits.
    public var hashBits: Int
    /// HESearch's serialised evaluation key.
    public var evaluationKey: [UInt8]

    public func encode(to writer: inout ByteWriter) {
        writer.writeString(parameterSet)
        writer.write(UInt32(hashBits))
        writer.writeBytes(evaluationKey)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        parameterSet = try reader.readString(maxLength: 64)
        hashBits = Int(try reader.read(UInt32.self))
        evaluationKey = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
    }
}
