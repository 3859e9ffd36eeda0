import MedSearchModular

/// A ciphertext prepared for ciphertext multiplication: both polynomials extended exactly from `q` to
/// `q + Bsk` (BEHZ) and transformed to NTT form. Preparing once pays off when one operand (an encrypted query)
/// is multiplied with many others.
public struct BFVMultiplicand: Sendable {
    /// The level (number of `q` limbs).
    public let level: Int
    /// `L + |Bsk|` limbs each (q limbs first), NTT form.
    let polys: [PolyRq]
}

extension BFVContext {
    /// Coefficients per chunk in the RNS base conversions (2 KiB per row: the accumulators and the chunk of every
    /// input row stay in the L1 cache while the output limbs are produced).
    static let conversionChunk = 256

    /// The number of limbs of an operand extended to `q + Bsk` at `level`.
    func extendedLimbCount(level: Int) -> Int { level + auxModuli.count }

    /// The modulus of limb `l` of an operand extended to `q + Bsk` at `level`.
    @inline(__always)
    func extendedModulus(_ l: Int, level: Int) -> Modulus { l < level ? moduli[l] : auxModuli[l - level] }

    /// The NTT tables of limb `l` of an operand extended to `q + Bsk` at `level`.
    @inline(__always)
    func extendedTables(_ l: Int, level: Int) -> NTTTables { l < level ? nttTables[l] : auxNTT[l - level] }

    /// Scratch values the chunked conversions need besides their inputs and outputs.
    func conversionScratchCount(level: Int) -> Int { (level + 2 * auxModuli.count + 1) * Self.conversionChunk }

    /// Ciphertext multiplication by BEHZ (Bajard, Eynard, Hasan, Zucca 2016), as in Microsoft SEAL:
    /// 1. extend each input from `q` to `Bsk + {m~}` with a fast base conversion, then remove the `q`-overflow by a
    ///    small Montgomery reduction modulo `m~ = 2^32`;
    /// 2. tensor the NTT forms over `q + Bsk`;
    /// 3. fast floor `floor(t x / q)` into `Bsk`, then Shenoy-Kumaresan exact conversion `Bsk -> q` using `m_sk`.
    /// Returns a three-polynomial ciphertext; call ``relinearize(_:key:)`` to get back to two.
    public func multiply(_ a: BFVCiphertext, _ b: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try checkPair(a, b)
        guard a.size == 2, b.size == 2 else {
            throw .shapeMismatch("multiplication needs two-polynomial ciphertexts; relinearise first")
        }
        return product(a, b, relinearizingWith: nil)
    }

    /// Multiplies and relinearises (the product's `c_2` goes straight from the rescaling into the key switch).
    public func multiplyRelinearize(_ a: BFVCiphertext, _ b: BFVCiphertext,
                                    key: BFVRelinearizationKey) throws(BFVError) -> BFVCiphertext {
        try checkPair(a, b)
        guard key.parameters == parameters else { throw .parameterMismatch("relinearisation key of \(key.parameters.name)") }
        guard a.size == 2, b.size == 2 else {
            throw .shapeMismatch("multiplication needs two-polynomial ciphertexts; relinearise first")
        }
        return product(a, b, relinearizingWith: key.key)
    }

    /// The product of two two-polynomial ciphertexts of one level: three polynomials, or two after key switching
    /// `c_2` with `key`.
    func product(_ a: BFVCiphertext, _ b: BFVCiphertext, relinearizingWith key: BFVKeySwitchKey?) -> BFVCiphertext {
        let level = a.level
        let n = degree
        let width = extendedLimbCount(level: level) * n
        var c0 = PolyRq(degree: n, limbCount: level) { _ in }
        var c1 = PolyRq(degree: n, limbCount: level) { _ in }
        var c2 = PolyRq(degree: n, limbCount: key == nil ? level : 0) { _ in }
        scratch.withBuffer(count: 4 * width + conversionScratchCount(level: level)) { s in
            let temp = s + 4 * width
            let operands = [a.polys[0], a.polys[1], b.polys[0], b.polys[1]]
            for (k, poly) in operands.enumerated() {
                poly.data.withUnsafeBufferPointer { extendAndTransform($0.baseAddress!, level: level, into: s + k * width,
                                                                       temp: temp) }
            }
            // r_0, r_1, r_2 overwrite a_0, a_1, b_0 residue by residue.
            tensor(s, s + width, s + 2 * width, s + 3 * width, into: s, s + width, s + 2 * width, level: level)
            c0.data.withUnsafeMutableBufferPointer { o0 in
                c1.data.withUnsafeMutableBufferPointer { o1 in
                    rescale(s, level: level, into: o0.baseAddress!, temp: temp)
                    rescale(s + width, level: level, into: o1.baseAddress!, temp: temp)
                    if let key {
                        let d = s + 3 * width
                        rescale(s + 2 * width, level: level, into: d, temp: temp)
                        keySwitch(d, level: level, key: key, addingTo: o0.baseAddress!, out1: o1.baseAddress!,
                                  accumulateOut1: true)
                    } else {
                        c2.data.withUnsafeMutableBufferPointer { o2 in
                            rescale(s + 2 * width, level: level, into: o2.baseAddress!, temp: temp)
                        }
                    }
                }
            }
        }
        return BFVCiphertext(polys: key == nil ? [c0, c1, c2] : [c0, c1])
    }

