import Foundation
import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// Fast Paillier encryption with short randomizers `h^alpha` (Damgard, Jurik and Nielsen's variant):
/// `h = x^N mod N^2` is a public random N-th residue and `alpha` has `ceil(|N| / 2)` bits, so a randomizer is a
/// fixed-base exponentiation answered from a precomputed table (8-bit windows) in about `|N| / 16`
/// multiplications instead of a full `r^N`. Semantic security rests on the decisional composite residuosity
/// assumption as for standard Paillier (DJN 2010, Section 4).
///
/// The table is immutable after creation, so one encryptor is shared by all threads.
public final class FNNPaillierEncryptor: Sendable {
    /// The public key.
    public let publicKey: PaillierPublicKey
    /// The public base `h`.
    public let base: BigInt
    /// Bits of the exponent `alpha`.
    public let exponentBits: Int
    private let windows: Int
    private let table: [BigInt]   // windows x 256: h^(b * 2^(8 i))

    /// Builds the table for `base` (about `exponentBits / 8 * 256` multiplications).
    public init(publicKey: PaillierPublicKey, base: BigInt) {
        self.publicKey = publicKey
        self.base = base
        exponentBits = (publicKey.bits + 1) / 2
        windows = (exponentBits + 7) / 8
        var table = [BigInt]()
        table.reserveCapacity(windows * 256)
        var windowBase = base
        for _ in 0..<windows {
            var value = BigInt(1)
            for _ in 0..<256 {
                table.append(value)
                value = BigInt.multiply(value, windowBase, modulo: publicKey.nSquared)
            }
            windowBase = value   // h^(256 * 2^(8 i))
        }
        self.table = table
    }

    /// A fresh public base `h = x^N mod N^2` for a random unit `x`.
    public static func makeBase(publicKey: PaillierPublicKey, using generator: inout some RandomNumberGenerator) -> BigInt {
        let x = BigInt.randomUnit(modulo: publicKey.n, using: &generator)
        return x.power(publicKey.n, modulo: publicKey.nSquared, variableTime: true)
    }

    /// A fresh randomizer `h^alpha`.
    public func randomizer(using generator: inout some RandomNumberGenerator) -> BigInt {
        let alpha = SecureRandom.bytes(windows, using: &generator)
        var result = BigInt(1)
        for (index, byte) in alpha.enumerated() where byte != 0 {
            result.multiply(by: table[index * 256 + Int(byte)], modulo: publicKey.nSquared)
        }
        return result
    }

    /// Encrypts `plaintext` (reduced mod N; negative values as `N - |x|`).
    public func encrypt(_ plaintext: BigInt, using generator: inout some RandomNumberGenerator) -> PaillierCiphertext {
        publicKey.encrypt(plaintext, randomizer: randomizer(using: &generator))
    }

    /// Encrypts with the system CSPRNG.
    public func encrypt(_ plaintext: BigInt) -> PaillierCiphertext {
        var generator = SecureRandomGenerator()
        return encrypt(plaintext, using: &generator)
    }

    /// Encrypts a machine integer with the system CSPRNG.
    public func encrypt(_ plaintext: Int64) -> PaillierCiphertext { encrypt(BigInt(Int(plaintext))) }

    /// Encrypts many values on all cores (system CSPRNG).
    public func encrypt(_ plaintexts: [BigInt]) -> [PaillierCiphertext] {
        FNNSharedArithmetic.parallelChunks(plaintexts.count) { range in
            var generator = SecureRandomGenerator()
            return range.map { encrypt(plaintexts[$0], using: &generator) }
        }
    }
}

extension FNNSharedArithmetic {
    /// Splits `0..<count` into contiguous chunks, runs `body` on each on all cores, and concatenates in order.
    public static func parallelChunks<T: Sendable>(_ count: Int, minimumChunk: Int = 1,
                                                   _ body: @Sendable (Range<Int>) -> [T]) -> [T] {
        guard count > 0 else { return [] }
        let chunks = max(1, min(count / max(minimumChunk, 1), 4 * max(ProcessInfo.processInfo.activeProcessorCount, 1)))
        let size = (count + chunks - 1) / chunks
        let parts = Parallel.map(count: chunks) { index -> [T] in
            let start = index * size
            let end = min(start + size, count)
            return start < end ? body(start..<end) : []
        }
        return parts.flatMap { $0 }
    }
}
