/// A word-size modulus `p` (odd, `2 <= p < 2^62`) with precomputed Barrett constants.
///
/// All operations take inputs already reduced (`< p`) unless the method documents a wider range, and return
/// values in `[0, p)`. The `2^62` ceiling leaves two spare bits so that lazy NTT butterflies may keep values in
/// `[0, 4p)` without overflow.
///
/// Barrett reduction follows the classic form with `b = bitCount(p)`, `mu = floor(2^(2b) / p) < 2^(b+1)`:
/// for `x < 2^(2b)` the estimate `((x >> (b-1)) * mu) >> (b+1)` is at most 2 below `floor(x / p)`, so two
/// conditional subtractions finish the job. Products of two reduced values satisfy `x < p^2 < 2^(2b)`, and so
/// does a sum of up to four such products.
@frozen
public struct Modulus: Sendable, Hashable, CustomStringConvertible {
    /// The modulus `p`.
    public let value: UInt64
    /// The number of significant bits of `p`.
    public let bitCount: Int
    /// `floor(2^(2b) / p)` for the 128-bit Barrett reduction.
    @usableFromInline let mu: UInt64
    /// `floor((2^64 - 1) / p)` for reducing a single word.
    @usableFromInline let mu64: UInt64
    /// `p^-1 mod 2^64` for Montgomery reduction (``reduceMontgomery(high:low:)``).
    @usableFromInline let montgomeryInverse: UInt64

    /// Creates the modulus `p`.
    ///
    /// - Precondition: `p` is odd and `3 <= p < 2^62` (a programmer error otherwise; untrusted values are
    ///   checked with ``isValid(_:)`` first).
    public init(_ value: UInt64) {
        precondition(Modulus.isValid(value), "modulus must be odd and in [3, 2^62)")
        self.value = value
        let b = 64 - value.leadingZeroBitCount
        bitCount = b
        // 2^(2b) / p with 2b <= 124: compute with a 128-bit dividend.
        let high: UInt64 = 2 * b >= 64 ? UInt64(1) << (2 * b - 64) : 0
        let low: UInt64 = 2 * b >= 64 ? 0 : UInt64(1) << (2 * b)
        mu = value.dividingFullWidth((high: high, low: low)).quotient
        mu64 = UInt64.max / value
        // Newton's iteration doubles the correct low bits: p p = 1 mod 8 for odd p, then 6, 12, 24, 48, 96 bits.
        var inverse = value
        for _ in 0..<5 { inverse = inverse &* (2 &- value &* inverse) }
        montgomeryInverse = inverse
    }

    /// Whether `value` can be used as a ``Modulus``: odd and in `[3, 2^62)`.
    public static func isValid(_ value: UInt64) -> Bool {
        value >= 3 && value < (1 << 62) && value & 1 == 1
    }

    public var description: String { "Modulus(\(value))" }

    /// Reduces any 64-bit word modulo `p`.
    @inlinable @inline(__always)
    public func reduce(_ x: UInt64) -> UInt64 {
        let q = x.multipliedFullWidth(by: mu64).high
        let r = x &- q &* value
        return r >= value ? r &- value : r
    }

    /// Reduces a 128-bit value `x = high * 2^64 + low` with `x < 2^(2b)` (for example a product of two
    /// reduced values) modulo `p`.
    @inlinable @inline(__always)
    public func reduce(high: UInt64, low: UInt64) -> UInt64 {
        let b = UInt64(truncatingIfNeeded: bitCount)
        // q1 = x >> (b - 1) < 2^(b+1); b - 1 >= 1 so the left shift amount is in [1, 63].
        let q1 = (high &<< (65 &- b)) | (low &>> (b &- 1))
        let product = q1.multipliedFullWidth(by: mu)
        let q3 = (product.high &<< (63 &- b)) | (product.low &>> (b &+ 1))
        var r = low &- q3 &* value
        r = r >= value ? r &- value : r
        return r >= value ? r &- value : r
    }

