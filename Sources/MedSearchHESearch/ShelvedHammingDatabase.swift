import MedSearchBFV
import MedSearchCore

/// A prepared database that changes block by block: what a master or a search worker keeps between queries.
///
/// Blocks are named by a caller-chosen key (TrustMedSearch: the store's block sequence number) and packed side by
/// side into shelves of `N` positions (first fit). ``HammingSearchServer/update(_:removing:adding:relabelling:)``
/// re-prepares only the shelves a change touches: an added block joins a shelf with room (that shelf is prepared
/// again), a removed block leaves its shelf (prepared again without it), and a record deletion only changes the
/// shelf's identifiers (a deleted position is never sent; the operands stay). A query then costs the same as on a
/// database prepared at once (``prepared``).
public struct ShelvedHammingDatabase: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    struct Shelf: Sendable {
        /// Member blocks in position order (offsets are the running sum of their spans).
        var keys: [UInt64]
        /// Positions used.
        var used: Int
        var prepared: PreparedHammingShelf?
    }
    /// Identifiers by position of every block held (the ciphertexts live only in the prepared shelves).
    var blockIDs: [UInt64: [UInt64?]] = [:]
    var shelves: [Shelf] = []

    /// An empty database.
    public init(configuration: HammingSearchConfiguration) { self.configuration = configuration }

    /// The keys of the blocks held.
    public var keys: Set<UInt64> { Set(blockIDs.keys) }

    /// The identifiers by position of block `key` (nil: not held).
    public func ids(of key: UInt64) -> [UInt64?]? { blockIDs[key] }

    /// The number of shelves (response ciphertexts).
    public var shelfCount: Int { shelves.count }

    /// The database in the form queries take (every shelf prepared).
    public var prepared: PreparedHammingDatabase {
        PreparedHammingDatabase(configuration: configuration, shelves: shelves.compactMap(\.prepared))
    }
}

extension HammingSearchServer {
    /// Applies block changes to a shelved database, re-preparing only the shelves they touch (every core). The
    /// database keeps no ciphertext besides its prepared shelves: a shelf that changes is prepared again from its
    /// blocks, which `load` supplies for the blocks already held (callers keep the stored bytes).
    ///
    /// - Parameters:
    ///   - removing: keys of blocks to drop (unknown keys are ignored).
    ///   - adding: new blocks by key (each the single block of an ``EncryptedHammingDatabase`` of this
    ///     configuration, its identifiers the ones responses should carry; a key already held is replaced).
    ///   - relabelling: new identifiers by position for blocks already held (nil: deleted), same length as before.
    ///   - load: a held block's ciphertexts by key (its identifiers are ignored).
    /// - Throws: ``HESearchError`` for a block of another configuration or shape, a relabelling of another length,
    ///   or duplicate identifiers; whatever `load` throws.
    public func update(_ database: inout ShelvedHammingDatabase, removing: Set<UInt64>,
                       adding: [UInt64: EncryptedHammingDatabase], relabelling: [UInt64: [UInt64?]] = [:],
                       load: @escaping @Sendable (UInt64) throws -> EncryptedHammingDatabase) async throws {
        guard database.configuration == configuration else { throw HESearchError.configurationMismatch("database configuration") }
        var dirty = Set<Int>()
        var shelfOf: [UInt64: Int] = [:]
        for (index, shelf) in database.shelves.enumerated() { for key in shelf.keys { shelfOf[key] = index } }
        for key in removing.union(adding.keys) {
            guard let index = shelfOf[key] else { continue }
            database.shelves[index].keys.removeAll { $0 == key }
            database.shelves[index].used -= database.blockIDs[key]?.count ?? 0
            database.blockIDs[key] = nil
            dirty.insert(index)
        }
        let capacity = configuration.recordsPerBlock
        var added: [UInt64: EncryptedHammingBlock] = [:]
        for key in adding.keys.sorted() {
            guard let part = adding[key] else { continue }
            guard part.configuration == configuration else { throw HESearchError.configurationMismatch("block \(key)") }
            guard part.blocks.count == 1 else { throw HESearchError.malformed("block \(key) holds \(part.blocks.count) blocks") }
            let block = part.blocks[0]
            let span = block.ids.count
            let index: Int
            if let free = database.shelves.indices.first(where: { database.shelves[$0].used + span <= capacity }) {
                index = free
            } else {
                database.shelves.append(.init(keys: [], used: 0, prepared: nil))
                index = database.shelves.count - 1
            }
            database.shelves[index].keys.append(key)
            database.shelves[index].used += span
            database.blockIDs[key] = block.ids
            added[key] = block
            dirty.insert(index)
        }
        var relabelled = Set<Int>()
        for (key, ids) in relabelling {
            guard let old = database.blockIDs[key] else { continue }
            guard ids.count == old.count else { throw HESearchError.malformed("relabelling block \(key) of \(old.count) positions") }
            database.blockIDs[key] = ids
            for (index, shelf) in database.shelves.enumerated() where shelf.keys.contains(key) { relabelled.insert(index) }
        }
        var seen = Set<UInt64>()
        for ids in database.blockIDs.values {
            for case let id? in ids { guard seen.insert(id).inserted else { throw HESearchError.duplicateIdentifier } }
        }
        let blockIDs = database.blockIDs
        let fresh = added
        let targets = database.shelves.indices.filter { dirty.contains($0) && !database.shelves[$0].keys.isEmpty }
        let plans = targets.map { database.shelves[$0].keys }
        let configuration = self.configuration
        let rebuilt = try await Self.concurrently(count: plans.count, limit: concurrencyLimit) { i throws(HESearchError) in
            var members: [EncryptedHammingBlock] = []
            var plan: [(block: Int, offset: Int)] = []
            var offset = 0
            for key in plans[i] {
                var block: EncryptedHammingBlock
                if let given = fresh[key] {
                    block = given
                } else {
                    let loaded: EncryptedHammingDatabase
                    do { loaded = try load(key) } catch let error as HESearchError { throw error } catch {
                        throw .malformed("loading block \(key): \(error)")
                    }
                    guard loaded.configuration == configuration, loaded.blocks.count == 1 else {
                        throw .malformed("loaded block \(key) does not match")
                    }
                    block = loaded.blocks[0]
                }
                guard let ids = blockIDs[key], ids.count == block.ids.count else { throw .malformed("block \(key) changed shape") }
                block.ids = ids
                plan.append((members.count, offset))
                members.append(block)
                offset += ids.count
            }
            return try self.prepareShelf(plan, blocks: members)
        }
        for (target, shelf) in zip(targets, rebuilt) { database.shelves[target].prepared = shelf }
        for index in relabelled.subtracting(dirty) {
            guard let operands = database.shelves[index].prepared?.operands else { continue }
            let ids = database.shelves[index].keys.flatMap { blockIDs[$0] ?? [] }
            database.shelves[index].prepared = PreparedHammingShelf(ids: ids, operands: operands)
        }
        database.shelves.removeAll { $0.keys.isEmpty }
    }

