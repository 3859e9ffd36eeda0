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

    /// Ciphertext multiplication by BEHZ (Bajard, Eynard, Hasan, Zucca 2016), as in SEAL:
    /// 1. extend each input from `q` to `Bsk + {m~}` with a fast base conversion, then remove the `q`-overflow by a
    ///    small Montgomery reduction modulo `m~ = 2^32`;
    /// 2. tensor the NTT forms over `q + Bsk`;
    /// 3. fast floor `floor(t x / q)` into `Bsk`, then Shenoy-Kumaresan exact conversion `Bsk -> q` using `m_sk`.
    /// Returns a three-polynomial ciphertext; call ``relinearize(_:key:)`` to get back to two.
    public func multiply(_ a: BFVCiphertext, _ b: BFVCiphertext) throws(BFVError) -> BFVCiphertext {
        try checkPair(a, b)
        return try multiply(prepareMultiplicand(a), prepareMultiplicand(b))
    }

    /// Extends a two-polynomial ciphertext to `q + Bsk` in NTT form.
    public func prepareMultiplicand(_ a: BFVCiphertext) throws(BFVError) -> BFVMultiplicand {
        try check(a)
        guard a.size == 2 else { throw .shapeMismatch("multiplication needs two-polynomial ciphertexts; relinearise first") }
        let level = a.level
        let n = degree
        let nb = auxModuli.count
        let combinedTables = Array(nttTables[0..<level]) + auxNTT
        var polys: [PolyRq] = []
        for poly in a.polys {
            var ext = PolyRq(degree: n, limbCount: level + nb) { out in
                poly.data.withUnsafeBufferPointer { x in
                    out.initialize(from: x.baseAddress!, count: level * n)
                    extendToBsk(x.baseAddress!, level: level, into: out + level * n)
                }
            }
            ext.forwardNTT(combinedTables)
            polys.append(ext)
        }
        return BFVMultiplicand(level: level, polys: polys)
    }

    /// Multiplies two prepared ciphertexts (three-polynomial result in coefficient form).
    public func multiply(_ a: BFVMultiplicand, _ b: BFVMultiplicand) throws(BFVError) -> BFVCiphertext {
        guard a.level == b.level else { throw .shapeMismatch("levels \(a.level) and \(b.level) differ") }
        let level = a.level
        let n = degree
        let combined = Array(moduli[0..<level]) + auxModuli
        let combinedTables = Array(nttTables[0..<level]) + auxNTT
        let limbs = combined.count
        // Every residue is written by the tensor loop below.
        var c0 = PolyRq(degree: n, limbCount: limbs) { _ in }
        var c1 = PolyRq(degree: n, limbCount: limbs) { _ in }
        var c2 = PolyRq(degree: n, limbCount: limbs) { _ in }
        a.polys[0].data.withUnsafeBufferPointer { a0 in
            a.polys[1].data.withUnsafeBufferPointer { a1 in
                b.polys[0].data.withUnsafeBufferPointer { b0 in
                    b.polys[1].data.withUnsafeBufferPointer { b1 in
                        c0.data.withUnsafeMutableBufferPointer { r0 in
                            c1.data.withUnsafeMutableBufferPointer { r1 in
                                c2.data.withUnsafeMutableBufferPointer { r2 in
                                    for l in 0..<limbs {
                                        let m = combined[l]
                                        for i in l * n..<(l + 1) * n {
                                            let x0 = a0[i], x1 = a1[i], y0 = b0[i], y1 = b1[i]
                                            // Karatsuba: three products instead of four.
                                            let p0 = m.multiply(x0, y0)
                                            let p2 = m.multiply(x1, y1)
                                            let mid = m.multiply(m.add(x0, x1), m.add(y0, y1))
                                            r0[i] = p0
                                            r2[i] = p2
                                            r1[i] = m.subtract(mid, m.add(p0, p2))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var result: [PolyRq] = []
        let floorBsk = UnsafeMutablePointer<UInt64>.allocate(capacity: auxModuli.count * n)
        defer { floorBsk.deallocate() }
        for which in 0..<3 {
            // Move the product out (no copy-on-write of a still-referenced buffer).
            var c = PolyRq(degree: n, limbCount: 0)
            switch which {
            case 0: swap(&c, &c0)
            case 1: swap(&c, &c1)
            default: swap(&c, &c2)
            }
            c.inverseNTT(combinedTables)
            let out = c.data.withUnsafeBufferPointer { x in
                fastFloor(x.baseAddress!, level: level, into: floorBsk)
                return PolyRq(degree: n, limbCount: level) { o in
                    convertBskToQ(floorBsk, level: level, into: o)
                }
            }
            result.append(out)
        }
        return BFVCiphertext(polys: result)
    }

    /// Exact extension `q -> Bsk` (fast conversion to `Bsk + {m~}` of `m~ x`, then Montgomery reduction by `m~`).
    func extendToBsk(_ x: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let lt = tables(level: level)
        let nb = auxModuli.count
        let mask: UInt64 = (1 << 32) - 1
        let qHatModBsk = lt.qHatModBsk, qHatModMTilde = lt.qHatModMTilde, mTildeQHatInv = lt.mTildeQHatInv
        let qModBsk = lt.qModBsk, negQModBsk = lt.negQModBsk, mTildeInvModBsk = lt.mTildeInvModBsk
        let negQInvModMTilde = lt.negQInvModMTilde
        let aux = auxModuli, qs = moduli
        let y = UnsafeMutablePointer<UInt64>.allocate(capacity: level * n)
        defer { y.deallocate() }
        let r = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { r.deallocate() }
        for l in 0..<level {
            let c = mTildeQHatInv[l], p = qs[l].value
            for i in 0..<n { y[l * n + i] = c.multiply(x[l * n + i], modulus: p) }
        }
        // Residue modulo m~ and the Montgomery quotient r = -x * q^-1 mod m~.
        for i in 0..<n { r[i] = 0 }
        for l in 0..<level {
            let h = qHatModMTilde[l]
            for i in 0..<n { r[i] = r[i] &+ y[l * n + i] &* h }
        }
        for i in 0..<n { r[i] = ((r[i] & mask) &* negQInvModMTilde) & mask }
        let acc = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { acc.deallocate() }
        // Coefficient chunks keep the accumulators and the chunk of every input row in L1.
        for start in stride(from: 0, to: n, by: Self.conversionChunk) {
            let end = min(start + Self.conversionChunk, n)
            for j in 0..<nb {
                let b = aux[j].value
                let twoB = b &<< 1
                let qB = qModBsk[j], negQB = negQModBsk[j], mInv = mTildeInvModBsk[j]
                let row = out + j * n
                for i in start..<end { acc[i] = 0 }
                for l in 0..<level {
                    let w = qHatModBsk[l * nb + j]
                    let yl = y + l * n
                    for i in start..<end {
                        let v = acc[i] &+ w.multiplyLazy(yl[i], modulus: b)
                        acc[i] = v >= twoB ? v &- twoB : v
                    }
                }
                for i in start..<end {
                    let acc = acc[i]
                    let ri = r[i]
                    // Centred r: values >= 2^31 stand for r - 2^32.
                    let correction = ri >= (1 << 31) ? negQB.multiply((1 << 32) &- ri, modulus: b)
                                                     : qB.multiply(ri, modulus: b)
                    row[i] = mInv.multiply(acc &+ correction, modulus: b)
                }
            }
        }
    }

    /// `floor(t x / q)` (up to a small additive error) into `Bsk`, for `x` over `q + Bsk`.
    func fastFloor(_ x: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let lt = tables(level: level)
        let nb = auxModuli.count
        let tQHatInv = lt.tQHatInv, tQInvModBsk = lt.tQInvModBsk, qInvModBsk = lt.qInvModBsk
        let qHatModBsk = lt.qHatModBsk
        let aux = auxModuli, qs = moduli
        let y = UnsafeMutablePointer<UInt64>.allocate(capacity: level * n)
        defer { y.deallocate() }
        let accs = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { accs.deallocate() }
        for l in 0..<level {
            let c = tQHatInv[l], p = qs[l].value
            for i in 0..<n { y[l * n + i] = c.multiply(x[l * n + i], modulus: p) }
        }
        // Coefficient chunks keep the accumulators and the chunk of every input row in L1.
        for start in stride(from: 0, to: n, by: Self.conversionChunk) {
            let end = min(start + Self.conversionChunk, n)
            for j in 0..<nb {
                let b = aux[j].value
                let twoB = b &<< 1
                let tqInv = tQInvModBsk[j], qInv = qInvModBsk[j]
                let xb = x + (level + j) * n
                let row = out + j * n
                for i in start..<end { accs[i] = 0 }
                for l in 0..<level {
                    let w = qHatModBsk[l * nb + j]
                    let yl = y + l * n
                    for i in start..<end {
                        let v = accs[i] &+ w.multiplyLazy(yl[i], modulus: b)
                        accs[i] = v >= twoB ? v &- twoB : v
                    }
                }
                for i in start..<end {
                    let acc = accs[i]
                    let u = tqInv.multiply(xb[i], modulus: b)
                    let v = qInv.multiply(acc, modulus: b)
                    row[i] = u >= v ? u &- v : u &+ b &- v
                }
            }
        }
    }

    /// Shenoy-Kumaresan exact conversion `Bsk -> q` (the first `level` primes).
    func convertBskToQ(_ x: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<UInt64>) {
        let n = degree
        let sk = skTables
        let nb = bCount
        let bHatInv = sk.bHatInv, bs = sk.b, bHatModMsk = sk.bHatModMsk, bInvModMsk = sk.bInvModMsk
        let bModQ = sk.bModQ, negBModQ = sk.negBModQ, bHatModQ = sk.bHatModQ, qCount = sk.qCount
        let qs = moduli
        let msk = sk.msk
        let mskP = msk.value
        let mskHalf = mskP >> 1
        let z = UnsafeMutablePointer<UInt64>.allocate(capacity: nb * n)
        defer { z.deallocate() }
        let alpha = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { alpha.deallocate() }
        for j in 0..<nb {
            let c = bHatInv[j], p = bs[j].value
            for i in 0..<n { z[j * n + i] = c.multiply(x[j * n + i], modulus: p) }
        }
        let xm = x + nb * n
        let twoM = mskP &<< 1
        let accs = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { accs.deallocate() }
        for i in 0..<n { accs[i] = 0 }
        for j in 0..<nb {
            let w = bHatModMsk[j]
            let zj = z + j * n
            for i in 0..<n {
                let v = accs[i] &+ w.multiplyLazy(zj[i], modulus: mskP)
                accs[i] = v >= twoM ? v &- twoM : v
            }
        }
        for i in 0..<n {
            var acc = accs[i]
            acc = acc >= mskP ? acc &- mskP : acc
            alpha[i] = bInvModMsk.multiply(msk.subtract(acc, xm[i]), modulus: mskP)
        }
        for start in stride(from: 0, to: n, by: Self.conversionChunk) {
            let end = min(start + Self.conversionChunk, n)
            for l in 0..<level {
                let q = qs[l].value
                let twoQ = q &<< 1
                let bq = bModQ[l], negBq = negBModQ[l]
                let row = out + l * n
                for i in start..<end { accs[i] = 0 }
                for j in 0..<nb {
                    let w = bHatModQ[j * qCount + l]
                    let zj = z + j * n
                    for i in start..<end {
                        let v = accs[i] &+ w.multiplyLazy(zj[i], modulus: q)
                        accs[i] = v >= twoQ ? v &- twoQ : v
                    }
                }
                for i in start..<end {
                    let acc = accs[i]
                    let a = alpha[i]
                    let correction = a > mskHalf ? bq.multiply(mskP &- a, modulus: q) : negBq.multiply(a, modulus: q)
                    var s = acc &+ correction
                    s = s >= twoQ ? s &- twoQ : s
                    row[i] = s >= q ? s &- q : s
                }
            }
        }
    }
}

extension BFVMultiplicand {
    /// Bytes held by the residues (8 each).
    public var byteCount: Int { polys.reduce(0) { $0 + $1.data.count * 8 } }
}
