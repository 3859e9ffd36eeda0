/// The per-query blinding C1 applies to every value C2 compares: `z = a * key + c + eta`, with a secret scale
/// `a` in `[2^19, 2^20)`, offset `c < 2^126` and fresh noise `0 <= eta < a` per value.
///
/// Keys are integers below `2^80`, so `z < 2^127` never wraps, and `key1 < key2` implies `z1 < z2`: C2 learns
/// the order of the keys and (approximately) ratios of key differences, never the keys themselves. The noise
/// hides exact ties and defeats gcd attacks on differences.
public struct FNNBlinding: Sendable, Equatable {
    /// The scale `a`.
    public let scale: UInt128
    /// The offset `c`.
    public let offset: UInt128

    /// Creates a blinding from explicit values (the shared back end derives `a` from the owner's correlation).
    public init(scale: UInt128, offset: UInt128) {
        precondition(scale > 0 && scale < UInt128(1) << FNNParameters.scaleBits, "scale out of range")
        precondition(offset < UInt128(1) << FNNParameters.offsetBits, "offset out of range")
        self.scale = scale
        self.offset = offset
    }

    /// A fresh blinding from `generator` (the system CSPRNG in production).
    public static func random(using generator: inout some RandomNumberGenerator) -> FNNBlinding {
        FNNBlinding(scale: scale(fromWord: UInt128(generator.next())),
                    offset: UInt128.random(in: 0..<(UInt128(1) << FNNParameters.offsetBits), using: &generator))
    }

    /// Maps a uniform word to a scale in `[2^19, 2^20)`.
    public static func scale(fromWord word: UInt128) -> UInt128 {
        let half = UInt128(1) << (FNNParameters.scaleBits - 1)
        return half | (word & (half - 1))
    }

    /// Fresh noise in `[0, a)`.
    public func noise(using generator: inout some RandomNumberGenerator) -> UInt128 {
        UInt128.random(in: 0..<scale, using: &generator)
    }

    /// `a * key + c + eta` for a plaintext key (reference and tests).
    public func blind(_ key: UInt128, noise: UInt128) -> UInt128 { scale * key + offset + noise }
}
