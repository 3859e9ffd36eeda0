import MedSearchBFV
import MedSearchCore

/// The server's answer: per block, the live records' positions and identifiers and one ciphertext (mod-switched
/// to a single prime) whose only unmasked coefficients are those records' results.
struct HammingResponse: Sendable {
    struct Entry: Sendable {
        let position: Int
        let id: UInt64
    }

    struct Block: Sendable {
        let entries: [Entry]
        let ciphertext: BFVCiphertext
    }

    let blocks: [Block]

    /// Writes one block (used by the server, which serialises blocks in parallel).
    static func writeBlock(entries: [Entry], ciphertext: BFVCiphertext, context: BFVContext,
                           into writer: inout ByteWriter) {
        writer.write(UInt16(entries.count))
        for entry in entries {
            writer.write(UInt16(entry.position))
            writer.write(entry.id)
        }
        context.writeCiphertext(ciphertext, into: &writer)
    }

    static func header(configuration: HammingSearchConfiguration, blockCount: Int) -> ByteWriter {
        var writer = ByteWriter()
        writer.writeHeader(magic: HESearchWire.response, version: HESearchWire.version)
        configuration.write(to: &writer)
        writer.write(UInt32(blockCount))
        return writer
    }

    init(serialized bytes: [UInt8], configuration: HammingSearchConfiguration) throws(HESearchError) {
        let context = try configuration.context()
        var reader = ByteReader(bytes)
        try reader.heHeader(HESearchWire.response)
        try configuration.readAndCheck(from: &reader)
        let count = Int(try reader.heRead(UInt32.self))
        guard count <= reader.remaining / 16 + 1 else { throw .malformed("\(count) blocks in \(bytes.count) bytes") }
        var blocks: [Block] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let entryCount = Int(try reader.heRead(UInt16.self))
            guard entryCount <= configuration.recordsPerBlock else { throw .malformed("block of \(entryCount) records") }
            var entries: [Entry] = []
            var positions = Set<Int>()
            for _ in 0..<entryCount {
                let position = Int(try reader.heRead(UInt16.self))
                let id = try reader.heRead(UInt64.self)
                guard position < configuration.recordsPerBlock, positions.insert(position).inserted else {
                    throw .malformed("record position \(position)")
                }
                entries.append(Entry(position: position, id: id))
            }
            let ciphertext = try bfv { () throws(BFVError) in try context.readCiphertext(from: &reader) }
            blocks.append(Block(entries: entries, ciphertext: ciphertext))
        }
        try reader.heEnd()
        self.blocks = blocks
    }
}
