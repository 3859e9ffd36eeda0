import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// The FNN engine's binary formats: one ``WireMessage`` (or ``ContextualWireMessage``, whose context is the
/// Paillier public key, nil for the shared back end) per message, record batch, pool and key file.
///
/// Version 2 gives each format its own tag. Version 1 wrote every format under the shared tag `"FNNM"`, version
/// 1, then a kind byte, with optional trailing sections where version 2 has explicit presence bytes; version-1
/// bytes (key files and database rows of earlier builds) still decode. Every decoder checks lengths against the
/// data and the parameters and refuses trailing bytes; ciphertexts are read at the key's fixed width and checked
/// to lie in `1..<N^2`.
public enum FNNWire {
    /// The most elements any array may announce.
    public static let maxElements = 1 << 23
    /// The version every FNN format writes.
    public static let version: UInt16 = 2
}

/// An FNN format: written at ``FNNWire/version``; its version-1 bytes, under the header every FNN format then
/// shared (`"FNNM"`, 1, the format's ``legacyKind``), still decode.
public protocol FNNFormat: ContextualWireMessage {
    /// The kind byte that told this format apart under the version-1 header.
    static var legacyKind: UInt8 { get }
}

extension FNNFormat {
    public static var version: UInt16 { FNNWire.version }
    public static var legacyHeaders: [LegacyWireHeader] {
        [LegacyWireHeader(magic: FormatMagic("FNNM"), version: 1, discriminator: [legacyKind], decodedAs: 1)]
    }
}

// MARK: field helpers

extension ByteWriter {
    mutating func write(_ id: FNNQueryID) { writeRaw(id.bytes) }
    mutating func writeCount(_ value: Int) { write(UInt32(value)) }
    mutating func writeInts(_ values: [Int]) { writeArray(values.map { UInt32($0) }) }

    /// Writes Paillier ciphertexts at the key's fixed width, preceded by their count.
    mutating func writeCiphertexts(_ values: [PaillierCiphertext], publicKey: PaillierPublicKey?) {
        write(UInt32(values.count))
        for value in values { writeCiphertext(value, publicKey: publicKey) }
    }

    mutating func writeCiphertext(_ value: PaillierCiphertext, publicKey: PaillierPublicKey?) {
        guard let publicKey else { preconditionFailure("Paillier ciphertexts are encoded with the public key") }
        write(value, publicKey: publicKey)
    }
}

extension ByteReader {
    mutating func readQueryID() throws(WireError) -> FNNQueryID {
        let start = offset
        let raw = try readRaw(count: 16)
        return try WireError.validating(at: start) { try FNNQueryID(bytes: raw) }
    }

    mutating func readCount() throws(WireError) -> Int { Int(try read(UInt32.self)) }

    mutating func readInts() throws(WireError) -> [Int] {
        try readArray(of: UInt32.self, maxCount: FNNWire.maxElements).map { Int($0) }
    }

    mutating func readWords() throws(WireError) -> [UInt128] { try readWords(maxCount: FNNWire.maxElements) }

    mutating func readSeed() throws(WireError) -> [UInt8] { try readBytes(maxLength: 1 << 20) }

    mutating func readScanOrder() throws(WireError) -> FNNScanOrder {
        let start = offset
        let code = try read(UInt8.self)
        guard let order = FNNScanOrder(code: code) else { throw .invalidValue(offset: start, reason: "unknown scan order \(code)") }
        return order
    }

    mutating func readCiphertext(publicKey: PaillierPublicKey?) throws(WireError) -> PaillierCiphertext {
        guard let publicKey else {
            throw .invalidValue(offset: offset, reason: "a Paillier ciphertext where the shared back end expects none")
        }
        return try readCiphertext(publicKey: publicKey)
    }

