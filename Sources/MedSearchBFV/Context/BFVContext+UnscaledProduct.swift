import MedSearchCore
import MedSearchModular

/// A two-polynomial ciphertext with both polynomials in NTT form, ready to be multiplied many times (for example
/// the blocks of an encrypted database): see ``BFVContext/multiply(_:by:rerandomizingWith:using:)``.
public struct BFVNTTCiphertext: Sendable {
    /// The level (number of RNS limbs).
    public let level: Int
    /// `c_0, c_1` in NTT form.
    let polys: [PolyRq]

    /// Bytes held by the residues (8 each).
    public var byteCount: Int { polys.reduce(0) { $0 + $1.data.count * 8 } }
}

/// An **unscaled** ("BGV-form") ciphertext prepared as the fixed multiplier of
/// ``BFVContext/multiply(_:by:rerandomizingWith:using:)``: NTT form with a Shoup quotient per residue.
public struct BFVUnscaledMultiplier: Sendable {
    /// The level (number of RNS limbs).
    public let level: Int
    /// `a_0, a_1` in NTT form, limb-major.
    let values: [[UInt64]]
    /// `floor(a * 2^64 / q_i)` for every residue of `values`.
    let quotients: [[UInt64]]
}

extension BFVContext {
    /// Encrypts `plaintext` **without the BFV scale**: `(a_0, a_1)` with `a_0 + a_1 s = m + t e (mod q)`, `m` lifted
    /// to centred representatives, `a_1` expanded from a fresh 32-byte seed (serialises to half size).
    ///
    /// This is BGV's form of an encryption (as secure as a BFV one: RLWE with error `t e`, `gcd(t, q) = 1`). It is
    /// meant only as the multiplier of a BFV ciphertext: the product `(b_0 + b_1 s)(a_0 + a_1 s) mod q` of a BFV
    /// ciphertext `b` of `h` with it is `Delta h m + (small noise)`, a three-polynomial BFV ciphertext of `h m`,
    /// computed with pointwise products modulo `q` only (no base extension, no rescaling). Never decrypt it with
    /// ``decrypt(_:secretKey:)`` (that expects the scale `Delta`) or use it in other BFV operations.
    public func encryptUnscaled(_ plaintext: BFVPlaintext, secretKey: BFVSecretKey,
                                using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        try check(plaintext)
        guard secretKey.parameters == parameters else { throw .parameterMismatch("secret key of \(secretKey.parameters.name)") }
        var (c0, a, seed) = seededMask(secretKey: secretKey, using: &rng)
        c0.add(messagePlusScaledError(plaintext, using: &rng), moduli: moduli)
        return BFVCiphertext(polys: [c0, a], seed: seed)
    }

    /// `m + t e` with `m` lifted to centred representatives and a fresh centred-binomial `e`, in coefficient form:
    /// the part of an unscaled encryption that carries the message.
    func messagePlusScaledError(_ plaintext: BFVPlaintext, using rng: inout some RandomNumberGenerator) -> PolyRq {
        let errors = BFVSampling.centeredBinomial(count: degree, using: &rng)
        let t = plainModulus
        let tValue = Int64(t.value)
        let n = degree
        var out = PolyRq(degree: n, limbCount: moduli.count)
        out.data.withUnsafeMutableBufferPointer { x in
            plaintext.coefficients.withUnsafeBufferPointer { m in
                for (l, q) in moduli.enumerated() {
                    for i in 0..<n { x[l * n + i] = q.reduce(signed: tValue &* Int64(errors[i]) &+ t.centered(m[i])) }
                }
            }
        }
        return out
    }

    /// ``encryptUnscaled(_:secretKey:using:)`` with both polynomials **in NTT form**: `a_1` is the seed's expansion
    /// read as NTT-form values (a uniform polynomial is uniform in either form, so the seed still stands for it) and
    /// `a_0 = NTT(m + t e) - a_1 * NTT(s)`. Same distribution as the coefficient form transformed, so just as secure;
    /// the receiver skips the forward transforms (``interleave(_:transforming:)`` with `transforming: false`). The
    /// ciphertext serialises like any seeded one; only the sender and receiver know its polynomials are in NTT form.
    public func encryptUnscaledInNTTForm(_ plaintext: BFVPlaintext, secretKey: BFVSecretKey,
                                         using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        try check(plaintext)
        guard secretKey.parameters == parameters else { throw .parameterMismatch("secret key of \(secretKey.parameters.name)") }
        let seed = SecureRandom.bytes(32, using: &rng)
        let a = BFVSampling.expand(seed: seed, domain: 0, moduli: moduli, degree: degree)
        var c0 = messagePlusScaledError(plaintext, using: &rng)
        c0.forwardNTT(nttTables)
        var mask = a
        mask.multiplyPointwise(secretKey.ntt, moduli: moduli)
        c0.subtract(mask, moduli: moduli)
        return BFVCiphertext(polys: [c0, a], seed: seed)
    }

    /// Transforms a two-polynomial ciphertext to NTT form (once, for repeated products).
    public func transformToNTT(_ a: BFVCiphertext) throws(BFVError) -> BFVNTTCiphertext {
        try check(a)
        guard a.size == 2 else { throw .shapeMismatch("need a two-polynomial ciphertext, got \(a.size)") }
        let tables = Array(nttTables[0..<a.level])
        let polys = a.polys.map { poly -> PolyRq in
            var p = poly
            p.forwardNTT(tables)
            return p
        }
        return BFVNTTCiphertext(level: a.level, polys: polys)
    }