    /// `a * b mod p` for reduced `a`, `b`.
    @inlinable @inline(__always)
    public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return reduce(high: product.high, low: product.low)
    }

    /// `a * b + c mod p` for reduced `a`, `b`, `c`.
    @inlinable @inline(__always)
    public func multiplyAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        let (low, carry) = product.low.addingReportingOverflow(c)
        return reduce(high: product.high &+ (carry ? 1 : 0), low: low)
    }

    /// Montgomery reduction: `x * 2^-64 mod p` in `[0, p)` for `x = high * 2^64 + low` with `high < p` (for example
    /// a product of two reduced values, or a sum of products whose total stays below `p 2^64`). Two
    /// multiplications and no shift: with `m = low p^-1 mod 2^64`, `x - m p` is `(high - floor(m p / 2^64)) 2^64`
    /// exactly. Callers fold the factor `2^64` into a constant (``montgomeryForm(_:)``) or a later step.
    @inlinable @inline(__always)
    public func reduceMontgomery(high: UInt64, low: UInt64) -> UInt64 {
        let m = low &* montgomeryInverse
        let mp = m.multipliedFullWidth(by: value).high
        return high >= mp ? high &- mp : high &+ value &- mp
    }

    /// `a 2^64 mod p` for reduced `a`: the constant whose Montgomery product with `x` is `a x mod p`.
    public func montgomeryForm(_ a: UInt64) -> UInt64 {
        value.dividingFullWidth((high: reduce(a), low: 0)).remainder
    }

    /// `a + b mod p` for reduced `a`, `b`.
    @inlinable @inline(__always)
    public func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let s = a &+ b
        return s >= value ? s &- value : s
    }

    /// `a - b mod p` for reduced `a`, `b`.
    @inlinable @inline(__always)
    public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a >= b ? a &- b : a &+ value &- b
    }

    /// `-a mod p` for reduced `a`.
    @inlinable @inline(__always)
    public func negate(_ a: UInt64) -> UInt64 {
        a == 0 ? 0 : value &- a
    }

    /// Reduces a signed value (for example a small centred error term) modulo `p`.
    @inlinable @inline(__always)
    public func reduce(signed x: Int64) -> UInt64 {
        x >= 0 ? reduce(UInt64(x)) : negate(reduce(x.magnitude))
    }

    /// The centred representative of a reduced `a`: a value in `(-p/2, p/2]`.
    @inlinable @inline(__always)
    public func centered(_ a: UInt64) -> Int64 {
        a > value >> 1 ? -Int64(value &- a) : Int64(a)
    }

    /// `base^exponent mod p` (square and multiply; variable time in the exponent, which is public here).
    public func power(_ base: UInt64, _ exponent: UInt64) -> UInt64 {
        var result: UInt64 = 1 % value
        var b = reduce(base)
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, b) }
            b = multiply(b, b)
            e >>= 1
        }
        return result
    }

    /// The inverse of `a` modulo `p`, or nil when `gcd(a, p) != 1`.
    public func inverse(_ a: UInt64) -> UInt64? {
        ModularMath.inverse(reduce(a), modulo: value)
    }

    /// A Shoup constant for multiplying by `w` (reduced) modulo `p`.
    @inlinable
    public func shoup(_ w: UInt64) -> ShoupConstant {
        ShoupConstant(w, modulus: self)
    }
}

/// A 128-bit sum of 64 x 64-bit products (`high * 2^64 + low`) for lazy accumulation before one reduction
/// (``Modulus/reduceMontgomery(high:low:)`` or ``Modulus/reduce(high:low:)``). Wraps silently: callers bound the
/// number and size of terms.
@frozen
public struct WideAccumulator: Sendable {
    public var high: UInt64
    public var low: UInt64

    /// Starts from `a * b`.
    @inlinable @inline(__always)
    public init(_ a: UInt64, _ b: UInt64) {
        (high, low) = a.multipliedFullWidth(by: b)
    }

    /// Adds `a * b`.
    @inlinable @inline(__always)
    public mutating func add(_ a: UInt64, _ b: UInt64) {
        let product = a.multipliedFullWidth(by: b)
        let (sum, carry) = low.addingReportingOverflow(product.low)
        low = sum
        high = high &+ product.high &+ (carry ? 1 : 0)
    }
}
