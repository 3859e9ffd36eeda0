import MedSearchBFV
import MedSearchCore

/// One block: up to `N` records in `l` ciphertexts (bit-sliced: ciphertext `j` holds bit `j` of record `r` at
/// coefficient `r`); `ids[r]` is nil for a deleted record.
public struct EncryptedHammingBlock: Sendable {
    /// Record identifiers by position (nil: deleted, its distance is never sent).
    public internal(set) var ids: [UInt64?]
    /// The `l` bit-slice ciphertexts.
    public let ciphertexts: [BFVCiphertext]
}

/// The encrypted hashcode database a master stores: blocks of records, each block `l` BFV ciphertexts under the
/// client's key. Adding records appends blocks; deleting records marks their positions dead.
///
/// The server packs blocks side by side into response ciphertexts of `N` coefficients
/// (``HammingSearchServer/prepare(_:)``), so small blocks (for example one upload of 256 records) cost no extra
/// response size.
public struct EncryptedHammingDatabase: Sendable {
    /// The configuration the blocks were made for.
    public let configuration: HammingSearchConfiguration
    /// The blocks.
    public private(set) var blocks: [EncryptedHammingBlock]

    init(configuration: HammingSearchConfiguration, blocks: [EncryptedHammingBlock]) {
        self.configuration = configuration
        self.blocks = blocks
    }

    /// An empty database.
    public init(configuration: HammingSearchConfiguration) {
        self.init(configuration: configuration, blocks: [])
    }

    /// The number of live records.
    public var recordCount: Int { blocks.reduce(0) { $0 + $1.ids.reduce(0) { $0 + ($1 == nil ? 0 : 1) } } }

    /// The number of blocks.
    public var blockCount: Int { blocks.count }

    /// The number of BFV ciphertexts (`l` per block).
    public var ciphertextCount: Int { blocks.reduce(0) { $0 + $1.ciphertexts.count } }

    /// The live record identifiers.
    public var ids: [UInt64] { blocks.flatMap { $0.ids.compactMap { $0 } } }

    /// Bytes held by the ciphertexts in memory (8 bytes per residue).
    public var byteCount: Int {
        blocks.reduce(0) { total, block in
            total + block.ciphertexts.reduce(0) { $0 + $1.size * $1.level * $1.degree * 8 }
        }
    }

    /// Appends the blocks of `other` (same configuration).
    ///
    /// - Throws: ``HESearchError/configurationMismatch(_:)`` or ``HESearchError/duplicateIdentifier``.
    public mutating func append(contentsOf other: EncryptedHammingDatabase) throws(HESearchError) {
        guard other.configuration == configuration else { throw .configurationMismatch("databases differ") }
        guard Set(ids).isDisjoint(with: other.ids) else { throw .duplicateIdentifier }
        blocks += other.blocks
    }

    /// The blocks of `parts` in order, as one database (identifiers checked for uniqueness once).
    ///
    /// - Throws: ``HESearchError/configurationMismatch(_:)`` or ``HESearchError/duplicateIdentifier``.
    public init(configuration: HammingSearchConfiguration, concatenating parts: [EncryptedHammingDatabase]) throws(HESearchError) {
        var seen = Set<UInt64>()
        var blocks: [EncryptedHammingBlock] = []
        for part in parts {
            guard part.configuration == configuration else { throw .configurationMismatch("databases differ") }
            for block in part.blocks {
                for case let id? in block.ids { guard seen.insert(id).inserted else { throw .duplicateIdentifier } }
                blocks.append(block)
            }
        }
        self.init(configuration: configuration, blocks: blocks)
    }

    /// Deletes records (their positions stay in the ciphertexts but are never sent in a response);
    /// blocks left without live records are dropped.
    public mutating func remove(ids removed: Set<UInt64>) {
        for b in blocks.indices {
            for r in blocks[b].ids.indices {
                if let id = blocks[b].ids[r], removed.contains(id) { blocks[b].ids[r] = nil }
            }
        }
        blocks.removeAll { $0.ids.allSatisfy { $0 == nil } }
    }

    /// The same database with every live identifier replaced by `transform(id)` (nil deletes the record; blocks left
    /// without live records are dropped). The ciphertexts are shared, not copied.
    ///
    /// - Throws: ``HESearchError/duplicateIdentifier`` when two records map to the same identifier.
    public func mapIdentifiers(_ transform: (UInt64) -> UInt64?) throws(HESearchError) -> EncryptedHammingDatabase {
        var seen = Set<UInt64>()
        var out = self
        for b in out.blocks.indices {
            for r in out.blocks[b].ids.indices {
                guard let id = out.blocks[b].ids[r] else { continue }
                let mapped = transform(id)
                if let mapped { guard seen.insert(mapped).inserted else { throw .duplicateIdentifier } }
                out.blocks[b].ids[r] = mapped
            }
        }
        out.blocks.removeAll { $0.ids.allSatisfy { $0 == nil } }
        return out
    }

    /// The versioned wire form (`HSDB` version 3, ``ContextualWireMessage``).
    public func serialized() throws(HESearchError) -> [UInt8] {
        serialized(context: try HammingWireContext(configuration))
    }

    /// Decodes a database.
    ///
    /// - Throws: ``HESearchError/malformed(_:)`` for another configuration, malformed data or duplicate identifiers.
    public init(serialized bytes: [UInt8], configuration: HammingSearchConfiguration) throws(HESearchError) {
        let context = try HammingWireContext(configuration)
        self = try wire { () throws(WireError) in try Self(serialized: bytes, context: context) }
    }
}
