/// Integer helpers generic over the unsigned word type: gcd, modular inverse, modular power on small words,
/// bit reversal. Hot paths use ``Modulus`` and ``ShoupConstant`` instead.
public enum ModularMath {
    /// The greatest common divisor of `a` and `b`.
    @inlinable
    public static func gcd<T: FixedWidthInteger & UnsignedInteger>(_ a: T, _ b: T) -> T {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// The inverse of `a` modulo `m` (extended Euclid), or nil when `gcd(a, m) != 1` or `m < 2`.
    @inlinable
    public static func inverse<T: FixedWidthInteger & UnsignedInteger>(_ a: T, modulo m: T) -> T? {
        guard m > 1 else { return nil }
        // Track Bezout coefficients modulo m to stay unsigned.
        var (r0, r1) = (m, a % m)
        var (s0, s1): (T, T) = (0, 1)
        while r1 != 0 {
            let q = r0 / r1
            (r0, r1) = (r1, r0 - q * r1)
            // s_next = s0 - q * s1 (mod m)
            let product = mulMod(q % m, s1, m)
            let next = s0 >= product ? s0 - product : m - (product - s0)
            (s0, s1) = (s1, next)
        }
        guard r0 == 1 else { return nil }
        return s0 % m
    }

    /// `a * b mod m` through a double-width product (any unsigned width).
    @inlinable
    public static func mulMod<T: FixedWidthInteger & UnsignedInteger>(_ a: T, _ b: T, _ m: T) -> T {
        let product = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth((high: product.high % m, low: product.low)).remainder
    }

    /// `base^exponent mod m` (any unsigned width, variable time in the public exponent).
    @inlinable
    public static func powMod<T: FixedWidthInteger & UnsignedInteger>(_ base: T, _ exponent: T, _ m: T) -> T {
        var result: T = 1 % m
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }

    /// Reverses the lowest `bitCount` bits of `value`.
    @inlinable
    public static func reverseBits(_ value: Int, bitCount: Int) -> Int {
        guard bitCount > 0 else { return 0 }
        return Int(truncatingIfNeeded: UInt64(truncatingIfNeeded: value).bitReversed() >> (64 - bitCount))
    }
}

extension UInt64 {
    /// The bits of this word in reverse order.
    @inlinable
    public func bitReversed() -> UInt64 {
        var x = self
        x = ((x >> 1) & 0x5555_5555_5555_5555) | ((x & 0x5555_5555_5555_5555) << 1)
        x = ((x >> 2) & 0x3333_3333_3333_3333) | ((x & 0x3333_3333_3333_3333) << 2)
        x = ((x >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((x & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return x.byteSwapped
    }
}
