import MedSearchCore
import MedSearchModular

extension BFVContext {
    /// Adds `Delta * m` to limb-major `c0` (coefficient form, `level` limbs), with `m` taken as its centred
    /// representative in `(-t/2, t/2]`: `Delta * (t - 1)` would be `-Delta - (q mod t)`, an extra noise term of up
    /// to `t` that products multiply; `Delta * (-1)` has none.
    func addScaledPlaintext(_ plaintext: BFVPlaintext, to c0: inout PolyRq, subtract: Bool = false) {
        let n = degree
        let level = c0.limbCount
        let deltas = tables(level: level).deltaModQ
        let t = plainModulus.value
        let halfT = t >> 1
        c0.data.withUnsafeMutableBufferPointer { x in
            plaintext.coefficients.withUnsafeBufferPointer { m in
                for l in 0..<level {
                    let q = moduli[l]
                    let delta = q.shoup(deltas[l])
                    let p = q.value
                    for i in 0..<n {
                        let mi = m[i]
                        let v = mi > halfT ? q.negate(delta.multiply(t &- mi, modulus: p)) : delta.multiply(mi, modulus: p)
                        let a = x[l * n + i]
                        if subtract {
                            x[l * n + i] = a >= v ? a &- v : a &+ p &- v
                        } else {
                            let s = a &+ v
                            x[l * n + i] = s >= p ? s &- p : s
                        }
                    }
                }
            }
        }
    }

