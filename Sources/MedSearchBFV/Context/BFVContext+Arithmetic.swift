import MedSearchModular

extension BFVContext {
    func checkPair(_ a: BFVCiphertext, _ b: BFVCiphertext) throws(BFVError) {
        try check(a)
        try check(b)
        guard a.level == b.level else {
            throw .shapeMismatch("levels \(a.level) and \(b.level) differ (mod switch the higher one first)")
        }
    }

    /// `a + b`.
    public func add(_ a: BFVCiphertext, _ b: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try checkPair(a, b)
        let qs = moduli(level: a.level)
        var (long, short) = a.size >= b.size ? (a, b) : (b, a)
        for i in 0..<short.size { long.polys[i].add(short.polys[i], moduli: qs) }
        long.seed = nil
        _ = short
        return long
    }

    /// `a - b`.
    public func subtract(_ a: BFVCiphertext, _ b: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try checkPair(a, b)
        let qs = moduli(level: a.level)
        var result = a
        result.seed = nil
        for i in 0..<b.size {
            if i < result.size {
                result.polys[i].subtract(b.polys[i], moduli: qs)
            } else {
                var negated = b.polys[i]
                negated.negate(moduli: qs)
                result.polys.append(negated)
            }
        }
        return result
    }

    /// `-a`.
    public func negate(_ a: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try check(a)
        let qs = moduli(level: a.level)
        var result = a
        result.seed = nil
        for i in 0..<result.size { result.polys[i].negate(moduli: qs) }
        return result
    }

    /// `a + m` for a plaintext `m`.
    public func add(_ a: BFVCiphertext, _ plaintext: BFVPlaintext) throws(BFVError) -> BFVCiphertext {
        try check(a)
        try check(plaintext)
        var result = a
        result.seed = nil
        addScaledPlaintext(plaintext, to: &result.polys[0])
        return result
    }

    /// `a - m` for a plaintext `m`.
    public func subtract(_ a: BFVCiphertext, _ plaintext: BFVPlaintext) throws(BFVError) -> BFVCiphertext {
        try check(a)
        try check(plaintext)
        var result = a
        result.seed = nil
        addScaledPlaintext(plaintext, to: &result.polys[0], subtract: true)
        return result
    }

    /// `a * m` for a plaintext `m` (slot-wise product for SIMD plaintexts; noise grows by about `N t / 2`).
    public func multiply(_ a: BFVCiphertext, _ plaintext: BFVPlaintext) throws(BFVError) -> BFVCiphertext {
        try check(a)
        try check(plaintext)
        let level = a.level
        let qs = moduli(level: level)
        let tables = Array(nttTables[0..<level])
        // Lift m with centred coefficients (smaller noise growth).
        var m = PolyRq(degree: degree, limbCount: level)
        let t = plainModulus
        m.data.withUnsafeMutableBufferPointer { x in
            for l in 0..<level {
                for i in 0..<degree { x[l * degree + i] = qs[l].reduce(signed: t.centered(plaintext.coefficients[i])) }
            }
        }
        m.forwardNTT(tables)
        var result = a
        result.seed = nil
        for i in 0..<result.size {
            result.polys[i].forwardNTT(tables)
            result.polys[i].multiplyPointwise(m, moduli: qs)
            result.polys[i].inverseNTT(tables)
        }
        return result
    }

    /// Drops the last prime of `q`: `c -> round(c / q_last)` (noise shrinks with the modulus, the budget stays
    /// roughly the same minus the rounding term; ciphertexts get smaller and faster).
    ///
    /// - Throws: ``BFVError/levelExhausted`` at level 1.
    public func modSwitchToNext(_ a: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try check(a)
        let level = a.level
        guard level >= 2 else { throw .levelExhausted }
        let lt = tables(level: level)
        let n = degree
        let last = moduli[level - 1]
        let half = last.value >> 1
        var polys: [PolyRq] = []
        for poly in a.polys {
            var out = PolyRq(degree: n, limbCount: level - 1)
            out.data.withUnsafeMutableBufferPointer { y in
                poly.data.withUnsafeBufferPointer { x in
                    let lastRow = (level - 1) * n
                    for l in 0..<level - 1 {
                        let q = moduli[l]
                        let p = q.value
                        let inv = lt.lastInvModQ[l]
                        let h = lt.lastHalfModQ[l]
                        for i in 0..<n {
                            let v = last.add(x[lastRow + i], half)
                            let vr = q.reduce(v)
                            // (x + h - v) * q_last^-1
                            let s = q.subtract(q.add(x[l * n + i], h), vr)
                            y[l * n + i] = inv.multiply(s, modulus: p)
                        }
                    }
                }
            }
            polys.append(out)
        }
        return BFVCiphertext(polys: polys)
    }

    /// Mod switches down to `level` (no-op when already there).
    public func modSwitch(_ a: BFVCiphertext, toLevel level: Int) throws(BFVError) -> BFVCiphertext {
        guard level >= 1, level <= a.level else { throw .valueOutOfRange("target level \(level) of \(a.level)") }
        var result = a
        while result.level > level { result = try modSwitchToNext(result) }
        return result
    }
}
