import MedSearchCore

extension ByteWriter {
    /// Writes an element of Z/2^128 as 16 little-endian bytes.
    public mutating func writeWord(_ value: UInt128) {
        write(UInt64(truncatingIfNeeded: value))
        write(UInt64(truncatingIfNeeded: value >> 64))
    }

    /// Writes a count-prefixed array of Z/2^128 elements.
    public mutating func writeWords(_ values: [UInt128]) {
        write(UInt32(values.count))
        for value in values { writeWord(value) }
    }
}

extension ByteReader {
    /// Reads an element written by ``ByteWriter/writeWord(_:)``.
    public mutating func readWord() throws(WireError) -> UInt128 {
        let low = try read(UInt64.self)
        let high = try read(UInt64.self)
        return UInt128(high) << 64 | UInt128(low)
    }

    /// Reads an array written by ``ByteWriter/writeWords(_:)``, refusing more than `maxCount` elements.
    public mutating func readWords(maxCount: Int) throws(WireError) -> [UInt128] {
        let start = offset
        let count = Int(try read(UInt32.self))
        guard count <= maxCount else { throw .lengthTooLarge(offset: start, length: count, limit: maxCount) }
        guard remaining >= count * 16 else { throw .truncated(offset: offset, needed: count * 16, available: remaining) }
        var out = [UInt128]()
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try readWord()) }
        return out
    }

    /// Reads a count-prefixed array of `UInt64` ids (at most `maxCount`).
    public mutating func readIDs(maxCount: Int) throws(WireError) -> [UInt64] {
        try readArray(of: UInt64.self, maxCount: maxCount)
    }
}