    /// Prepares an unscaled ciphertext (``encryptUnscaled(_:secretKey:using:)``) as a multiplier: NTT form plus
    /// Shoup quotients, so that each later product costs four Shoup multiplications per residue.
    public func prepareUnscaledMultiplier(_ a: BFVCiphertext) throws(BFVError) -> BFVUnscaledMultiplier {
        let ntt = try transformToNTT(a)
        let n = degree
        var quotients: [[UInt64]] = []
        for poly in ntt.polys {
            var q = [UInt64](repeating: 0, count: poly.data.count)
            for l in 0..<ntt.level {
                let p = moduli[l].value
                for i in l * n..<(l + 1) * n { q[i] = p.dividingFullWidth((high: poly.data[i], low: 0)).quotient }
            }
            quotients.append(q)
        }
        return BFVUnscaledMultiplier(level: ntt.level, values: ntt.polys.map(\.data), quotients: quotients)
    }

    /// The product of a BFV ciphertext `b` (NTT form) and an unscaled multiplier `a`, modulo `q`:
    /// `(b_0 a_0, b_0 a_1 + b_1 a_0, b_1 a_1)` in coefficient form, a three-polynomial BFV ciphertext of the
    /// plaintext product (decrypt with ``decrypt(_:secretKey:)``, or switch with ``switchToPowerOfTwo(_:bits:)``).
    ///
    /// With `publicKey`, a fresh public-key encryption of zero `(p_0 u + e_1, p_1 u + e_2)` is added (costs one
    /// forward NTT): the result's first two polynomials are then re-randomised, so they no longer reveal
    /// `b_0, b_1` to the key holder, who knows `a`. The third, `b_1 a_1`, depends only on `b`'s randomness.
    public func multiply(_ b: BFVNTTCiphertext, by a: BFVUnscaledMultiplier, rerandomizingWith publicKey: BFVPublicKey?,
                         using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        guard a.level == b.level else { throw .shapeMismatch("levels \(b.level) and \(a.level) differ") }
        guard (1...topLevel).contains(a.level), b.polys.count == 2, a.values.count == 2,
              b.polys.allSatisfy({ $0.degree == degree && $0.data.count == a.level * degree }),
              a.values.allSatisfy({ $0.count == a.level * degree }) else {
            throw .shapeMismatch("operands made for another parameter set")
        }
        if let publicKey, publicKey.parameters != parameters {
            throw .parameterMismatch("public key of \(publicKey.parameters.name)")
        }
        let level = a.level
        let n = degree
        let qs = moduli(level: level)
        var c0 = PolyRq(degree: n, limbCount: level) { _ in }
        var c1 = PolyRq(degree: n, limbCount: level) { _ in }
        var c2 = PolyRq(degree: n, limbCount: level) { _ in }
        b.polys[0].data.withUnsafeBufferPointer { b0 in
        b.polys[1].data.withUnsafeBufferPointer { b1 in
        a.values[0].withUnsafeBufferPointer { a0 in
        a.values[1].withUnsafeBufferPointer { a1 in
        a.quotients[0].withUnsafeBufferPointer { a0q in
        a.quotients[1].withUnsafeBufferPointer { a1q in
        c0.data.withUnsafeMutableBufferPointer { r0 in
        c1.data.withUnsafeMutableBufferPointer { r1 in
        c2.data.withUnsafeMutableBufferPointer { r2 in
            for l in 0..<level {
                let p = qs[l].value
                let twoP = p &<< 1
                for i in l * n..<(l + 1) * n {
                    let x0 = b0[i], x1 = b1[i]
                    let w0 = a0[i], w0q = a0q[i], w1 = a1[i], w1q = a1q[i]
                    // Shoup products with the multiplier as the constant, each in [0, 2p).
                    let p00 = x0 &* w0 &- x0.multipliedFullWidth(by: w0q).high &* p
                    let p01 = x0 &* w1 &- x0.multipliedFullWidth(by: w1q).high &* p
                    let p10 = x1 &* w0 &- x1.multipliedFullWidth(by: w0q).high &* p
                    let p11 = x1 &* w1 &- x1.multipliedFullWidth(by: w1q).high &* p
                    let s1 = p01 &+ p10
                    r0[i] = p00
                    r1[i] = s1 >= twoP ? s1 &- twoP : s1
                    r2[i] = p11
                }
            }
        }}}}}}}}}
        try finishProduct(&c0, &c1, &c2, level: level, rerandomizingWith: publicKey, using: &rng)
        return BFVCiphertext(polys: [c0, c1, c2])
    }

    /// Convenience: `b x a` for a BFV ciphertext `b` and an unscaled ciphertext `a` (both coefficient form), no
    /// re-randomisation. See ``encryptUnscaled(_:secretKey:using:)``.
    public func multiplyUnscaled(_ b: BFVCiphertext, _ a: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try checkPair(a, b)
        var rng = SeededRandomNumberGenerator(seed: 0) // unused: no re-randomisation
        return try multiply(transformToNTT(b), by: prepareUnscaledMultiplier(a), rerandomizingWith: nil, using: &rng)
    }
}