    mutating func readCiphertexts(publicKey: PaillierPublicKey?) throws(WireError) -> [PaillierCiphertext] {
        let start = offset
        let count = try readCount()
        if count == 0 { return [] }
        guard let publicKey else {
            throw .invalidValue(offset: start, reason: "Paillier ciphertexts where the shared back end expects none")
        }
        guard count <= FNNWire.maxElements else { throw .lengthTooLarge(offset: start, length: count, limit: FNNWire.maxElements) }
        guard remaining >= count * publicKey.ciphertextByteCount else {
            throw .truncated(offset: offset, needed: count * publicKey.ciphertextByteCount, available: remaining)
        }
        var out = [PaillierCiphertext]()
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try readCiphertext(publicKey: publicKey)) }
        return out
    }

    /// Reads a byte that says which of `count` forms follows.
    mutating func readForm(below count: UInt8, _ what: String) throws(WireError) -> UInt8 {
        let start = offset
        let form = try read(UInt8.self)
        guard form < count else { throw .invalidValue(offset: start, reason: "unknown \(what) \(form)") }
        return form
    }

    /// Reads a count of rows (each at least `minimumRowBytes` long), at most `limit`.
    mutating func readRowCount(minimumRowBytes: Int, limit: Int = FNNWire.maxElements) throws(WireError) -> Int {
        let start = offset
        let count = try readCount()
        guard count <= limit else { throw .lengthTooLarge(offset: start, length: count, limit: limit) }
        guard count * minimumRowBytes <= remaining else {
            throw .truncated(offset: offset, needed: count * minimumRowBytes, available: remaining)
        }
        return count
    }
}

// MARK: search messages

extension FNNBlindedValues {
    func write(to writer: inout ByteWriter, publicKey: PaillierPublicKey?) {
        switch self {
        case let .shares(words): writer.write(UInt8(1)); writer.writeWords(words)
        case let .packed(ciphertexts): writer.write(UInt8(2)); writer.writeCiphertexts(ciphertexts, publicKey: publicKey)
        }
    }

    static func read(from reader: inout ByteReader, publicKey: PaillierPublicKey?) throws(WireError) -> FNNBlindedValues {
        switch try reader.readForm(below: 3, "blinded form") {
        case 1: return .shares(try reader.readWords())
        case 2: return .packed(try reader.readCiphertexts(publicKey: publicKey))
        default: throw .invalidValue(offset: reader.offset - 1, reason: "unknown blinded form 0")
        }
    }
}

/// C1 to C2: `"FNC1"` v2, a case byte (1 shared start, 2 Paillier start, 3 lower bounds, 4 SSED request,
/// 5 distances, 6 finish), the query id, then the case's fields. Version 2 always writes the finish message's
/// vector form (0 none, 1 shared, 2 Paillier); version 1 (`"FNNM"` kind 1) left it out for none.
extension FNNC1Message: ContextualWireMessage, FNNFormat {
    public static let magic = FormatMagic("FNC1")
    public static let legacyKind: UInt8 = 1

