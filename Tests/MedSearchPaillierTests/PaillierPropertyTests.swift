import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport

/// One insecure 512-bit key shared by the property tests (generated from a fixed seed).
let insecureTestKey512: PaillierPrivateKey = {
    var rng = SeededRandomNumberGenerator(seed: 0x9A11_1E12)
    return PaillierPrivateKey.generateInsecure(bits: 512, using: &rng)
}()

/// A suite over ``insecureTestKey512``: the secret key `sk` and its public key `pk`.
protocol InsecureKeySuite {}

extension InsecureKeySuite {
    var sk: PaillierPrivateKey { insecureTestKey512 }
    var pk: PaillierPublicKey { sk.publicKey }
}

@Suite("Paillier homomorphic identities")
struct PaillierPropertyTests: InsecureKeySuite {
    func randomSigned(bits: Int, using rng: inout SeededRandomNumberGenerator) -> BigInt {
        let x = BigInt.random(bits: bits, using: &rng)
        return Bool.random(using: &rng) ? -x : x
    }

    @Test("decrypt(encrypt(m)) == m, signed and unsigned")
    func roundTrip() {
        var rng = seededGenerator(21)
        for _ in 0..<60 {
            let m = randomSigned(bits: 500, using: &rng)
            let c = pk.encrypt(m, using: &rng)
            #expect(sk.decrypt(c) == m.modulo(pk.n))
            #expect(sk.decryptSigned(c) == m)
        }
        #expect(sk.decryptInt(pk.encrypt(-5)) == -5)
        #expect(sk.decrypt(pk.encrypt(pk.n)) == 0)
    }

    @Test("CRT decryption agrees with textbook L(c^lambda mod N^2) * mu mod N")
    func crtMatchesTextbook() {
        var rng = seededGenerator(22)
        let lambda = sk.lambda, mu = sk.mu
        for _ in 0..<30 {
            let c = pk.encrypt(BigInt.random(below: pk.n, using: &rng), using: &rng)
            let u = c.value.power(lambda, modulo: pk.nSquared, variableTime: true)
            let textbook = BigInt.multiply((u - 1) / pk.n, mu, modulo: pk.n)
            #expect(sk.decrypt(c) == textbook)
        }
    }

    @Test("encryption is randomised and re-randomisation keeps the plaintext")
    func randomisation() {
        var rng = seededGenerator(23)
        let a = pk.encrypt(BigInt(5), using: &rng), b = pk.encrypt(BigInt(5), using: &rng)
        #expect(a != b)
        let c = pk.rerandomize(a)
        #expect(c != a && sk.decrypt(c) == 5)
        #expect(pk.encryptWithoutRandomness(7) == pk.encryptWithoutRandomness(7))
        #expect(sk.decrypt(pk.encryptWithoutRandomness(7)) == 7)
    }

    @Test("E(a)E(b) = E(a+b), E(a)/E(b) = E(a-b), E(a)^-1 = E(-a), E(a)(1+kN) = E(a+k)")
    func additiveIdentities() {
        var rng = seededGenerator(24)
        for _ in 0..<40 {
            let a = randomSigned(bits: 200, using: &rng), b = randomSigned(bits: 200, using: &rng)
            let k = randomSigned(bits: 64, using: &rng)
            let ca = pk.encrypt(a, using: &rng), cb = pk.encrypt(b, using: &rng)
            #expect(sk.decryptSigned(pk.add(ca, cb)) == a + b)
            #expect(sk.decryptSigned(pk.subtract(ca, cb)) == a - b)
            #expect(sk.decryptSigned(pk.negate(ca)) == -a)
            #expect(sk.decryptSigned(pk.add(ca, plaintext: k)) == a + k)
            #expect(sk.decryptSigned(pk.subtract(ca, plaintext: k)) == a - k)
        }
    }

    @Test("E(a)^k = E(k a) for small, negative, N - x and full-size scalars")
    func scalarIdentities() {
        var rng = seededGenerator(25)
        for _ in 0..<30 {
            let a = randomSigned(bits: 150, using: &rng)
            let ca = pk.encrypt(a, using: &rng)
            let small = Int.random(in: -(1 << 31)...(1 << 31), using: &rng)
            let large = BigInt.random(below: pk.n, using: &rng)
            let x = BigInt.random(bits: 100, using: &rng)
            #expect(sk.decryptSigned(pk.multiply(ca, byScalar: small)) == a * small)
            #expect(sk.decryptSigned(pk.multiply(ca, byScalar: BigInt(small))) == a * small)
            #expect(sk.decrypt(pk.multiply(ca, byScalar: large)) == (a * large).modulo(pk.n))
            // N - x behaves as -x.
            #expect(pk.multiply(ca, byScalar: pk.n - x) == pk.multiply(ca, byScalar: -x))
            #expect(sk.decryptSigned(pk.multiply(ca, byScalar: pk.n - x)) == -(a * x))
        }
        let c = pk.encrypt(9)
        #expect(sk.decrypt(pk.multiply(c, byScalar: 0)) == 0)
        #expect(sk.decrypt(pk.multiply(c, byScalar: BigInt(0))) == 0)
        #expect(sk.decrypt(pk.multiply(c, byScalar: 1)) == 9)
    }

