import MedSearchBFV
import MedSearchCore

/// One block: up to `N / l` records in one ciphertext; `ids[r]` is nil for a deleted record.
public struct EncryptedHammingBlock: Sendable {
    /// Record identifiers by position (nil: deleted, its distance is masked in responses).
    public internal(set) var ids: [UInt64?]
    /// The encrypted `+-1` codes (coefficient encoding).
    public let ciphertext: BFVCiphertext
}

/// The encrypted hashcode database a master stores: blocks of records, each block one BFV ciphertext under the
/// client's key. Adding records appends blocks; deleting records marks their positions dead.
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

    /// The number of block ciphertexts.
    public var blockCount: Int { blocks.count }

    /// The live record identifiers.
    public var ids: [UInt64] { blocks.flatMap { $0.ids.compactMap { $0 } } }

    /// Bytes held by the ciphertexts in memory (8 bytes per residue).
    public var byteCount: Int {
        blocks.reduce(0) { $0 + $1.ciphertext.size * $1.ciphertext.level * $1.ciphertext.degree * 8 }
    }

    /// Appends the blocks of `other` (same configuration).
    ///
    /// - Throws: ``HESearchError/configurationMismatch(_:)`` or ``HESearchError/duplicateIdentifier``.
    public mutating func append(contentsOf other: EncryptedHammingDatabase) throws(HESearchError) {
        guard other.configuration == configuration else { throw .configurationMismatch("databases differ") }
        guard Set(ids).isDisjoint(with: other.ids) else { throw .duplicateIdentifier }
        blocks += other.blocks
    }

    /// Deletes records (their positions stay in the ciphertexts but are masked out of every response);
    /// blocks left without live records are dropped.
    public mutating func remove(ids removed: Set<UInt64>) {
        for b in blocks.indices {
            for r in blocks[b].ids.indices {
                if let id = blocks[b].ids[r], removed.contains(id) { blocks[b].ids[r] = nil }
            }
        }
        blocks.removeAll { $0.ids.allSatisfy { $0 == nil } }
    }

    /// The versioned wire form.
    public func serialized() throws(HESearchError) -> [UInt8] {
        let context = try configuration.context()
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.database, version: HESearchWire.version)
        configuration.write(to: &writer)
        writer.write(UInt32(blocks.count))
        for block in blocks {
            writer.write(UInt16(block.ids.count))
            for id in block.ids {
                writer.write(id != nil)
                writer.write(id ?? 0)
            }
            context.writeCiphertext(block.ciphertext, into: &writer)
        }
        return writer.bytes
    }

    /// Decodes a database.
    ///
    /// - Throws: ``HESearchError`` for another configuration, malformed data or duplicate identifiers.
    public init(serialized bytes: [UInt8], configuration: HammingSearchConfiguration) throws(HESearchError) {
        let context = try configuration.context()
        var reader = ByteReader(bytes)
        try reader.heHeader(HESearchWire.database)
        try configuration.readAndCheck(from: &reader)
        let count = Int(try reader.heRead(UInt32.self))
        // Each block takes at least one ciphertext header: bound the count by the bytes present.
        guard count <= reader.remaining / 16 + 1 else { throw .malformed("\(count) blocks in \(bytes.count) bytes") }
        var blocks: [EncryptedHammingBlock] = []
        var seen = Set<UInt64>()
        for _ in 0..<count {
            let slots = Int(try reader.heRead(UInt16.self))
            guard slots >= 1, slots <= configuration.recordsPerBlock else { throw .malformed("block of \(slots) records") }
            var ids: [UInt64?] = []
            for _ in 0..<slots {
                let live = try reader.heRead(UInt8.self)
                let id = try reader.heRead(UInt64.self)
                guard live <= 1 else { throw .malformed("invalid live flag") }
                if live == 1 {
                    guard seen.insert(id).inserted else { throw .duplicateIdentifier }
                    ids.append(id)
                } else {
                    ids.append(nil)
                }
            }
            let ciphertext = try bfv { () throws(BFVError) in try context.readCiphertext(from: &reader) }
            guard ciphertext.size == 2 else { throw .malformed("block ciphertext of size \(ciphertext.size)") }
            blocks.append(EncryptedHammingBlock(ids: ids, ciphertext: ciphertext))
        }
        try reader.heEnd()
        self.init(configuration: configuration, blocks: blocks)
    }
}
