import MedSearchBigInt

/// Fixed-point encoding of real numbers as Paillier plaintexts: `x` is encoded as `round(x * scale)`.
///
/// Ciphertexts never hold floats. Sums keep the scale; a product of two encodings has scale `scale^2`
/// (decode it with `scalePower: 2`). Every encoding is checked against ``maxMagnitude`` (by default `N/2`, the
/// signed plaintext range), and ``requireHeadroom(terms:maxAbsoluteValue:scalePower:)`` checks before a
/// computation that a sum of many terms cannot wrap around `N`.
///
/// ```swift
/// let codec = PaillierFixedPoint(scale: 1 << 16, publicKey: pk)   // 16 fractional bits
/// let c = pk.encrypt(try codec.encode(3.25))
/// try codec.decode(secretKey.decryptSigned(c))   // 3.25
/// ```
public struct PaillierFixedPoint: Sendable, Equatable {
    /// The scale: values are stored as `round(x * scale)`.
    public let scale: BigInt
    /// Encodings (and decoded plaintexts) must satisfy `|v| < maxMagnitude`.
    public let maxMagnitude: BigInt

    /// Creates a codec with a positive `scale` (for example `1 << 16` or `10_000`) and a magnitude bound.
    public init(scale: Int, maxMagnitude: BigInt) {
        precondition(scale > 0, "scale must be positive")
        precondition(maxMagnitude.signum > 0, "the magnitude bound must be positive")
        self.scale = BigInt(scale)
        self.maxMagnitude = maxMagnitude
    }

    /// Creates a codec whose bound is the signed plaintext range of `publicKey` (`N/2`).
    public init(scale: Int, publicKey: PaillierPublicKey) {
        self.init(scale: scale, maxMagnitude: publicKey.halfN)
    }

    /// `round(x * scale)` (ties away from zero).
    ///
    /// - Throws: ``PaillierError/fixedPointOverflow(_:)`` when `x` is not finite or the encoding reaches the bound.
    public func encode(_ x: Double) throws(PaillierError) -> BigInt {
        guard x.isFinite else { throw .fixedPointOverflow("value is not finite") }
        let scaled: BigInt
        if let small = scale.asInt, abs(x) * Double(small) < 9.0e15 {
            scaled = BigInt(Int((x * Double(small)).rounded(.toNearestOrAwayFromZero)))
        } else {
            // Exact: x = mantissa * 2^exponent, multiply by the scale as integers, then round.
            let exponent = Int(x.exponent) - Double.significandBitCount
            let mantissa = BigInt(Int(x.significandBitPattern | (x.isNormal ? 1 << UInt64(Double.significandBitCount) : 0)))
            var product = mantissa * scale
            let normalExponent = x.isNormal ? exponent : Int(Double.leastNonzeroMagnitude.exponent)
            if normalExponent >= 0 {
                product = product << normalExponent
            } else {
                let shift = -normalExponent
                // Round half away from zero on the magnitude.
                product = (product + (BigInt(1) << (shift - 1))) >> shift
            }
            scaled = x < 0 ? -product : product
        }
        guard scaled.magnitude < maxMagnitude else {
            throw .fixedPointOverflow("|x * scale| needs \(scaled.bitWidth) bits; the bound has \(maxMagnitude.bitWidth)")
        }
        return scaled
    }

    /// Encodes a vector.
    public func encode(_ values: [Double]) throws(PaillierError) -> [BigInt] {
        var out = [BigInt]()
        out.reserveCapacity(values.count)
        for value in values { out.append(try encode(value)) }
        return out
    }

    /// Decodes a signed plaintext carrying `scalePower` factors of the scale (`v / scale^scalePower`).
    ///
    /// - Throws: ``PaillierError/fixedPointOverflow(_:)`` when `|v|` reaches the bound (a wrapped-around sum).
    public func decode(_ value: BigInt, scalePower: Int = 1) throws(PaillierError) -> Double {
        precondition(scalePower >= 0, "scale power must be non-negative")
        guard value.magnitude < maxMagnitude else {
            throw .fixedPointOverflow("the plaintext reaches the bound: a computation overflowed")
        }
        let divisor = scale.power(scalePower)
        let quotient = value / divisor
        let remainder = value % divisor
        return quotient.doubleValue + remainder.doubleValue / divisor.doubleValue
    }

    /// Checks that a sum of `terms` values, each with `|x| <= maxAbsoluteValue` carrying `scalePower` factors
    /// of the scale, stays below the bound.
    ///
    /// - Throws: ``PaillierError/fixedPointOverflow(_:)`` when it might not.
    public func requireHeadroom(terms: Int, maxAbsoluteValue: Double, scalePower: Int = 1) throws(PaillierError) {
        precondition(terms >= 0 && scalePower >= 0, "counts must be non-negative")
        guard maxAbsoluteValue.isFinite else { throw .fixedPointOverflow("bound is not finite") }
        let single = try PaillierFixedPoint(scale: 1, maxMagnitude: BigInt(1) << 16_384)
            .encode(maxAbsoluteValue.magnitude.rounded(.up))
        let worst = single * scale.power(scalePower) * BigInt(terms)
        guard worst < maxMagnitude else {
            throw .fixedPointOverflow("\(terms) terms of magnitude \(maxAbsoluteValue) at scale^\(scalePower) need \(worst.bitWidth) bits")
        }
    }
}
