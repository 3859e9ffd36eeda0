import MedSearchBFV
import MedSearchCore

/// What encoding and decoding an encrypted Hamming search format needs: the configuration both sides agreed on
/// and its BFV context. Every HESearch format opens, after its header, with the configuration, and a decoder
/// refuses another one (``WireError/invalidValue(offset:reason:)``).
public struct HammingWireContext: Sendable {
    /// The agreed configuration.
    public let configuration: HammingSearchConfiguration
    /// Its BFV context.
    public let bfv: BFVContext

    /// The context of `configuration`.
    public init(_ configuration: HammingSearchConfiguration) throws(HESearchError) {
        self.init(configuration: configuration, bfv: try configuration.context())
    }

    init(configuration: HammingSearchConfiguration, bfv: BFVContext) {
        self.configuration = configuration
        self.bfv = bfv
    }

    /// Reads `count` ciphertexts written inline, each of size 2 at the top level.
    func readFreshCiphertexts(_ count: Int, from reader: inout ByteReader) throws(WireError) -> [BFVCiphertext] {
        var ciphertexts: [BFVCiphertext] = []
        for _ in 0..<count {
            let start = reader.offset
            let ciphertext = try BFVCiphertext.read(from: &reader, context: bfv)
            guard ciphertext.size == 2, ciphertext.level == bfv.topLevel else {
                throw .invalidValue(offset: start, reason: "ciphertext of size \(ciphertext.size) at level \(ciphertext.level)")
            }
            ciphertexts.append(ciphertext)
        }
        return ciphertexts
    }
}

/// The client's secret key (`"HSSK"` version 1): the configuration, then the BFV secret key (`"BFVS"`,
/// length-prefixed). Keep it on the client side; wipe the serialised bytes after storing them.
public struct HammingSecretKey: ContextualWireMessage {
    public static let magic = FormatMagic("HSSK")
    public static let version: UInt16 = 1

    /// The BFV secret key.
    public let key: BFVSecretKey

    /// Wraps a key.
    public init(_ key: BFVSecretKey) { self.key = key }

    public func encode(to writer: inout ByteWriter, context: HammingWireContext) {
        context.configuration.write(to: &writer)
        var bytes = key.serialized(context: context.bfv)
        writer.writeBytes(bytes)
        constantTimeWipe(&bytes)
    }

    public init(from reader: inout ByteReader, version: UInt16, context: HammingWireContext) throws(WireError) {
        try context.configuration.readAndCheck(wire: &reader)
        key = try reader.readEmbedded(BFVSecretKey.self, maxLength: 1 << 20, context: context.bfv)
    }
}

/// The evaluation key the master receives (`"HSEK"` version 2): the configuration, the BFV public key (`"BFVK"`,
/// length-prefixed), a presence byte and, when present, the Galois keys of query expansion (`"BFVG"`,
/// length-prefixed; configurations whose set has a special prime). With it the master can encrypt hashcodes,
/// re-randomise responses and expand queries, and decrypt nothing. Version 1 (the public key only) still decodes.
public struct HammingEvaluationKey: ContextualWireMessage {
    public static let magic = FormatMagic("HSEK")
    public static let version: UInt16 = 2
    public static let supportedVersions: ClosedRange<UInt16> = 1...2

    /// The BFV public key.
    public let publicKey: BFVPublicKey
    /// The Galois keys of ``BFVContext/expansionGaloisElements(count:)`` (nil: queries cannot be expanded).
    public let galoisKeys: BFVGaloisKeys?

    /// Wraps a public key and, for configurations that expand queries, the Galois keys.
    public init(_ publicKey: BFVPublicKey, galoisKeys: BFVGaloisKeys? = nil) {
        self.publicKey = publicKey
        self.galoisKeys = galoisKeys
    }

    public func encode(to writer: inout ByteWriter, context: HammingWireContext) {
        context.configuration.write(to: &writer)
        writer.writeEmbedded(publicKey, context: context.bfv)
        writer.write(galoisKeys != nil)
        if let galoisKeys { writer.writeEmbedded(galoisKeys, context: context.bfv) }
    }

