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
        var (c0, a, seed) = seededMask(secretKey: secretKey, using: &rng)
        c0.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: degree, using: &rng), moduli: moduli, degree: degree),
               moduli: moduli)
        addScaledPlaintext(plaintext, to: &c0)
        return BFVCiphertext(polys: [c0, a], seed: seed)
    }

    /// The start of every seeded secret-key encryption: a fresh 32-byte seed, its expansion `a` (coefficient form,
    /// the ciphertext's `c_1`) and `-a s` (the first polynomial before error and message are added).
    func seededMask(secretKey: BFVSecretKey,
                    using rng: inout some RandomNumberGenerator) -> (c0: PolyRq, a: PolyRq, seed: [UInt8]) {
        let seed = SecureRandom.bytes(32, using: &rng)
        let a = BFVSampling.expand(seed: seed, domain: 0, moduli: moduli, degree: degree)
        var c0 = a
        c0.forwardNTT(nttTables)
        c0.multiplyPointwise(secretKey.ntt, moduli: moduli)
        c0.inverseNTT(nttTables)
        c0.negate(moduli: moduli)
        return (c0, a, seed)
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

    /// `c_0 + c_1 s (+ c_2 s^2) mod q` in coefficient form into `out` (`level` limbs; `temp` holds `level N` values).
    func decryptionSum(_ ciphertext: BFVCiphertext, secretKey: BFVSecretKey, into out: UnsafeMutablePointer<UInt64>,
                       temp: UnsafeMutablePointer<UInt64>) {
        let level = ciphertext.level
        let n = degree
        ciphertext.polys[1].data.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: level * n) }
        if ciphertext.size > 2 {
            ciphertext.polys[2].data.withUnsafeBufferPointer { temp.update(from: $0.baseAddress!, count: level * n) }
        }
        secretKey.ntt.data.withUnsafeBufferPointer { sp in
            for l in 0..<level {
                let m = moduli[l]
                let table = nttTables[l]
                let x = out + l * n, s = sp.baseAddress! + l * n
                table.forward(x)
                if ciphertext.size > 2 {
                    // c_1 s + c_2 s^2 = (c_1 + c_2 s) s.
                    let y = temp + l * n
                    table.forward(y)
                    for i in 0..<n { x[i] = m.multiplyAdd(y[i], s[i], x[i]) }
                }
                // Montgomery products; the inverse NTT removes their factor 2^-64.
                for i in 0..<n {
                    let product = x[i].multipliedFullWidth(by: s[i])
                    x[i] = m.reduceMontgomery(high: product.high, low: product.low)
                }
                table.inverseFromMontgomery(x)
            }
        }
        ciphertext.polys[0].data.withUnsafeBufferPointer { c0 in
            for l in 0..<level {
                let p = moduli[l].value
                for i in l * n..<(l + 1) * n {
                    let v = out[i] &+ c0[i]
                    out[i] = v >= p ? v &- p : v
                }
            }
        }
    }

    /// `c_0 + c_1 s (+ c_2 s^2) mod q` in coefficient form (client side: the noise measurement).
    func innerProduct(_ ciphertext: BFVCiphertext, secretKey: BFVSecretKey) -> PolyRq {
        let level = ciphertext.level
        return scratch.withBuffer(count: level * degree) { temp in
            let sum = PolyRq(degree: degree, limbCount: level) { out in
                decryptionSum(ciphertext, secretKey: secretKey, into: out, temp: temp)
            }
            temp.update(repeating: 0, count: level * degree)
            return sum
        }
    }

    /// Decrypts: `m = round(t/q * [c_0 + c_1 s]_q) mod t` (BEHZ scale-and-round with the helper prime gamma).
    ///
    /// A wrong key (or a ciphertext whose noise budget is exhausted) gives a garbage plaintext, never an error:
    /// decryption does not tell whether it succeeded.
    public func decrypt(_ ciphertext: BFVCiphertext, secretKey: BFVSecretKey) throws(BFVError) -> BFVPlaintext {
        try check(ciphertext)
        guard secretKey.parameters == parameters else { throw .parameterMismatch("secret key of \(secretKey.parameters.name)") }
        let level = ciphertext.level
        let n = degree
        let coefficients = scratch.withBuffer(count: 2 * level * n) { buffer in
            decryptionSum(ciphertext, secretKey: secretKey, into: buffer, temp: buffer + level * n)
            let m = [UInt64](unsafeUninitializedCapacity: n) { out, initialized in
                scaleAndRound(buffer, level: level, into: out.baseAddress!)
                initialized = n
            }
            // The sum is the plaintext plus the noise, which with the ciphertext would reveal c_1 s: never leave it.
            buffer.update(repeating: 0, count: 2 * level * n)
            return m
        }
        return BFVPlaintext(coefficients: coefficients)
    }

    /// `round(t x / q) mod t` for `x` over the first `level` primes (coefficient form): BEHZ with the helper prime
    /// `gamma`, `-q^-1` folded into the per-prime constants (`-q_i^-1` modulo `t` and `gamma`).
    func scaleAndRound(_ x: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let lt = tables(level: level)
        let t = plainModulus, g = gamma
        let tp = t.value, gp = g.value
        let gammaHalf = gp >> 1
        let gammaInvModT = lt.gammaInvModT
        lt.decryptScale.withUnsafeBufferPointer { scale in
        lt.negQiInvModT.withUnsafeBufferPointer { toT in
        lt.negQiInvModGamma.withUnsafeBufferPointer { toGamma in
            for i in 0..<n {
                var st: UInt64 = 0
                var acc = WideAccumulator(0, 0)
                for l in 0..<level {
                    let v = scale[l].multiply(x[l &* n &+ i], modulus: moduli[l].value)
                    st = st &+ toT[l].multiplyLazy(v, modulus: tp)
                    acc.add(v, toGamma[l])
                }
                let rt = t.reduce(st)
                let sg = g.reduceMontgomery(high: acc.high, low: acc.low)
                let r = sg > gammaHalf ? t.add(rt, t.reduce(gp &- sg)) : t.subtract(rt, t.reduce(sg))
                out[i] = gammaInvModT.multiply(r, modulus: tp)
            }
        }
        }
        }
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
