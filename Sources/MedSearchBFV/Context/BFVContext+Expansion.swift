import MedSearchModular

/// Server-side **query expansion** (the `Subs` tree of SealPIR, Angel et al. 2018): one ciphertext carrying values
/// `v_0 ... v_(n-1)` in its first coefficients becomes `n` ciphertexts of the constants `v_j`, with `n - 1`
/// automorphisms `X -> X^(N / 2^i + 1)` and key switches. The client sends one ciphertext instead of `n`.
extension BFVContext {
    /// The expansion tree's depth for `count` values: `ceil(log2 count)`.
    public func expansionLevels(count: Int) -> Int {
        count <= 1 ? 0 : Int.bitWidth - (count - 1).leadingZeroBitCount
    }

    /// The Galois elements ``expand(_:count:keys:)`` needs for `count` values: `N / 2^i + 1` for each level `i`.
    public func expansionGaloisElements(count: Int) -> [Int] {
        (0..<expansionLevels(count: count)).map { degree >> $0 + 1 }
    }

    /// Encrypts `values` (residues modulo `t`, at most `N`) for ``expand(_:count:keys:)``: `(a_0, a_1)` with
    /// `a_0 + a_1 s = lambda sum_j v_j X^j + e (mod q)`, `lambda = (t 2^L)^-1 mod q` (`L` the expansion depth), `v_j`
    /// lifted to centred representatives and `a_1` expanded from a fresh 32-byte seed (serialises to half size).
    /// An RLWE sample like any secret-key encryption; the scale is chosen so that the expansion's factor `2^L` and
    /// its final product with `t` leave exactly `v_j + t E` (the unscaled form the inner product multiplies).
    ///
    /// - Throws: ``BFVError/valueOutOfRange(_:)`` for no value or more than `N`, ``BFVError/parameterMismatch(_:)``
    ///   for another set's key.
    public func encryptForExpansion(_ values: [UInt64], secretKey: BFVSecretKey,
                                    using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        guard secretKey.parameters == parameters else { throw .parameterMismatch("secret key of \(secretKey.parameters.name)") }
        guard (1...degree).contains(values.count) else { throw .valueOutOfRange("\(values.count) values to expand") }
        let levels = expansionLevels(count: values.count)
        var (c0, a, seed) = seededMask(secretKey: secretKey, using: &rng)
        c0.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: degree, using: &rng), moduli: moduli, degree: degree),
               moduli: moduli)
        let t = plainModulus
        let n = degree
        c0.data.withUnsafeMutableBufferPointer { x in
            for (l, q) in moduli.enumerated() {
                let scale = q.multiply(q.reduce(t.value), q.reduce(UInt64(1) << UInt64(levels)))
                // q is prime and larger than t 2^L's factors, so the inverse exists.
                let lambda = q.shoup(q.inverse(scale) ?? 0)
                for (j, v) in values.enumerated() {
                    let m = q.reduce(signed: t.centered(t.reduce(v)))
                    x[l * n + j] = q.add(x[l * n + j], lambda.multiply(m, modulus: q.value))
                }
            }
        }
        return BFVCiphertext(polys: [c0, a], seed: seed)
    }

    /// Expands a ciphertext of ``encryptForExpansion(_:secretKey:using:)`` into `count` **unscaled** ciphertexts
    /// (`a_0 + a_1 s = v_j + t E_j`, the constant `v_j`: what ``prepareUnscaledMultiplier(_:)`` and ``interleave(_:)``
    /// take). Level `i` of the tree maps each ciphertext `c` (values at multiples of `2^i`) to `c + Subs(c)` (the
    /// values at multiples of `2^(i+1)`, doubled) and `X^(-2^i) (c - Subs(c))` (the others, doubled and shifted down),
    /// `Subs` being the automorphism `X -> X^(N/2^i + 1)` with its key switch; branches past `count` are skipped, so
    /// the cost is `count - 1` key switches or fewer. Finally every output is multiplied by `t`. The noise `E_j` grows
    /// with each level (doubling, plus each key switch's rounding); docs/bfv.md has the figures.
    ///
    /// - Throws: ``BFVError/missingGaloisKey(element:)`` without a key of ``expansionGaloisElements(count:)``,
    ///   ``BFVError/shapeMismatch(_:)`` for a ciphertext that is not fresh (two polynomials, top level),
    ///   ``BFVError/valueOutOfRange(_:)`` for `count` outside `1...N`.
    public func expand(_ ciphertext: BFVCiphertext, count: Int, keys: BFVGaloisKeys) throws(BFVError) -> [BFVCiphertext] {
        try check(ciphertext)
        guard ciphertext.size == 2, ciphertext.level == topLevel else {
            throw .shapeMismatch("expansion needs a fresh ciphertext (2 polynomials at level \(topLevel))")
        }
        guard (1...degree).contains(count) else { throw .valueOutOfRange("\(count) values to expand") }
        var list = [BFVCiphertext(polys: ciphertext.polys)]
        for level in 0..<expansionLevels(count: count) {
            let shift = 1 << level
            let element = degree >> level + 1
            var next = list
            for r in list.indices {
                let c = list[r]
                let substituted = try applyGalois(c, element: element, keys: keys)
                next[r] = try add(c, substituted)
                if r + shift < count {
                    next.append(try multiplyByMonomial(try subtract(c, substituted), power: 2 * degree - shift))
                }
            }
            list = next
        }
        return list.map { multiplyByPlainModulus($0) }
    }

    /// `t a` (every residue times `t mod q_i`).
    func multiplyByPlainModulus(_ a: BFVCiphertext) -> BFVCiphertext {
        let qs = moduli(level: a.level)
        let n = degree
        let polys = a.polys.map { poly -> PolyRq in
            var out = poly
            out.data.withUnsafeMutableBufferPointer { x in
                for (l, q) in qs.enumerated() {
                    let factor = q.shoup(q.reduce(plainModulus.value))
                    for i in l * n..<(l + 1) * n { x[i] = factor.multiply(x[i], modulus: q.value) }
                }
            }
            return out
        }
        return BFVCiphertext(polys: polys)
    }
}