    public init(from reader: inout ByteReader, version: UInt16, context: HammingWireContext) throws(WireError) {
        try context.configuration.readAndCheck(wire: &reader)
        publicKey = try reader.readEmbedded(BFVPublicKey.self, maxLength: 1 << 26, context: context.bfv)
        let present = version >= 2 ? try reader.readBool() : false
        galoisKeys = present ? try reader.readEmbedded(BFVGaloisKeys.self, maxLength: 1 << 26, context: context.bfv) : nil
    }
}

/// An encrypted query (`"HSQY"` version 4): the configuration, the ciphertext count (UInt16), then the ciphertexts
/// (`"BFVC"` inline, size 2, top level). For a configuration that expands queries (a set with a special prime,
/// ``HammingSearchConfiguration/expandsQueries``) one ciphertext of ``BFVContext/encryptForExpansion(_:secretKey:using:)``
/// carrying the `+-1` of every bit, which the server expands; otherwise one unscaled encryption of `+-1` per bit.
/// Version 3 (one ciphertext per bit, no count) still decodes for configurations that do not expand queries and is
/// refused with ``WireError/invalidValue(offset:reason:)`` for the others; versions 1 and 2 (the coefficient
/// layout) are refused.
public struct HammingQuery: ContextualWireMessage {
    public static let magic = FormatMagic("HSQY")
    public static let version: UInt16 = 4
    public static let supportedVersions: ClosedRange<UInt16> = 3...4

    /// The query's ciphertexts (``HammingSearchConfiguration/queryCiphertextCount`` of them).
    public let ciphertexts: [BFVCiphertext]

    /// Wraps the ciphertexts.
    public init(ciphertexts: [BFVCiphertext]) { self.ciphertexts = ciphertexts }

    public func encode(to writer: inout ByteWriter, context: HammingWireContext) {
        context.configuration.write(to: &writer)
        writer.write(UInt16(ciphertexts.count))
        for ciphertext in ciphertexts { ciphertext.write(to: &writer, context: context.bfv) }
    }

    public init(from reader: inout ByteReader, version: UInt16, context: HammingWireContext) throws(WireError) {
        let configuration = context.configuration
        try configuration.readAndCheck(wire: &reader)
        let countOffset = reader.offset
        let expected = configuration.queryCiphertextCount
        if version == 3 {
            guard !configuration.expandsQueries else {
                throw .invalidValue(offset: countOffset, reason: "a version-3 query (one ciphertext per bit) for a configuration that expands queries")
            }
        } else {
            let count = Int(try reader.read(UInt16.self))
            guard count == expected else {
                throw .invalidValue(offset: countOffset, reason: "\(count) query ciphertexts, expected \(expected)")
            }
        }
        ciphertexts = try context.readFreshCiphertexts(expected, from: &reader)
    }
}

/// How a query is sent (``HammingSearchClient/encryptQuery(_:form:using:)``).
public enum HammingQueryForm: String, Sendable, CaseIterable {
    /// The configuration's own form (``HammingQuery``): for a set with a special prime one ciphertext the server
    /// expands (30 KB at `N = 4096`), otherwise one ciphertext per bit in coefficient form.
    case compact
    /// One ciphertext per bit **in NTT form** (``HammingNTTQuery``): the server neither expands nor transforms
    /// anything (about 30 KB per bit, 1.94 MB for 64 bits). For a sharded search, where every search worker would
    /// otherwise repeat the expansion (35 ms at `n4096expand`, 64 bits) for each query.
    case ntt
}

/// An encrypted query in NTT form (`"HSQN"` version 1): the configuration, the ciphertext count (UInt16, the code
/// length), then one unscaled encryption of `+-1` per bit (``BFVContext/encryptUnscaledInNTTForm(_:secretKey:using:)``,
/// `"BFVC"` inline, seeded, size 2, top level) whose polynomials are NTT-form values. Any configuration accepts it;
/// no Galois key is needed.
public struct HammingNTTQuery: ContextualWireMessage {
    public static let magic = FormatMagic("HSQN")
    public static let version: UInt16 = 1

    /// The query's ciphertexts, one per bit, in NTT form.
    public let ciphertexts: [BFVCiphertext]

    /// Wraps the ciphertexts.
    public init(ciphertexts: [BFVCiphertext]) { self.ciphertexts = ciphertexts }

