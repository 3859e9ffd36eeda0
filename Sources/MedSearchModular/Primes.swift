/// Primality testing and generation of NTT-friendly primes (`p = 1 mod 2N`).
public enum Primes {
    /// Deterministic Miller-Rabin for every 64-bit integer (bases 2..37 suffice below 3.3 * 10^24).
    public static func isPrime(_ n: UInt64) -> Bool {
        if n < 2 { return false }
        let small: [UInt64] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
        for p in small where n % p == 0 { return n == p }
        var d = n - 1
        var s = 0
        while d & 1 == 0 { d >>= 1; s += 1 }
        outer: for a in small {
            var x = ModularMath.powMod(a, d, n)
            if x == 1 || x == n - 1 { continue }
            for _ in 1..<max(s, 1) {
                x = ModularMath.mulMod(x, x, n)
                if x == n - 1 { continue outer }
            }
            return false
        }
        return true
    }

    /// The `count` largest primes `p < 2^bitCount` with `p = 1 mod 2 * polyDegree`, in decreasing order,
    /// skipping those in `excluding`.
    ///
    /// - Throws: ``ModularError/notEnoughPrimes(bitCount:polyDegree:)`` when the range runs out.
    public static func nttPrimes(bitCount: Int, count: Int, polyDegree: Int,
                                 excluding: Set<UInt64> = []) throws(ModularError) -> [UInt64] {
        guard (2...62).contains(bitCount), polyDegree >= 1, polyDegree.nonzeroBitCount == 1 else {
            throw .invalidPrimeRequest(bitCount: bitCount, polyDegree: polyDegree)
        }
        let step = UInt64(2 * polyDegree)
        let upper = UInt64(1) << UInt64(bitCount)
        let lower = UInt64(1) << UInt64(bitCount - 1)
        // Largest candidate below 2^bitCount congruent to 1 mod 2N.
        var candidate = upper - (upper - 1) % step
        if candidate >= upper { candidate -= step }
        var primes: [UInt64] = []
        while primes.count < count {
            guard candidate > lower, candidate > step else {
                throw .notEnoughPrimes(bitCount: bitCount, polyDegree: polyDegree)
            }
            if !excluding.contains(candidate), isPrime(candidate) { primes.append(candidate) }
            candidate -= step
        }
        return primes
    }

    /// Whether `p` is a prime usable for a negacyclic NTT of degree `polyDegree` (`p = 1 mod 2N`, `p < 2^62`).
    public static func isNTTFriendly(_ p: UInt64, polyDegree: Int) -> Bool {
        Modulus.isValid(p) && polyDegree > 0 && polyDegree.nonzeroBitCount == 1
            && p % UInt64(2 * polyDegree) == 1 && isPrime(p)
    }

    /// The smallest-candidate primitive `2N`-th root of unity modulo the NTT-friendly prime `p`
    /// (deterministic: tries `x = 2, 3, ...` and returns the first `x^((p-1)/2N)` of order exactly `2N`).
    public static func primitiveRoot(order twoN: Int, modulus: Modulus) throws(ModularError) -> UInt64 {
        let p = modulus.value
        guard twoN >= 2, twoN.nonzeroBitCount == 1, (p - 1) % UInt64(twoN) == 0 else {
            throw .noRootOfUnity(modulus: p, order: twoN)
        }
        let exponent = (p - 1) / UInt64(twoN)
        var x: UInt64 = 2
        while x < p && x < 10_000 {
            let root = modulus.power(x, exponent)
            // Order exactly 2N (a power of two) iff root^N = -1.
            if modulus.power(root, UInt64(twoN / 2)) == p - 1 { return root }
            x += 1
        }
        throw .noRootOfUnity(modulus: p, order: twoN)
    }
}
