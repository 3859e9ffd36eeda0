import MedSearchBFV
import MedSearchCore

/// The server's answer (wire version 2): per block, the live records' positions and identifiers and a
/// three-polynomial product switched to `2^k`, of which the first polynomial is sent **only at the live records'
/// result coefficients**; the client can therefore decrypt those coefficients and no other.
struct HammingResponse: Sendable {
    struct Entry: Sendable, Equatable {
        let position: Int
        let id: UInt64
    }

    struct Block: Sendable {
        let entries: [Entry]
        /// `polys[0]` holds the values at the entries' result positions (entry order); the others are full.
        let ciphertext: BFVPowerOfTwoCiphertext
    }

    let blocks: [Block]
    /// Whether the server withheld the identifiers (unlinkable mode: entries carry positions only, blocks are in a
    /// fresh random order; identifiers read as 0).
    let withholdsIdentifiers: Bool

    /// Writes one block (used by the server, which serialises blocks in parallel).
    static func writeBlock(entries: [Entry], ciphertext: BFVPowerOfTwoCiphertext, wordBytes: Int,
                           includeIdentifiers: Bool = true, into writer: inout ByteWriter) {
        writer.write(UInt16(entries.count))
        for entry in entries {
            writer.write(UInt16(entry.position))
            if includeIdentifiers { writer.write(entry.id) }
        }
        writer.write(UInt8(ciphertext.polys.count))
        for poly in ciphertext.polys { writer.writeRaw(pack(poly, wordBytes: wordBytes)) }
    }

    static func pack(_ values: [UInt64], wordBytes: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * wordBytes)
        out.withUnsafeMutableBufferPointer { o in
            values.withUnsafeBufferPointer { v in
                var offset = 0
                for value in v {
                    var x = value
                    for b in 0..<wordBytes {
                        o[offset + b] = UInt8(truncatingIfNeeded: x)
                        x >>= 8
                    }
                    offset += wordBytes
                }
            }
        }
        return out
    }

    static func unpack(_ bytes: [UInt8], count: Int, wordBytes: Int, bits: Int) throws(HESearchError) -> [UInt64] {
        let limit: UInt64 = 1 << UInt64(bits)
        var out = [UInt64](repeating: 0, count: count)
        var valid = true
        out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { b in
                let raw = UnsafeRawBufferPointer(b)
                let wordMask: UInt64 = wordBytes >= 8 ? .max : (1 << UInt64(8 * wordBytes)) - 1
                var offset = 0
                for i in 0..<count {
                    var x: UInt64
                    if offset + 8 <= b.count {
                        x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) & wordMask
                    } else {
                        x = 0
                        for j in stride(from: wordBytes - 1, through: 0, by: -1) { x = x << 8 | UInt64(b[offset + j]) }
                    }
                    valid = valid && x < limit
                    o[i] = x
                    offset += wordBytes
                }
            }
        }
        guard valid else { throw .malformed("response coefficient out of range") }
        return out
    }

    static func header(configuration: HammingSearchConfiguration, blockCount: Int,
                       withholdsIdentifiers: Bool = false) -> ByteWriter {
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.response, version: HESearchWire.evaluationVersion)
        configuration.write(to: &writer)
        writer.write(UInt8(withholdsIdentifiers ? 1 : 0))
        writer.write(UInt8(configuration.responseBits))
        writer.write(UInt32(blockCount))
        return writer
    }

    init(serialized bytes: [UInt8], configuration: HammingSearchConfiguration) throws(HESearchError) {
        let n = configuration.parameters.polyDegree
        var reader = ByteReader(bytes)
        try reader.heHeader(HESearchWire.response, version: HESearchWire.evaluationVersion)
        try configuration.readAndCheck(from: &reader)
        let flags = try reader.heRead(UInt8.self)
        guard flags <= 1 else { throw .malformed("response flags \(flags)") }
        let withholds = flags == 1
        let bits = Int(try reader.heRead(UInt8.self))
        guard bits == configuration.responseBits else { throw .configurationMismatch("response modulus 2^\(bits)") }
        let wordBytes = configuration.responseWordBytes
        let count = Int(try reader.heRead(UInt32.self))
        // Each block carries at least two full polynomials: bound the count by the bytes present.
        guard count <= reader.remaining / (2 * n * wordBytes) + 1 else {
            throw .malformed("\(count) blocks in \(bytes.count) bytes")
        }
        var blocks: [Block] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let entryCount = Int(try reader.heRead(UInt16.self))
            guard entryCount <= configuration.recordsPerBlock else { throw .malformed("block of \(entryCount) records") }
            var entries: [Entry] = []
            var positions = Set<Int>()
            for _ in 0..<entryCount {
                let position = Int(try reader.heRead(UInt16.self))
                let id = withholds ? 0 : try reader.heRead(UInt64.self)
                guard position < configuration.recordsPerBlock, positions.insert(position).inserted else {
                    throw .malformed("record position \(position)")
                }
                entries.append(Entry(position: position, id: id))
            }
            let polyCount = Int(try reader.heRead(UInt8.self))
            guard (2...3).contains(polyCount) else { throw .malformed("\(polyCount) polynomials in a block") }
            var polys: [[UInt64]] = []
            for index in 0..<polyCount {
                let values = index == 0 ? entryCount : n
                let raw: [UInt8]
                do { raw = try reader.readRaw(count: values * wordBytes) } catch { throw .malformed("\(error)") }
                polys.append(try Self.unpack(raw, count: values, wordBytes: wordBytes, bits: bits))
            }
            blocks.append(Block(entries: entries, ciphertext: BFVPowerOfTwoCiphertext(bits: bits, polys: polys)))
        }
        try reader.heEnd()
        self.blocks = blocks
        withholdsIdentifiers = withholds
    }
}
