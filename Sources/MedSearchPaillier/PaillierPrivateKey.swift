import MedSearchBigInt
import MedSearchCore

/// A Paillier secret key: the primes `p`, `q` with the constants for CRT decryption.
///
/// Decryption follows Paillier (1999), section 7: per prime, `m_p = L_p(c^(p-1) mod p^2) * h_p mod p` with
/// `L_p(x) = (x - 1) / p` and `h_p = L_p(g^(p-1) mod p^2)^-1 mod p`, then the CRT joins `m_p` and `m_q`. The two
/// exponentiations (secret exponents `p - 1`, `q - 1`, half-size moduli) are constant time: OpenSSL 3's
/// `BN_mod_exp_mont_consttime` with per-key Montgomery contexts (see ``decryptionExponentiation``).
/// Every secret value is a ``BigInt`` marked secret, whose limbs are zeroed when the key is released.
public struct PaillierPrivateKey: Sendable {
    /// The matching public key.
    public let publicKey: PaillierPublicKey
    /// The first prime (`p < q` is not required).
    public let p: BigInt
    /// The second prime.
    public let q: BigInt

    let pSquared: BigInt
    let qSquared: BigInt
    let pMinusOne: BigInt
    let qMinusOne: BigInt
    let hp: BigInt
    let hq: BigInt
    /// `p^-1 mod q`, for the CRT recombination.
    let pInverseModQ: BigInt
    /// `x -> x^(p-1) mod p^2` and `x -> x^(q-1) mod q^2`, constant time (see ``PrimePowerExponentiator``).
    let pExponentiator: PrimePowerExponentiator
    let qExponentiator: PrimePowerExponentiator

    /// Key sizes generated for production use.
    public static let supportedBits: Set<Int> = [2048, 3072]

    /// Builds a key from its primes, checking them.
    ///
    /// - Throws: ``PaillierError/invalidKey(_:)`` when `p` or `q` is not a probable prime, they are equal,
    ///   or `gcd(N, (p-1)(q-1)) != 1`.
    public init(p: BigInt, q: BigInt, primalityRounds: Int = 16) throws(PaillierError) {
        guard p != q else { throw .invalidKey("p and q are equal") }
        guard p.compare(to: 3) > 0, q.compare(to: 3) > 0, p.isProbablePrime(rounds: primalityRounds),
              q.isProbablePrime(rounds: primalityRounds) else {
            throw .invalidKey("p and q must be primes")
        }
        let n = p * q
        let publicKey = try PaillierPublicKey(n: n)
        guard BigInt.gcd(n, (p - 1) * (q - 1)) == 1 else { throw .invalidKey("gcd(N, phi(N)) is not 1") }
        self.init(unchecked: publicKey, p: p, q: q)
    }

    init(unchecked publicKey: PaillierPublicKey, p: BigInt, q: BigInt) {
        func secret(_ value: BigInt) -> BigInt {
            var copy = value
            copy.markSecret()
            return copy
        }
        self.publicKey = publicKey
        self.p = secret(p)
        self.q = secret(q)
        let pSquared = secret(p * p), qSquared = secret(q * q)
        let pMinusOne = secret(p - 1), qMinusOne = secret(q - 1)
        self.pSquared = pSquared
        self.qSquared = qSquared
        self.pMinusOne = pMinusOne
        self.qMinusOne = qMinusOne
        // h_p = L_p(g^(p-1) mod p^2)^-1 mod p with g = N + 1.
        func h(_ prime: BigInt, _ primeSquared: BigInt, _ primeMinusOne: BigInt) -> BigInt {
            let gp = publicKey.g.modulo(primeSquared).power(primeMinusOne, modulo: primeSquared)
            let l = (gp - 1) / prime
            guard let inverse = l.inverse(modulo: prime) else {
                preconditionFailure("L_p(g^(p-1)) is not invertible; the primes were checked")
            }
            return secret(inverse)
        }
        self.hp = h(p, pSquared, pMinusOne)
        self.hq = h(q, qSquared, qMinusOne)
        guard let inverse = p.inverse(modulo: q) else { preconditionFailure("distinct primes are coprime") }
        self.pInverseModQ = secret(inverse)
        self.pExponentiator = PrimePowerExponentiator(modulus: pSquared, exponent: pMinusOne)
        self.qExponentiator = PrimePowerExponentiator(modulus: qSquared, exponent: qMinusOne)
    }

