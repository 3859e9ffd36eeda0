import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// The versioned binary wire and file formats of the FNN engine (`"FNNM"`, version 1, then a kind byte).
///
/// Every decoder checks lengths against the parameters and refuses trailing bytes; ciphertexts are read at the
/// key's fixed width and checked to lie in `1..<N^2`.
public enum FNNWire {
    /// The format tag.
    public static let magic = FormatMagic("FNNM")
    /// The current version.
    public static let version: UInt16 = 1
    /// The most elements any array may announce.
    public static let maxElements = 1 << 23

    /// What a byte string holds.
    public enum Kind: UInt8, Sendable {
        case c1Message = 1, c2Message, queryForC1, queryForC2, result, handover, records, c1Pool, c2Pool
        case c1Setup, c2Setup, userCredentials, ownerKeys, recordIDs
    }

    // MARK: writer and reader with the key

    struct Writer {
        var bytes = ByteWriter()
        let publicKey: PaillierPublicKey?
        init(kind: Kind, publicKey: PaillierPublicKey?) {
            self.publicKey = publicKey
            bytes.writeHeader(magic: FNNWire.magic, version: FNNWire.version)
            bytes.write(kind.rawValue)
        }
        mutating func id(_ id: FNNQueryID) { bytes.writeRaw(id.bytes) }
        mutating func int(_ value: Int) { bytes.write(UInt32(value)) }
        mutating func words(_ values: [UInt128]) { bytes.writeWords(values) }
        mutating func ints(_ values: [Int]) { bytes.writeArray(values.map { UInt32($0) }) }
        mutating func ciphertexts(_ values: [PaillierCiphertext]) {
            bytes.write(UInt32(values.count))
            for value in values { bytes.write(value, publicKey: publicKey!) }
        }
        mutating func ciphertext(_ value: PaillierCiphertext) { bytes.write(value, publicKey: publicKey!) }
    }

    struct Reader {
        var bytes: ByteReader
        let publicKey: PaillierPublicKey?
        init(_ raw: [UInt8], kind: Kind, publicKey: PaillierPublicKey?) throws(FNNError) {
            bytes = ByteReader(raw)
            self.publicKey = publicKey
            do {
                try bytes.readHeader(magic: FNNWire.magic, supportedVersions: 1...FNNWire.version)
                let start = bytes.offset
                let found = try bytes.read(UInt8.self)
                guard found == kind.rawValue else {
                    throw WireError.invalidValue(offset: start, reason: "expected FNN kind \(kind.rawValue), found \(found)")
                }
            } catch let error as WireError { throw .wire(error) } catch { throw .malformed("\(error)") }
        }
        func wrap<T>(_ body: () throws -> T) throws(FNNError) -> T {
            do { return try body() } catch let error as WireError { throw .wire(error) } catch let error as FNNError {
                throw error
            } catch let error as PaillierError { throw .paillier("\(error)") } catch { throw .malformed("\(error)") }
        }
        mutating func id() throws(FNNError) -> FNNQueryID {
            let raw = try wrap { try bytes.readRaw(count: 16) }
            return try FNNQueryID(bytes: raw)
        }
        mutating func u8() throws(FNNError) -> UInt8 { try wrap { try bytes.read(UInt8.self) } }
        mutating func u64() throws(FNNError) -> UInt64 { try wrap { try bytes.read(UInt64.self) } }
        mutating func int() throws(FNNError) -> Int { Int(try wrap { try bytes.read(UInt32.self) }) }
        mutating func words() throws(FNNError) -> [UInt128] { try wrap { try bytes.readWords(maxCount: FNNWire.maxElements) } }
        mutating func ints() throws(FNNError) -> [Int] {
            try wrap { try bytes.readArray(of: UInt32.self, maxCount: FNNWire.maxElements).map { Int($0) } }
        }
        mutating func ids() throws(FNNError) -> [UInt64] { try wrap { try bytes.readIDs(maxCount: FNNWire.maxElements) } }
        mutating func raw() throws(FNNError) -> [UInt8] { try wrap { try bytes.readBytes(maxLength: 1 << 20) } }
        mutating func order() throws(FNNError) -> FNNScanOrder {
            let code = try u8()
            guard let order = FNNScanOrder(code: code) else { throw .malformed("unknown scan order \(code)") }
            return order
        }
        mutating func ciphertext() throws(FNNError) -> PaillierCiphertext {
            guard let publicKey else { throw .backendMismatch(expected: "shared", found: "paillier") }
            return try wrap { try bytes.readCiphertext(publicKey: publicKey) }
        }
        mutating func ciphertexts() throws(FNNError) -> [PaillierCiphertext] {
            let count = try int()
            if count == 0 { return [] }
            guard let publicKey else { throw .backendMismatch(expected: "shared", found: "paillier") }
            guard count <= FNNWire.maxElements, bytes.remaining >= count * publicKey.ciphertextByteCount else {
                throw .wire(.truncated(offset: bytes.offset, needed: count * publicKey.ciphertextByteCount,
                                       available: bytes.remaining))
            }
            var out = [PaillierCiphertext]()
            out.reserveCapacity(count)
            for _ in 0..<count { out.append(try ciphertext()) }
            return out
        }
        func end() throws(FNNError) { try wrap { try bytes.expectEnd() } }
    }

