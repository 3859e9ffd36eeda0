import MedSearchBFV
import MedSearchModular
import Testing
import _MedSearchTestSupport

/// Schoolbook negacyclic product modulo p (the slow reference).
func schoolbookNegacyclic(_ a: [UInt64], _ b: [UInt64], _ m: Modulus) -> [UInt64] {
    let n = a.count
    var out = [UInt64](repeating: 0, count: n)
    for i in 0..<n {
        for j in 0..<n {
            let p = m.multiply(a[i], b[j])
            let k = i + j
            if k < n { out[k] = m.add(out[k], p) } else { out[k - n] = m.subtract(out[k - n], p) }
        }
    }
    return out
}

@Suite struct NTTTests {
    @Test(arguments: [16, 64, 256])
    func productMatchesSchoolbook(degree: Int) throws {
        var rng = seededGenerator(UInt64(degree))
        for bits in [30, 50, 61] {
            let p = try Primes.nttPrimes(bitCount: bits, count: 1, polyDegree: degree)[0]
            let m = Modulus(p)
            let tables = try NTTTables(modulus: m, degree: degree)
            let a = (0..<degree).map { _ in UInt64.random(in: 0..<p, using: &rng) }
            let b = (0..<degree).map { _ in UInt64.random(in: 0..<p, using: &rng) }
            var fa = a, fb = b
            tables.forward(&fa)
            tables.forward(&fb)
            var prod = zip(fa, fb).map { m.multiply($0, $1) }
            tables.inverse(&prod)
            #expect(prod == schoolbookNegacyclic(a, b, m), "degree \(degree), \(bits)-bit prime")
            var roundTrip = a
            tables.forward(&roundTrip)
            tables.inverse(&roundTrip)
            #expect(roundTrip == a)
        }
    }

    @Test func forwardIsEvaluationAtOddPowersInBitReversedOrder() throws {
        let n = 32
        let p = try Primes.nttPrimes(bitCount: 40, count: 1, polyDegree: n)[0]
        let m = Modulus(p)
        let tables = try NTTTables(modulus: m, degree: n)
        var rng = seededGenerator(7)
        let a = (0..<n).map { _ in UInt64.random(in: 0..<p, using: &rng) }
        var f = a
        tables.forward(&f)
        for j in 0..<n {
            let x = m.power(tables.root, UInt64(2 * ModularMath.reverseBits(j, bitCount: 5) + 1))
            var acc: UInt64 = 0
            for c in a.reversed() { acc = m.add(m.multiply(acc, x), c) }
            #expect(f[j] == acc)
        }
    }
}
