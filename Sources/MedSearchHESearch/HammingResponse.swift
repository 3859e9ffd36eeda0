import MedSearchBFV
import MedSearchCore

/// The server's answer (wire version 3): per response ciphertext ("shelf", up to `N` records), which positions hold
/// live records (a bitmap), their identifiers unless withheld (zig-zag varint deltas), the second and third
/// polynomials of the product switched to `2^k` (`N` values each) and the first polynomial **only at the live
/// positions**, rounded to `2^(k_0)`. The client can decrypt the live records' coefficients and no other.
struct HammingResponse: Sendable {
    struct Shelf: Sendable {
        /// Positions in the shelf (live or not).
        let span: Int
        /// Live positions (ascending).
        let positions: [Int]
        /// Identifiers at those positions (empty when withheld).
        let ids: [UInt64]
        /// `c_0` at `positions` (`k_0` bits each), then `c_1`, `c_2` (`N` values of `k` bits).
        let results: [UInt64]
        let c1: [UInt64]
        let c2: [UInt64]
    }

    let shelves: [Shelf]
    /// Whether the server withheld the identifiers (unlinkable mode: shelves are in a fresh random order).
    let withholdsIdentifiers: Bool

    /// The header, in a writer with room for `bodyBytes` more (the shelves that follow: a response of a million
    /// records is 8 MB, and growing it step by step would copy it and fault in fresh pages several times).
    static func header(configuration: HammingSearchConfiguration, shelfCount: Int,
                       withholdsIdentifiers: Bool = false, bodyBytes: Int = 0) -> ByteWriter {
        var writer = ByteWriter(capacity: 64 + bodyBytes)
        writer.writeHeader(magic: HESearchWire.response, version: HESearchWire.layoutVersion)
        configuration.write(to: &writer)
        writer.write(UInt8(withholdsIdentifiers ? 1 : 0))
        writer.write(UInt8(configuration.responseBits))
        writer.write(UInt8(configuration.resultBits))
        writer.write(UInt32(shelfCount))
        return writer
    }

    /// Writes one shelf (the server serialises shelves in parallel).
    static func writeShelf(span: Int, positions: [Int], ids: [UInt64]?, results: [UInt64], c1: [UInt64], c2: [UInt64],
                           configuration: HammingSearchConfiguration, into writer: inout ByteWriter) {
        writer.write(UInt16(span))
        var bitmap = [UInt8](repeating: 0, count: (span + 7) / 8)
        for p in positions { bitmap[p >> 3] |= 1 << UInt8(p & 7) }
        writer.writeRaw(bitmap)
        if let ids {
            var previous: UInt64 = 0
            var varints: [UInt8] = []
            for id in ids {
                let delta = Int64(bitPattern: id &- previous)
                var zigzag = UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
                while zigzag >= 0x80 {
                    varints.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
                    zigzag >>= 7
                }
                varints.append(UInt8(zigzag))
                previous = id
            }
            writer.writeRaw(varints)
        }
        var packed: [UInt8] = []
        c1.withUnsafeBufferPointer { BitPacking.pack($0, bits: configuration.responseBits, into: &packed) }
        c2.withUnsafeBufferPointer { BitPacking.pack($0, bits: configuration.responseBits, into: &packed) }
        results.withUnsafeBufferPointer { BitPacking.pack($0, bits: configuration.resultBits, into: &packed) }
        writer.writeRaw(packed)
    }

