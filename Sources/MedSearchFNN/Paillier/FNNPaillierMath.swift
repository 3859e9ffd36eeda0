import MedSearchBigInt
import MedSearchPaillier

/// Ciphertext-level helpers of the Paillier back end: multi-exponentiation, Horner packing of
/// ciphertexts into one plaintext's slots, and the slot layouts the protocol uses.
public enum FNNPaillierMath {
    /// `prod bases[i]^exponents[i] mod modulus` by Pippenger's bucket method (variable time: the exponents are
    /// C1's masks, which never leave C1; timing is observable only on C1's own machine).
    public static func multiExponentiate(bases: ArraySlice<BigInt>, exponents: ArraySlice<UInt64>,
                                         modulus: BigInt) -> BigInt {
        precondition(bases.count == exponents.count, "one exponent per base")
        let maxExponent = exponents.max() ?? 0
        guard maxExponent > 0 else { return BigInt(1) }
        let bits = UInt64.bitWidth - maxExponent.leadingZeroBitCount
        let count = bases.count
        var window = 1
        var bestCost = Int.max
        for w in 1...16 {
            let cost = ((bits + w - 1) / w) * (count + (2 << w)) + bits
            if cost < bestCost { bestCost = cost; window = w }
        }
        let windowCount = (bits + window - 1) / window
        let mask = (UInt64(1) << UInt64(window)) - 1
        var result: BigInt? = nil
        let baseArray = Array(bases), exponentArray = Array(exponents)
        for windowIndex in stride(from: windowCount - 1, through: 0, by: -1) {
            if var value = result {
                for _ in 0..<window { value = BigInt.multiply(value, value, modulo: modulus) }
                result = value
            }
            var buckets = [BigInt?](repeating: nil, count: 1 << window)
            let shift = UInt64(windowIndex * window)
            for index in 0..<count {
                let digit = Int((exponentArray[index] >> shift) & mask)
                guard digit != 0 else { continue }
                if let current = buckets[digit] {
                    buckets[digit] = BigInt.multiply(current, baseArray[index], modulo: modulus)
                } else {
                    buckets[digit] = baseArray[index]
                }
            }
            var running: BigInt? = nil
            var accumulated: BigInt? = nil
            for digit in stride(from: buckets.count - 1, through: 1, by: -1) {
                if let bucket = buckets[digit] {
                    running = running.map { BigInt.multiply($0, bucket, modulo: modulus) } ?? bucket
                }
                if let r = running {
                    accumulated = accumulated.map { BigInt.multiply($0, r, modulo: modulus) } ?? r
                }
            }
            if let a = accumulated {
                result = result.map { BigInt.multiply($0, a, modulo: modulus) } ?? a
            }
        }
        return result ?? BigInt(1)
    }

    /// Horner packing: from `E(v_0), ..., E(v_{m-1})` with `0 <= v_i < 2^slotBits`, the ciphertext of
    /// `sum v_i 2^(slotBits i)` (slot 0 in the lowest bits).
    public static func pack(_ ciphertexts: ArraySlice<PaillierCiphertext>, slotBits: Int,
                            publicKey: PaillierPublicKey) -> PaillierCiphertext {
        precondition(!ciphertexts.isEmpty, "nothing to pack")
        let shift = BigInt(1) << slotBits
        var value = ciphertexts[ciphertexts.endIndex - 1].value
        var index = ciphertexts.endIndex - 2
        while index >= ciphertexts.startIndex {
            value = value.power(shift, modulo: publicKey.nSquared, variableTime: true)
            value.multiply(by: ciphertexts[index].value, modulo: publicKey.nSquared)
            index -= 1
        }
        return PaillierCiphertext(rawValue: value)
    }

    /// Packs plaintext integers (each in `0..<2^slotBits`), slot 0 lowest.
    public static func packPlain(_ values: ArraySlice<BigInt>, slotBits: Int) -> BigInt {
        var packed = BigInt()
        for value in values.reversed() { packed = (packed << slotBits) + value }
        return packed
    }

