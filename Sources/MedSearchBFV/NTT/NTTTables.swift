import MedSearchModular

/// Precomputed tables for the negacyclic number-theoretic transform of degree `N` modulo one prime `p`.
///
/// The forward transform is Cooley-Tukey with Harvey's lazy butterflies (values kept in `[0, 4p)`, Shoup
/// multiplication by the bit-reversed powers of a primitive `2N`-th root `psi`); the inverse is Gentleman-Sande
/// with values in `[0, 2p)`. Both do two stages per pass over memory (radix 4). Both work in place. After `forward`, position `j` holds the evaluation of the
/// polynomial at `psi^(2 * bitrev(j) + 1)`. Tables are built once per modulus and shared (immutable, `Sendable`).
public final class NTTTables: Sendable {
    /// The prime modulus.
    public let modulus: Modulus
    /// The transform size `N` (a power of two).
    public let degree: Int
    /// `log2(N)`.
    public let logDegree: Int
    /// The primitive `2N`-th root of unity `psi`.
    public let root: UInt64
    /// `psi^bitrev(i)` with Shoup quotients, `i` in `0..<N`.
    @usableFromInline let forwardRoots: [ShoupConstant]
    /// `psi^-bitrev(i)` with Shoup quotients, `i` in `0..<N`.
    @usableFromInline let inverseRoots: [ShoupConstant]
    /// `N^-1 mod p`.
    @usableFromInline let inverseDegree: ShoupConstant
    /// `psi^-bitrev(1) * N^-1 mod p`: the last inverse stage's root with the `1/N` scaling folded in.
    @usableFromInline let lastInverseRootScaled: ShoupConstant
    /// `N^-1 2^64 mod p` and `psi^-bitrev(1) N^-1 2^64 mod p`: the same for ``inverseFromMontgomery(_:)``.
    @usableFromInline let inverseDegreeMontgomery: ShoupConstant
    @usableFromInline let lastInverseRootMontgomery: ShoupConstant

    /// Builds the tables for `modulus` (prime, `= 1 mod 2N`) and degree `N`.
    public init(modulus: Modulus, degree: Int) throws(ModularError) {
        precondition(degree >= 2 && degree.nonzeroBitCount == 1, "NTT degree must be a power of two >= 2")
        self.modulus = modulus
        self.degree = degree
        logDegree = degree.trailingZeroBitCount
        let psi = try Primes.primitiveRoot(order: 2 * degree, modulus: modulus)
        root = psi
        guard let psiInverse = modulus.inverse(psi), let nInverse = modulus.inverse(UInt64(degree)) else {
            throw .noRootOfUnity(modulus: modulus.value, order: 2 * degree)
        }
        var powers = [UInt64](repeating: 1, count: degree)
        var inversePowers = [UInt64](repeating: 1, count: degree)
        for i in 1..<degree {
            powers[i] = modulus.multiply(powers[i - 1], psi)
            inversePowers[i] = modulus.multiply(inversePowers[i - 1], psiInverse)
        }
        let log = degree.trailingZeroBitCount
        forwardRoots = (0..<degree).map { modulus.shoup(powers[ModularMath.reverseBits($0, bitCount: log)]) }
        inverseRoots = (0..<degree).map { modulus.shoup(inversePowers[ModularMath.reverseBits($0, bitCount: log)]) }
        inverseDegree = modulus.shoup(nInverse)
        lastInverseRootScaled = modulus.shoup(modulus.multiply(inverseRoots[1].value, nInverse))
        inverseDegreeMontgomery = modulus.shoup(modulus.montgomeryForm(nInverse))
        lastInverseRootMontgomery = modulus.shoup(modulus.montgomeryForm(lastInverseRootScaled.value))
    }