    /// Extends a two-polynomial ciphertext to `q + Bsk` in NTT form.
    public func prepareMultiplicand(_ a: BFVCiphertext) throws(BFVError) -> BFVMultiplicand {
        try check(a)
        guard a.size == 2 else { throw .shapeMismatch("multiplication needs two-polynomial ciphertexts; relinearise first") }
        let level = a.level
        let polys = scratch.withBuffer(count: conversionScratchCount(level: level)) { temp in
            a.polys.map { poly in
                PolyRq(degree: degree, limbCount: extendedLimbCount(level: level)) { out in
                    poly.data.withUnsafeBufferPointer { extendAndTransform($0.baseAddress!, level: level, into: out, temp: temp) }
                }
            }
        }
        return BFVMultiplicand(level: level, polys: polys)
    }

    /// Multiplies two prepared ciphertexts (three-polynomial result in coefficient form).
    public func multiply(_ a: BFVMultiplicand, _ b: BFVMultiplicand) throws(BFVError) -> BFVCiphertext {
        guard a.level == b.level else { throw .shapeMismatch("levels \(a.level) and \(b.level) differ") }
        let level = a.level
        let n = degree
        let width = extendedLimbCount(level: level) * n
        var result: [PolyRq] = []
        scratch.withBuffer(count: 3 * width + conversionScratchCount(level: level)) { s in
            let temp = s + 3 * width
            a.polys[0].data.withUnsafeBufferPointer { a0 in
                a.polys[1].data.withUnsafeBufferPointer { a1 in
                    b.polys[0].data.withUnsafeBufferPointer { b0 in
                        b.polys[1].data.withUnsafeBufferPointer { b1 in
                            tensor(a0.baseAddress!, a1.baseAddress!, b0.baseAddress!, b1.baseAddress!,
                                   into: s, s + width, s + 2 * width, level: level)
                        }
                    }
                }
            }
            for k in 0..<3 {
                result.append(PolyRq(degree: n, limbCount: level) { out in
                    rescale(s + k * width, level: level, into: out, temp: temp)
                })
            }
        }
        return BFVCiphertext(polys: result)
    }

    /// Copies `x` (coefficient form, `level` limbs) to the `q` limbs of `out`, extends it exactly to `Bsk` in the
    /// following limbs and transforms all `level + |Bsk|` limbs to NTT form.
    func extendAndTransform(_ x: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>,
                            temp: UnsafeMutablePointer<UInt64>) {
        let n = degree
        out.update(from: x, count: level * n)
        extendToBsk(x, level: level, into: out + level * n, temp: temp)
        for l in 0..<extendedLimbCount(level: level) { extendedTables(l, level: level).forward(out + l * n) }
    }

    /// The Karatsuba tensor `(a_0 b_0, a_0 b_1 + a_1 b_0, a_1 b_1)` of NTT forms over `q + Bsk`, residue by
    /// residue (an output may be the same buffer as an input), in Montgomery form (each product times `2^-64`;
    /// ``rescale(_:level:into:temp:)`` removes the factor in its inverse NTT).
    @inline(never)
    func tensor(_ a0: UnsafePointer<UInt64>, _ a1: UnsafePointer<UInt64>, _ b0: UnsafePointer<UInt64>,
                _ b1: UnsafePointer<UInt64>, into r0: UnsafeMutablePointer<UInt64>, _ r1: UnsafeMutablePointer<UInt64>,
                _ r2: UnsafeMutablePointer<UInt64>, level: Int) {
        let n = degree
        for l in 0..<extendedLimbCount(level: level) {
            let m = extendedModulus(l, level: level)
            let p = m.value
            let base = l &* n
            for i in base..<base &+ n {
                let x0 = a0[i], x1 = a1[i], y0 = b0[i], y1 = b1[i]
                let p0 = x0.multipliedFullWidth(by: y0)
                let p2 = x1.multipliedFullWidth(by: y1)
                var sx = x0 &+ x1
                sx = sx >= p ? sx &- p : sx
                var sy = y0 &+ y1
                sy = sy >= p ? sy &- p : sy
                let pm = sx.multipliedFullWidth(by: sy)
                let m0 = m.reduceMontgomery(high: p0.high, low: p0.low)
                let m2 = m.reduceMontgomery(high: p2.high, low: p2.low)
                let mid = m.reduceMontgomery(high: pm.high, low: pm.low)
                // mid - m0 - m2 in [0, p) from values in [0, p).
                var r = mid &+ (p &<< 1) &- m0 &- m2
                r = r >= p ? r &- p : r
                r = r >= p ? r &- p : r
                r0[i] = m0
                r2[i] = m2
                r1[i] = r
            }
        }
    }

