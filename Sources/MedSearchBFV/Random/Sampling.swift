import MedSearchModular

/// Samplers for BFV: uniform residues, ternary secrets and centred-binomial errors.
public enum BFVSampling {
    /// The centred binomial parameter: errors are `popcount(21 bits) - popcount(21 bits)`, variance 10.5,
    /// standard deviation about 3.24 (the HomomorphicEncryption.org standard uses 3.2).
    public static let binomialEta = 21

    /// A ternary polynomial (coefficients uniform in `{-1, 0, 1}`) as signed values.
    public static func ternary(count: Int, using rng: inout some RandomNumberGenerator) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        var i = 0
        while i < count {
            var word = rng.next()
            for _ in 0..<32 where i < count {
                let v = word & 3
                word >>= 2
                if v == 3 { continue }
                out[i] = Int8(v) - 1
                i += 1
            }
        }
        return out
    }

    /// Centred binomial errors (see ``binomialEta``) as signed values.
    public static func centeredBinomial(count: Int, using rng: inout some RandomNumberGenerator) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        let mask: UInt64 = (1 << 21) - 1
        for i in 0..<count {
            let w = rng.next()
            out[i] = Int8((w & mask).nonzeroBitCount - ((w >> 21) & mask).nonzeroBitCount)
        }
        return out
    }

    /// Lifts small signed values to an RNS polynomial over `moduli` (coefficient form).
    public static func lift(_ values: [Int8], moduli: [Modulus], degree: Int) -> PolyRq {
        var poly = PolyRq(degree: degree, limbCount: moduli.count)
        poly.data.withUnsafeMutableBufferPointer { x in
            for (l, m) in moduli.enumerated() {
                let p = m.value
                let base = l * degree
                for i in 0..<degree {
                    let v = values[i]
                    x[base + i] = v >= 0 ? UInt64(v) : p &- UInt64(-Int64(v))
                }
            }
        }
        return poly
    }

    /// A polynomial with residues uniform modulo each prime, by rejection sampling from `rng`.
    public static func uniform(moduli: [Modulus], degree: Int, using rng: inout some RandomNumberGenerator) -> PolyRq {
        var poly = PolyRq(degree: degree, limbCount: moduli.count)
        poly.data.withUnsafeMutableBufferPointer { x in
            for (l, m) in moduli.enumerated() {
                let p = m.value
                let mask: UInt64 = m.bitCount >= 64 ? .max : (UInt64(1) << UInt64(m.bitCount)) - 1
                var i = 0
                while i < degree {
                    let v = rng.next() & mask
                    if v < p { x[l * degree + i] = v; i += 1 }
                }
            }
        }
        return poly
    }

    /// The uniform polynomial determined by a public 32-byte seed (ChaCha20 keystream, stream `domain`).
    public static func expand(seed: [UInt8], domain: UInt32, moduli: [Modulus], degree: Int) -> PolyRq {
        var rng = ChaChaRandomGenerator(seed: seed, domain: domain)
        return uniform(moduli: moduli, degree: degree, using: &rng)
    }
}