    // MARK: search messages

    /// Encodes a C1-to-C2 message.
    public static func encode(_ message: FNNC1Message, publicKey: PaillierPublicKey?) -> [UInt8] {
        var w = Writer(kind: .c1Message, publicKey: publicKey)
        switch message {
        case let .sharedStart(id, entry, ids, k, batchSize, order, delta):
            w.bytes.write(UInt8(1)); w.id(id); w.bytes.write(entry); w.bytes.writeArray(ids); w.int(k); w.int(batchSize)
            w.bytes.write(order.code); w.words(delta)
        case let .paillierStart(id, count, k, batchSize, order, packed):
            w.bytes.write(UInt8(2)); w.id(id); w.int(count); w.int(k); w.int(batchSize); w.bytes.write(order.code)
            w.ciphertexts(packed)
        case let .lowerBounds(id, values):
            w.bytes.write(UInt8(3)); w.id(id); writeBlinded(values, &w)
        case let .ssedRequest(id, slots, packed):
            w.bytes.write(UInt8(4)); w.id(id); w.ints(slots); w.ciphertexts(packed)
        case let .distances(id, slots, values):
            w.bytes.write(UInt8(5)); w.id(id); w.ints(slots); writeBlinded(values, &w)
        case let .finish(id, masked, vectors):
            w.bytes.write(UInt8(6)); w.id(id); w.ciphertexts(masked)
            switch vectors {
            case .none: break
            case let .shared(rows):
                w.bytes.write(UInt8(1)); w.int(rows.count)
                for row in rows { w.bytes.writeArray(row) }
            case let .paillier(rows):
                w.bytes.write(UInt8(2)); w.int(rows.count)
                for row in rows { w.ciphertexts(row) }
            }
        }
        return w.bytes.bytes
    }

    private static func writeBlinded(_ values: FNNBlindedValues, _ w: inout Writer) {
        switch values {
        case let .shares(words): w.bytes.write(UInt8(1)); w.words(words)
        case let .packed(ciphertexts): w.bytes.write(UInt8(2)); w.ciphertexts(ciphertexts)
        }
    }

    private static func readBlinded(_ r: inout Reader) throws(FNNError) -> FNNBlindedValues {
        switch try r.u8() {
        case 1: return .shares(try r.words())
        case 2: return .packed(try r.ciphertexts())
        case let other: throw .malformed("unknown blinded form \(other)")
        }
    }

