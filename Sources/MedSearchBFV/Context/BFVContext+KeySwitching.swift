import MedSearchModular

extension BFVContext {
    /// Key switching of `d` (coefficient form, `level` limbs, residues reduced): adds `u_0` to `out0` and writes `u_1`
    /// to `out1` (or adds it when `accumulateOut1`), both coefficient form over `level` limbs, where
    /// `u_0 + u_1 s = d w + e` and the key encrypts `w`.
    ///
    /// **Hybrid** (with a special prime `P`, as Microsoft SEAL does): each digit `d_i = [d]_(q_i)` is lifted to the
    /// level's data primes and `P`, multiplied by key component `i` in NTT form and accumulated; the sum
    /// `P d w + sum_i d_i e_i` is then divided by `P` with rounding, which leaves `d w` plus a noise of about
    /// `sum_i d_i e_i / P` (a few bits). NTTs: `level (level + 1)` forward, `2 (level + 1)` inverse. Without a special
    /// prime, the same loop with `P = 1` and no division (the RNS gadget alone, noise `sum_i d_i e_i`). Sets with one
    /// data prime and a special prime split that prime's digit in ``BFVParameters/keySwitchDigits`` digits of
    /// ``keySwitchDigitBits`` bits (the key's components carry `P 2^(w k)`).
    func keySwitch(_ d: UnsafePointer<UInt64>, level: Int, key: BFVKeySwitchKey,
                   addingTo out0: UnsafeMutablePointer<UInt64>, out1: UnsafeMutablePointer<UInt64>,
                   accumulateOut1: Bool) {
        let n = degree
        let special = self.special
        let targets = level + (special == nil ? 0 : 1)
        let specialIndex = moduli.count
        let perLimb = parameters.keySwitchDigits
        let digitCount = level * perLimb
        let digitBits = UInt64(keySwitchDigitBits)
        let digitMask: UInt64 = perLimb > 1 ? (1 << digitBits) &- 1 : .max
        scratch.withBuffer(count: (digitCount + 2 * targets) * n) { buffer in
            let digits = buffer
            let acc0 = buffer + digitCount * n
            let acc1 = acc0 + targets * n
            for j in 0..<targets {
                let keyLimb = j < level ? j : specialIndex
                let m = keyModuli[keyLimb]
                let table = nttTables[keyLimb]
                // Digit i (or digits i k of w bits each) lifted to this prime and transformed.
                for i in 0..<level {
                    let src = d + i * n
                    if perLimb > 1 {
                        for k in 0..<perLimb {
                            let dst = digits + (i * perLimb + k) * n
                            let shift = digitBits * UInt64(k)
                            for c in 0..<n { dst[c] = (src[c] >> shift) & digitMask }
                            table.forward(dst)
                        }
                        continue
                    }
                    let dst = digits + i * n
                    if i == j || m.value > moduli[i].value {
                        dst.update(from: src, count: n)
                    } else {
                        for c in 0..<n { dst[c] = m.reduce(src[c]) }
                    }
                    table.forward(dst)
                }
                // Both components' products with the key, accumulated over the digits in 128 bits (digits m^2 <
                // m 2^64) and reduced once (Montgomery: the inverse NTT removes the factor 2^-64).
                let r0 = acc0 + j * n, r1 = acc1 + j * n
                let componentStride = keyModuli.count * n
                let base = keyLimb * n
                key.k0.withUnsafeBufferPointer { k0 in
                    key.k1.withUnsafeBufferPointer { k1 in
                        let k0p = k0.baseAddress! + base, k1p = k1.baseAddress! + base
                        for c in 0..<n {
                            var a0 = WideAccumulator(0, 0), a1 = WideAccumulator(0, 0)
                            Self.dot(digits, stride: n, at: c, k0p + c, step: componentStride, count: digitCount, into: &a0)
                            Self.dot(digits, stride: n, at: c, k1p + c, step: componentStride, count: digitCount, into: &a1)
                            r0[c] = m.reduceMontgomery(high: a0.high, low: a0.low)
                            r1[c] = m.reduceMontgomery(high: a1.high, low: a1.low)
                        }
                    }
                }
                table.inverseFromMontgomery(r0)
                table.inverseFromMontgomery(r1)
            }
            guard let special else {
                for l in 0..<level {
                    let p = moduli[l].value
                    let o0 = out0 + l * n, o1 = out1 + l * n, a0 = acc0 + l * n, a1 = acc1 + l * n
                    for c in 0..<n {
                        let s = o0[c] &+ a0[c]
                        o0[c] = s >= p ? s &- p : s
                    }
                    if accumulateOut1 {
                        for c in 0..<n {
                            let s = o1[c] &+ a1[c]
                            o1[c] = s >= p ? s &- p : s
                        }
                    } else {
                        o1.update(from: a1, count: n)
                    }
                }
                return
            }
            // Rounded division by P: u_j = (acc_j + floor(P/2) - [acc_P + floor(P/2)]_P) * P^-1 mod q_j.
            let pm = special.p
            let pv = pm.value, half = pv >> 1
            for (acc, out, accumulate) in [(acc0, out0, true), (acc1, out1, accumulateOut1)] {
                let last = acc + level * n
                for c in 0..<n {
                    let v = last[c] &+ half
                    last[c] = v >= pv ? v &- pv : v
                }
                for l in 0..<level {
                    let q = moduli[l]
                    let qv = q.value
                    let h = special.halfModQ[l]
                    let inv = special.pInvModQ[l]
                    let a = acc + l * n, o = out + l * n
                    let reduceLast = pv > qv
                    for c in 0..<n {
                        let v = reduceLast ? q.reduce(last[c]) : last[c]
                        // a + h - v in [0, 3q) (a, h < q and v < q), then times P^-1.
                        let x = a[c] &+ h &+ qv &- v
                        var u = inv.multiply(x, modulus: qv)
                        if accumulate {
                            u = u &+ o[c]
                            u = u >= qv ? u &- qv : u
                        }
                        o[c] = u
                    }
                }
            }
        }
    }

