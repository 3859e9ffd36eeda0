/// A constant `w < p` with its Shoup quotient `floor(w * 2^64 / p)`, for fast multiplication by `w`.
///
/// `multiplyLazy(x)` accepts any 64-bit `x` and returns `x * w mod p` in `[0, 2p)` with one high and two low
/// multiplications (Shoup, "NTL: A library for doing number theory"; Harvey, "Faster arithmetic for
/// number-theoretic transforms", 2014). It needs `p < 2^63`; ``Modulus`` guarantees `p < 2^62`.
@frozen
public struct ShoupConstant: Sendable, Hashable {
    /// The constant `w` (reduced modulo `p`).
    public let value: UInt64
    /// `floor(w * 2^64 / p)`.
    public let quotient: UInt64

    /// Precomputes the Shoup quotient of `w` (reduced first) modulo `modulus`.
    @inlinable
    public init(_ w: UInt64, modulus: Modulus) {
        let reduced = modulus.reduce(w)
        value = reduced
        quotient = modulus.value.dividingFullWidth((high: reduced, low: 0)).quotient
    }

    /// `x * w mod p` in `[0, 2p)` for any 64-bit `x`.
    @inlinable @inline(__always)
    public func multiplyLazy(_ x: UInt64, modulus p: UInt64) -> UInt64 {
        let q = x.multipliedFullWidth(by: quotient).high
        return x &* value &- q &* p
    }

    /// `x * w mod p` in `[0, p)` for any 64-bit `x`.
    @inlinable @inline(__always)
    public func multiply(_ x: UInt64, modulus p: UInt64) -> UInt64 {
        let r = multiplyLazy(x, modulus: p)
        return r >= p ? r &- p : r
    }
}