    /// Forward negacyclic NTT in place. Input values in `[0, 4p)`; output in `[0, p)`, bit-reversed order.
    ///
    /// Stages are done two at a time (radix 4: four values and four Harvey butterflies per pass), which halves the
    /// passes over memory; the last two stages are fused with the final reduction to `[0, p)`.
    @inlinable
    public func forward(_ a: UnsafeMutablePointer<UInt64>) {
        let p = modulus.value
        let twoP = p &<< 1
        let n = degree
        forwardRoots.withUnsafeBufferPointer { roots in
            if n == 2 {
                // The only stage (t = 1), fused with the final reduction to [0, p).
                let w = roots[1]
                var u = a[0]
                u = u >= twoP ? u &- twoP : u
                let v0 = a[1]
                let v = v0 &* w.value &- v0.multipliedFullWidth(by: w.quotient).high &* p
                var s = u &+ v
                s = s >= twoP ? s &- twoP : s
                a[0] = s >= p ? s &- p : s
                var d = u &- v &+ twoP
                d = d >= twoP ? d &- twoP : d
                a[1] = d >= p ? d &- p : d
                return
            }
            var m = 1
            var t = n &>> 1
            // Pairs of Cooley-Tukey stages (m groups of 2t, then 2m groups of t) while the second has t/2 >= 4.
            while t >= 8 {
                let h = t &>> 1
                for i in 0..<m {
                    let w = roots[m &+ i]
                    let wa = roots[(m &<< 1) &+ (i &<< 1)], wb = roots[(m &<< 1) &+ (i &<< 1) &+ 1]
                    let wv = w.value, wq = w.quotient
                    let av = wa.value, aq = wa.quotient, bv = wb.value, bq = wb.quotient
                    let x0 = a + (i &* t &<< 1)
                    let x1 = x0 + h, x2 = x0 + t, x3 = x2 + h
                    for j in 0..<h {
                        var u0 = x0[j]
                        u0 = u0 >= twoP ? u0 &- twoP : u0
                        var u1 = x1[j]
                        u1 = u1 >= twoP ? u1 &- twoP : u1
                        let y2 = x2[j], y3 = x3[j]
                        let v2 = y2 &* wv &- y2.multipliedFullWidth(by: wq).high &* p
                        let v3 = y3 &* wv &- y3.multipliedFullWidth(by: wq).high &* p
                        var b0 = u0 &+ v2, b2 = u0 &- v2 &+ twoP
                        let b1 = u1 &+ v3, b3 = u1 &- v3 &+ twoP
                        b0 = b0 >= twoP ? b0 &- twoP : b0
                        b2 = b2 >= twoP ? b2 &- twoP : b2
                        let c1 = b1 &* av &- b1.multipliedFullWidth(by: aq).high &* p
                        let c3 = b3 &* bv &- b3.multipliedFullWidth(by: bq).high &* p
                        x0[j] = b0 &+ c1
                        x1[j] = b0 &- c1 &+ twoP
                        x2[j] = b2 &+ c3
                        x3[j] = b2 &- c3 &+ twoP
                    }
                }
                m &<<= 2
                t &>>= 2
            }
            if t == 4 {
                // One radix-2 stage left before the fused last two.
                for i in 0..<m {
                    let w = roots[m &+ i]
                    let wv = w.value, wq = w.quotient
                    let x = a + (i &* t &<< 1), y = x + t
                    for j in 0..<t {
                        var u = x[j]
                        u = u >= twoP ? u &- twoP : u
                        let v0 = y[j]
                        let v = v0 &* wv &- v0.multipliedFullWidth(by: wq).high &* p
                        x[j] = u &+ v
                        y[j] = u &- v &+ twoP
                    }
                }
                m &<<= 1
                t &>>= 1
            }
            // The last two stages (t = 2, then t = 1) fused per group of four values, with the final reduction to
            // [0, p).
            let half = n &>> 1
            for g in 0..<m {
                let w2 = roots[m &+ g]
                let r0 = roots[half &+ (g &<< 1)], r1 = roots[half &+ (g &<< 1) &+ 1]
                let x = a + (g &<< 2)
                var a0 = x[0], a1 = x[1]
                let a2 = x[2], a3 = x[3]
                a0 = a0 >= twoP ? a0 &- twoP : a0
                a1 = a1 >= twoP ? a1 &- twoP : a1
                let v2 = a2 &* w2.value &- a2.multipliedFullWidth(by: w2.quotient).high &* p
                let v3 = a3 &* w2.value &- a3.multipliedFullWidth(by: w2.quotient).high &* p
                var b0 = a0 &+ v2, b2 = a0 &- v2 &+ twoP
                let b1 = a1 &+ v3, b3 = a1 &- v3 &+ twoP
                b0 = b0 >= twoP ? b0 &- twoP : b0
                b2 = b2 >= twoP ? b2 &- twoP : b2
                let v1 = b1 &* r0.value &- b1.multipliedFullWidth(by: r0.quotient).high &* p
                let w3 = b3 &* r1.value &- b3.multipliedFullWidth(by: r1.quotient).high &* p
                var o0 = b0 &+ v1, o1 = b0 &- v1 &+ twoP
                var o2 = b2 &+ w3, o3 = b2 &- w3 &+ twoP
                o0 = o0 >= twoP ? o0 &- twoP : o0
                o1 = o1 >= twoP ? o1 &- twoP : o1
                o2 = o2 >= twoP ? o2 &- twoP : o2
                o3 = o3 >= twoP ? o3 &- twoP : o3
                x[0] = o0 >= p ? o0 &- p : o0
                x[1] = o1 >= p ? o1 &- p : o1
                x[2] = o2 >= p ? o2 &- p : o2
                x[3] = o3 >= p ? o3 &- p : o3
            }
        }
    }