    public func encode(to writer: inout ByteWriter, context publicKey: PaillierPublicKey?) {
        switch self {
        case let .sharedStart(id, entry, ids, k, batchSize, order, delta):
            writer.write(UInt8(1)); writer.write(id); writer.write(entry); writer.writeArray(ids); writer.writeCount(k)
            writer.writeCount(batchSize); writer.write(order.code); writer.writeWords(delta)
        case let .paillierStart(id, count, k, batchSize, order, packed):
            writer.write(UInt8(2)); writer.write(id); writer.writeCount(count); writer.writeCount(k)
            writer.writeCount(batchSize); writer.write(order.code); writer.writeCiphertexts(packed, publicKey: publicKey)
        case let .lowerBounds(id, values):
            writer.write(UInt8(3)); writer.write(id); values.write(to: &writer, publicKey: publicKey)
        case let .ssedRequest(id, slots, packed):
            writer.write(UInt8(4)); writer.write(id); writer.writeInts(slots); writer.writeCiphertexts(packed, publicKey: publicKey)
        case let .distances(id, slots, values):
            writer.write(UInt8(5)); writer.write(id); writer.writeInts(slots); values.write(to: &writer, publicKey: publicKey)
        case let .finish(id, masked, vectors):
            writer.write(UInt8(6)); writer.write(id); writer.writeCiphertexts(masked, publicKey: publicKey)
            switch vectors {
            case .none:
                writer.write(UInt8(0))
            case let .shared(rows):
                writer.write(UInt8(1)); writer.writeCount(rows.count)
                for row in rows { writer.writeArray(row) }
            case let .paillier(rows):
                writer.write(UInt8(2)); writer.writeCount(rows.count)
                for row in rows { writer.writeCiphertexts(row, publicKey: publicKey) }
            }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16, context publicKey: PaillierPublicKey?) throws(WireError) {
        let start = reader.offset
        switch try reader.read(UInt8.self) {
        case 1:
            self = .sharedStart(queryID: try reader.readQueryID(), entry: try reader.read(UInt64.self),
                                ids: try reader.readIDs(maxCount: FNNWire.maxElements), k: try reader.readCount(),
                                batchSize: try reader.readCount(), order: try reader.readScanOrder(), delta: try reader.readWords())
        case 2:
            self = .paillierStart(queryID: try reader.readQueryID(), count: try reader.readCount(), k: try reader.readCount(),
                                  batchSize: try reader.readCount(), order: try reader.readScanOrder(),
                                  packed: try reader.readCiphertexts(publicKey: publicKey))
        case 3:
            self = .lowerBounds(queryID: try reader.readQueryID(), values: try FNNBlindedValues.read(from: &reader, publicKey: publicKey))
        case 4:
            self = .ssedRequest(queryID: try reader.readQueryID(), slots: try reader.readInts(),
                                packed: try reader.readCiphertexts(publicKey: publicKey))
        case 5:
            self = .distances(queryID: try reader.readQueryID(), slots: try reader.readInts(),
                              values: try FNNBlindedValues.read(from: &reader, publicKey: publicKey))
        case 6:
            let id = try reader.readQueryID()
            let masked = try reader.readCiphertexts(publicKey: publicKey)
            self = .finish(queryID: id, masked: masked,
                           vectors: try Self.readVectors(from: &reader, version: version, publicKey: publicKey))
        case let other:
            throw .invalidValue(offset: start, reason: "unknown C1 message \(other)")
        }
    }

    private static func readVectors(from reader: inout ByteReader, version: UInt16,
                                     publicKey: PaillierPublicKey?) throws(WireError) -> FNNVectorsForC2 {
        if version == 1, reader.isAtEnd { return .none }
        let form = try reader.readForm(below: 3, "masked vector form")
        if form == 0 {
            guard version >= 2 else { throw .invalidValue(offset: reader.offset - 1, reason: "unknown masked vector form 0") }
            return .none
        }
        let count = try reader.readRowCount(minimumRowBytes: 4, limit: 1 << 20)
        if form == 1 {
            var rows = [[UInt64]]()
            for _ in 0..<count { rows.append(try reader.readArray(of: UInt64.self, maxCount: FNNWire.maxElements)) }
            return .shared(rows)
        }
        var rows = [[PaillierCiphertext]]()
        for _ in 0..<count { rows.append(try reader.readCiphertexts(publicKey: publicKey)) }
        return .paillier(rows)
    }
}

/// C2 to C1: `"FNC2"` v2, a case byte (1 shared start reply, 2 Paillier squares, 3 compute, 4 SSED reply,
/// 5 done, 6 finished), the query id, then the case's fields.
extension FNNC2Message: ContextualWireMessage, FNNFormat {
    public static let magic = FormatMagic("FNC2")
    public static let legacyKind: UInt8 = 2

    public func encode(to writer: inout ByteWriter, context publicKey: PaillierPublicKey?) {
        switch self {
        case let .sharedStartReply(id, delta, shares):
            writer.write(UInt8(1)); writer.write(id); writer.writeWords(delta); writer.writeWords(shares)
        case let .paillierSquares(id, sums):
            writer.write(UInt8(2)); writer.write(id); writer.writeCiphertexts(sums, publicKey: publicKey)
        case let .compute(id, slots, shares):
            writer.write(UInt8(3)); writer.write(id); writer.writeInts(slots); writer.writeWords(shares)
        case let .ssedReply(id, sums):
            writer.write(UInt8(4)); writer.write(id); writer.writeCiphertexts(sums, publicKey: publicKey)
        case let .done(id, winners):
            writer.write(UInt8(5)); writer.write(id); writer.writeInts(winners)
        case let .finished(id):
            writer.write(UInt8(6)); writer.write(id)
        }
    }

