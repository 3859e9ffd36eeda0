/// Cryptographically secure randomness for keys, nonces, masks and protocol coins.
///
/// The bytes come from ``SecureRandomGenerator`` (the kernel's CSPRNG through `getrandom(2)`). Production code
/// takes a generator as `inout some RandomNumberGenerator` where tests need to seed it, and defaults to a
/// ``SecureRandomGenerator``.
public enum SecureRandom {
    /// Returns `count` random bytes from a fresh ``SecureRandomGenerator``.
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SecureRandomGenerator()
        return bytes(count, using: &generator)
    }

    /// Returns `count` random bytes from `generator` (seeded in tests, the system CSPRNG otherwise).
    public static func bytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next()
            for _ in 0..<8 where index < count {
                out[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return out
    }
}

/// A deterministic generator (xoshiro256**) for tests, benchmarks and reproducible synthetic data.
///
/// - Warning: Never use it for keys or protocol randomness; production code uses ``SecureRandomGenerator``.
public struct SeededRandomNumberGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    /// The seed this generator started from (print it when a property test fails).
    public let seed: UInt64

    /// Creates a generator from a 64-bit seed (expanded with SplitMix64).
    public init(seed: UInt64) {
        self.seed = seed
        var s = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(&s), splitMix(&s), splitMix(&s), splitMix(&s))
    }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = (state.3 << 45) | (state.3 >> 19)
        return result
    }
}
