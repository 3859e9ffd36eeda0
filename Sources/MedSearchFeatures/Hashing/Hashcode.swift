import MedSearchCore

/// A binary hashcode of `bitCount` bits (16...256 for the `hash` feature), packed 64 bits per word.
///
/// Bit `j` is bit `j % 64` (least significant first) of `words[j / 64]`; unused high bits of the last word are
/// always zero, so equal codes have equal words. ``hammingDistance(to:)`` is a popcount over the XOR of the words.
public struct Hashcode: Sendable, Hashable, CustomStringConvertible {
    /// Number of bits.
    public let bitCount: Int
    /// The packed bits.
    public private(set) var words: [UInt64]

    /// The smallest and largest code lengths the `hash` feature produces.
    public static let supportedBitCounts: ClosedRange<Int> = 16...256

    /// An all-zero code of `bitCount` bits.
    public init(bitCount: Int) {
        precondition(bitCount >= 0, "negative bit count")
        self.bitCount = bitCount
        words = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
    }

    /// A code from booleans (`bits[j]` is bit `j`).
    public init(bits: [Bool]) {
        self.init(bitCount: bits.count)
        for (j, bit) in bits.enumerated() where bit { words[j >> 6] |= 1 << UInt64(j & 63) }
    }

    /// A code from packed words.
    ///
    /// - Throws: ``FeaturesError/malformedModel(reason:)`` when the word count is wrong or unused bits are set.
    public init(bitCount: Int, words: [UInt64]) throws(FeaturesError) {
        guard bitCount >= 0, words.count == (bitCount + 63) / 64 else {
            throw .malformedModel(reason: "\(words.count) words for \(bitCount) bits")
        }
        if bitCount % 64 != 0, let last = words.last, last >> UInt64(bitCount % 64) != 0 {
            throw .malformedModel(reason: "bits set beyond bit \(bitCount)")
        }
        self.bitCount = bitCount
        self.words = words
    }

    /// Bit `index`.
    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < bitCount, "bit index out of range")
            return (words[index >> 6] >> UInt64(index & 63)) & 1 == 1
        }
        set {
            precondition(index >= 0 && index < bitCount, "bit index out of range")
            if newValue { words[index >> 6] |= 1 << UInt64(index & 63) } else { words[index >> 6] &= ~(1 << UInt64(index & 63)) }
        }
    }

    /// The bits as 0/1 values (for engines that encrypt bit by bit).
    public var bits: [UInt8] { (0..<bitCount).map { self[$0] ? 1 : 0 } }

    /// Number of positions where the codes differ.
    ///
    /// - Precondition: both codes have the same ``bitCount``.
    @inlinable
    public func hammingDistance(to other: Hashcode) -> Int {
        precondition(bitCount == other.bitCount, "hashcodes of different lengths")
        var distance = 0
        for i in 0..<words.count { distance &+= (words[i] ^ other.words[i]).nonzeroBitCount }
        return distance
    }

    /// Bits as a string of 0 and 1, bit 0 first.
    public var description: String { String((0..<bitCount).map { self[$0] ? "1" : "0" }) }

    /// Packed bytes: little-endian words, truncated to `(bitCount + 7) / 8` bytes.
    public var packedBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 8)
        for word in words { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } }
        return Array(bytes.prefix((bitCount + 7) / 8))
    }

    /// Writes the bit count and packed bytes.
    public func write(to writer: inout ByteWriter) {
        writer.write(UInt16(bitCount))
        writer.writeRaw(packedBytes)
    }

    /// Reads what ``write(to:)`` wrote.
    ///
    /// - Throws: ``WireError`` when truncated, ``FeaturesError`` when unused bits are set.
    public static func read(from reader: inout ByteReader, maximumBits: Int = 4096) throws -> Hashcode {
        let start = reader.offset
        let bitCount = Int(try reader.read(UInt16.self))
        guard bitCount <= maximumBits else { throw WireError.lengthTooLarge(offset: start, length: bitCount, limit: maximumBits) }
        let raw = try reader.readRaw(count: (bitCount + 7) / 8)
        var words = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
        for (i, byte) in raw.enumerated() { words[i >> 3] |= UInt64(byte) << UInt64(8 * (i & 7)) }
        return try Hashcode(bitCount: bitCount, words: words)
    }
}