    /// What runs decryption's two exponentiations: the linked OpenSSL's version and the function (reported by the
    /// benchmark, checked by a test).
    public static var decryptionExponentiation: String { PrimePowerExponentiator.engine }

    /// Generates a key of `bits` (2048 or 3072) bits from the system CSPRNG.
    ///
    /// - Throws: ``PaillierError/unsupportedKeySize(_:)`` for other sizes.
    public static func generate(bits: Int = 2048) throws(PaillierError) -> PaillierPrivateKey {
        guard supportedBits.contains(bits) else { throw .unsupportedKeySize(bits) }
        var generator = SecureRandomGenerator()
        return generateKey(bits: bits, using: &generator)
    }

    /// Generates a key of any even size from `generator`, for tests and benchmarks only.
    ///
    /// - Warning: insecure by name: sizes below 2048 bits and seeded generators give keys anyone can break or
    ///   reproduce. Never use such a key for data.
    public static func generateInsecure(bits: Int, using generator: inout some RandomNumberGenerator) -> PaillierPrivateKey {
        precondition(bits >= PaillierPublicKey.minimumDecodableBits && bits % 2 == 0, "bits must be even and >= 256")
        return generateKey(bits: bits, using: &generator)
    }

    static func generateKey(bits: Int, using generator: inout some RandomNumberGenerator) -> PaillierPrivateKey {
        while true {
            let p = BigInt.prime(bits: bits / 2, using: &generator)
            let q = BigInt.prime(bits: bits / 2, using: &generator)
            guard p != q else { continue }
            let n = p * q
            guard n.bitWidth == bits, BigInt.gcd(n, (p - 1) * (q - 1)) == 1,
                  let publicKey = try? PaillierPublicKey(n: n) else { continue }
            return PaillierPrivateKey(unchecked: publicKey, p: p, q: q)
        }
    }

    /// The Carmichael function `lambda = lcm(p-1, q-1)` (textbook form of the key).
    public var lambda: BigInt {
        var value = BigInt.lcm(pMinusOne, qMinusOne)
        value.markSecret()
        return value
    }

    /// `mu = lambda^-1 mod N` (textbook form of the key, valid for g = N + 1).
    public var mu: BigInt {
        guard var value = lambda.inverse(modulo: publicKey.n) else { preconditionFailure("lambda is a unit mod N") }
        value.markSecret()
        return value
    }

    /// Decrypts to the plaintext in `0..<N` (CRT: two half-size constant-time exponentiations).
    public func decrypt(_ ciphertext: PaillierCiphertext) -> BigInt {
        let mp = decryptModPrime(ciphertext.value, p, pSquared, pExponentiator, hp)
        let mq = decryptModPrime(ciphertext.value, q, qSquared, qExponentiator, hq)
        // m = mp + p * ((mq - mp) * p^-1 mod q)
        var t = BigInt.multiply(mq - mp, pInverseModQ, modulo: q)
        t *= p
        t += mp
        t.markSecret()
        return t
    }

    /// Decrypts to the signed plaintext in `(-N/2, N/2]` (values above `N/2` stand for `value - N`).
    public func decryptSigned(_ ciphertext: PaillierCiphertext) -> BigInt {
        let m = decrypt(ciphertext)
        return m > publicKey.halfN ? m - publicKey.n : m
    }

    /// Decrypts a ciphertext known to hold a small signed value, as an `Int`; nil when it does not fit.
    public func decryptInt(_ ciphertext: PaillierCiphertext) -> Int? {
        decryptSigned(ciphertext).asInt
    }

    func decryptModPrime(_ c: BigInt, _ prime: BigInt, _ primeSquared: BigInt, _ exponentiator: PrimePowerExponentiator,
                         _ h: BigInt) -> BigInt {
        var reduced = c.modulo(primeSquared)
        reduced.markSecret()
        if reduced.isZero { return BigInt() }  // not a valid ciphertext; avoid powm_sec on a zero base edge case
        var x = exponentiator.power(reduced)
        x.markSecret()
        var l = (x - 1) / prime
        l.markSecret()
        var m = BigInt.multiply(l, h, modulo: prime)
        m.markSecret()
        return m
    }
}

extension PaillierPrivateKey: Equatable {
    /// Keys are equal when their primes are (compared as an unordered pair).
    public static func == (lhs: PaillierPrivateKey, rhs: PaillierPrivateKey) -> Bool {
        (lhs.p == rhs.p && lhs.q == rhs.q) || (lhs.p == rhs.q && lhs.q == rhs.p)
    }
}
