import Crypto
import Foundation
import MedSearchCore

/// A ChaCha20 keystream as a cryptographically secure random number generator.
///
/// The keystream is produced by swift-crypto's ChaCha20-Poly1305 sealing zero bytes (the ciphertext of zeros is
/// the ChaCha20 keystream; the tag is discarded). ``init()`` seeds it with 32 bytes from `SecureRandomGenerator` (the kernel's CSPRNG):
/// that is the generator BFV uses for keys, encryption randomness and masks in production. ``init(seed:)``
/// gives a reproducible stream for tests and for expanding public seeds.
public struct ChaChaRandomGenerator: RandomNumberGenerator, Sendable {
    private let key: SymmetricKey
    private let domain: UInt32
    private var block: UInt64 = 0
    private var buffer: [UInt64] = []
    private var position = 0

    /// The bytes in one refill (64 KiB).
    private static let refillBytes = 1 << 16

    /// A generator seeded from the system CSPRNG.
    public init() {
        var seed = SecureRandom.bytes(32)
        self.init(seed: seed, domain: 0)
        seed.withUnsafeMutableBytes { raw in for i in raw.indices { raw[i] = 0 } }
    }

    /// A generator expanding a 32-byte seed; `domain` separates independent streams from one seed.
    public init(seed: [UInt8], domain: UInt32 = 0) {
        precondition(seed.count == 32, "a ChaCha seed has 32 bytes")
        key = SymmetricKey(data: seed)
        self.domain = domain
    }

    public mutating func next() -> UInt64 {
        if position == buffer.count { refill() }
        defer { position += 1 }
        return buffer[position]
    }

    /// Fills `count` words at once (faster than repeated `next()` for large requests).
    public mutating func nextWords(_ count: Int) -> [UInt64] {
        var out = [UInt64]()
        out.reserveCapacity(count)
        while out.count < count {
            if position == buffer.count { refill() }
            let take = min(count - out.count, buffer.count - position)
            out.append(contentsOf: buffer[position..<position + take])
            position += take
        }
        return out
    }

    private mutating func refill() {
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: domain.littleEndian) { for i in 0..<4 { nonceBytes[i] = $0[i] } }
        withUnsafeBytes(of: block.littleEndian) { for i in 0..<8 { nonceBytes[4 + i] = $0[i] } }
        block &+= 1
        // A nonce is never reused under one key: (domain, block) is unique per stream position.
        let nonce = try! ChaChaPoly.Nonce(data: nonceBytes) // 12 bytes: cannot fail
        let zeros = Data(count: Self.refillBytes)
        let sealed = try! ChaChaPoly.seal(zeros, using: key, nonce: nonce) // cannot fail for in-memory data
        let stream = sealed.ciphertext
        buffer = stream.withUnsafeBytes { raw in
            (0..<Self.refillBytes / 8).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
        position = 0
    }
}