    /// Splits a plaintext into `count` slots of `slotBits` bits.
    public static func unpack(_ plaintext: BigInt, slotBits: Int, count: Int) throws(FNNError) -> [BigInt] {
        guard let slots = PaillierPacking.slots(of: plaintext, slotBits: slotBits, count: count) else {
            throw .malformed("a packed plaintext overflows its slots")
        }
        return slots
    }

    /// A `UInt128` as a big integer.
    public static func big(_ value: UInt128) -> BigInt {
        (BigInt(UInt64(truncatingIfNeeded: value >> 64)) << 64) + BigInt(UInt64(truncatingIfNeeded: value))
    }

    /// A non-negative big integer below 2^128 as `UInt128`.
    public static func word(_ value: BigInt) throws(FNNError) -> UInt128 {
        guard value.signum >= 0, value.bitWidth <= 128 else { throw .malformed("value does not fit 128 bits") }
        let low = value.lowBits(64).asUInt64 ?? 0
        let high = (value >> 64).asUInt64 ?? 0
        return UInt128(high) << 64 | UInt128(low)
    }
}

/// The slot layouts of the Paillier back end, derived from the public parameters and the key size.
public struct FNNPaillierLayout: Sendable, Equatable {
    /// Bits per slot of masked coordinate differences (SSED).
    public let coordinateSlotBits: Int
    /// Coordinates per packed ciphertext.
    public let coordinatesPerCiphertext: Int
    /// Bits per slot of masked statistic differences (SSEDLB's SM calls).
    public let statisticSlotBits: Int
    /// Masked statistics per packed ciphertext.
    public let statisticsPerCiphertext: Int
    /// Blinded values per packed ciphertext (128-bit slots).
    public let blindedPerCiphertext: Int
    /// The mask bound for coordinates: masks are `2M + r`, `r < coordinateMaskRange`.
    public let coordinateMaskRange: UInt64
    /// The mask bound for statistics: masks are `B + r`, `r < statisticMaskRange`.
    public let statisticMaskRange: UInt128
    /// `B = 2 d M`, the bound on statistic differences.
    public let statisticBound: Int64
    /// Packed ciphertexts per record vector.
    public let packedPerRecord: Int

    /// Derives the layout.
    ///
    /// - Throws: ``FNNError/parameterOverflow(_:)`` when a slot does not fit the key.
    public init(parameters: FNNParameters, keyBits: Int) throws(FNNError) {
        let kappa = FNNParameters.statisticalSecurity
        let m = UInt128(parameters.maxAbsCoordinate)
        let coordinateRange = 4 * m + 1
        let coordinateMask = (UInt128(1) << kappa) * coordinateRange
        guard coordinateMask < UInt128(1) << 63 else { throw .parameterOverflow("coordinate masks exceed 63 bits") }
        coordinateMaskRange = UInt64(coordinateMask)
        coordinateSlotBits = UInt128.bitWidth - (coordinateRange + coordinateMask).leadingZeroBitCount
        coordinatesPerCiphertext = (keyBits - 1) / coordinateSlotBits
        let b = 2 * Int64(parameters.dimension) * parameters.maxAbsCoordinate
        statisticBound = b
        let statisticRange = 2 * UInt128(b) + 1
        statisticMaskRange = (UInt128(1) << kappa) * statisticRange
        statisticSlotBits = UInt128.bitWidth - (statisticRange + statisticMaskRange).leadingZeroBitCount
        statisticsPerCiphertext = (keyBits - 1) / statisticSlotBits
        blindedPerCiphertext = (keyBits - 1) / 128
        guard coordinatesPerCiphertext >= 1, statisticsPerCiphertext >= 1, blindedPerCiphertext >= 1 else {
            throw .parameterOverflow("the Paillier key is too small for the slot layout")
        }
        packedPerRecord = (parameters.dimension + coordinatesPerCiphertext - 1) / coordinatesPerCiphertext
    }
}