    /// Inverse negacyclic NTT in place (including the `1/N` scaling). Input in `[0, 2p)`, bit-reversed order;
    /// output in `[0, p)`, natural order.
    ///
    /// The first two Gentleman-Sande stages are fused per group of four values, the middle stages are done two at a
    /// time (radix 4), and `1/N` is folded into the last stage.
    @inlinable
    public func inverse(_ a: UnsafeMutablePointer<UInt64>) {
        inverse(a, scale: inverseDegree, lastScaled: lastInverseRootScaled)
    }

    /// Inverse NTT of values in Montgomery form (`x 2^-64`, for example products reduced by
    /// `Modulus.reduceMontgomery`): the same transform with `2^64 / N` instead of `1 / N` folded into the last stage,
    /// so the output is the plain coefficients, in `[0, p)`, natural order. Input in `[0, 2p)`.
    @inlinable
    public func inverseFromMontgomery(_ a: UnsafeMutablePointer<UInt64>) {
        inverse(a, scale: inverseDegreeMontgomery, lastScaled: lastInverseRootMontgomery)
    }

    /// The inverse transform with the final scaling `scale` (and `lastScaled` = `psi^-bitrev(1) scale`).
    @inlinable
    func inverse(_ a: UnsafeMutablePointer<UInt64>, scale: ShoupConstant, lastScaled: ShoupConstant) {
        let p = modulus.value
        let twoP = p &<< 1
        let n = degree
        inverseRoots.withUnsafeBufferPointer { roots in
            var t = 1
            var m = n
            if n >= 8 {
                // The first two stages (t = 1, then t = 2) fused per group of four values: one pass instead of two.
                let half = n &>> 1, quarter = n &>> 2
                for g in 0..<quarter {
                    let ra = roots[half &+ (g &<< 1)], rb = roots[half &+ (g &<< 1) &+ 1], rc = roots[quarter &+ g]
                    let x = a + (g &<< 2)
                    let a0 = x[0], a1 = x[1], a2 = x[2], a3 = x[3]
                    var b0 = a0 &+ a1
                    b0 = b0 >= twoP ? b0 &- twoP : b0
                    let d1 = a0 &- a1 &+ twoP
                    let b1 = d1 &* ra.value &- d1.multipliedFullWidth(by: ra.quotient).high &* p
                    var b2 = a2 &+ a3
                    b2 = b2 >= twoP ? b2 &- twoP : b2
                    let d3 = a2 &- a3 &+ twoP
                    let b3 = d3 &* rb.value &- d3.multipliedFullWidth(by: rb.quotient).high &* p
                    var c0 = b0 &+ b2
                    x[0] = c0 >= twoP ? c0 &- twoP : c0
                    let e2 = b0 &- b2 &+ twoP
                    x[2] = e2 &* rc.value &- e2.multipliedFullWidth(by: rc.quotient).high &* p
                    c0 = b1 &+ b3
                    x[1] = c0 >= twoP ? c0 &- twoP : c0
                    let e3 = b1 &- b3 &+ twoP
                    x[3] = e3 &* rc.value &- e3.multipliedFullWidth(by: rc.quotient).high &* p
                }
                t = 4
                m = quarter
                // Pairs of stages (m/2 groups of 2t, then m/4 groups of 4t) while both come before the last stage.
                while m >= 8 {
                    let h = m &>> 1, h2 = m &>> 2
                    for k in 0..<h2 {
                        let wa = roots[h &+ (k &<< 1)], wb = roots[h &+ (k &<< 1) &+ 1], w = roots[h2 &+ k]
                        let av = wa.value, aq = wa.quotient, bv = wb.value, bq = wb.quotient
                        let wv = w.value, wq = w.quotient
                        let x0 = a + (k &* t &<< 2)
                        let x1 = x0 + t, x2 = x1 + t, x3 = x2 + t
                        for j in 0..<t {
                            let u0 = x0[j], u1 = x1[j], u2 = x2[j], u3 = x3[j]
                            var s0 = u0 &+ u1
                            s0 = s0 >= twoP ? s0 &- twoP : s0
                            let d0 = u0 &- u1 &+ twoP
                            let s1 = d0 &* av &- d0.multipliedFullWidth(by: aq).high &* p
                            var s2 = u2 &+ u3
                            s2 = s2 >= twoP ? s2 &- twoP : s2
                            let d2 = u2 &- u3 &+ twoP
                            let s3 = d2 &* bv &- d2.multipliedFullWidth(by: bq).high &* p
                            var o0 = s0 &+ s2
                            o0 = o0 >= twoP ? o0 &- twoP : o0
                            let e0 = s0 &- s2 &+ twoP
                            var o1 = s1 &+ s3
                            o1 = o1 >= twoP ? o1 &- twoP : o1
                            let e1 = s1 &- s3 &+ twoP
                            x0[j] = o0
                            x1[j] = o1
                            x2[j] = e0 &* wv &- e0.multipliedFullWidth(by: wq).high &* p
                            x3[j] = e1 &* wv &- e1.multipliedFullWidth(by: wq).high &* p
                        }
                    }
                    t &<<= 2
                    m = h2
                }
            }
            // Remaining single stages before the last one (at most one after the radix-4 passes).
            while m > 2 {
                let h = m &>> 1
                var j1 = 0
                for i in 0..<h {
                    let w = roots[h &+ i]
                    let wv = w.value, wq = w.quotient
                    let x = a + j1
                    let y = x + t
                    for j in 0..<t {
                        let u = x[j]
                        let v = y[j]
                        let s = u &+ v
                        x[j] = s >= twoP ? s &- twoP : s
                        let d = u &- v &+ twoP
                        let q = d.multipliedFullWidth(by: wq).high
                        y[j] = d &* wv &- q &* p
                    }
                    j1 &+= t &<< 1
                }
                t &<<= 1
                m = h
            }
        }
        // Last stage (one root) with the 1/N scaling folded into both outputs.
        let nv = scale.value, nq = scale.quotient
        let lv = lastScaled.value, lq = lastScaled.quotient
        let half = n &>> 1
        let x = a, y = a + half
        for j in 0..<half {
            let u = x[j], v = y[j]
            let s = u &+ v
            let qs = s.multipliedFullWidth(by: nq).high
            let rs = s &* nv &- qs &* p
            x[j] = rs >= p ? rs &- p : rs
            let d = u &- v &+ twoP
            let qd = d.multipliedFullWidth(by: lq).high
            let rd = d &* lv &- qd &* p
            y[j] = rd >= p ? rd &- p : rd
        }
    }

    /// Forward transform of a buffer of `N` values.
    @inlinable
    public func forward(_ values: inout [UInt64]) {
        precondition(values.count == degree)
        values.withUnsafeMutableBufferPointer { forward($0.baseAddress!) }
    }

    /// Inverse transform of a buffer of `N` values.
    @inlinable
    public func inverse(_ values: inout [UInt64]) {
        precondition(values.count == degree)
        values.withUnsafeMutableBufferPointer { inverse($0.baseAddress!) }
    }
}
