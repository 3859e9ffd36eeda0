import MedSearchBFV
import MedSearchCore
import Testing
import _MedSearchTestSupport

@Suite struct BFVInnerProductTests {
    func lift(_ values: [Int64], t: UInt64) -> [UInt64] { values.map { $0 >= 0 ? UInt64($0) : t - UInt64(-$0) } }

    /// `sum_j B_j Q_j` with dense +-1 stored slices and constant (or small sparse) unscaled multipliers equals the
    /// plaintext sum modulo t, with and without re-randomisation, for one- and multi-limb sets and a set without
    /// batching (t = 257).
    @Test(arguments: [BFVParameters.insecureN256, .insecureN256SmallT, .insecureN512, .n4096hamming])
    func innerProductDecryptsToThePlaintextSum(parameters: BFVParameters) throws {
        var rng = seededGenerator(UInt64(parameters.polyDegree) &+ parameters.plainModulus)
        let context = try BFVContext.cached(parameters)
        let sk = context.generateSecretKey(using: &rng)
        let pk = context.generatePublicKey(secretKey: sk, using: &rng)
        let n = context.degree, t = parameters.plainModulus
        let count = parameters.polyDegree >= 4096 ? 8 : 24
        var stored: [BFVCiphertext] = [], multipliers: [BFVCiphertext] = []
        var expected = [Int64](repeating: 0, count: n)
        for j in 0..<count {
            let h = (0..<n).map { _ in Bool.random(using: &rng) ? Int64(1) : -1 }
            // Constants (the Hamming query) and, for one term, a two-term polynomial (a general product).
            let q: [Int64] = j == 0 ? [2, 0, -1] : [Bool.random(using: &rng) ? 1 : -1]
            for (i, hv) in h.enumerated() {
                for (e, qv) in q.enumerated() where qv != 0 {
                    let k = i + e
                    if k < n { expected[k] += hv * qv } else { expected[k - n] -= hv * qv }
                }
            }
            stored.append(try context.encrypt(context.encodeCoefficients(lift(h, t: t)), publicKey: pk, using: &rng))
            multipliers.append(try context.encryptUnscaled(context.encodeCoefficients(lift(q, t: t)), secretKey: sk, using: &rng))
        }
        let want = lift(expected.map { (($0 % Int64(t)) + Int64(t)) % Int64(t) }, t: t)
        let b = try context.interleave(stored), a = try context.interleave(multipliers)
        #expect(b.count == count && b.byteCount == count * 2 * n * parameters.limbCount * 8)
        let plain = try context.innerProduct(b, a, rerandomizingWith: nil, using: &rng)
        #expect(try context.decrypt(plain, secretKey: sk).coefficients == want)
        // The same as the sum of single products.
        var sum = try context.multiplyUnscaled(stored[0], multipliers[0])
        for j in 1..<count { sum = try context.add(sum, context.multiplyUnscaled(stored[j], multipliers[j])) }
        #expect(sum == plain)
        let fresh = try context.innerProduct(b, a, rerandomizingWith: pk, using: &rng)
        #expect(fresh.polys[0] != plain.polys[0] && fresh.polys[2] == plain.polys[2])
        let low = try context.modSwitch(fresh, toLevel: 1)
        #expect(try context.decrypt(low, secretKey: sk).coefficients == want)
        // Shape errors are typed.
        #expect(throws: BFVError.self) { try context.innerProduct(b, context.interleave(Array(multipliers.dropLast())), rerandomizingWith: nil, using: &rng) }
        #expect(throws: BFVError.self) { try context.interleave([]) }
        #expect(throws: BFVError.self) { try context.interleave([plain]) }
    }

    @Test func securityLevelsFollowTheStandardTable() {
        #expect(BFVParameters.n4096.securityLevel == 128 && BFVParameters.n8192.securityLevel == 128)
        #expect(BFVParameters.n16384.securityLevel == 128)
        #expect(BFVParameters.n4096single.securityLevel == 192 && BFVParameters.n4096hamming.securityLevel == 192)
        #expect(BFVParameters.n4096expand.securityLevel == 128 && BFVParameters.n4096expand.coefficientModulusBits == 109)
        for set in BFVParameters.all { #expect((set.securityLevel >= 128) == set.isSecure, "\(set)") }
    }

    @Test func monomialShiftIsNegacyclic() throws {
        var rng = seededGenerator(3)
        let context = try BFVContext.cached(.insecureN256SmallT)
        let sk = context.generateSecretKey(using: &rng)
        let n = context.degree, t: UInt64 = 257
        let m = (0..<n).map { _ in UInt64.random(in: 0..<t, using: &rng) }
        let ct = try context.encrypt(context.encodeCoefficients(m), secretKey: sk, using: &rng)
        for power in [0, 1, 100, n - 1, n, n + 7, 2 * n - 1] {
            var want = [UInt64](repeating: 0, count: n)
            for i in 0..<n {
                let k = (i + power) % (2 * n)
                if k < n { want[k] = m[i] } else { want[k - n] = m[i] == 0 ? 0 : t - m[i] }
            }
            #expect(try context.decrypt(context.multiplyByMonomial(ct, power: power), secretKey: sk).coefficients == want)
        }
        #expect(throws: BFVError.self) { try context.multiplyByMonomial(ct, power: 2 * n) }
        // A set without batching refuses SIMD encoding with a typed error.
        #expect(!BFVParameters.n4096hamming.supportsBatching && BFVParameters.n4096single.supportsBatching)
        #expect(throws: BFVError.self) { try context.encode([1, 2, 3]) }
        #expect(throws: BFVError.self) { try context.decode(context.encodeCoefficients([1])) }
    }
}