    /// Decodes a C1-to-C2 message (`publicKey` is required for the Paillier back end).
    public static func decodeC1Message(_ bytes: [UInt8], publicKey: PaillierPublicKey?) throws(FNNError) -> FNNC1Message {
        var r = try Reader(bytes, kind: .c1Message, publicKey: publicKey)
        let message: FNNC1Message
        switch try r.u8() {
        case 1:
            message = .sharedStart(queryID: try r.id(), entry: try r.u64(), ids: try r.ids(), k: try r.int(),
                                   batchSize: try r.int(), order: try r.order(), delta: try r.words())
        case 2:
            message = .paillierStart(queryID: try r.id(), count: try r.int(), k: try r.int(), batchSize: try r.int(),
                                     order: try r.order(), packed: try r.ciphertexts())
        case 3: message = .lowerBounds(queryID: try r.id(), values: try readBlinded(&r))
        case 4: message = .ssedRequest(queryID: try r.id(), slots: try r.ints(), packed: try r.ciphertexts())
        case 5: message = .distances(queryID: try r.id(), slots: try r.ints(), values: try readBlinded(&r))
        case 6: message = .finish(queryID: try r.id(), masked: try r.ciphertexts(), vectors: try readVectorsForC2(&r))
        case let other: throw .malformed("unknown C1 message \(other)")
        }
        try r.end()
        return message
    }

    /// The optional trailing vector section of a finish message (absent: no vectors).
    private static func readVectorsForC2(_ r: inout Reader) throws(FNNError) -> FNNVectorsForC2 {
        guard r.bytes.remaining > 0 else { return .none }
        let form = try r.u8()
        let count = try r.int()
        guard count <= 1 << 20 else { throw .malformed("too many masked vectors") }
        switch form {
        case 1:
            var rows = [[UInt64]]()
            for _ in 0..<count {
                rows.append(try r.wrap { try r.bytes.readArray(of: UInt64.self, maxCount: FNNWire.maxElements) })
            }
            return .shared(rows)
        case 2:
            var rows = [[PaillierCiphertext]]()
            for _ in 0..<count { rows.append(try r.ciphertexts()) }
            return .paillier(rows)
        case let other: throw .malformed("unknown masked vector form \(other)")
        }
    }

    /// Encodes a C2-to-C1 message.
    public static func encode(_ message: FNNC2Message, publicKey: PaillierPublicKey?) -> [UInt8] {
        var w = Writer(kind: .c2Message, publicKey: publicKey)
        switch message {
        case let .sharedStartReply(id, delta, shares):
            w.bytes.write(UInt8(1)); w.id(id); w.words(delta); w.words(shares)
        case let .paillierSquares(id, sums):
            w.bytes.write(UInt8(2)); w.id(id); w.ciphertexts(sums)
        case let .compute(id, slots, shares):
            w.bytes.write(UInt8(3)); w.id(id); w.ints(slots); w.words(shares)
        case let .ssedReply(id, sums):
            w.bytes.write(UInt8(4)); w.id(id); w.ciphertexts(sums)
        case let .done(id, winners):
            w.bytes.write(UInt8(5)); w.id(id); w.ints(winners)
        case let .finished(id):
            w.bytes.write(UInt8(6)); w.id(id)
        }
        return w.bytes.bytes
    }

    /// Decodes a C2-to-C1 message.
    public static func decodeC2Message(_ bytes: [UInt8], publicKey: PaillierPublicKey?) throws(FNNError) -> FNNC2Message {
        var r = try Reader(bytes, kind: .c2Message, publicKey: publicKey)
        let message: FNNC2Message
        switch try r.u8() {
        case 1: message = .sharedStartReply(queryID: try r.id(), delta: try r.words(), boundShares: try r.words())
        case 2: message = .paillierSquares(queryID: try r.id(), sums: try r.ciphertexts())
        case 3: message = .compute(queryID: try r.id(), slots: try r.ints(), distanceShares: try r.words())
        case 4: message = .ssedReply(queryID: try r.id(), sums: try r.ciphertexts())
        case 5: message = .done(queryID: try r.id(), winners: try r.ints())
        case 6: message = .finished(queryID: try r.id())
        case let other: throw .malformed("unknown C2 message \(other)")
        }
        try r.end()
        return message
    }