    /// Decodes a response; every count is bounded by the bytes present.
    init(serialized bytes: [UInt8], configuration: HammingSearchConfiguration) throws(HESearchError) {
        var reader = ByteReader(bytes)
        let (withholds, count) = try Self.readHeader(&reader, configuration: configuration)
        let n = configuration.parameters.polyDegree
        let k = configuration.responseBits, k0 = configuration.resultBits
        let polyBytes = BitPacking.byteCount(count: n, bits: k)
        var shelves: [Shelf] = []
        shelves.reserveCapacity(count)
        for _ in 0..<count {
            let located = try Self.locateShelf(&reader, withholds: withholds, configuration: configuration)
            // Each packed array is padded to a whole byte (BitPacking.pack).
            let start = located.packed.lowerBound
            let c1 = BitPacking.unpack(bytes[start..<start + polyBytes], count: n, bits: k)
            let c2 = BitPacking.unpack(bytes[start + polyBytes..<start + 2 * polyBytes], count: n, bits: k)
            let results = BitPacking.unpack(bytes[start + 2 * polyBytes..<located.packed.upperBound],
                                            count: located.positions.count, bits: k0)
            shelves.append(Shelf(span: located.span, positions: located.positions, ids: located.ids, results: results,
                                 c1: c1, c2: c2))
        }
        try reader.heEnd()
        self.shelves = shelves
        withholdsIdentifiers = withholds
    }

    /// One shelf as it lies in a serialised response: its live positions and identifiers decoded, its bitmap and
    /// packed polynomials (`c_1`, `c_2`, then the results) as byte ranges of the message, left packed.
    struct LocatedShelf {
        let span: Int
        let positions: [Int]
        /// Empty when withheld.
        let ids: [UInt64]
        let bitmap: Range<Int>
        let packed: Range<Int>
    }

