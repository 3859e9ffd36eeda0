import MedSearchBFV
import MedSearchCore

/// The server's evaluation (run by the master): multiplies every block (a BFV ciphertext) by the unscaled
/// encrypted query modulo `q` (pointwise in NTT form), optionally re-randomises the product with a public-key
/// encryption of zero, switches it to one prime and then to `2^k`, floods the live records' results with noise and
/// returns, per block, the first polynomial at those results only plus the other two polynomials.
/// Sees only ciphertexts, identifiers and block shapes; holds at most the client's public key.
public struct HammingSearchServer: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let context: BFVContext
    /// The client's public key, for re-randomising responses (nil: not re-randomised).
    let publicKey: BFVPublicKey?
    /// Noise flooding of returned results (tests turn it off to measure the product's own noise).
    var floodsResults = true

    /// A server without the client's public key: responses are not re-randomised (their second polynomial is a
    /// product of the stored ciphertext with the client-known query; see docs/bfv.md). Prefer
    /// ``init(configuration:evaluationKeyBytes:)``.
    public init(configuration: HammingSearchConfiguration) throws(HESearchError) {
        self.configuration = configuration
        context = try configuration.context()
        publicKey = nil
    }

    /// A server holding the client's evaluation key (``HammingSearchClient/evaluationKeyBytes()``: the public key
    /// only), which re-randomises every response with a fresh encryption of zero.
    public init(configuration: HammingSearchConfiguration, evaluationKeyBytes bytes: [UInt8]) throws(HESearchError) {
        self.configuration = configuration
        context = try configuration.context()
        publicKey = try HammingDatabaseEncoder.readEvaluationKey(bytes, configuration: configuration, context: context)
    }

    /// Whether responses are re-randomised (the server was given the evaluation key).
    public var rerandomizesResponses: Bool { publicKey != nil }

    /// Evaluates a query message against a database and returns the response message, using every core.
    ///
    /// - Throws: ``HESearchError`` for a malformed or mismatched query or database.
    public func evaluate(queryBytes: [UInt8], database: EncryptedHammingDatabase) async throws -> [UInt8] {
        let query = try prepareQuery(queryBytes, database: database)
        let blocks = database.blocks
        return try await evaluateConcurrently(blockCount: blocks.count) { i, rng throws(HESearchError) in
            try self.evaluateBlock(blocks[i], query: query, using: &rng)
        }
    }

    /// Evaluates on the calling thread only (for tests and single-core measurements).
    public func evaluateSerially(queryBytes: [UInt8], database: EncryptedHammingDatabase) throws(HESearchError) -> [UInt8] {
        let query = try prepareQuery(queryBytes, database: database)
        var rng = ChaChaRandomGenerator()
        var writer = HammingResponse.header(configuration: configuration, blockCount: database.blocks.count)
        for block in database.blocks { writer.writeRaw(try evaluateBlock(block, query: query, using: &rng)) }
        return writer.bytes
    }

    /// Precomputes every block's NTT form (the same memory as the database: 8 bytes per residue) so that each query
    /// skips two forward NTTs per block.
    public func prepare(_ database: EncryptedHammingDatabase) async throws -> PreparedHammingDatabase {
        guard database.configuration == configuration else { throw HESearchError.configurationMismatch("database configuration") }
        let blocks = database.blocks
        let workers = max(1, min(ProcessInfoCores.count, blocks.count))
        let context = self.context
        let operands = try await withThrowingTaskGroup(of: [(Int, BFVNTTCiphertext)].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [(Int, BFVNTTCiphertext)] = []
                    for i in stride(from: w, to: blocks.count, by: workers) {
                        out.append((i, try context.transformToNTT(blocks[i].ciphertext)))
                    }
                    return out
                }
            }
            var all: [(Int, BFVNTTCiphertext)] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return PreparedHammingDatabase(database: database, operands: operands)
    }

    /// Evaluates a query against a prepared database (same response as ``evaluate(queryBytes:database:)``).
    public func evaluate(queryBytes: [UInt8], prepared: PreparedHammingDatabase) async throws -> [UInt8] {
        let query = try prepareQuery(queryBytes, database: prepared.database)
        let blocks = prepared.database.blocks
        let operands = prepared.operands
        return try await evaluateConcurrently(blockCount: blocks.count) { i, rng throws(HESearchError) in
            try self.evaluateBlock(ids: blocks[i].ids, operand: operands[i], query: query, using: &rng)
        }
    }

    /// Splits blocks between one task per core; each task has its own CSPRNG.
    func evaluateConcurrently(blockCount: Int, withholdsIdentifiers: Bool = false,
                              _ body: @escaping @Sendable (Int, inout ChaChaRandomGenerator) throws(HESearchError) -> [UInt8])
        async throws -> [UInt8] {
        let workers = max(1, min(ProcessInfoCores.count, blockCount))
        let parts = try await withThrowingTaskGroup(of: [(Int, [UInt8])].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var rng = ChaChaRandomGenerator()
                    var out: [(Int, [UInt8])] = []
                    for i in stride(from: w, to: blockCount, by: workers) { out.append((i, try body(i, &rng))) }
                    return out
                }
            }
            var all: [(Int, [UInt8])] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }
        }
        var writer = HammingResponse.header(configuration: configuration, blockCount: blockCount,
                                            withholdsIdentifiers: withholdsIdentifiers)
        for (_, bytes) in parts { writer.writeRaw(bytes) }
        return writer.bytes
    }

    /// Evaluates in **unlinkable** mode: the response carries no identifiers and its blocks are in a fresh random
    /// order; the returned mapping (keep it on the master, never send it) turns the key holder's chosen slots back
    /// into identifiers (``HammingResponseMapping/resolve(requestBytes:k:)``). The key holder then sees every
    /// live record's distance but not which record it belongs to, and learns identifiers only for the top-k.
    public func evaluateUnlinkable(queryBytes: [UInt8], prepared: PreparedHammingDatabase) async throws
        -> HammingUnlinkableResponse {
        let query = try prepareQuery(queryBytes, database: prepared.database)
        let blocks = prepared.database.blocks
        let operands = prepared.operands
        let order = Self.randomPermutation(blocks.count)
        let response = try await evaluateConcurrently(blockCount: blocks.count, withholdsIdentifiers: true) {
            i, rng throws(HESearchError) in
            try self.evaluateBlock(ids: blocks[order[i]].ids, operand: operands[order[i]], query: query,
                                   includeIdentifiers: false, using: &rng)
        }
        return HammingUnlinkableResponse(response: response,
                                         mapping: HammingResponseMapping(ids: order.map { blocks[$0].ids }))
    }

    /// Unlinkable mode on an unprepared database (see ``evaluateUnlinkable(queryBytes:prepared:)``).
    public func evaluateUnlinkable(queryBytes: [UInt8], database: EncryptedHammingDatabase) async throws
        -> HammingUnlinkableResponse {
        let query = try prepareQuery(queryBytes, database: database)
        let blocks = database.blocks
        let order = Self.randomPermutation(blocks.count)
        let context = self.context
        let response = try await evaluateConcurrently(blockCount: blocks.count, withholdsIdentifiers: true) {
            i, rng throws(HESearchError) in
            let block = blocks[order[i]]
            let operand = try bfv { () throws(BFVError) in try context.transformToNTT(block.ciphertext) }
            return try self.evaluateBlock(ids: block.ids, operand: operand, query: query, includeIdentifiers: false,
                                          using: &rng)
        }
        return HammingUnlinkableResponse(response: response,
                                         mapping: HammingResponseMapping(ids: order.map { blocks[$0].ids }))
    }

    /// A uniformly random permutation of `0..<count` (Fisher-Yates with the system-seeded CSPRNG).
    static func randomPermutation(_ count: Int) -> [Int] {
        var rng = ChaChaRandomGenerator()
        return Array(0..<count).shuffled(using: &rng)
    }

    func prepareQuery(_ bytes: [UInt8], database: EncryptedHammingDatabase) throws(HESearchError) -> BFVUnscaledMultiplier {
        guard database.configuration == configuration else { throw .configurationMismatch("database configuration") }
        var reader = ByteReader(bytes)
        try reader.heHeader(HESearchWire.query, version: HESearchWire.evaluationVersion)
        try configuration.readAndCheck(from: &reader)
        let context = self.context
        let ciphertext = try bfv { () throws(BFVError) in try context.readCiphertext(from: &reader) }
        try reader.heEnd()
        guard ciphertext.size == 2, ciphertext.level == context.topLevel else {
            throw .malformed("query ciphertext of size \(ciphertext.size) at level \(ciphertext.level)")
        }
        return try bfv { () throws(BFVError) in try context.prepareUnscaledMultiplier(ciphertext) }
    }

    func evaluateBlock(_ block: EncryptedHammingBlock, query: BFVUnscaledMultiplier,
                       using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        let context = self.context
        let operand = try bfv { () throws(BFVError) in try context.transformToNTT(block.ciphertext) }
        return try evaluateBlock(ids: block.ids, operand: operand, query: query, using: &rng)
    }

    func evaluateBlock(ids: [UInt64?], operand: BFVNTTCiphertext, query: BFVUnscaledMultiplier,
                       includeIdentifiers: Bool = true,
                       using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        let context = self.context
        let l = configuration.codeLength
        let k = configuration.responseBits
        let pk = publicKey
        var product = try bfv { () throws(BFVError) in
            try context.multiply(operand, by: query, rerandomizingWith: pk, using: &rng)
        }
        if product.level > 1 {
            product = try bfv { () throws(BFVError) in try context.modSwitch(product, toLevel: 1) }
        }
        let switched = try bfv { () throws(BFVError) in try context.switchToPowerOfTwo(product, bits: k) }
        var entries: [HammingResponse.Entry] = []
        var results: [UInt64] = []
        let mask: UInt64 = (1 << UInt64(k)) - 1
        let floodBits = configuration.floodingBits
        for (position, id) in ids.enumerated() {
            guard let id else { continue }
            var value = switched.polys[0][HammingLayout.resultPosition(record: position, codeLength: l)]
            if floodsResults {
                // Uniform in [-2^f, 2^f].
                let span: UInt64 = (1 << UInt64(floodBits + 1)) + 1
                let flood = UInt64.random(in: 0..<span, using: &rng)
                value = (value &+ flood &- (1 << UInt64(floodBits))) & mask
            }
            results.append(value)
            entries.append(.init(position: position, id: id))
        }
        var polys = switched.polys
        polys[0] = results
        var writer = ByteWriter()
        HammingResponse.writeBlock(entries: entries, ciphertext: BFVPowerOfTwoCiphertext(bits: k, polys: polys),
                                   wordBytes: configuration.responseWordBytes,
                                   includeIdentifiers: includeIdentifiers, into: &writer)
        return writer.bytes
    }
}

/// A database with every block's NTT form precomputed (see ``HammingSearchServer/prepare(_:)``).
public struct PreparedHammingDatabase: Sendable {
    /// The underlying database.
    public let database: EncryptedHammingDatabase
    let operands: [BFVNTTCiphertext]

    /// Bytes held by the precomputed operands (8 bytes per residue), in addition to the database.
    public var operandByteCount: Int { operands.reduce(0) { $0 + $1.byteCount } }
}
