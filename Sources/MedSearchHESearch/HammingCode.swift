/// A binary hashcode of `bitCount` bits (bit `j` is bit `j % 64` of `words[j / 64]`).
public struct HammingCode: Sendable, Hashable {
    /// The number of bits `l`.
    public let bitCount: Int
    /// The bits, 64 per word, little-endian; bits at or above `bitCount` are zero.
    public let words: [UInt64]

    /// A code from packed words.
    ///
    /// - Throws: ``HESearchError/invalidCode(_:)`` when the word count does not match or stray bits are set.
    public init(words: [UInt64], bitCount: Int) throws(HESearchError) {
        guard bitCount > 0, words.count == (bitCount + 63) / 64 else {
            throw .invalidCode("\(words.count) words for \(bitCount) bits")
        }
        if bitCount % 64 != 0, words[words.count - 1] >> UInt64(bitCount % 64) != 0 {
            throw .invalidCode("bits set above bit \(bitCount)")
        }
        self.bitCount = bitCount
        self.words = words
    }

    /// A code from individual bits.
    public init(bits: [Bool]) throws(HESearchError) {
        var words = [UInt64](repeating: 0, count: (bits.count + 63) / 64)
        for (j, bit) in bits.enumerated() where bit { words[j / 64] |= 1 << UInt64(j % 64) }
        try self.init(words: words, bitCount: bits.count)
    }

    /// A code from bytes (bit `j` is bit `j % 8` of `bytes[j / 8]`).
    public init(bytes: [UInt8], bitCount: Int) throws(HESearchError) {
        guard bitCount > 0, bytes.count == (bitCount + 7) / 8 else {
            throw .invalidCode("\(bytes.count) bytes for \(bitCount) bits")
        }
        var words = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
        for (i, byte) in bytes.enumerated() { words[i / 8] |= UInt64(byte) << UInt64(8 * (i % 8)) }
        try self.init(words: words, bitCount: bitCount)
    }

    /// Bit `j`.
    public subscript(bit j: Int) -> Bool {
        precondition(j >= 0 && j < bitCount)
        return (words[j / 64] >> UInt64(j % 64)) & 1 == 1
    }

    /// The number of one bits.
    public var popcount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The plaintext Hamming distance to `other` (same length).
    public func distance(to other: HammingCode) -> Int {
        precondition(other.bitCount == bitCount)
        return zip(words, other.words).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
    }
}

/// A database record: an identifier and its hashcode.
public struct HammingRecord: Sendable, Hashable {
    /// The record's identifier (unique within a database).
    public let id: UInt64
    /// The hashcode.
    public let code: HammingCode

    public init(id: UInt64, code: HammingCode) {
        self.id = id
        self.code = code
    }
}

/// A search result: a record identifier and its Hamming distance to the query.
public struct HammingMatch: Sendable, Hashable, Comparable {
    /// The record's identifier.
    public let id: UInt64
    /// The Hamming distance.
    public let distance: Int

    public init(id: UInt64, distance: Int) {
        self.id = id
        self.distance = distance
    }

    /// Ranking order: smaller distance first, ties by smaller identifier.
    public static func < (a: HammingMatch, b: HammingMatch) -> Bool {
        (a.distance, a.id) < (b.distance, b.id)
    }
}

/// Plaintext top-k by Hamming distance (ties by identifier): the reference the encrypted search must equal.
public func plaintextHammingTopK(query: HammingCode, records: [HammingRecord], k: Int) -> [HammingMatch] {
    let all = records.map { HammingMatch(id: $0.id, distance: $0.code.distance(to: query)) }
    return Array(all.sorted().prefix(max(0, k)))
}
