import MedSearchBFV
import MedSearchCore

/// The server's evaluation (run by the master): for every shelf (up to `N` records packed side by side), the inner
/// product of its `l` bit-slice ciphertexts with the `l` unscaled query ciphertexts modulo `q` (pointwise in NTT form,
/// ``BFVContext/innerProduct(_:_:rerandomizingWith:using:)``), optionally re-randomised with a public-key encryption
/// of zero, switched to one prime and then to `2^k`, with the live records' results flooded and rounded to `2^(k_0)`.
/// Sees only ciphertexts, identifiers and block shapes; holds at most the client's public key.
///
/// Sharding: the evaluation is a function of the query and a range of shelves
/// (``evaluate(queryBytes:prepared:shelves:)``); partial responses of disjoint ranges merge with
/// ``mergeResponses(_:)``.
public struct HammingSearchServer: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let context: BFVContext
    /// The client's public key, for re-randomising responses (nil: not re-randomised).
    var publicKey: BFVPublicKey?
    /// The Galois keys that expand one-ciphertext queries (configurations that expand queries).
    let galoisKeys: BFVGaloisKeys?
    /// Noise flooding of returned results (tests turn it off to measure the product's own noise).
    var floodsResults = true
    /// The most threads one evaluation uses (nil: one per core); a search worker limited to one thread sets 1.
    public var maxConcurrency: Int?

    /// How many tasks an evaluation runs at once.
    var concurrencyLimit: Int { max(1, min(ProcessInfoCores.count, maxConcurrency ?? Int.max)) }

    /// A server without the client's public key: responses are not re-randomised (their second polynomial is a
    /// sum of products of the stored ciphertexts with the client-known query; see docs/bfv.md). Prefer
    /// ``init(configuration:evaluationKeyBytes:)``.
    public init(configuration: HammingSearchConfiguration) throws(HESearchError) {
        self.configuration = configuration
        context = try configuration.context()
        publicKey = nil
        galoisKeys = nil
    }

    /// A server holding the client's evaluation key (``HammingSearchClient/evaluationKeyBytes()``: the public key
    /// only), which re-randomises every response with a fresh encryption of zero.
    public init(configuration: HammingSearchConfiguration, evaluationKeyBytes bytes: [UInt8]) throws(HESearchError) {
        self.configuration = configuration
        context = try configuration.context()
        let key = try HammingDatabaseEncoder.readEvaluationKey(bytes, configuration: configuration, context: context)
        publicKey = key.publicKey
        galoisKeys = key.galoisKeys
    }

    /// Whether responses are re-randomised (the server was given the evaluation key).
    public var rerandomizesResponses: Bool { publicKey != nil }

    /// Evaluates a query message against a database (preparing it first) and returns the response message, using
    /// every core.
    ///
    /// - Throws: ``HESearchError`` for a malformed or mismatched query or database.
    public func evaluate(queryBytes: [UInt8], database: EncryptedHammingDatabase) async throws -> [UInt8] {
        try await evaluate(queryBytes: queryBytes, prepared: prepare(database))
    }

    /// Evaluates on the calling thread only (for tests and single-core measurements).
    public func evaluateSerially(queryBytes: [UInt8], database: EncryptedHammingDatabase) throws(HESearchError) -> [UInt8] {
        guard database.configuration == configuration else { throw .configurationMismatch("database configuration") }
        let query = try prepareQuery(queryBytes)
        var rng = ChaChaRandomGenerator()
        let plan = Self.packShelves(database.blocks, capacity: configuration.recordsPerBlock)
        var writer = HammingResponse.header(configuration: configuration, shelfCount: plan.count)
        for shelf in plan {
            let prepared = try prepareShelf(shelf, blocks: database.blocks)
            writer.writeRaw(try evaluateShelf(prepared, query: query, includeIdentifiers: true, using: &rng))
        }
        return writer.bytes
    }

    /// Packs the database's blocks side by side into shelves of `N` positions (first fit in order) and keeps each
    /// shelf's `l` ciphertexts in interleaved NTT form (``BFVInterleavedCiphertexts``: the same memory as the
    /// database, 8 bytes per residue). The prepared form is all a query needs: the database itself may be released.
    public func prepare(_ database: EncryptedHammingDatabase) async throws -> PreparedHammingDatabase {
        guard database.configuration == configuration else { throw HESearchError.configurationMismatch("database configuration") }
        let blocks = database.blocks
        let plan = Self.packShelves(blocks, capacity: configuration.recordsPerBlock)
        let shelves = try await Self.concurrently(count: plan.count, limit: concurrencyLimit) { i throws(HESearchError) in
            try self.prepareShelf(plan[i], blocks: blocks)
        }
        return PreparedHammingDatabase(configuration: configuration, shelves: shelves)
    }

    /// Evaluates a query against a prepared database.
    public func evaluate(queryBytes: [UInt8], prepared: PreparedHammingDatabase) async throws -> [UInt8] {
        try await evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 0..<prepared.shelfCount)
    }

    /// Evaluates a query against the shelves `shelves` of a prepared database only: a partial response (the same
    /// format) for one shard; ``mergeResponses(_:)`` joins the partial responses of disjoint ranges.
    public func evaluate(queryBytes: [UInt8], prepared: PreparedHammingDatabase, shelves: Range<Int>) async throws -> [UInt8] {
        guard prepared.configuration == configuration else { throw HESearchError.configurationMismatch("database configuration") }
        guard shelves.lowerBound >= 0, shelves.upperBound <= prepared.shelfCount else {
            throw HESearchError.malformed("shelves \(shelves) of \(prepared.shelfCount)")
        }
        let query = try prepareQuery(queryBytes)
        let all = prepared.shelves
        let lower = shelves.lowerBound
        let parts = try await evaluateConcurrently(count: shelves.count) { i, rng throws(HESearchError) in
            try self.evaluateShelf(all[lower + i], query: query, includeIdentifiers: true, using: &rng)
        }
        var writer = HammingResponse.header(configuration: configuration, shelfCount: shelves.count,
                                            bodyBytes: parts.reduce(0) { $0 + $1.count })
        for part in parts { writer.writeRaw(part) }
        return writer.bytes
    }

    /// Joins partial responses (``evaluate(queryBytes:prepared:shelves:)`` over disjoint shelf ranges, in any order).
    public func mergeResponses(_ parts: [[UInt8]]) throws(HESearchError) -> [UInt8] {
        try HammingResponse.merge(parts, configuration: configuration)
    }

    /// Evaluates in **unlinkable** mode: the response carries no identifiers and its shelves are in a fresh random
    /// order; the returned mapping (keep it on the master, never send it) turns the key holder's chosen slots back
    /// into identifiers (``HammingResponseMapping/resolve(requestBytes:k:)``). The key holder then sees every
    /// live record's distance but not which record it belongs to, and learns identifiers only for the top-k.
    public func evaluateUnlinkable(queryBytes: [UInt8], prepared: PreparedHammingDatabase) async throws
        -> HammingUnlinkableResponse {
        guard prepared.configuration == configuration else { throw HESearchError.configurationMismatch("database configuration") }
        let query = try prepareQuery(queryBytes)
        let shelves = prepared.shelves
        let order = Self.randomPermutation(shelves.count)
        let parts = try await evaluateConcurrently(count: shelves.count) { i, rng throws(HESearchError) in
            try self.evaluateShelf(shelves[order[i]], query: query, includeIdentifiers: false, using: &rng)
        }
        var writer = HammingResponse.header(configuration: configuration, shelfCount: shelves.count, withholdsIdentifiers: true,
                                            bodyBytes: parts.reduce(0) { $0 + $1.count })
        for part in parts { writer.writeRaw(part) }
        return HammingUnlinkableResponse(response: writer.bytes,
                                         mapping: HammingResponseMapping(shelves: order.map { .dense(shelves[$0].ids) }))
    }

    /// Unlinkable mode on an unprepared database (see ``evaluateUnlinkable(queryBytes:prepared:)``).
    public func evaluateUnlinkable(queryBytes: [UInt8], database: EncryptedHammingDatabase) async throws
        -> HammingUnlinkableResponse {
        try await evaluateUnlinkable(queryBytes: queryBytes, prepared: prepare(database))
    }

    /// A uniformly random permutation of `0..<count` (Fisher-Yates with the system-seeded CSPRNG).
    static func randomPermutation(_ count: Int) -> [Int] {
        var rng = ChaChaRandomGenerator()
        return Array(0..<count).shuffled(using: &rng)
    }

    // MARK: Internals

    /// Where each block goes: shelves of `(block index, offset)` with at most `capacity` positions.
    static func packShelves(_ blocks: [EncryptedHammingBlock], capacity: Int) -> [[(block: Int, offset: Int)]] {
        var shelves: [[(block: Int, offset: Int)]] = []
        var current: [(block: Int, offset: Int)] = []
        var used = 0
        for (index, block) in blocks.enumerated() {
            if used + block.ids.count > capacity {
                shelves.append(current)
                current = []
                used = 0
            }
            current.append((index, used))
            used += block.ids.count
        }
        if !current.isEmpty { shelves.append(current) }
        return shelves
    }

    /// One shelf: the sum of its blocks' bit slices, each shifted to its offset, in interleaved NTT form.
    func prepareShelf(_ plan: [(block: Int, offset: Int)],
                      blocks: [EncryptedHammingBlock]) throws(HESearchError) -> PreparedHammingShelf {
        let context = self.context
        var sums = blocks[plan[0].block].ciphertexts
        var ids = blocks[plan[0].block].ids
        for (index, offset) in plan.dropFirst() {
            let block = blocks[index]
            for j in sums.indices {
                let shifted = try bfv { () throws(BFVError) in try context.multiplyByMonomial(block.ciphertexts[j], power: offset) }
                sums[j] = try bfv { () throws(BFVError) in try context.add(sums[j], shifted) }
            }
            ids += block.ids
        }
        let operands = try bfv { () throws(BFVError) in try context.interleave(sums) }
        return PreparedHammingShelf(ids: ids, operands: operands)
    }

    func prepareQuery(_ bytes: [UInt8]) throws(HESearchError) -> BFVInterleavedCiphertexts {
        let context = self.context
        let wireContext = HammingWireContext(configuration: configuration, bfv: context)
        if HammingNTTQuery.isTagged(bytes) {
            let query = try wire { () throws(WireError) in try HammingNTTQuery(serialized: bytes, context: wireContext) }
            return try bfv { () throws(BFVError) in try context.interleave(query.ciphertexts, transforming: false) }
        }
        let query = try wire { () throws(WireError) in try HammingQuery(serialized: bytes, context: wireContext) }
        var ciphertexts = query.ciphertexts
        if configuration.expandsQueries {
            guard let keys = galoisKeys else {
                throw .configurationMismatch("expanding a one-ciphertext query needs the evaluation key's Galois keys")
            }
            let l = configuration.codeLength
            ciphertexts = try bfv { () throws(BFVError) in try context.expand(ciphertexts[0], count: l, keys: keys) }
        }
        return try bfv { () throws(BFVError) in try context.interleave(ciphertexts) }
    }

    func evaluateShelf(_ shelf: PreparedHammingShelf, query: BFVInterleavedCiphertexts, includeIdentifiers: Bool,
                       using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        let context = self.context
        let k = configuration.responseBits, k0 = configuration.resultBits
        let pk = publicKey
        var product = try bfv { () throws(BFVError) in
            try context.innerProduct(shelf.operands, query, rerandomizingWith: pk, using: &rng)
        }
        if product.level > 1 {
            product = try bfv { () throws(BFVError) in try context.modSwitch(product, toLevel: 1) }
        }
        let switched = try bfv { () throws(BFVError) in try context.switchToPowerOfTwo(product, bits: k) }
        var positions: [Int] = []
        var ids: [UInt64] = []
        var results: [UInt64] = []
        let mask: UInt64 = (1 << UInt64(k)) - 1
        let floodBits = configuration.floodingBits
        let drop = UInt64(k - k0)
        let c0 = switched.polys[0]
        for (position, id) in shelf.ids.enumerated() {
            guard let id else { continue }
            var value = c0[position]
            if floodsResults {
                // Uniform in [-2^f, 2^f].
                let span: UInt64 = (1 << UInt64(floodBits + 1)) + 1
                let flood = UInt64.random(in: 0..<span, using: &rng)
                value = (value &+ flood &- (1 << UInt64(floodBits))) & mask
            }
            // Round to k_0 bits: the client multiplies back by 2^(k - k_0).
            results.append(((value &+ (1 << (drop - 1))) >> drop) & ((1 << UInt64(k0)) - 1))
            positions.append(position)
            ids.append(id)
        }
        var writer = ByteWriter()
        HammingResponse.writeShelf(span: shelf.ids.count, positions: positions, ids: includeIdentifiers ? ids : nil,
                                   results: results, c1: switched.polys[1], c2: switched.polys[2],
                                   configuration: configuration, into: &writer)
        return writer.bytes
    }

    /// Runs `body` for `0..<count` with one task per core (each with its own CSPRNG), results in index order.
    func evaluateConcurrently(count: Int,
                              _ body: @escaping @Sendable (Int, inout ChaChaRandomGenerator) throws(HESearchError) -> [UInt8])
        async throws -> [[UInt8]] {
        let workers = max(1, min(concurrencyLimit, count))
        return try await withThrowingTaskGroup(of: [(Int, [UInt8])].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var rng = ChaChaRandomGenerator()
                    var out: [(Int, [UInt8])] = []
                    for i in stride(from: w, to: count, by: workers) { out.append((i, try body(i, &rng))) }
                    return out
                }
            }
            var all: [(Int, [UInt8])] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Runs `body` for `0..<count` with one task per core, results in index order.
    static func concurrently<T: Sendable>(count: Int, limit: Int = ProcessInfoCores.count,
                                          _ body: @escaping @Sendable (Int) throws(HESearchError) -> T) async throws -> [T] {
        let workers = max(1, min(limit, count))
        return try await withThrowingTaskGroup(of: [(Int, T)].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [(Int, T)] = []
                    for i in stride(from: w, to: count, by: workers) { out.append((i, try body(i))) }
                    return out
                }
            }
            var all: [(Int, T)] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}

/// One response ciphertext's worth of records, prepared: identifiers by position and the interleaved NTT operands.
struct PreparedHammingShelf: Sendable {
    let ids: [UInt64?]
    let operands: BFVInterleavedCiphertexts
}

/// A database packed into shelves of `N` records in interleaved NTT form (see ``HammingSearchServer/prepare(_:)``).
public struct PreparedHammingDatabase: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let shelves: [PreparedHammingShelf]

    /// The number of shelves (response ciphertexts).
    public var shelfCount: Int { shelves.count }

    /// The number of live records.
    public var recordCount: Int { shelves.reduce(0) { $0 + $1.ids.reduce(0) { $0 + ($1 == nil ? 0 : 1) } } }

    /// Bytes held by the prepared operands (8 bytes per residue).
    public var operandByteCount: Int { shelves.reduce(0) { $0 + $1.operands.byteCount } }
}
