import MedSearchBigInt

extension PaillierPublicKey {
    /// `E(a + b)` from `E(a)` and `E(b)`: one multiplication mod `N^2`.
    @inlinable
    public func add(_ lhs: PaillierCiphertext, _ rhs: PaillierCiphertext) -> PaillierCiphertext {
        PaillierCiphertext(rawValue: BigInt.multiply(lhs.value, rhs.value, modulo: nSquared))
    }

    /// `E(a + k)` from `E(a)` and a plaintext `k` (any integer, reduced mod `N`): one multiplication by `1 + k N`.
    public func add(_ ciphertext: PaillierCiphertext, plaintext: BigInt) -> PaillierCiphertext {
        var shift = reduce(plaintext) * n
        shift += 1
        return PaillierCiphertext(rawValue: BigInt.multiply(ciphertext.value, shift, modulo: nSquared))
    }

    /// The sum of many ciphertexts, `E(sum a_i)` (`E(0)` without randomness for an empty list).
    public func sum<S: Sequence>(_ ciphertexts: S) -> PaillierCiphertext where S.Element == PaillierCiphertext {
        var accumulator = BigInt(1)
        for c in ciphertexts { accumulator.multiply(by: c.value, modulo: nSquared) }
        return PaillierCiphertext(rawValue: accumulator)
    }

    /// `E(-a)` from `E(a)`: the inverse mod `N^2`.
    public func negate(_ ciphertext: PaillierCiphertext) -> PaillierCiphertext {
        if let inverse = ciphertext.value.inverse(modulo: nSquared) {
            return PaillierCiphertext(rawValue: inverse)
        }
        // Not a unit (only a forged value can be): c^(N-1) still decrypts to -a.
        return PaillierCiphertext(rawValue: ciphertext.value.power(n - 1, modulo: nSquared, variableTime: true))
    }

    /// `E(a - b)` from `E(a)` and `E(b)`.
    public func subtract(_ lhs: PaillierCiphertext, _ rhs: PaillierCiphertext) -> PaillierCiphertext {
        add(lhs, negate(rhs))
    }

    /// `E(a - k)` from `E(a)` and a plaintext `k`.
    public func subtract(_ ciphertext: PaillierCiphertext, plaintext: BigInt) -> PaillierCiphertext {
        add(ciphertext, plaintext: -plaintext)
    }

    /// `E(k a)` from `E(a)` and a plaintext scalar `k` (any integer).
    ///
    /// The scalar is reduced to its signed representative in `(-N/2, N/2]`, so `N - x` costs like `-x`:
    /// a non-negative scalar is one exponentiation `c^k`, a negative one `(c^-1)^|k|`. Small scalars are fast
    /// (a 32-bit scalar costs about 1/64 of a 2048-bit exponent).
    ///
    /// - Warning: variable time in the scalar (`mpz_powm`): the time reveals the scalar's bit length and pattern
    ///   to an observer of this machine. The result is not re-randomised (see ``rerandomize(_:randomizer:)``).
    public func multiply(_ ciphertext: PaillierCiphertext, byScalar scalar: BigInt) -> PaillierCiphertext {
        var k = reduce(scalar)
        var base = ciphertext
        if k > halfN {
            k = n - k
            base = negate(ciphertext)
        }
        if k.isZero { return PaillierCiphertext(rawValue: BigInt(1)) }
        return PaillierCiphertext(rawValue: base.value.power(k, modulo: nSquared, variableTime: true))
    }

    /// `E(k a)` for a machine-integer scalar (negative scalars through the inverse).
    public func multiply(_ ciphertext: PaillierCiphertext, byScalar scalar: Int) -> PaillierCiphertext {
        if scalar == 0 { return PaillierCiphertext(rawValue: BigInt(1)) }
        let base = scalar < 0 ? negate(ciphertext) : ciphertext
        return PaillierCiphertext(rawValue: base.value.power(scalar.magnitude, modulo: nSquared))
    }

    /// A fresh encryption of the same plaintext: `c * r^N mod N^2` with a new randomizer.
    ///
    /// - Warning: a randomizer must never be used twice.
    public func rerandomize(_ ciphertext: PaillierCiphertext, randomizer: BigInt) -> PaillierCiphertext {
        PaillierCiphertext(rawValue: BigInt.multiply(ciphertext.value, randomizer, modulo: nSquared))
    }

    /// A fresh encryption of the same plaintext with a randomizer from the system CSPRNG.
    public func rerandomize(_ ciphertext: PaillierCiphertext) -> PaillierCiphertext {
        rerandomize(ciphertext, randomizer: randomizer())
    }
}