    @Test("sum of many ciphertexts and a linear combination equal the plaintext computation")
    func linearCombination() {
        var rng = seededGenerator(26)
        var expected = BigInt()
        var terms = [PaillierCiphertext]()
        for _ in 0..<25 {
            let x = randomSigned(bits: 40, using: &rng), w = Int.random(in: -1000...1000, using: &rng)
            expected += x * w
            terms.append(pk.multiply(pk.encrypt(x, using: &rng), byScalar: w))
        }
        #expect(sk.decryptSigned(pk.sum(terms)) == expected)
        #expect(sk.decrypt(pk.sum([])) == 0)
    }

    @Test("secure multiplication step of FNN (schemes.md SM) recovers E(ab)")
    func secureMultiplicationIdentity() {
        // C1: E(a+ra), E(b+rb) -> C2: h = (a+ra)(b+rb) -> C1: E(ab) = E(h) E(a)^(N-rb) E(b)^(N-ra) E(ra rb)^(N-1)
        var rng = seededGenerator(27)
        for _ in 0..<10 {
            let a = randomSigned(bits: 60, using: &rng), b = randomSigned(bits: 60, using: &rng)
            let ra = BigInt.random(below: pk.n, using: &rng), rb = BigInt.random(below: pk.n, using: &rng)
            let ea = pk.encrypt(a, using: &rng), eb = pk.encrypt(b, using: &rng)
            let h = BigInt.multiply(sk.decrypt(pk.add(ea, plaintext: ra)), sk.decrypt(pk.add(eb, plaintext: rb)),
                                    modulo: pk.n)
            var eab = pk.encrypt(h, using: &rng)
            eab = pk.add(eab, pk.multiply(ea, byScalar: pk.n - rb))
            eab = pk.add(eab, pk.multiply(eb, byScalar: pk.n - ra))
            eab = pk.add(eab, pk.multiply(pk.encrypt(ra * rb, using: &rng), byScalar: pk.n - 1))
            #expect(sk.decryptSigned(eab) == a * b)
        }
    }

    @Test("untrusted ciphertext values are range-checked")
    func ciphertextValidation() {
        #expect(throws: PaillierError.self) { try pk.ciphertext(0) }
        #expect(throws: PaillierError.self) { try pk.ciphertext(-5) }
        #expect(throws: PaillierError.self) { try pk.ciphertext(pk.nSquared) }
        #expect((try? pk.ciphertext(pk.nSquared - 1)) != nil)
        // A forged non-unit still negates without trapping (through c^(N-1)).
        let forged = PaillierCiphertext(rawValue: sk.p)
        _ = pk.negate(forged)
    }

    @Test("key generation refuses unsupported sizes; 2048-bit round trip")
    func productionKey() throws {
        #expect(throws: PaillierError.unsupportedKeySize(1024)) { try PaillierPrivateKey.generate(bits: 1024) }
        let key = try PaillierPrivateKey.generate(bits: 2048)
        #expect(key.publicKey.bits == 2048)
        #expect(key.p.bitWidth == 1024 && key.q.bitWidth == 1024)
        let m = BigInt.random(below: key.publicKey.n)
        let c = key.publicKey.encrypt(m)
        #expect(key.decrypt(c) == m)
        #expect(key.decryptSigned(key.publicKey.add(c, key.publicKey.encrypt(-1))) == (m - 1 > key.publicKey.halfN ? m - 1 - key.publicKey.n : m - 1))
    }

    @Test("invalid primes are refused")
    func invalidKeys() {
        #expect(throws: PaillierError.self) { try PaillierPrivateKey(p: sk.p, q: sk.p) }
        #expect(throws: PaillierError.self) { try PaillierPrivateKey(p: sk.p, q: sk.q + 2) }
        #expect(throws: PaillierError.self) { try PaillierPublicKey(n: sk.publicKey.n + 1) }
        #expect(throws: PaillierError.self) { try PaillierPublicKey(n: 15) }
    }
}
