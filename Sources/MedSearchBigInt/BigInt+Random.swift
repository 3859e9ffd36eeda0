import CGMP
import MedSearchCore

extension BigInt {
    /// A uniformly random non-negative integer of at most `bits` bits.
    ///
    /// - Parameter generator: the system CSPRNG in production; a seeded generator only in tests.
    public static func random(bits: Int, using generator: inout some RandomNumberGenerator) -> BigInt {
        precondition(bits >= 0, "bit count must be non-negative")
        if bits == 0 { return BigInt() }
        var bytes = SecureRandom.bytes((bits + 7) / 8, using: &generator)
        let excess = bytes.count * 8 - bits
        bytes[0] &= UInt8(0xFF) >> excess
        let value = BigInt(magnitudeBytes: bytes)
        constantTimeWipe(&bytes)
        return value
    }

    /// A uniformly random non-negative integer of at most `bits` bits, from the system CSPRNG.
    public static func random(bits: Int) -> BigInt {
        var generator = SecureRandomGenerator()
        return random(bits: bits, using: &generator)
    }

    /// A uniformly random integer in `0..<bound` (rejection sampling).
    ///
    /// - Precondition: `bound` is positive.
    public static func random(below bound: BigInt, using generator: inout some RandomNumberGenerator) -> BigInt {
        precondition(bound.signum > 0, "bound must be positive")
        let bits = bound.bitWidth
        while true {
            let candidate = random(bits: bits, using: &generator)
            if candidate < bound { return candidate }
        }
    }

    /// A uniformly random integer in `0..<bound` from the system CSPRNG.
    public static func random(below bound: BigInt) -> BigInt {
        var generator = SecureRandomGenerator()
        return random(below: bound, using: &generator)
    }

    /// A random integer in `1..<modulus` coprime to `modulus` (a unit of Z/modulus).
    public static func randomUnit(modulo modulus: BigInt, using generator: inout some RandomNumberGenerator) -> BigInt {
        precondition(modulus > 2, "modulus must exceed 2")
        while true {
            let candidate = random(below: modulus, using: &generator)
            if !candidate.isZero && gcd(candidate, modulus) == 1 { return candidate }
        }
    }

    /// A random probable prime of exactly `bits` bits whose two top bits are set (so the product of two such
    /// primes has exactly `2 * bits` bits).
    ///
    /// A random odd start is drawn from `generator`; `mpz_nextprime` finds the next probable prime (sieve,
    /// Baillie-PSW and Miller-Rabin rounds), which is then confirmed with `rounds` further Miller-Rabin rounds
    /// (error probability below 4^-rounds).
    ///
    /// - Parameters:
    ///   - bits: the prime's size, at least 16.
    ///   - rounds: Miller-Rabin rounds for the confirmation.
    ///   - generator: the system CSPRNG for keys; a seeded generator only in tests.
    public static func prime(bits: Int, rounds: Int = 40, using generator: inout some RandomNumberGenerator) -> BigInt {
        precondition(bits >= 16, "primes must have at least 16 bits")
        while true {
            var start = random(bits: bits, using: &generator)
            start.markSecret()
            __gmpz_setbit(start.pointer, mp_bitcnt_t(bits - 1))
            __gmpz_setbit(start.pointer, mp_bitcnt_t(bits - 2))
            __gmpz_setbit(start.pointer, 0)
            var candidate = BigInt()
            candidate.markSecret()
            __gmpz_nextprime(candidate.pointer, start.pointer)
            if candidate.bitWidth == bits && candidate.isProbablePrime(rounds: rounds) {
                return candidate
            }
        }
    }

    /// A random probable prime of exactly `bits` bits from the system CSPRNG.
    public static func prime(bits: Int, rounds: Int = 40) -> BigInt {
        var generator = SecureRandomGenerator()
        return prime(bits: bits, rounds: rounds, using: &generator)
    }
}
