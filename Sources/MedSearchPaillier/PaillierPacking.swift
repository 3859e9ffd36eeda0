import MedSearchBigInt

/// Packs several bounded non-negative integers into one Paillier plaintext, slot 0 in the lowest bits.
///
/// Each value has at most ``valueBits`` bits and sits in a slot of ``slotBits`` bits; the
/// `slotBits - valueBits` spare bits are carry room, so up to ``maximumAdditions`` packed plaintexts (or
/// ciphertexts, homomorphically) can be added before a slot could spill into the next. Scalar multiplication by
/// `k` multiplies every slot by `k` and is safe while each slot stays below `2^slotBits`. Signed values must be
/// offset by the caller (for example `x + 2^(valueBits-1)`).
///
/// ```swift
/// let packing = try PaillierPacking(valueBits: 16, slotBits: 24, slotCount: 80, publicKey: pk)
/// let c = pk.encrypt(try packing.pack([1, 2, 3]))
/// try packing.unpack(secretKey.decrypt(c))   // [1, 2, 3, 0, ...]
/// ```
public struct PaillierPacking: Sendable, Equatable {
    /// Bits per packed input value.
    public let valueBits: Int
    /// Bits per slot (value bits plus carry room).
    public let slotBits: Int
    /// Slots per plaintext.
    public let slotCount: Int

    /// The most slots of `slotBits` bits that fit below `N` for `publicKey` (one bit kept free).
    public static func maximumSlots(slotBits: Int, publicKey: PaillierPublicKey) -> Int {
        precondition(slotBits > 0, "slots need at least one bit")
        return (publicKey.bits - 1) / slotBits
    }

    /// Creates a packing layout.
    ///
    /// - Throws: ``PaillierError/packingOverflow(_:)`` when `slotBits < valueBits` or the slots do not fit
    ///   below `N`.
    public init(valueBits: Int, slotBits: Int, slotCount: Int, publicKey: PaillierPublicKey) throws(PaillierError) {
        guard valueBits > 0, slotBits >= valueBits, slotBits <= 4096 else {
            throw .packingOverflow("need 0 < valueBits <= slotBits <= 4096 (got \(valueBits), \(slotBits))")
        }
        guard slotCount > 0, slotCount <= Self.maximumSlots(slotBits: slotBits, publicKey: publicKey) else {
            throw .packingOverflow("\(slotCount) slots of \(slotBits) bits do not fit a \(publicKey.bits)-bit modulus")
        }
        self.valueBits = valueBits
        self.slotBits = slotBits
        self.slotCount = slotCount
    }

    /// How many packed plaintexts of full-size values can be added without a carry leaving its slot:
    /// `2^(slotBits - valueBits)` (capped at `Int.max`).
    public var maximumAdditions: Int {
        let spare = slotBits - valueBits
        return spare >= 62 ? Int.max : 1 << spare
    }

    /// Packs up to ``slotCount`` values (missing slots are zero).
    ///
    /// - Throws: ``PaillierError/packingOverflow(_:)`` for too many values or a value outside `0..<2^valueBits`.
    public func pack(_ values: [BigInt]) throws(PaillierError) -> BigInt {
        guard values.count <= slotCount else {
            throw .packingOverflow("\(values.count) values for \(slotCount) slots")
        }
        var packed = BigInt()
        for (index, value) in values.enumerated().reversed() {
            guard value.signum >= 0, value.bitWidth <= valueBits else {
                throw .packingOverflow("value \(index) is outside 0..<2^\(valueBits)")
            }
            packed = (packed << slotBits) + value
        }
        return packed
    }

    /// Packs machine integers.
    public func pack(_ values: [UInt64]) throws(PaillierError) -> BigInt {
        try pack(values.map { BigInt($0) })
    }

    /// Splits a plaintext into ``slotCount`` slot values (each in `0..<2^slotBits`).
    ///
    /// - Throws: ``PaillierError/packingOverflow(_:)`` when the plaintext has bits above the last slot (an
    ///   overflow or a negative result).
    public func unpack(_ plaintext: BigInt) throws(PaillierError) -> [BigInt] {
        guard let slots = Self.slots(of: plaintext, slotBits: slotBits, count: slotCount) else {
            throw .packingOverflow("the plaintext does not fit \(slotCount) slots of \(slotBits) bits")
        }
        return slots
    }

    /// `plaintext` split into `count` slots of `slotBits` bits, slot 0 from the lowest bits; nil when it is
    /// negative or has bits above the last slot.
    public static func slots(of plaintext: BigInt, slotBits: Int, count: Int) -> [BigInt]? {
        guard plaintext.signum >= 0, plaintext.bitWidth <= slotBits * count else { return nil }
        var out = [BigInt]()
        out.reserveCapacity(count)
        var rest = plaintext
        for _ in 0..<count {
            out.append(rest.lowBits(slotBits))
            rest = rest >> slotBits
        }
        return out
    }

    /// Splits a plaintext into machine integers.
    ///
    /// - Precondition: `slotBits <= 64`.
    public func unpackUInt64(_ plaintext: BigInt) throws(PaillierError) -> [UInt64] {
        precondition(slotBits <= 64, "slots wider than 64 bits need unpack(_:)")
        return try unpack(plaintext).map { $0.asUInt64 ?? 0 }
    }
}
