import MedSearchBigInt
import MedSearchCore

/// A Paillier public key `(N, g = N + 1)`.
///
/// Encryption of `m` in `Z_N` with randomness `r` in `Z*_N` is `c = (1 + m N) * r^N mod N^2`; the `g^m` of the
/// textbook scheme is the binomial `1 + m N`, so it costs one multiplication, not an exponentiation. Negative
/// integers are represented as `N - |x|` (``decryptSigned(_:)`` maps them back).
///
/// ```swift
/// let secretKey = try PaillierPrivateKey.generate(bits: 2048)
/// let pk = secretKey.publicKey
/// let sum = pk.add(pk.encrypt(20), pk.encrypt(22))
/// secretKey.decrypt(sum) // 42
/// ```
///
/// - Warning: Paillier is malleable by design (that is what the homomorphic operations are); it is IND-CPA, not
///   IND-CCA. Never decrypt ciphertexts for a party who chose them unless the protocol blinds them.
public struct PaillierPublicKey: Sendable, Hashable {
    /// The modulus `N = p q`.
    public let n: BigInt
    /// `N^2`, the ciphertext modulus.
    public let nSquared: BigInt
    /// `floor(N / 2)`: plaintexts above it decode as negative numbers in ``PaillierPrivateKey/decryptSigned(_:)``.
    public let halfN: BigInt

    /// The number of bits of `N` (2048 or 3072 for generated keys).
    public var bits: Int { n.bitWidth }

    /// The generator `g = N + 1`.
    public var g: BigInt { n + 1 }

    /// The width in bytes of a serialised ciphertext (the byte length of `N^2`).
    public var ciphertextByteCount: Int { nSquared.byteCount }

    /// The smallest modulus size accepted when decoding a key (tests use `insecure` 512-bit keys).
    public static let minimumDecodableBits = 256
    /// The largest modulus size accepted when decoding a key.
    public static let maximumDecodableBits = 8192

    /// Creates a public key from its modulus.
    ///
    /// - Throws: ``PaillierError/invalidKey(_:)`` when `n` is even, too small or too large.
    public init(n: BigInt) throws(PaillierError) {
        guard n.isOdd, n.compare(to: 1) > 0 else { throw .invalidKey("the modulus must be odd and positive") }
        guard (Self.minimumDecodableBits...Self.maximumDecodableBits).contains(n.bitWidth) else {
            throw .invalidKey("modulus of \(n.bitWidth) bits is outside \(Self.minimumDecodableBits)...\(Self.maximumDecodableBits)")
        }
        self.n = n
        self.nSquared = n * n
        self.halfN = n >> 1
    }

    /// Validates an untrusted ciphertext value for this key (`0 < c < N^2`).
    ///
    /// - Throws: ``PaillierError/invalidCiphertext(_:)``.
    public func ciphertext(_ value: BigInt) throws(PaillierError) -> PaillierCiphertext {
        guard value.signum > 0, value < nSquared else {
            throw .invalidCiphertext("value is not in 1..<N^2")
        }
        return PaillierCiphertext(rawValue: value)
    }

    /// Reduces a signed plaintext to its representative in `0..<N` (negative values become `N - |x|`).
    @inlinable
    public func reduce(_ plaintext: BigInt) -> BigInt {
        if plaintext.signum >= 0 && plaintext < n { return plaintext }
        return plaintext.modulo(n)
    }

    /// A fresh randomizer `r^N mod N^2` with `r` uniform in `Z*_N`.
    ///
    /// The exponent `N` is public, so this uses GMP's fastest `mpz_powm`; `r` stays secret (the window
    /// pattern depends only on the exponent).
    public func randomizer(using generator: inout some RandomNumberGenerator) -> BigInt {
        var r = BigInt.randomUnit(modulo: n, using: &generator)
        r.markSecret()
        var rn = r.power(n, modulo: nSquared, variableTime: true)
        rn.markSecret()
        return rn
    }

    /// A fresh randomizer from the system CSPRNG.
    public func randomizer() -> BigInt {
        var generator = SecureRandomGenerator()
        return randomizer(using: &generator)
    }

    /// Encrypts `plaintext` (any integer; reduced mod `N`) with a precomputed randomizer `r^N mod N^2`.
    ///
    /// - Warning: a randomizer must never be used twice.
    public func encrypt(_ plaintext: BigInt, randomizer: BigInt) -> PaillierCiphertext {
        let m = reduce(plaintext)
        // (1 + m N) < N^2 for m < N, so no reduction is needed before the product.
        var c = m * n
        c += 1
        c.multiply(by: randomizer, modulo: nSquared)
        return PaillierCiphertext(rawValue: c)
    }

    /// Encrypts `plaintext` with fresh randomness from `generator` (the system CSPRNG in production).
    public func encrypt(_ plaintext: BigInt, using generator: inout some RandomNumberGenerator) -> PaillierCiphertext {
        encrypt(plaintext, randomizer: randomizer(using: &generator))
    }

    /// Encrypts `plaintext` with fresh randomness from the system CSPRNG (one `r^N` exponentiation).
    public func encrypt(_ plaintext: BigInt) -> PaillierCiphertext {
        encrypt(plaintext, randomizer: randomizer())
    }

    /// Encrypts a machine integer (negative values as `N - |x|`).
    public func encrypt(_ plaintext: Int) -> PaillierCiphertext {
        encrypt(BigInt(plaintext))
    }

    /// Encrypts `plaintext` with the trivial randomizer `r = 1`: deterministic, **not** hiding.
    ///
    /// Useful only as a constant inside homomorphic arithmetic (then re-randomise the result before it leaves).
    public func encryptWithoutRandomness(_ plaintext: BigInt) -> PaillierCiphertext {
        var c = reduce(plaintext) * n
        c += 1
        return PaillierCiphertext(rawValue: c)
    }
}
