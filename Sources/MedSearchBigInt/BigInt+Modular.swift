import CGMP

extension BigInt {
    /// The non-negative remainder `self mod modulus`, in `0..<|modulus|`.
    ///
    /// - Precondition: `modulus` is not zero.
    @inlinable
    public func modulo(_ modulus: BigInt) -> BigInt {
        precondition(!modulus.isZero, "modulus must not be zero")
        return BigInt.make { __gmpz_mod($0, pointer, modulus.pointer) }
    }

    /// `(lhs * rhs) mod modulus`, non-negative.
    @inlinable
    public static func multiply(_ lhs: BigInt, _ rhs: BigInt, modulo modulus: BigInt) -> BigInt {
        precondition(!modulus.isZero, "modulus must not be zero")
        return make {
            __gmpz_mul($0, lhs.pointer, rhs.pointer)
            __gmpz_mod($0, $0, modulus.pointer)
        }
    }

    /// Multiplies in place by `factor` and reduces modulo `modulus` (non-negative result).
    @inlinable
    public mutating func multiply(by factor: BigInt, modulo modulus: BigInt) {
        precondition(!modulus.isZero, "modulus must not be zero")
        makeUnique()
        __gmpz_mul(pointer, pointer, factor.pointer)
        __gmpz_mod(pointer, pointer, modulus.pointer)
    }

    /// `self^exponent mod modulus`.
    ///
    /// With `variableTime: false` (the default) the exponentiation is GMP's `mpz_powm_sec`, whose time and memory
    /// access pattern do not depend on the exponent's bits; use it whenever the exponent is secret. It needs an odd
    /// modulus. With `variableTime: true` it is `mpz_powm` (sliding window, faster).
    ///
    /// - Warning: `variableTime: true` leaks the exponent through timing: use it only for public exponents
    ///   (for example Paillier's `r^N` with public `N`, or a public scalar).
    /// - Parameters:
    ///   - exponent: a non-negative exponent (negative exponents are computed through the inverse, variable-time).
    ///   - modulus: a positive modulus; odd when `variableTime` is false.
    ///   - variableTime: whether the exponent may leak through timing.
    /// - Returns: the result in `0..<modulus`.
    public func power(_ exponent: BigInt, modulo modulus: BigInt, variableTime: Bool = false) -> BigInt {
        precondition(modulus.signum > 0, "modulus must be positive")
        if modulus == 1 { return BigInt() }
        if exponent.isZero { return BigInt(1) }
        if variableTime || exponent.isNegative {
            precondition(!exponent.isNegative || BigInt.gcd(self, modulus) == 1, "base is not invertible")
            return BigInt.make { __gmpz_powm($0, pointer, exponent.pointer, modulus.pointer) }
        }
        precondition(modulus.isOdd, "constant-time exponentiation needs an odd modulus")
        return BigInt.make { __gmpz_powm_sec($0, pointer, exponent.pointer, modulus.pointer) }
    }

    /// `self^exponent mod modulus` for a machine-word exponent (public, variable time).
    public func power(_ exponent: UInt, modulo modulus: BigInt) -> BigInt {
        precondition(modulus.signum > 0, "modulus must be positive")
        return BigInt.make { __gmpz_powm_ui($0, pointer, exponent, modulus.pointer) }
    }

    /// The inverse of `self` modulo `modulus`, or nil when they are not coprime.
    public func inverse(modulo modulus: BigInt) -> BigInt? {
        precondition(!modulus.isZero, "modulus must not be zero")
        let result = BigInt()
        let invertible = __gmpz_invert(result.pointer, pointer, modulus.pointer)
        return invertible != 0 ? result : nil
    }

    /// Whether `self` is probably prime after `rounds` Miller-Rabin rounds (GMP's `mpz_probab_prime_p`, which also
    /// runs trial division and a Baillie-PSW test). The error probability is below 4^-rounds.
    public func isProbablePrime(rounds: Int = 40) -> Bool {
        __gmpz_probab_prime_p(pointer, Int32(rounds)) > 0
    }
}