    // MARK: user messages

    /// Encodes the user's query for C1.
    public static func encode(_ query: FNNQueryForC1, publicKey: PaillierPublicKey?) -> [UInt8] {
        var w = Writer(kind: .queryForC1, publicKey: publicKey)
        w.id(query.queryID); w.int(query.k)
        switch query.payload {
        case let .shared(share, norms):
            w.bytes.write(UInt8(1)); w.words(share); w.words(norms)
        case let .paillier(coordinates, packed, sum, root):
            w.bytes.write(UInt8(2)); w.ciphertexts(coordinates); w.ciphertexts(packed); w.ciphertext(sum); w.ciphertext(root)
        }
        if query.wantsVectors { w.bytes.write(UInt8(1)) }
        return w.bytes.bytes
    }

    /// Decodes the user's query for C1.
    public static func decodeQueryForC1(_ bytes: [UInt8], publicKey: PaillierPublicKey?) throws(FNNError) -> FNNQueryForC1 {
        var r = try Reader(bytes, kind: .queryForC1, publicKey: publicKey)
        let id = try r.id(), k = try r.int()
        let payload: FNNQueryForC1.Payload
        switch try r.u8() {
        case 1: payload = .shared(share: try r.words(), norms: try r.words())
        case 2:
            payload = .paillier(coordinates: try r.ciphertexts(), packed: try r.ciphertexts(), sum: try r.ciphertext(),
                                root: try r.ciphertext())
        case let other: throw .malformed("unknown query payload \(other)")
        }
        // Optional trailing flag: 1 = the user asks for the winners' vectors.
        var wantsVectors = false
        if r.bytes.remaining > 0 {
            let flag = try r.u8()
            guard flag == 1 else { throw .malformed("unknown query flag \(flag)") }
            wantsVectors = true
        }
        try r.end()
        return FNNQueryForC1(queryID: id, k: k, payload: payload, wantsVectors: wantsVectors)
    }

    /// Encodes the user's share for C2.
    public static func encode(_ query: FNNQueryForC2) -> [UInt8] {
        var w = Writer(kind: .queryForC2, publicKey: nil)
        w.id(query.queryID); w.bytes.writeBytes(query.seed)
        return w.bytes.bytes
    }

    /// Decodes the user's share for C2.
    public static func decodeQueryForC2(_ bytes: [UInt8]) throws(FNNError) -> FNNQueryForC2 {
        var r = try Reader(bytes, kind: .queryForC2, publicKey: nil)
        let id = try r.id(), seed = try r.raw()
        try r.end()
        guard seed.count == 32 else { throw .malformed("share seeds are 32 bytes") }
        return FNNQueryForC2(queryID: id, seed: seed)
    }

    /// Encodes C1's result for the user.
    public static func encode(_ result: FNNC1Result) -> [UInt8] {
        var w = Writer(kind: .result, publicKey: nil)
        w.id(result.queryID); w.int(result.recordCount); w.int(result.rejected); w.int(result.entries.count)
        for entry in result.entries {
            w.bytes.write(entry.id); w.bytes.writeBytes(entry.sealedLabel); w.bytes.writeWord(entry.mask)
        }
        // Optional trailing section: the vector mask seeds, one per entry.
        if result.entries.contains(where: { !$0.vectorMaskSeed.isEmpty }) {
            for entry in result.entries { w.bytes.writeBytes(entry.vectorMaskSeed) }
        }
        return w.bytes.bytes
    }

    /// Decodes C1's result.
    public static func decodeResult(_ bytes: [UInt8]) throws(FNNError) -> FNNC1Result {
        var r = try Reader(bytes, kind: .result, publicKey: nil)
        let id = try r.id(), count = try r.int(), rejected = try r.int(), entries = try r.int()
        guard entries <= count, rejected <= count else { throw .malformed("result counts are inconsistent") }
        var out = [FNNResultEntry]()
        for _ in 0..<entries {
            let recordID = try r.u64(), label = try r.raw()
            let mask = try r.wrap { try r.bytes.readWord() }
            out.append(FNNResultEntry(id: recordID, sealedLabel: label, mask: mask))
        }
        if r.bytes.remaining > 0 {
            for index in out.indices {
                let seed = try r.raw()
                guard seed.count == 32 else { throw .malformed("vector mask seeds are 32 bytes") }
                out[index].vectorMaskSeed = seed
            }
        }
        try r.end()
        return FNNC1Result(queryID: id, entries: out, recordCount: count, rejected: rejected)
    }

