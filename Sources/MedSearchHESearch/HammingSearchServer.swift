import MedSearchBFV
import MedSearchCore

/// The server's evaluation (run by the master): multiplies the encrypted query with every block, switches each
/// product down to one prime, masks every coefficient that is not a live record's result with fresh randomness,
/// and returns the ciphertexts. Holds no key at all; sees only ciphertexts, identifiers and block shapes.
public struct HammingSearchServer: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let context: BFVContext

    /// A server for `configuration`.
    public init(configuration: HammingSearchConfiguration) throws(HESearchError) {
        self.configuration = configuration
        context = try configuration.context()
    }

    /// Evaluates a query message against a database and returns the response message, using every core.
    ///
    /// - Throws: ``HESearchError`` for a malformed or mismatched query or database.
    public func evaluate(queryBytes: [UInt8], database: EncryptedHammingDatabase) async throws -> [UInt8] {
        let prepared = try prepareQuery(queryBytes, database: database)
        let blocks = database.blocks
        let workers = max(1, min(ProcessInfoCores.count, blocks.count))
        let parts = try await withThrowingTaskGroup(of: [(Int, [UInt8])].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var rng = ChaChaRandomGenerator()
                    var out: [(Int, [UInt8])] = []
                    for i in stride(from: w, to: blocks.count, by: workers) {
                        out.append((i, try self.evaluateBlock(blocks[i], query: prepared, using: &rng)))
                    }
                    return out
                }
            }
            var all: [(Int, [UInt8])] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }
        }
        var writer = HammingResponse.header(configuration: configuration, blockCount: blocks.count)
        for (_, bytes) in parts { writer.writeRaw(bytes) }
        return writer.bytes
    }

    /// Evaluates on the calling thread only (for tests and single-core measurements).
    public func evaluateSerially(queryBytes: [UInt8], database: EncryptedHammingDatabase) throws(HESearchError) -> [UInt8] {
        let prepared = try prepareQuery(queryBytes, database: database)
        var rng = ChaChaRandomGenerator()
        var writer = HammingResponse.header(configuration: configuration, blockCount: database.blocks.count)
        for block in database.blocks { writer.writeRaw(try evaluateBlock(block, query: prepared, using: &rng)) }
        return writer.bytes
    }

    /// Precomputes every block's BEHZ extension and NTT form (about 2.5 times the memory of the database at
    /// `n4096`) so that each query skips that work: a speed/memory trade-off for a server that answers many queries.
    public func prepare(_ database: EncryptedHammingDatabase) async throws -> PreparedHammingDatabase {
        guard database.configuration == configuration else { throw HESearchError.configurationMismatch("database configuration") }
        let blocks = database.blocks
        let workers = max(1, min(ProcessInfoCores.count, blocks.count))
        let context = self.context
        let operands = try await withThrowingTaskGroup(of: [(Int, BFVMultiplicand)].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [(Int, BFVMultiplicand)] = []
                    for i in stride(from: w, to: blocks.count, by: workers) {
                        out.append((i, try context.prepareMultiplicand(blocks[i].ciphertext)))
                    }
                    return out
                }
            }
            var all: [(Int, BFVMultiplicand)] = []
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
        let workers = max(1, min(ProcessInfoCores.count, blocks.count))
        let parts = try await withThrowingTaskGroup(of: [(Int, [UInt8])].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var rng = ChaChaRandomGenerator()
                    var out: [(Int, [UInt8])] = []
                    for i in stride(from: w, to: blocks.count, by: workers) {
                        out.append((i, try self.evaluateBlock(blocks[i], operand: operands[i], query: query, using: &rng)))
                    }
                    return out
                }
            }
            var all: [(Int, [UInt8])] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }
        }
        var writer = HammingResponse.header(configuration: configuration, blockCount: blocks.count)
        for (_, bytes) in parts { writer.writeRaw(bytes) }
        return writer.bytes
    }

    func prepareQuery(_ bytes: [UInt8], database: EncryptedHammingDatabase) throws(HESearchError) -> BFVMultiplicand {
        guard database.configuration == configuration else { throw .configurationMismatch("database configuration") }
        var reader = ByteReader(bytes)
        try reader.heHeader(HESearchWire.query)
        try configuration.readAndCheck(from: &reader)
        let context = self.context
        let ciphertext = try bfv { () throws(BFVError) in try context.readCiphertext(from: &reader) }
        try reader.heEnd()
        guard ciphertext.size == 2, ciphertext.level == context.topLevel else {
            throw .malformed("query ciphertext of size \(ciphertext.size) at level \(ciphertext.level)")
        }
        return try bfv { () throws(BFVError) in try context.prepareMultiplicand(ciphertext) }
    }

    func evaluateBlock(_ block: EncryptedHammingBlock, query: BFVMultiplicand,
                       using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        let context = self.context
        let operand = try bfv { () throws(BFVError) in try context.prepareMultiplicand(block.ciphertext) }
        return try evaluateBlock(block, operand: operand, query: query, using: &rng)
    }

    func evaluateBlock(_ block: EncryptedHammingBlock, operand: BFVMultiplicand, query: BFVMultiplicand,
                       using rng: inout some RandomNumberGenerator) throws(HESearchError) -> [UInt8] {
        let context = self.context
        let l = configuration.codeLength
        let t = configuration.parameters.plainModulus
        var product = try bfv { () throws(BFVError) in try context.multiply(query, operand) }
        product = try bfv { () throws(BFVError) in try context.modSwitch(product, toLevel: 1) }
        // Mask: fresh uniform values at every coefficient except the live records' results.
        var mask = (0..<context.degree).map { _ in UInt64.random(in: 0..<t, using: &rng) }
        var entries: [HammingResponse.Entry] = []
        for (position, id) in block.ids.enumerated() {
            guard let id else { continue }
            mask[HammingLayout.resultPosition(record: position, codeLength: l)] = 0
            entries.append(.init(position: position, id: id))
        }
        let maskPlaintext = try bfv { () throws(BFVError) in try context.plaintext(coefficients: mask) }
        product = try bfv { () throws(BFVError) in try context.add(product, maskPlaintext) }
        var writer = ByteWriter()
        HammingResponse.writeBlock(entries: entries, ciphertext: product, context: context, into: &writer)
        return writer.bytes
    }
}

/// A database with every block's multiplication operand precomputed (see ``HammingSearchServer/prepare(_:)``).
public struct PreparedHammingDatabase: Sendable {
    /// The underlying database.
    public let database: EncryptedHammingDatabase
    let operands: [BFVMultiplicand]

    /// Bytes held by the precomputed operands (8 bytes per residue), in addition to the database.
    public var operandByteCount: Int { operands.reduce(0) { $0 + $1.byteCount } }
}