    /// Joins partial responses that carry identifiers (each shard's
    /// ``evaluate(queryBytes:prepared:shelves:)``) into one **unlinkable** response: every shelf of every part in a
    /// fresh random order, identifiers withheld, and one mapping for the coordinator to keep (how a master answers
    /// in unlinkable mode from several search workers).
    ///
    /// - Throws: ``HESearchError`` for a malformed part, a part without identifiers, or duplicate identifiers.
    public func mergeUnlinkable(_ parts: [[UInt8]]) throws(HESearchError) -> HammingUnlinkableResponse {
        // The shelves are located, not decoded: their packed polynomials are copied as they are (a coordinator's
        // cost is then a copy of the bytes and a pass over the identifiers, whatever the size of the database).
        var located: [(part: Int, shelf: HammingResponse.LocatedShelf)] = []
        for (index, part) in parts.enumerated() {
            var reader = ByteReader(part)
            let (withholds, count) = try HammingResponse.readHeader(&reader, configuration: configuration)
            guard !withholds else { throw .malformed("a partial response without identifiers") }
            for _ in 0..<count {
                located.append((index, try HammingResponse.locateShelf(&reader, withholds: false, configuration: configuration)))
            }
            try reader.heEnd()
        }
        try HammingResponse.checkDistinctIdentifiers(located.map(\.shelf))
        let order = Self.randomPermutation(located.count)
        var writer = HammingResponse.header(configuration: configuration, shelfCount: located.count, withholdsIdentifiers: true,
                                            bodyBytes: parts.reduce(0) { $0 + $1.count })
        var mapping: [HammingResponseMapping.Shelf] = []
        mapping.reserveCapacity(located.count)
        for index in order {
            let (part, shelf) = located[index]
            writer.write(UInt16(shelf.span))
            writer.writeRaw(parts[part][shelf.bitmap])
            writer.writeRaw(parts[part][shelf.packed])
            mapping.append(.sparse(positions: shelf.positions, ids: shelf.ids))
        }
        return HammingUnlinkableResponse(response: writer.bytes, mapping: HammingResponseMapping(shelves: mapping))
    }
}
