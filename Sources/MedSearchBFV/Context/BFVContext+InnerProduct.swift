import MedSearchCore
import MedSearchModular

/// `count` two-polynomial ciphertexts in NTT form, **interleaved coefficient-major** for inner products
/// (``BFVContext/innerProduct(_:_:rerandomizingWith:using:)``): residue `i` of limb `l` of ciphertext `j`'s
/// polynomials `c_0, c_1` are adjacent, at `((l N + i) count + j) 2 + {0, 1}`. One pass over the array then reads
/// every operand of one output coefficient contiguously.
public struct BFVInterleavedCiphertexts: Sendable {
    /// The level (number of RNS limbs).
    public let level: Int
    /// The number of ciphertexts.
    public let count: Int
    /// The interleaved NTT residues.
    let data: [UInt64]

    /// Bytes held by the residues (8 each).
    public var byteCount: Int { data.count * 8 }
}

extension BFVContext {
    /// Transforms `ciphertexts` (two polynomials each, one level, coefficient form) to NTT form and interleaves them
    /// (see ``BFVInterleavedCiphertexts``). Works for BFV ciphertexts and for unscaled ones
    /// (``encryptUnscaled(_:secretKey:using:)``) alike.
    ///
    /// With `transforming: false` the ciphertexts are already in NTT form (``encryptUnscaledInNTTForm(_:secretKey:using:)``)
    /// and are only interleaved.
    ///
    /// - Throws: ``BFVError/shapeMismatch(_:)`` for an empty list, mixed levels or three-polynomial ciphertexts.
    public func interleave(_ ciphertexts: [BFVCiphertext], transforming: Bool = true) throws(BFVError) -> BFVInterleavedCiphertexts {
        guard let first = ciphertexts.first else { throw .shapeMismatch("no ciphertext to interleave") }
        let level = first.level
        for c in ciphertexts {
            try check(c)
            guard c.size == 2, c.level == level else { throw .shapeMismatch("interleave needs two-polynomial ciphertexts of one level") }
        }
        let n = degree
        let count = ciphertexts.count
        let tables = Array(nttTables[0..<level])
        let stride = 2 * count
        let total = level * n * stride
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: level * n)
        defer { scratch.deallocate() }
        let data = [UInt64](unsafeUninitializedCapacity: total) { out, initialized in
            let o = out.baseAddress!
            for (j, c) in ciphertexts.enumerated() {
                for which in 0..<2 {
                    c.polys[which].data.withUnsafeBufferPointer { scratch.update(from: $0.baseAddress!, count: level * n) }
                    if transforming { for l in 0..<level { tables[l].forward(scratch + l * n) } }
                    var index = 2 * j + which
                    for r in 0..<level * n {
                        o[index] = scratch[r]
                        index &+= stride
                    }
                }
            }
            initialized = total
        }
        return BFVInterleavedCiphertexts(level: level, count: count, data: data)
    }

    /// The inner product `sum_j b_j a_j` of BFV ciphertexts `b_j` with **unscaled** ciphertexts `a_j`
    /// (``encryptUnscaled(_:secretKey:using:)``), modulo `q`: the three-polynomial BFV ciphertext
    /// `(sum b_0 a_0, sum b_0 a_1 + b_1 a_0, sum b_1 a_1)` of `sum_j h_j m_j` in coefficient form (see
    /// ``multiply(_:by:rerandomizingWith:using:)`` for one product). The sums are accumulated exactly in 128 bits
    /// and reduced once per output residue: four 64x64-bit products per operand pair and residue, no per-term
    /// reduction, one pass over `b` in memory order.
    ///
    /// With `publicKey`, a fresh public-key encryption of zero is added (one forward NTT), so the result's first two
    /// polynomials no longer reveal the `b_j` to the key holder, who knows the `a_j`.
    public func innerProduct(_ b: BFVInterleavedCiphertexts, _ a: BFVInterleavedCiphertexts,
                             rerandomizingWith publicKey: BFVPublicKey?,
                             using rng: inout some RandomNumberGenerator) throws(BFVError) -> BFVCiphertext {
        guard a.level == b.level, a.count == b.count, (1...topLevel).contains(a.level),
              a.data.count == a.level * degree * 2 * a.count, b.data.count == a.data.count else {
            throw .shapeMismatch("inner product of \(b.count) and \(a.count) ciphertexts at levels \(b.level), \(a.level)")
        }
        if let publicKey, publicKey.parameters != parameters {
            throw .parameterMismatch("public key of \(publicKey.parameters.name)")
        }
        let level = a.level
        let n = degree
        let count = a.count
        let qs = moduli(level: level)
        var c0 = PolyRq(degree: n, limbCount: level) { _ in }
        var c1 = PolyRq(degree: n, limbCount: level) { _ in }
        var c2 = PolyRq(degree: n, limbCount: level) { _ in }
        b.data.withUnsafeBufferPointer { bp in
        a.data.withUnsafeBufferPointer { ap in
        c0.data.withUnsafeMutableBufferPointer { r0 in
        c1.data.withUnsafeMutableBufferPointer { r1 in
        c2.data.withUnsafeMutableBufferPointer { r2 in
            for l in 0..<level {
                let m = qs[l]
                // Terms of the middle sum: 2 per pair, each below 2^(2 bits); chunks keep every sum below 2^128.
                let chunk = max(1, min(count, 1 << min(62, 127 - 2 * m.bitCount)))
                let twoTo64 = (UInt64.max % m.value + 1) % m.value
                for i in 0..<n {
                    let row = l * n + i
                    var base = row * 2 * count
                    var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0
                    var start = 0
                    while start < count {
                        let end = min(count, start + chunk)
                        var lo0: UInt64 = 0, hi0: UInt64 = 0, lo1: UInt64 = 0, hi1: UInt64 = 0, lo2: UInt64 = 0, hi2: UInt64 = 0
                        for _ in start..<end {
                            let x0 = bp[base], x1 = bp[base &+ 1], y0 = ap[base], y1 = ap[base &+ 1]
                            let p00 = x0.multipliedFullWidth(by: y0)
                            let p01 = x0.multipliedFullWidth(by: y1)
                            let p10 = x1.multipliedFullWidth(by: y0)
                            let p11 = x1.multipliedFullWidth(by: y1)
                            var o: Bool
                            (lo0, o) = lo0.addingReportingOverflow(p00.low)
                            hi0 = hi0 &+ p00.high &+ (o ? 1 : 0)
                            (lo1, o) = lo1.addingReportingOverflow(p01.low)
                            hi1 = hi1 &+ p01.high &+ (o ? 1 : 0)
                            (lo1, o) = lo1.addingReportingOverflow(p10.low)
                            hi1 = hi1 &+ p10.high &+ (o ? 1 : 0)
                            (lo2, o) = lo2.addingReportingOverflow(p11.low)
                            hi2 = hi2 &+ p11.high &+ (o ? 1 : 0)
                            base &+= 2
                        }
                        // x = hi 2^64 + lo  ->  (hi mod p) (2^64 mod p) + (lo mod p), plus the running sum.
                        t0 = m.add(t0, m.multiplyAdd(m.reduce(hi0), twoTo64, m.reduce(lo0)))
                        t1 = m.add(t1, m.multiplyAdd(m.reduce(hi1), twoTo64, m.reduce(lo1)))
                        t2 = m.add(t2, m.multiplyAdd(m.reduce(hi2), twoTo64, m.reduce(lo2)))
                        start = end
                    }
                    r0[row] = t0
                    r1[row] = t1
                    r2[row] = t2
                }
            }
        }}}}}
        try finishProduct(&c0, &c1, &c2, level: level, rerandomizingWith: publicKey, using: &rng)
        return BFVCiphertext(polys: [c0, c1, c2])
    }

    /// The tail of a product computed in NTT form (residues in `[0, 2p)`): adds a fresh public-key encryption of zero
    /// when `publicKey` is given, then returns to coefficient form.
    func finishProduct(_ c0: inout PolyRq, _ c1: inout PolyRq, _ c2: inout PolyRq, level: Int,
                       rerandomizingWith publicKey: BFVPublicKey?,
                       using rng: inout some RandomNumberGenerator) throws(BFVError) {
        let n = degree
        let qs = moduli(level: level)
        let tables = Array(nttTables[0..<level])
        if let publicKey {
            var u = BFVSampling.lift(BFVSampling.ternary(count: n, using: &rng), moduli: qs, degree: n)
            u.forwardNTT(tables)
            c0.reduceLazy(moduli: qs)
            c1.reduceLazy(moduli: qs)
            c0.addProduct(publicKey.p0, u, moduli: qs)
            c1.addProduct(publicKey.p1, u, moduli: qs)
        }
        // Inputs of the inverse NTT may lie in [0, 2p).
        c0.inverseNTT(tables)
        c1.inverseNTT(tables)
        c2.inverseNTT(tables)
        if publicKey != nil {
            c0.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: n, using: &rng), moduli: qs, degree: n), moduli: qs)
            c1.add(BFVSampling.lift(BFVSampling.centeredBinomial(count: n, using: &rng), moduli: qs, degree: n), moduli: qs)
        }
    }

    /// `X^power * a` for `0 <= power < 2N` (a negacyclic shift of every polynomial: coefficient `i` moves to
    /// `i + power`, negated when it wraps past `N`). Free of noise growth; used to place a block of records at an
    /// offset before adding it to another ciphertext.
    public func multiplyByMonomial(_ a: BFVCiphertext, power: Int) throws(BFVError) -> BFVCiphertext {
        try check(a)
        let n = degree
        guard (0..<2 * n).contains(power) else { throw .valueOutOfRange("monomial power \(power)") }
        if power == 0 { return BFVCiphertext(polys: a.polys) }
        let qs = moduli(level: a.level)
        let polys = a.polys.map { poly -> PolyRq in
            PolyRq(degree: n, limbCount: poly.limbCount) { out in
                poly.data.withUnsafeBufferPointer { x in
                    for l in 0..<poly.limbCount {
                        let p = qs[l].value
                        for i in 0..<n {
                            let target = i + power
                            let v = x[l * n + i]
                            let wraps = (target / n) & 1 == 1
                            out[l * n + target % n] = wraps ? (v == 0 ? 0 : p &- v) : v
                        }
                    }
                }
            }
        }
        return BFVCiphertext(polys: polys)
    }
}

extension PolyRq {
    /// Reduces residues from `[0, 2p)` to `[0, p)`.
    mutating func reduceLazy(moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { x in
            for l in 0..<limbs {
                let p = moduli[l].value
                for i in l * n..<(l + 1) * n { x[i] = x[i] >= p ? x[i] &- p : x[i] }
            }
        }
    }
}