    public init(from reader: inout ByteReader, version: UInt16, context publicKey: PaillierPublicKey?) throws(WireError) {
        let start = reader.offset
        switch try reader.read(UInt8.self) {
        case 1: self = .sharedStartReply(queryID: try reader.readQueryID(), delta: try reader.readWords(), boundShares: try reader.readWords())
        case 2: self = .paillierSquares(queryID: try reader.readQueryID(), sums: try reader.readCiphertexts(publicKey: publicKey))
        case 3: self = .compute(queryID: try reader.readQueryID(), slots: try reader.readInts(), distanceShares: try reader.readWords())
        case 4: self = .ssedReply(queryID: try reader.readQueryID(), sums: try reader.readCiphertexts(publicKey: publicKey))
        case 5: self = .done(queryID: try reader.readQueryID(), winners: try reader.readInts())
        case 6: self = .finished(queryID: try reader.readQueryID())
        case let other: throw .invalidValue(offset: start, reason: "unknown C2 message \(other)")
        }
    }
}

// MARK: user messages

/// The user's query for C1: `"FNQ1"` v2, the query id, k, the payload (1 shared: share and norms; 2 Paillier:
/// coordinates, packed, sum, root), then whether the user asks for the winners' vectors (a byte; version 1 wrote
/// it only when set).
extension FNNQueryForC1: ContextualWireMessage, FNNFormat {
    public static let magic = FormatMagic("FNQ1")
    public static let legacyKind: UInt8 = 3

    public func encode(to writer: inout ByteWriter, context publicKey: PaillierPublicKey?) {
        writer.write(queryID); writer.writeCount(k)
        switch payload {
        case let .shared(share, norms):
            writer.write(UInt8(1)); writer.writeWords(share); writer.writeWords(norms)
        case let .paillier(coordinates, packed, sum, root):
            writer.write(UInt8(2)); writer.writeCiphertexts(coordinates, publicKey: publicKey)
            writer.writeCiphertexts(packed, publicKey: publicKey)
            writer.writeCiphertext(sum, publicKey: publicKey); writer.writeCiphertext(root, publicKey: publicKey)
        }
        writer.write(wantsVectors)
    }

    public init(from reader: inout ByteReader, version: UInt16, context publicKey: PaillierPublicKey?) throws(WireError) {
        let id = try reader.readQueryID(), k = try reader.readCount()
        let payload: Payload
        let payloadOffset = reader.offset
        switch try reader.read(UInt8.self) {
        case 1: payload = .shared(share: try reader.readWords(), norms: try reader.readWords())
        case 2:
            payload = .paillier(coordinates: try reader.readCiphertexts(publicKey: publicKey),
                                packed: try reader.readCiphertexts(publicKey: publicKey),
                                sum: try reader.readCiphertext(publicKey: publicKey), root: try reader.readCiphertext(publicKey: publicKey))
        case let other: throw .invalidValue(offset: payloadOffset, reason: "unknown query payload \(other)")
        }
        var wantsVectors = false
        if version >= 2 {
            wantsVectors = try reader.readBool()
        } else if !reader.isAtEnd {
            let flagOffset = reader.offset
            guard try reader.read(UInt8.self) == 1 else { throw .invalidValue(offset: flagOffset, reason: "unknown query flag") }
            wantsVectors = true
        }
        self.init(queryID: id, k: k, payload: payload, wantsVectors: wantsVectors)
    }
}

/// The user's share for C2: `"FNQ2"` v2, the query id and the 32-byte share seed.
extension FNNQueryForC2: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNQ2")
    public static let legacyKind: UInt8 = 4

    public func encode(to writer: inout ByteWriter) {
        writer.write(queryID); writer.writeBytes(seed)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let id = try reader.readQueryID()
        self.init(queryID: id, seed: try reader.readBytes(exactly: 32, "share seeds are 32 bytes"))
    }
}

/// C1's result for the user: `"FNRS"` v2, the query id, record and rejected counts, the entries (id, sealed
/// label, mask), then whether vector mask seeds follow (a byte; version 1 wrote the seeds only when present).
extension FNNC1Result: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNRS")
    public static let legacyKind: UInt8 = 5

    public func encode(to writer: inout ByteWriter) {
        writer.write(queryID); writer.writeCount(recordCount); writer.writeCount(rejected); writer.writeCount(entries.count)
        for entry in entries {
            writer.write(entry.id); writer.writeBytes(entry.sealedLabel); writer.writeWord(entry.mask)
        }
        let hasSeeds = entries.contains { !$0.vectorMaskSeed.isEmpty }
        writer.write(hasSeeds)
        if hasSeeds {
            for entry in entries { writer.writeBytes(entry.vectorMaskSeed) }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let id = try reader.readQueryID()
        let countsOffset = reader.offset
        let count = try reader.readCount(), rejected = try reader.readCount(), entryCount = try reader.readCount()
        guard entryCount <= count, rejected <= count else {
            throw .invalidValue(offset: countsOffset, reason: "result counts are inconsistent")
        }
        var entries = [FNNResultEntry]()
        for _ in 0..<entryCount {
            let recordID = try reader.read(UInt64.self), label = try reader.readSeed()
            entries.append(FNNResultEntry(id: recordID, sealedLabel: label, mask: try reader.readWord()))
        }
        let hasSeeds = version >= 2 ? try reader.readBool() : !reader.isAtEnd
        if hasSeeds {
            for index in entries.indices {
                entries[index].vectorMaskSeed = try reader.readBytes(exactly: 32, "vector mask seeds are 32 bytes")
            }
        }
        self.init(queryID: id, entries: entries, recordCount: count, rejected: rejected)
    }
}