    /// Encodes C2's hand-over.
    public static func encode(_ handover: FNNC2Handover) -> [UInt8] {
        var w = Writer(kind: .handover, publicKey: nil)
        w.id(handover.queryID); w.words(handover.masked)
        // Optional trailing section: the masked vectors.
        switch handover.vectors {
        case nil: break
        case let .shared(rows)?:
            w.bytes.write(UInt8(1)); w.int(rows.count)
            for row in rows { w.bytes.writeArray(row) }
        case let .paillier(rows)?:
            w.bytes.write(UInt8(2)); w.int(rows.count)
            for row in rows {
                w.int(row.count)
                for value in row { w.bytes.writeBytes(value.magnitudeBytes()) }
            }
        }
        return w.bytes.bytes
    }

    /// Decodes C2's hand-over.
    public static func decodeHandover(_ bytes: [UInt8]) throws(FNNError) -> FNNC2Handover {
        var r = try Reader(bytes, kind: .handover, publicKey: nil)
        let id = try r.id(), masked = try r.words()
        var vectors: FNNMaskedVectors?
        if r.bytes.remaining > 0 {
            let form = try r.u8(), count = try r.int()
            guard count == masked.count else { throw .malformed("one masked vector per winner expected") }
            switch form {
            case 1:
                var rows = [[UInt64]]()
                for _ in 0..<count {
                    rows.append(try r.wrap { try r.bytes.readArray(of: UInt64.self, maxCount: FNNWire.maxElements) })
                }
                vectors = .shared(rows)
            case 2:
                var rows = [[BigInt]]()
                for _ in 0..<count {
                    let groups = try r.int()
                    // Each group takes at least its 4-byte length prefix.
                    guard groups <= FNNWire.maxElements, r.bytes.remaining >= groups * 4 else {
                        throw .malformed("masked vector group count does not match the data")
                    }
                    var row = [BigInt]()
                    row.reserveCapacity(groups)
                    for _ in 0..<groups {
                        let raw = try r.wrap { try r.bytes.readBytes(maxLength: 1024) }
                        row.append(BigInt(magnitudeBytes: raw))
                    }
                    rows.append(row)
                }
                vectors = .paillier(rows)
            case let other: throw .malformed("unknown masked vector form \(other)")
            }
        }
        try r.end()
        return FNNC2Handover(queryID: id, masked: masked, vectors: vectors)
    }

    // MARK: owner uploads

    /// Encodes records for C1.
    public static func encode(_ records: [FNNC1Record], publicKey: PaillierPublicKey?) -> [UInt8] {
        var w = Writer(kind: .records, publicKey: publicKey)
        w.int(records.count)
        for record in records {
            w.bytes.write(record.id); w.bytes.writeBytes(record.sealedLabel)
            switch record.payload {
            case let .shared(masked, norms): w.bytes.write(UInt8(1)); w.words(masked); w.words(norms)
            case let .paillier(coordinates, packed, sum, root):
                w.bytes.write(UInt8(2)); w.ciphertexts(coordinates); w.ciphertexts(packed); w.ciphertext(sum); w.ciphertext(root)
            }
        }
        return w.bytes.bytes
    }