    /// Relinearises a three-polynomial ciphertext back to two (`c_2 s^2` switched to `s`).
    public func relinearize(_ a: BFVCiphertext, key: BFVRelinearizationKey) throws(BFVError) -> BFVCiphertext {
        try check(a)
        guard key.parameters == parameters else { throw .parameterMismatch("relinearisation key of \(key.parameters.name)") }
        guard a.size == 3 else {
            if a.size == 2 { return a }
            throw .shapeMismatch("cannot relinearise a ciphertext of \(a.size) polynomials")
        }
        let level = a.level
        var c0 = a.polys[0], c1 = a.polys[1]
        a.polys[2].data.withUnsafeBufferPointer { c2 in
            c0.data.withUnsafeMutableBufferPointer { o0 in
                c1.data.withUnsafeMutableBufferPointer { o1 in
                    keySwitch(c2.baseAddress!, level: level, key: key.key, addingTo: o0.baseAddress!,
                              out1: o1.baseAddress!, accumulateOut1: true)
                }
            }
        }
        return BFVCiphertext(polys: [c0, c1])
    }

    /// Applies the automorphism `X -> X^g` and switches the key back to `s` (needs the Galois key for `g`).
    public func applyGalois(_ a: BFVCiphertext, element g: Int, keys: BFVGaloisKeys) throws(BFVError) -> BFVCiphertext {
        try check(a)
        guard keys.parameters == parameters else { throw .parameterMismatch("Galois keys of \(keys.parameters.name)") }
        guard a.size == 2 else { throw .shapeMismatch("rotate a relinearised (two-polynomial) ciphertext") }
        guard let key = keys.keys[g] else { throw .missingGaloisKey(element: g) }
        let level = a.level
        let n = degree
        var c0 = PolyRq(degree: n, limbCount: level) { out in
            a.polys[0].data.withUnsafeBufferPointer { applyGalois($0.baseAddress!, element: g, limbs: level, into: out) }
        }
        var c1 = PolyRq(degree: n, limbCount: level) { _ in }
        scratch.withBuffer(count: level * n) { rotated in
            a.polys[1].data.withUnsafeBufferPointer { applyGalois($0.baseAddress!, element: g, limbs: level, into: rotated) }
            c0.data.withUnsafeMutableBufferPointer { o0 in
                c1.data.withUnsafeMutableBufferPointer { o1 in
                    keySwitch(rotated, level: level, key: key, addingTo: o0.baseAddress!, out1: o1.baseAddress!,
                              accumulateOut1: false)
                }
            }
        }
        return BFVCiphertext(polys: [c0, c1])
    }

    /// Rotates both rows of the slot matrix left by `steps` (negative: right).
    public func rotateRows(_ a: BFVCiphertext, by steps: Int, keys: BFVGaloisKeys) throws(BFVError) -> BFVCiphertext {
        try applyGalois(a, element: galoisElement(rotatingRowsBy: steps), keys: keys)
    }

    /// Swaps the two rows of the slot matrix.
    public func swapRows(_ a: BFVCiphertext, keys: BFVGaloisKeys) throws(BFVError) -> BFVCiphertext {
        try applyGalois(a, element: galoisElementSwappingRows, keys: keys)
    }

    /// Applies `X -> X^g` to `limbs` limbs (coefficient form) of the first primes of ``keyModuli``: coefficient `i`
    /// moves to `i g mod 2N`, negated when that lands in `[N, 2N)` (`X^N = -1`). Every output residue is written.
    func applyGalois(_ x: UnsafePointer<UInt64>, element g: Int, limbs: Int, into y: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let mask = 2 * n - 1
        for l in 0..<limbs {
            let p = keyModuli[l].value
            let src = x + l * n, dst = y + l * n
            var e = 0
            for i in 0..<n {
                let v = src[i]
                if e < n { dst[e] = v } else { dst[e &- n] = v == 0 ? 0 : p &- v }
                e = (e &+ g) & mask
            }
        }
    }
}
