import MedSearchCore

/// Shamir's (m, n) threshold secret sharing over GF(256), byte by byte.
///
/// For each secret byte `s` a random polynomial `f(x) = s + a_1 x + ... + a_{m-1} x^{m-1}` is drawn; share `x`
/// (1...n) holds `f(x)`. Any `m` shares give `s = f(0)` by Lagrange interpolation; any `m - 1` shares are
/// uniformly distributed whatever the secret (perfect secrecy).
public enum ShamirSecretSharing {
    /// Splits `secret` into `shareCount` shares; element `x - 1` is share `x`.
    ///
    /// - Parameter generator: the system CSPRNG in production; a seeded generator only in tests.
    public static func split(_ secret: [UInt8], threshold: Int, shareCount: Int,
                             using generator: inout some RandomNumberGenerator) throws(SharingError) -> [[UInt8]] {
        guard threshold >= 2, threshold <= shareCount, shareCount <= 255 else {
            throw .invalidParameters(threshold: threshold, shares: shareCount)
        }
        var shares = [[UInt8]](repeating: [UInt8](repeating: 0, count: secret.count), count: shareCount)
        var coefficients = [UInt8](repeating: 0, count: threshold)
        for (position, byte) in secret.enumerated() {
            coefficients[0] = byte
            let random = SecureRandom.bytes(threshold - 1, using: &generator)
            for k in 1..<threshold { coefficients[k] = random[k - 1] }
            for x in 1...shareCount {
                // Horner: f(x) = (...(a_{m-1} x + a_{m-2}) x + ...) x + a_0.
                var value: UInt8 = 0
                for k in stride(from: threshold - 1, through: 0, by: -1) {
                    value = GF256.multiply(value, UInt8(x)) ^ coefficients[k]
                }
                shares[x - 1][position] = value
            }
        }
        constantTimeWipe(&coefficients)
        return shares
    }

    /// Splits `secret` with randomness from the system CSPRNG.
    public static func split(_ secret: [UInt8], threshold: Int, shareCount: Int) throws(SharingError) -> [[UInt8]] {
        var generator = SecureRandomGenerator()
        return try split(secret, threshold: threshold, shareCount: shareCount, using: &generator)
    }

    /// Recovers the secret from shares given as (index in 1...255, bytes), all of equal length.
    ///
    /// Uses every share given (pass exactly `m` of them, or more from a consistent split). Fewer than `m` shares
    /// give a wrong value, not an error: the threshold is not recorded in a share (``VerifiableSharing`` checks it).
    /// - Precondition: distinct non-zero indices and equal lengths.
    public static func combine(_ shares: [(index: Int, bytes: [UInt8])]) -> [UInt8] {
        precondition(!shares.isEmpty, "no shares")
        let length = shares[0].bytes.count
        precondition(shares.allSatisfy { $0.bytes.count == length }, "shares differ in length")
        precondition(Set(shares.map(\.index)).count == shares.count, "duplicate share index")
        precondition(shares.allSatisfy { (1...255).contains($0.index) }, "share index outside 1...255")
        // Lagrange basis at 0: l_j = prod_{k != j} x_k / (x_k - x_j); in GF(2^8) subtraction is XOR.
        let xs = shares.map { UInt8($0.index) }
        let basis: [UInt8] = xs.indices.map { j in
            var numerator: UInt8 = 1, denominator: UInt8 = 1
            for k in xs.indices where k != j {
                numerator = GF256.multiply(numerator, xs[k])
                denominator = GF256.multiply(denominator, xs[k] ^ xs[j])
            }
            return GF256.divide(numerator, denominator)
        }
        var secret = [UInt8](repeating: 0, count: length)
        for (j, share) in shares.enumerated() {
            for position in 0..<length {
                secret[position] ^= GF256.multiply(basis[j], share.bytes[position])
            }
        }
        return secret
    }
}