/// C2's hand-over: `"FNHO"` v2, the query id, the masked winners, then the masked vectors' form (0 none,
/// 1 shared rows, 2 Paillier rows of big integers; version 1 left the form out for none).
extension FNNC2Handover: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNHO")
    public static let legacyKind: UInt8 = 6

    public func encode(to writer: inout ByteWriter) {
        writer.write(queryID); writer.writeWords(masked)
        switch vectors {
        case nil:
            writer.write(UInt8(0))
        case let .shared(rows)?:
            writer.write(UInt8(1)); writer.writeCount(rows.count)
            for row in rows { writer.writeArray(row) }
        case let .paillier(rows)?:
            writer.write(UInt8(2)); writer.writeCount(rows.count)
            for row in rows {
                writer.writeCount(row.count)
                for value in row { writer.writeBytes(value.magnitudeBytes()) }
            }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let id = try reader.readQueryID(), masked = try reader.readWords()
        var vectors: FNNMaskedVectors?
        var form: UInt8 = 0
        if version >= 2 || !reader.isAtEnd {
            form = try reader.readForm(below: 3, "masked vector form")
            // Version 1 wrote no form for "none".
            guard form != 0 || version >= 2 else {
                throw .invalidValue(offset: reader.offset - 1, reason: "unknown masked vector form 0")
            }
        }
        if form != 0 {
            let countOffset = reader.offset
            let count = try reader.readRowCount(minimumRowBytes: 4)
            guard count == masked.count else {
                throw .invalidValue(offset: countOffset, reason: "one masked vector per winner expected")
            }
            if form == 1 {
                var rows = [[UInt64]]()
                for _ in 0..<count { rows.append(try reader.readArray(of: UInt64.self, maxCount: FNNWire.maxElements)) }
                vectors = .shared(rows)
            } else {
                var rows = [[BigInt]]()
                for _ in 0..<count {
                    // Each group takes at least its 4-byte length prefix.
                    let groups = try reader.readRowCount(minimumRowBytes: 4)
                    var row = [BigInt]()
                    row.reserveCapacity(groups)
                    for _ in 0..<groups { row.append(BigInt(magnitudeBytes: try reader.readBytes(maxLength: 1024))) }
                    rows.append(row)
                }
                vectors = .paillier(rows)
            }
        }
        self.init(queryID: id, masked: masked, vectors: vectors)
    }
}

// MARK: owner uploads

/// Records for C1: `"FNRC"` v2, the count, then per record its id, sealed label and payload (1 shared: masked
/// vector and norms; 2 Paillier: coordinates, packed, sum, root). C1 stores each record as a batch of one.
public struct FNNRecordBatch: ContextualWireMessage, FNNFormat, Equatable {
    public static let magic = FormatMagic("FNRC")
    public static let legacyKind: UInt8 = 7

    /// The records.
    public var records: [FNNC1Record]

    /// Creates a batch.
    public init(_ records: [FNNC1Record]) { self.records = records }

