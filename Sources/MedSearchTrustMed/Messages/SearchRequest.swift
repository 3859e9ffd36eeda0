import MedSearchCore

/// Client -> master: an encrypted query hashcode.
///
/// Version 2 writes the search mode as a byte; version 1 (still read) wrote a trailing byte 1 in unlinkable mode only.
@MemberwiseInit(.public)
public struct SearchRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMSQ")
    public static let version: UInt16 = 2
    /// The fingerprint of the evaluation keys the query was encrypted for.
    public var keyFingerprint: [UInt8]
    /// The encrypted query (opaque ciphertext bytes).
    public var encryptedQuery: [UInt8]
    /// Unlinkable mode: the response carries no record ids (the client learns ids only for the slots it then
    /// fetches with the response's query handle).
    public var unlinkable: Bool = false

    public func encode(to writer: inout ByteWriter) {
        writer.writeBytes(keyFingerprint)
        writer.writeBytes(encryptedQuery)
        writer.write(unlinkable)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        keyFingerprint = try reader.readBytes(exactly: 32, "key fingerprint")
        encryptedQuery = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
        if version >= 2 {
            unlinkable = try reader.readBool()
        } else if reader.isAtEnd {
            unlinkable = false
        } else {
            let flagOffset = reader.offset
            guard try reader.read(UInt8.self) == 1 else { throw .invalidValue(offset: flagOffset, reason: "search mode") }
            unlinkable = true
        }
    }
}

/// Master -> client: encrypted distances per block, and which record each slot belongs to.
///
/// Only records whose upload completed (all n shares stored) are listed; the client decrypts the distances,
/// picks the top-k itself and asks for those records with a ``FetchRequest``.
///
/// Version 2 writes whether a query handle follows as a byte, then the unsearched list (possibly empty); version 1
/// (still read) appended the handle and the unsearched list only when present.
@MemberwiseInit(.public)
public struct SearchResponse: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMSR")
    public static let version: UInt16 = 2

    /// A slot of a block and the record stored there.
    @MemberwiseInit(.public)
    public struct Entry: Sendable, Equatable {
        /// The slot.
        public var slot: Int
        /// The record id.
        public var recordID: String
    }

    /// The encrypted distances of one block.
    public struct Block: Sendable, Equatable {
        /// The evaluator's encrypted result.
        public var encryptedDistances: [UInt8]
        /// The searchable records of the block.
        public var entries: [Entry]
    }

    /// The blocks. In unlinkable mode: one block whose entries are empty and whose result covers every record.
    public var blocks: [Block]
    /// Unlinkable mode: the 16-byte handle to fetch the chosen slots with (``FetchRequest/init(queryHandle:slotRequest:k:)``),
    /// valid once and for a limited time; empty otherwise.
    public var queryHandle: [UInt8] = []
    /// The records that were **not** searched (their search worker did not answer), sorted; empty when every record
    /// was searched.
    public var unsearched: [String] = []

    public var serializedSizeHint: Int {
        64 + queryHandle.count + blocks.reduce(0) { $0 + 8 + $1.encryptedDistances.count + 40 * $1.entries.count }
            + 40 * unsearched.count
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(blocks.count))
        for block in blocks {
            writer.writeBytes(block.encryptedDistances)
            writer.write(UInt32(block.entries.count))
            for entry in block.entries {
                writer.write(UInt32(entry.slot))
                writer.writeString(entry.recordID)
            }
        }
        writer.write(!queryHandle.isEmpty)
        if !queryHandle.isEmpty { writer.writeBytes(queryHandle) }
        writer.writeRecordIDs(unsearched)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let count = try reader.readCount(limit: TrustMedLimits.maxBlocks)
        var blocks = [Block]()
        for _ in 0..<count {
            let distances = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
            let entryCount = try reader.readCount(limit: 1 << 20)
            var entries = [Entry]()
            for _ in 0..<entryCount {
                let slot = Int(try reader.read(UInt32.self))
                entries.append(Entry(slot: slot, recordID: try reader.readRecordID()))
            }
            blocks.append(Block(encryptedDistances: distances, entries: entries))
        }
        self.blocks = blocks
        guard version >= 2 else {
            // Version 1: an optional handle (possibly empty, when only the unsearched list follows), then the
            // optional unsearched list.
            if reader.isAtEnd {
                queryHandle = []
            } else {
                let start = reader.offset
                queryHandle = try reader.readBytes(maxLength: 16)
                guard queryHandle.isEmpty || queryHandle.count == 16 else { throw .invalidValue(offset: start, reason: "query handle") }
            }
            unsearched = reader.isAtEnd ? [] : try reader.readRecordIDs(limit: 1 << 24)
            return
        }
        if try reader.readBool() {
            queryHandle = try reader.readBytes(exactly: 16, "query handle")
        } else {
            queryHandle = []
        }
        unsearched = try reader.readRecordIDs(limit: 1 << 24)
    }
}