    /// Reads one shelf's structure and steps over its packed polynomials (a coordinator that merges responses
    /// copies them as they are; a client unpacks them).
    static func locateShelf(_ reader: inout ByteReader, withholds: Bool,
                            configuration: HammingSearchConfiguration) throws(HESearchError) -> LocatedShelf {
        let n = configuration.parameters.polyDegree
        let span = Int(try reader.heRead(UInt16.self))
        guard (1...n).contains(span) else { throw .malformed("shelf of \(span) positions") }
        let bitmapStart = reader.offset
        try reader.heSkip((span + 7) / 8)
        let bitmap = bitmapStart..<reader.offset
        var positions: [Int] = []
        for index in bitmap {
            var byte = reader.bytes[index]
            while byte != 0 {
                let p = (index - bitmapStart) << 3 | byte.trailingZeroBitCount
                guard p < span else { throw .malformed("live bit past the shelf") }
                positions.append(p)
                byte &= byte - 1
            }
        }
        var ids: [UInt64] = []
        if !withholds {
            // Read straight from the bytes (a coordinator reads one varint per record of the database per query).
            ids.reserveCapacity(positions.count)
            let bytes = reader.bytes
            let start = reader.offset
            var offset = start
            var previous: UInt64 = 0
            for _ in positions {
                var value: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard offset < bytes.count else { throw .malformed("identifiers truncated at offset \(offset)") }
                    let byte = bytes[offset]
                    offset += 1
                    guard shift < 64, shift < 63 || byte <= 1 else { throw .malformed("identifier varint too long") }
                    value |= UInt64(byte & 0x7F) << shift
                    if byte & 0x80 == 0 { break }
                    shift += 7
                }
                let delta = Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
                previous = previous &+ UInt64(bitPattern: delta)
                ids.append(previous)
            }
            try reader.heSkip(offset - start)
        }
        let packedStart = reader.offset
        try reader.heSkip(2 * BitPacking.byteCount(count: n, bits: configuration.responseBits)
            + BitPacking.byteCount(count: positions.count, bits: configuration.resultBits))
        return LocatedShelf(span: span, positions: positions, ids: ids, bitmap: bitmap, packed: packedStart..<reader.offset)
    }

    /// Throws ``HESearchError/duplicateIdentifier`` when an identifier occurs twice among `shelves`.
    ///
    /// First, in one pass and without allocating per identifier: a shelf's identifiers, in position order, are cut
    /// into runs of equal high part (`id >> 16`); when every run strictly increases and no high part starts two runs,
    /// no identifier can repeat. TrustMedSearch's identifiers (`handle << 16 | slot`, a block's records side by side
    /// in slot order) always pass this way: a 1,000,000-record merge checks 1,000,000 identifiers and ~4,000 runs,
    /// where a bitmap of the identifier range was 32 MB to zero per query. Otherwise dense identifiers are checked
    /// in a bitmap of the identifier range (at most 32 bytes per identifier) and sparse ones in a hash set.
    static func checkDistinctIdentifiers(_ shelves: [LocatedShelf]) throws(HESearchError) {
        if increasingRunsHaveDistinctHighParts(shelves) { return }
        let count = shelves.reduce(0) { $0 + $1.ids.count }
        let largest = shelves.reduce(UInt64(0)) { max($0, $1.ids.max() ?? 0) }
        if largest >> 6 < UInt64(4 * count + 1024) {
            var seen = [UInt64](repeating: 0, count: Int(largest >> 6) + 1)
            for shelf in shelves {
                for id in shelf.ids {
                    let word = Int(id >> 6), bit: UInt64 = 1 << (id & 63)
                    guard seen[word] & bit == 0 else { throw .duplicateIdentifier }
                    seen[word] |= bit
                }
            }
        } else {
            var seen = Set<UInt64>(minimumCapacity: count)
            for shelf in shelves {
                for id in shelf.ids { guard seen.insert(id).inserted else { throw .duplicateIdentifier } }
            }
        }
    }

    /// Whether the identifiers of `shelves` split into strictly increasing runs of equal high part (`id >> 16`)
    /// whose high parts are all different: then they are distinct. False says nothing either way.
    static func increasingRunsHaveDistinctHighParts(_ shelves: [LocatedShelf]) -> Bool {
        var highParts = Set<UInt64>()
        for shelf in shelves {
            var previous: UInt64? = nil
            for id in shelf.ids {
                if let last = previous, last >> 16 == id >> 16 {
                    guard id > last else { return false }
                } else if !highParts.insert(id >> 16).inserted {
                    return false
                }
                previous = id
            }
        }
        return true
    }

    static func readHeader(_ reader: inout ByteReader,
                           configuration: HammingSearchConfiguration) throws(HESearchError) -> (Bool, Int) {
        try reader.heHeader(HESearchWire.response, version: HESearchWire.layoutVersion)
        try configuration.readAndCheck(from: &reader)
        let flags = try reader.heRead(UInt8.self)
        guard flags <= 1 else { throw .malformed("response flags \(flags)") }
        let k = Int(try reader.heRead(UInt8.self)), k0 = Int(try reader.heRead(UInt8.self))
        guard k == configuration.responseBits, k0 == configuration.resultBits else {
            throw .configurationMismatch("response moduli 2^\(k), 2^\(k0)")
        }
        let count = Int(try reader.heRead(UInt32.self))
        // Each shelf carries two full polynomials of k bits.
        let minimum = 2 * configuration.parameters.polyDegree * k / 8
        guard count <= reader.remaining / minimum else { throw .malformed("\(count) shelves in \(reader.remaining) bytes") }
        return (flags == 1, count)
    }

    /// Concatenates partial responses (same configuration and mode) into one: how the shards of a database
    /// evaluated by several workers merge (``HammingSearchServer/evaluate(queryBytes:prepared:shelves:)``).
    static func merge(_ parts: [[UInt8]], configuration: HammingSearchConfiguration) throws(HESearchError) -> [UInt8] {
        guard !parts.isEmpty else { throw .malformed("no partial response") }
        var total = 0
        var bodies: [ArraySlice<UInt8>] = []
        var mode: Bool?
        for part in parts {
            var reader = ByteReader(part)
            let (withholds, count) = try readHeader(&reader, configuration: configuration)
            guard mode == nil || mode == withholds else { throw .malformed("partial responses of different modes") }
            mode = withholds
            total += count
            bodies.append(part[reader.offset...])
        }
        var writer = header(configuration: configuration, shelfCount: total, withholdsIdentifiers: mode ?? false,
                            bodyBytes: bodies.reduce(0) { $0 + $1.count })
        for body in bodies { writer.writeRaw(body) }
        return writer.bytes
    }
}