    /// Whether `bytes` start with this format's tag (the server tells the two query forms apart by it).
    static func isTagged(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic.bytes) }

    public func encode(to writer: inout ByteWriter, context: HammingWireContext) {
        context.configuration.write(to: &writer)
        writer.write(UInt16(ciphertexts.count))
        for ciphertext in ciphertexts { ciphertext.write(to: &writer, context: context.bfv) }
    }

    public init(from reader: inout ByteReader, version: UInt16, context: HammingWireContext) throws(WireError) {
        try context.configuration.readAndCheck(wire: &reader)
        let countOffset = reader.offset
        let count = Int(try reader.read(UInt16.self))
        let expected = context.configuration.codeLength
        guard count == expected else {
            throw .invalidValue(offset: countOffset, reason: "\(count) query ciphertexts, expected \(expected)")
        }
        ciphertexts = try context.readFreshCiphertexts(expected, from: &reader)
    }
}

/// The database (`"HSDB"` version 3, the bit-sliced layout; versions 1 and 2 are refused): the configuration, the
/// block count (UInt32), then per block its record count (UInt16, 1...N), per record a live byte and the identifier
/// (UInt64), then the block's `l` ciphertexts (`"BFVC"` inline, size 2, top level). Live identifiers are unique.
extension EncryptedHammingDatabase: ContextualWireMessage {
    public static let magic = FormatMagic("HSDB")
    public static let version: UInt16 = 3
    public static let supportedVersions: ClosedRange<UInt16> = 3...3

    public func encode(to writer: inout ByteWriter, context: HammingWireContext) {
        configuration.write(to: &writer)
        writer.write(UInt32(blocks.count))
        for block in blocks {
            writer.write(UInt16(block.ids.count))
            for id in block.ids {
                writer.write(id != nil)
                writer.write(id ?? 0)
            }
            for ciphertext in block.ciphertexts { ciphertext.write(to: &writer, context: context.bfv) }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16, context: HammingWireContext) throws(WireError) {
        let configuration = context.configuration
        try configuration.readAndCheck(wire: &reader)
        let l = configuration.codeLength
        let countOffset = reader.offset
        let count = Int(try reader.read(UInt32.self))
        // Each block takes at least l ciphertext headers: bound the count by the bytes present.
        let limit = reader.remaining / (16 * l) + 1
        guard count <= limit else { throw .lengthTooLarge(offset: countOffset, length: count, limit: limit) }
        var blocks: [EncryptedHammingBlock] = []
        var seen = Set<UInt64>()
        for _ in 0..<count {
            let slotsOffset = reader.offset
            let slots = Int(try reader.read(UInt16.self))
            guard slots >= 1, slots <= configuration.recordsPerBlock else {
                throw .invalidValue(offset: slotsOffset, reason: "block of \(slots) records")
            }
            var ids: [UInt64?] = []
            for _ in 0..<slots {
                let recordOffset = reader.offset
                let live = try reader.readBool()
                let id = try reader.read(UInt64.self)
                if live {
                    guard seen.insert(id).inserted else { throw .invalidValue(offset: recordOffset, reason: "duplicate identifier") }
                    ids.append(id)
                } else {
                    ids.append(nil)
                }
            }
            blocks.append(EncryptedHammingBlock(ids: ids, ciphertexts: try context.readFreshCiphertexts(l, from: &reader)))
        }
        self.init(configuration: configuration, blocks: blocks)
    }
}

/// The key holder's answer in unlinkable mode (`"HSSL"` version 1): the entry count (UInt32), then per entry the
/// block (UInt32), the position (UInt16) and the rank (UInt32).
extension HammingSlotRequest: WireMessage {
    public static let magic = FormatMagic("HSSL")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(entries.count))
        for entry in entries {
            writer.write(UInt32(entry.slot.block))
            writer.write(UInt16(entry.slot.position))
            writer.write(UInt32(entry.rank))
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let countOffset = reader.offset
        let count = Int(try reader.read(UInt32.self))
        guard count <= reader.remaining / 10 else {
            throw .lengthTooLarge(offset: countOffset, length: count, limit: reader.remaining / 10)
        }
        var entries: [(slot: HammingSlot, rank: Int)] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let block = Int(try reader.read(UInt32.self))
            let position = Int(try reader.read(UInt16.self))
            let rank = Int(try reader.read(UInt32.self))
            entries.append((HammingSlot(block: block, position: position), rank))
        }
        self.init(entries: entries)
    }
}