    /// The BFV rescaling of a tensor component: inverse NTT of `x` (over `q + Bsk`, in place, from the tensor's
    /// Montgomery form), then
    /// `round(t x / q)` by the fast floor into `Bsk` and the Shenoy-Kumaresan conversion `Bsk -> q`, chunk by
    /// chunk (the `Bsk` values of a chunk never leave the L1 cache). Writes `level` limbs to `out`.
    func rescale(_ x: UnsafeMutablePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>,
                 temp: UnsafeMutablePointer<UInt64>) {
        let n = degree
        for l in 0..<extendedLimbCount(level: level) { extendedTables(l, level: level).inverseFromMontgomery(x + l * n) }
        let chunk = Self.conversionChunk
        let floors = temp + (level + auxModuli.count + 1) * chunk
        for start in stride(from: 0, to: n, by: chunk) {
            let count = min(chunk, n - start)
            fastFloor(x, level: level, start: start, count: count, into: floors, temp: temp)
            convertBskToQ(floors, start: start, count: count, level: level, into: out, temp: temp)
        }
    }

    /// Exact extension `q -> Bsk` of `x` (coefficient form, `level` limbs) into `|Bsk|` limbs of `out`: a fast
    /// base conversion of `m~ x` to `Bsk + {m~}`, then a Montgomery reduction by `m~ = 2^32` that removes the
    /// conversion's multiple of `q`. Each output residue is one 128-bit accumulation (`m~^-1` folded into the
    /// constants) and one Montgomery reduction by `2^64` (``Modulus/reduceMontgomery(high:low:)``).
    @inline(never)
    func extendToBsk(_ x: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>,
                     temp: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let lt = tables(level: level)
        let nb = auxModuli.count
        let chunk = Self.conversionChunk
        let mask: UInt64 = (1 << 32) - 1
        let y = temp, r = temp + level * chunk
        lt.mTildeQHatInv.withUnsafeBufferPointer { mTildeQHatInv in
        lt.qHatModMTilde.withUnsafeBufferPointer { qHatModMTilde in
        lt.qHatMTildeInvModBsk.withUnsafeBufferPointer { hat in
            let negQInvModMTilde = lt.negQInvModMTilde
            for start in stride(from: 0, to: n, by: chunk) {
                let count = min(chunk, n &- start)
                for l in 0..<level {
                    let c = mTildeQHatInv[l], p = moduli[l].value
                    let src = x + (l &* n &+ start), dst = y + l &* chunk
                    for i in 0..<count { dst[i] = c.multiply(src[i], modulus: p) }
                }
                // The Montgomery quotient r = -(sum_l y_l (q/q_l)) q^-1 mod m~.
                for i in 0..<count {
                    var acc: UInt64 = 0
                    for l in 0..<level { acc = acc &+ y[l &* chunk &+ i] &* qHatModMTilde[l] }
                    r[i] = ((acc & mask) &* negQInvModMTilde) & mask
                }
                for j in 0..<nb {
                    let b = auxModuli[j]
                    let positive = lt.qMTildeInvModBsk[j], negative = lt.negQMTildeInvModBsk[j]
                    let row = out + (j &* n &+ start)
                    let constants = hat.baseAddress! + j
                    for i in 0..<count {
                        // Centred r: values >= 2^31 stand for r - 2^32.
                        let ri = r[i]
                        var acc = ri >= (1 << 31) ? WideAccumulator((1 << 32) &- ri, negative) : WideAccumulator(ri, positive)
                        Self.dot(y, stride: chunk, at: i, constants, step: nb, count: level, into: &acc)
                        row[i] = b.reduceMontgomery(high: acc.high, low: acc.low)
                    }
                }
            }
        }
        }
        }
    }

