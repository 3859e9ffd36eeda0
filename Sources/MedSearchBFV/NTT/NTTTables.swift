import MedSearchModular

/// Precomputed tables for the negacyclic number-theoretic transform of degree `N` modulo one prime `p`.
///
/// The forward transform is Cooley-Tukey with Harvey's lazy butterflies (values kept in `[0, 4p)`, Shoup
/// multiplication by the bit-reversed powers of a primitive `2N`-th root `psi`); the inverse is Gentleman-Sande
/// with values in `[0, 2p)`. Both work in place. After `forward`, position `j` holds the evaluation of the
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
    }

    /// Forward negacyclic NTT in place. Input values in `[0, 4p)`; output in `[0, p)`, bit-reversed order.
    @inlinable
    public func forward(_ a: UnsafeMutablePointer<UInt64>) {
        let p = modulus.value
        let twoP = p &<< 1
        let n = degree
        forwardRoots.withUnsafeBufferPointer { roots in
            var t = n
            var m = 1
            while m < n {
                t &>>= 1
                if t >= 4 {
                    for i in 0..<m {
                        let w = roots[m &+ i]
                        let wv = w.value, wq = w.quotient
                        let x = a + (2 &* i &* t)
                        let y = x + t
                        var j = 0
                        while j < t {
                            var u = x[j]
                            u = u >= twoP ? u &- twoP : u
                            let v0 = y[j]
                            let q = v0.multipliedFullWidth(by: wq).high
                            let v = v0 &* wv &- q &* p
                            x[j] = u &+ v
                            y[j] = u &- v &+ twoP
                            j &+= 1
                        }
                    }
                } else {
                    for i in 0..<m {
                        let w = roots[m &+ i]
                        let wv = w.value, wq = w.quotient
                        let x = a + (2 &* i &* t)
                        let y = x + t
                        for j in 0..<t {
                            var u = x[j]
                            u = u >= twoP ? u &- twoP : u
                            let v0 = y[j]
                            let q = v0.multipliedFullWidth(by: wq).high
                            let v = v0 &* wv &- q &* p
                            x[j] = u &+ v
                            y[j] = u &- v &+ twoP
                        }
                    }
                }
                m &<<= 1
            }
        }
        for j in 0..<n {
            var u = a[j]
            u = u >= twoP ? u &- twoP : u
            a[j] = u >= p ? u &- p : u
        }
    }

    /// Inverse negacyclic NTT in place (including the `1/N` scaling). Input in `[0, 2p)`, bit-reversed order;
    /// output in `[0, p)`, natural order.
    @inlinable
    public func inverse(_ a: UnsafeMutablePointer<UInt64>) {
        let p = modulus.value
        let twoP = p &<< 1
        let n = degree
        inverseRoots.withUnsafeBufferPointer { roots in
            var t = 1
            var m = n
            while m > 1 {
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
        let nv = inverseDegree.value, nq = inverseDegree.quotient
        for j in 0..<n {
            let x = a[j]
            let q = x.multipliedFullWidth(by: nq).high
            let r = x &* nv &- q &* p
            a[j] = r >= p ? r &- p : r
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
