import MedSearchModular
import Testing
import _MedSearchTestSupport

@Suite struct ModularTests {
    /// Moduli of many sizes, including the extremes (3 and just below 2^62).
    static let moduli: [UInt64] = [3, 17, 65537, (1 << 31) - 1, 0xFFF_FFFF_FFFF_FFC5, (1 << 61) - 1, (1 << 62) - 57]

    @Test(arguments: moduli)
    func barrettAndShoupMatchRemainder(p: UInt64) {
        let m = Modulus(p)
        var rng = seededGenerator(p)
        for _ in 0..<2000 {
            let a = UInt64.random(in: 0..<p, using: &rng)
            let b = UInt64.random(in: 0..<p, using: &rng)
            let c = UInt64.random(in: 0..<p, using: &rng)
            let x = rng.next()
            let wide = a.multipliedFullWidth(by: b)
            let expected = p.dividingFullWidth(wide).remainder
            #expect(m.multiply(a, b) == expected)
            #expect(m.reduce(x) == x % p)
            let (low, carry) = wide.low.addingReportingOverflow(c)
            let sum = (high: wide.high + (carry ? 1 : 0), low: low)
            #expect(m.multiplyAdd(a, b, c) == p.dividingFullWidth(sum).remainder)
            let shoup = m.shoup(b)
            let lazy = shoup.multiplyLazy(x, modulus: p)
            #expect(lazy < 2 * p)
            #expect(lazy % p == p.dividingFullWidth(x.multipliedFullWidth(by: b)).remainder)
            #expect(shoup.multiply(a, modulus: p) == expected)
            #expect(m.add(a, b) == (a + b) % p)
            #expect(m.subtract(a, b) == (a + p - b) % p)
            #expect(m.add(m.negate(a), a) == 0)
        }
    }

    @Test func barrettWorstCaseInputs() {
        for p in Self.moduli {
            let m = Modulus(p)
            for a in [0, 1, p - 2, p - 1] as [UInt64] {
                for b in [0, 1, p / 2, p - 1] as [UInt64] {
                    #expect(m.multiply(a, b) == p.dividingFullWidth(a.multipliedFullWidth(by: b)).remainder)
                }
            }
            #expect(m.reduce(UInt64.max) == UInt64.max % p)
        }
    }

    @Test func powerAndInverse() {
        for p in Self.moduli where Primes.isPrime(p) {
            let m = Modulus(p)
            var rng = seededGenerator(p &+ 1)
            for _ in 0..<50 {
                let a = UInt64.random(in: 1..<p, using: &rng)
                let inv = m.inverse(a)!
                #expect(m.multiply(a, inv) == 1)
                #expect(m.power(a, p - 1) == 1) // Fermat
            }
        }
        #expect(ModularMath.inverse(UInt64(6), modulo: 9) == nil)
        #expect(ModularMath.inverse(UInt32(3), modulo: 7) == 5)
        #expect(ModularMath.gcd(UInt32(84), 36) == 12)
        #expect(ModularMath.powMod(UInt32(3), 200, 1_000_003) == ModularMath.powMod(UInt64(3), 200, 1_000_003).asUInt32)
    }

    @Test func primality() {
        let smallPrimes = (2..<2000).filter { n in (2..<n).allSatisfy { n % $0 != 0 } }.map(UInt64.init)
        for n in UInt64(0)..<2000 { #expect(Primes.isPrime(n) == smallPrimes.contains(n), "\(n)") }
        #expect(Primes.isPrime((1 << 61) - 1)) // Mersenne prime
        #expect(!Primes.isPrime(3_215_031_751)) // strong pseudoprime to bases 2, 3, 5, 7
        #expect(!Primes.isPrime(UInt64(4_294_967_291) * 4_294_967_279))
    }

    @Test func nttPrimesAndRoots() throws {
        for degree in [256, 4096, 16384] {
            let primes = try Primes.nttPrimes(bitCount: 55, count: 3, polyDegree: degree)
            #expect(Set(primes).count == 3)
            for p in primes {
                #expect(Primes.isNTTFriendly(p, polyDegree: degree))
                #expect(p >> 54 == 1)
                let m = Modulus(p)
                let root = try Primes.primitiveRoot(order: 2 * degree, modulus: m)
                #expect(m.power(root, UInt64(degree)) == p - 1)
            }
        }
        #expect(throws: ModularError.self) { try Primes.nttPrimes(bitCount: 63, count: 1, polyDegree: 8) }
        #expect(throws: ModularError.notEnoughPrimes(bitCount: 10, polyDegree: 1024)) {
            try Primes.nttPrimes(bitCount: 10, count: 1, polyDegree: 1024)
        }
        #expect(ModularMath.reverseBits(0b0011, bitCount: 4) == 0b1100)
    }
}

extension UInt64 {
    var asUInt32: UInt32 { UInt32(truncatingIfNeeded: self) }
}