    /// Adds `sum_l y[l stride + i] c[l step]` (`count` terms) to `acc`, unrolled for one and two terms.
    @inline(__always)
    static func dot(_ y: UnsafePointer<UInt64>, stride: Int, at i: Int, _ c: UnsafePointer<UInt64>, step: Int,
                    count: Int, into acc: inout WideAccumulator) {
        switch count {
        case 1:
            acc.add(y[i], c[0])
        case 2:
            acc.add(y[i], c[0])
            acc.add(y[stride &+ i], c[step])
        default:
            for l in 0..<count { acc.add(y[l &* stride &+ i], c[l &* step]) }
        }
    }

    /// `floor(t x / q)` (up to a small additive error) into `Bsk` for coefficients `start ..< start + count` of
    /// `x` (coefficient form over `q + Bsk`); row `j` of `out` (stride ``conversionChunk``) holds `Bsk` prime `j`.
    @inline(never)
    func fastFloor(_ x: UnsafePointer<UInt64>, level: Int, start: Int, count: Int, into out: UnsafeMutablePointer<UInt64>,
                   temp: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let lt = tables(level: level)
        let nb = auxModuli.count
        let chunk = Self.conversionChunk
        let y = temp
        for l in 0..<level {
            let c = lt.tQHatInv[l], p = moduli[l].value
            let src = x + (l &* n &+ start), dst = y + l &* chunk
            for i in 0..<count { dst[i] = c.multiply(src[i], modulus: p) }
        }
        lt.negQiInvModBsk.withUnsafeBufferPointer { negInv in
            for j in 0..<nb {
                let b = auxModuli[j]
                let tqInv = lt.tQInvModBsk[j]
                let xb = x + ((level &+ j) &* n &+ start)
                let row = out + j &* chunk
                let constants = negInv.baseAddress! + j
                for i in 0..<count {
                    // t q^-1 x_b - sum_l y_l q_l^-1.
                    var acc = WideAccumulator(xb[i], tqInv)
                    Self.dot(y, stride: chunk, at: i, constants, step: nb, count: level, into: &acc)
                    row[i] = b.reduceMontgomery(high: acc.high, low: acc.low)
                }
            }
        }
    }

    /// Shenoy-Kumaresan exact conversion `Bsk -> q` (the first `level` primes) of a chunk: `x` row `j` (stride
    /// ``conversionChunk``) holds `Bsk` prime `j`; writes coefficients `start ..< start + count` of `out`'s limbs.
    func convertBskToQ(_ x: UnsafePointer<UInt64>, start: Int, count: Int, level: Int,
                       into out: UnsafeMutablePointer<UInt64>, temp: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let sk = skTables
        let nb = bCount
        let chunk = Self.conversionChunk
        let msk = sk.msk
        let mskP = msk.value
        let mskHalf = mskP >> 1
        let z = temp, alpha = temp + nb * chunk
        for j in 0..<nb {
            let c = sk.bHatInv[j], p = sk.b[j].value
            let src = x + j * chunk, dst = z + j * chunk
            for i in 0..<count { dst[i] = c.multiply(src[i], modulus: p) }
        }
        // alpha = (sum_j z_j (B/b_j) - x_msk) B^-1 mod m_sk: each term lazy in [0, 2 m_sk), summed in 64 bits.
        let xm = x + nb * chunk
        let negBInv = sk.negBInvModMsk
        for i in 0..<count { alpha[i] = negBInv.multiplyLazy(xm[i], modulus: mskP) }
        for j in 0..<nb {
            let w = sk.bHatBInvModMsk[j]
            let zj = z + j * chunk
            for i in 0..<count { alpha[i] = alpha[i] &+ w.multiplyLazy(zj[i], modulus: mskP) }
        }
        for i in 0..<count { alpha[i] = msk.reduce(alpha[i]) }
        for l in 0..<level {
            let q = moduli[l]
            let qv = q.value
            let bq = sk.bModQ[l], negBq = sk.negBModQ[l]
            let row = out + l * n + start
            for i in 0..<count {
                let a = alpha[i]
                // sum_j z_j (B/b_j) - alpha B with alpha centred; every term lazy in [0, 2q).
                var s = a > mskHalf ? bq.multiplyLazy(mskP &- a, modulus: qv) : negBq.multiplyLazy(a, modulus: qv)
                for j in 0..<nb { s = s &+ sk.bHatModQ[j * sk.qCount + l].multiplyLazy(z[j * chunk + i], modulus: qv) }
                row[i] = q.reduce(s)
            }
        }
    }
}

extension BFVMultiplicand {
    /// Bytes held by the residues (8 each).
    public var byteCount: Int { polys.reduce(0) { $0 + $1.data.count * 8 } }
}