    /// Encrypts under the public key: `(p_0 u + e_1 + Delta m, p_1 u + e_2)` with ternary `u`.
    public func encrypt(_ plaintext: BFVPlaintext, publicKey: BFVPublicKey,
                        using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        try check(plaintext)
        guard publicKey.parameters == parameters else { throw .parameterMismatch("public key of \(publicKey.parameters.name)") }
        var u = BFVSampling.lift(BFVSampling.ternary(count: degree, using: &rng), moduli: moduli, degree: degree)
        u.forwardNTT(nttTables)
        var c0 = publicKey.p0
        c0.multiplyPointwise(u, moduli: moduli)
        var c1 = publicKey.p1
        c1.multiplyPointwise(u, moduli: moduli)
        u.wipe()
        c0.inverseNTT(nttTables)
        c1.inverseNTT(nttTables)
        c0.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: degree, using: &rng), moduli: moduli, degree: degree),
               moduli: moduli)
        c1.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: degree, using: &rng), moduli: moduli, degree: degree),
               moduli: moduli)
        addScaledPlaintext(plaintext, to: &c0)
        return BFVCiphertext(polys: [c0, c1])
    }

    /// Encrypts under the public key with the system-seeded CSPRNG.
    public func encrypt(_ plaintext: BFVPlaintext, publicKey: BFVPublicKey) throws(BFVError) -> BFVCiphertext {
        var rng = ChaChaRandomGenerator()
        return try encrypt(plaintext, publicKey: publicKey, using: &rng)
    }

    /// Encrypts under the secret key: `(-a s + e + Delta m, a)` with `a` expanded from a fresh 32-byte seed, so
    /// the serialised ciphertext carries `c_0` and the seed only (half size).
    public func encrypt(_ plaintext: BFVPlaintext, secretKey: BFVSecretKey,
                        using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        try check(plaintext)
        guard secretKey.parameters == parameters else { throw .parameterMismatch("secret key of \(secretKey.parameters.name)") }
        let seed = SecureRandom.bytes(32, using: &rng)
        let a = BFVSampling.expand(seed: seed, domain: 0, moduli: moduli, degree: degree)
        var c0 = a
        c0.forwardNTT(nttTables)
        c0.multiplyPointwise(secretKey.ntt, moduli: moduli)
        c0.inverseNTT(nttTables)
        c0.negate(moduli: moduli)
        c0.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: degree, using: &rng), moduli: moduli, degree: degree),
               moduli: moduli)
        addScaledPlaintext(plaintext, to: &c0)
        return BFVCiphertext(polys: [c0, a], seed: seed)
    }

    /// Encrypts under the secret key with the system-seeded CSPRNG.
    public func encrypt(_ plaintext: BFVPlaintext, secretKey: BFVSecretKey) throws(BFVError) -> BFVCiphertext {
        var rng = ChaChaRandomGenerator()
        return try encrypt(plaintext, secretKey: secretKey, using: &rng)
    }

    func check(_ plaintext: BFVPlaintext) throws(BFVError) {
        guard plaintext.coefficients.count == degree else {
            throw .shapeMismatch("plaintext has \(plaintext.coefficients.count) coefficients, expected \(degree)")
        }
    }

    func check(_ ciphertext: BFVCiphertext) throws(BFVError) {
        guard ciphertext.degree == degree, (1...topLevel).contains(ciphertext.level) else {
            throw .shapeMismatch("ciphertext of degree \(ciphertext.degree) at level \(ciphertext.level)")
        }
    }

    /// `c_0 + c_1 s (+ c_2 s^2) mod q` in coefficient form.
    func innerProduct(_ ciphertext: BFVCiphertext, secretKey: BFVSecretKey) -> PolyRq {
        let level = ciphertext.level
        let qs = moduli(level: level)
        let tables = Array(nttTables[0..<level])
        let s = secretKey.ntt.prefix(limbs: level)
        var acc = ciphertext.polys[1]
        acc.forwardNTT(tables)
        acc.multiplyPointwise(s, moduli: qs)
        if ciphertext.size > 2 {
            var power = s
            for index in 2..<ciphertext.size {
                power.multiplyPointwise(s, moduli: qs)
                var c = ciphertext.polys[index]
                c.forwardNTT(tables)
                acc.addProduct(c, power, moduli: qs)
            }
            power.wipe()
        }
        acc.inverseNTT(tables)
        acc.add(ciphertext.polys[0], moduli: qs)
        return acc
    }

    /// Decrypts: `m = round(t/q * [c_0 + c_1 s]_q) mod t` (BEHZ scale-and-round with the helper prime gamma).
    ///
    /// A wrong key (or a ciphertext whose noise budget is exhausted) gives a garbage plaintext, never an error:
    /// decryption does not tell whether it succeeded.
    public func decrypt(_ ciphertext: BFVCiphertext, secretKey: BFVSecretKey) throws(BFVError) -> BFVPlaintext {
        try check(ciphertext)
        guard secretKey.parameters == parameters else { throw .parameterMismatch("secret key of \(secretKey.parameters.name)") }
        var x = innerProduct(ciphertext, secretKey: secretKey)
        defer { x.wipe() }
        return BFVPlaintext(coefficients: scaleAndRound(x))
    }

    /// `round(t x / q) mod t` for `x` over the first `level` primes.
    func scaleAndRound(_ x: PolyRq) -> [UInt64] {
        let n = degree
        let level = x.limbCount
        let lt = tables(level: level)
        let t = plainModulus, g = gamma
        let tp = t.value, gp = g.value
        var out = [UInt64](repeating: 0, count: n)
        var v = [UInt64](repeating: 0, count: n * level)
        let decryptScale = lt.decryptScale
        x.data.withUnsafeBufferPointer { xs in
            for l in 0..<level {
                let c = decryptScale[l], p = moduli[l].value
                for i in 0..<n { v[l * n + i] = c.multiply(xs[l * n + i], modulus: p) }
            }
        }
        let gammaHalf = gp >> 1
        var st = [UInt64](repeating: 0, count: n), sg = [UInt64](repeating: 0, count: n)
        for l in 0..<level {
            let wt = lt.qHatModT[l], wg = lt.qHatModGamma[l]
            for i in 0..<n {
                let y = v[l * n + i]
                st[i] = t.add(st[i], wt.multiply(y, modulus: tp))
                sg[i] = g.add(sg[i], wg.multiply(y, modulus: gp))
            }
        }
        let negQInvModT = lt.negQInvModT, negQInvModGamma = lt.negQInvModGamma, gammaInvModT = lt.gammaInvModT
        for i in 0..<n {
            let st = negQInvModT.multiply(st[i], modulus: tp)
            let sg = negQInvModGamma.multiply(sg[i], modulus: gp)
            let r: UInt64
            if sg > gammaHalf {
                r = t.add(st, t.reduce(gp &- sg))
            } else {
                r = t.subtract(st, t.reduce(sg))
            }
            out[i] = gammaInvModT.multiply(r, modulus: tp)
        }
        return out
    }

    /// The invariant noise budget in bits: `log2(q) - log2(|| [t (c_0 + c_1 s)]_q ||_inf) - 1`, or 0 when
    /// exhausted. Client side only: it needs the secret key and must never be computed by, or sent to, a server.
    public func noiseBudget(_ ciphertext: BFVCiphertext, secretKey: BFVSecretKey) throws(BFVError) -> Int {
        try check(ciphertext)
        var x = innerProduct(ciphertext, secretKey: secretKey)
        defer { x.wipe() }
        let n = degree
        let level = ciphertext.level
        let lt = tables(level: level)
        let qHalf = WideInteger.halved(lt.qWide)
        var maxBits = 0
        for i in 0..<n {
            var composed: [UInt64] = [0]
            for l in 0..<level {
                let m = moduli[l]
                let tx = m.multiply(x.data[l * n + i], m.reduce(plainModulus.value))
                let y = lt.qHatInv[l].multiply(tx, modulus: m.value)
                WideInteger.add(&composed, WideInteger.multiply(lt.qHatWide[l], by: y))
            }
            while WideInteger.compare(composed, lt.qWide) >= 0 { WideInteger.subtract(&composed, lt.qWide) }
            if WideInteger.compare(composed, qHalf) > 0 {
                var centred = lt.qWide
                WideInteger.subtract(&centred, composed)
                composed = centred
            }
            maxBits = max(maxBits, WideInteger.bitCount(composed))
        }
        return max(0, WideInteger.bitCount(lt.qWide) - maxBits - 1)
    }
}