    public func encode(to writer: inout ByteWriter, context publicKey: PaillierPublicKey?) {
        writer.writeCount(records.count)
        for record in records {
            writer.write(record.id); writer.writeBytes(record.sealedLabel)
            switch record.payload {
            case let .shared(masked, norms): writer.write(UInt8(1)); writer.writeWords(masked); writer.writeWords(norms)
            case let .paillier(coordinates, packed, sum, root):
                writer.write(UInt8(2)); writer.writeCiphertexts(coordinates, publicKey: publicKey)
                writer.writeCiphertexts(packed, publicKey: publicKey)
                writer.writeCiphertext(sum, publicKey: publicKey); writer.writeCiphertext(root, publicKey: publicKey)
            }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16, context publicKey: PaillierPublicKey?) throws(WireError) {
        // Each record takes at least 8 (id) + 4 (label length) + 1 (payload kind) bytes.
        let count = try reader.readRowCount(minimumRowBytes: 13)
        var records = [FNNC1Record]()
        for _ in 0..<count {
            let id = try reader.read(UInt64.self), label = try reader.readSeed()
            let payloadOffset = reader.offset
            switch try reader.read(UInt8.self) {
            case 1:
                records.append(FNNC1Record(id: id, sealedLabel: label,
                                           payload: .shared(masked: try reader.readWords(), norms: try reader.readWords())))
            case 2:
                records.append(FNNC1Record(id: id, sealedLabel: label, payload: .paillier(
                    coordinates: try reader.readCiphertexts(publicKey: publicKey), packed: try reader.readCiphertexts(publicKey: publicKey),
                    sum: try reader.readCiphertext(publicKey: publicKey), root: try reader.readCiphertext(publicKey: publicKey))))
            case let other:
                throw .invalidValue(offset: payloadOffset, reason: "unknown record payload \(other)")
            }
        }
        self.init(records)
    }
}

/// Record ids (deletions): `"FNID"` v2, a count-prefixed list of UInt64.
public struct FNNRecordIDs: WireMessage, FNNFormat, Equatable {
    public static let magic = FormatMagic("FNID")
    public static let legacyKind: UInt8 = 14

    /// The ids.
    public var ids: [UInt64]

    /// Creates a list.
    public init(_ ids: [UInt64]) { self.ids = ids }

    public func encode(to writer: inout ByteWriter) { writer.writeArray(ids) }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        self.init(try reader.readIDs(maxCount: FNNWire.maxElements))
    }
}

/// C1's correlation seeds: `"FNP1"` v2, a count, then per entry its index and seed.
public struct FNNPoolSeeds: WireMessage, FNNFormat, Equatable {
    public static let magic = FormatMagic("FNP1")
    public static let legacyKind: UInt8 = 8

    /// The seeds.
    public var seeds: [FNNPoolSeed]

    /// Creates a list.
    public init(_ seeds: [FNNPoolSeed]) { self.seeds = seeds }

    public func encode(to writer: inout ByteWriter) { FNNPoolSeed.write(seeds, to: &writer) }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        self.init(try FNNPoolSeed.read(from: &reader))
    }
}

extension FNNPoolSeed {
    static func write(_ seeds: [FNNPoolSeed], to writer: inout ByteWriter) {
        writer.writeCount(seeds.count)
        for seed in seeds { writer.write(seed.index); writer.writeBytes(seed.seed) }
    }

    static func read(from reader: inout ByteReader) throws(WireError) -> [FNNPoolSeed] {
        let count = try reader.readRowCount(minimumRowBytes: 12)
        var seeds = [FNNPoolSeed]()
        for _ in 0..<count { seeds.append(FNNPoolSeed(index: try reader.read(UInt64.self), seed: try reader.readSeed())) }
        return seeds
    }
}

/// C2's half of the correlation pool: `"FNP2"` v2, the entry seeds (as ``FNNPoolSeeds``), then the explicit rows
/// (entry, record id, four Z/2^128 values).
extension FNNSharedPoolC2: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNP2")
    public static let legacyKind: UInt8 = 9

    public func encode(to writer: inout ByteWriter) {
        FNNPoolSeed.write(entries, to: &writer)
        writer.writeCount(rows.count)
        for row in rows {
            writer.write(row.entry); writer.write(row.id)
            for value in row.values { writer.writeWord(value) }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let seeds = try FNNPoolSeed.read(from: &reader)
        let rowCount = try reader.readRowCount(minimumRowBytes: 80)
        var rows = [FNNPoolRow]()
        rows.reserveCapacity(rowCount)
        for _ in 0..<rowCount {
            let entry = try reader.read(UInt64.self), id = try reader.read(UInt64.self)
            var values = [UInt128]()
            for _ in 0..<4 { values.append(try reader.readWord()) }
            rows.append(FNNPoolRow(entry: entry, id: id, values: values))
        }
        self.init(entries: seeds, rows: rows)
    }
}