    /// Decodes records for C1.
    public static func decodeRecords(_ bytes: [UInt8], publicKey: PaillierPublicKey?) throws(FNNError) -> [FNNC1Record] {
        var r = try Reader(bytes, kind: .records, publicKey: publicKey)
        let count = try r.int()
        guard count <= FNNWire.maxElements else { throw .malformed("too many records") }
        var out = [FNNC1Record]()
        for _ in 0..<count {
            let id = try r.u64(), label = try r.raw()
            switch try r.u8() {
            case 1: out.append(FNNC1Record(id: id, sealedLabel: label, payload: .shared(masked: try r.words(), norms: try r.words())))
            case 2:
                out.append(FNNC1Record(id: id, sealedLabel: label,
                                       payload: .paillier(coordinates: try r.ciphertexts(), packed: try r.ciphertexts(),
                                                          sum: try r.ciphertext(), root: try r.ciphertext())))
            case let other: throw .malformed("unknown record payload \(other)")
            }
        }
        try r.end()
        return out
    }

    /// Encodes record ids (deletions).
    public static func encode(recordIDs: [UInt64]) -> [UInt8] {
        var w = Writer(kind: .recordIDs, publicKey: nil)
        w.bytes.writeArray(recordIDs)
        return w.bytes.bytes
    }

    /// Decodes record ids.
    public static func decodeRecordIDs(_ bytes: [UInt8]) throws(FNNError) -> [UInt64] {
        var r = try Reader(bytes, kind: .recordIDs, publicKey: nil)
        let ids = try r.ids()
        try r.end()
        return ids
    }

    /// Encodes C1's correlation seeds.
    public static func encode(c1Pool seeds: [FNNPoolSeed]) -> [UInt8] {
        var w = Writer(kind: .c1Pool, publicKey: nil)
        w.int(seeds.count)
        for seed in seeds { w.bytes.write(seed.index); w.bytes.writeBytes(seed.seed) }
        return w.bytes.bytes
    }

    /// Decodes C1's correlation seeds.
    public static func decodeC1Pool(_ bytes: [UInt8]) throws(FNNError) -> [FNNPoolSeed] {
        var r = try Reader(bytes, kind: .c1Pool, publicKey: nil)
        let count = try r.int()
        guard count <= FNNWire.maxElements else { throw .malformed("too many seeds") }
        var out = [FNNPoolSeed]()
        for _ in 0..<count { out.append(FNNPoolSeed(index: try r.u64(), seed: try r.raw())) }
        try r.end()
        return out
    }

    /// Encodes C2's half of the correlation pool.
    public static func encode(c2Pool pool: FNNSharedPoolC2) -> [UInt8] {
        var w = Writer(kind: .c2Pool, publicKey: nil)
        w.int(pool.entries.count)
        for seed in pool.entries { w.bytes.write(seed.index); w.bytes.writeBytes(seed.seed) }
        w.int(pool.rows.count)
        for row in pool.rows {
            w.bytes.write(row.entry); w.bytes.write(row.id)
            for value in row.values { w.bytes.writeWord(value) }
        }
        return w.bytes.bytes
    }

    /// Decodes C2's half of the correlation pool.
    public static func decodeC2Pool(_ bytes: [UInt8]) throws(FNNError) -> FNNSharedPoolC2 {
        var r = try Reader(bytes, kind: .c2Pool, publicKey: nil)
        let count = try r.int()
        guard count <= FNNWire.maxElements else { throw .malformed("too many seeds") }
        var seeds = [FNNPoolSeed]()
        for _ in 0..<count { seeds.append(FNNPoolSeed(index: try r.u64(), seed: try r.raw())) }
        let rowCount = try r.int()
        guard rowCount <= FNNWire.maxElements, r.bytes.remaining >= rowCount * 80 else {
            throw .malformed("row count does not match the data")
        }
        var rows = [FNNPoolRow]()
        rows.reserveCapacity(rowCount)
        for _ in 0..<rowCount {
            let entry = try r.u64(), id = try r.u64()
            var values = [UInt128]()
            for _ in 0..<4 { values.append(try r.wrap { try r.bytes.readWord() }) }
            rows.append(FNNPoolRow(entry: entry, id: id, values: values))
        }
        try r.end()
        return FNNSharedPoolC2(entries: seeds, rows: rows)
    }
}
