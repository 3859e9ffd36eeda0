import Crypto
import Foundation

/// Deterministic pseudo-random expansion of a 32-byte seed (ChaCha20 keystream through swift-crypto's
/// ChaChaPoly with an all-zero message), and HMAC-SHA256 key derivation.
///
/// Every stream is named by a `(domain, index)` pair that becomes the 96-bit nonce, so one seed yields
/// independent streams for row masks, correlations and shares.
public enum FNNKeystream {
    /// `count` pseudo-random bytes of stream `(domain, index)` under `seed`.
    public static func bytes(seed: [UInt8], domain: UInt32, index: UInt64, count: Int) -> [UInt8] {
        precondition(seed.count == 32, "keystream seeds are 32 bytes")
        guard count > 0 else { return [] }
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: domain.littleEndian) { nonceBytes.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: index.littleEndian) { nonceBytes.replaceSubrange(4..<12, with: $0) }
        let key = SymmetricKey(data: seed)
        // The nonce is always 12 bytes, so construction cannot fail.
        let nonce = try! ChaChaPoly.Nonce(data: nonceBytes)
        let zeros = Data(count: count)
        let box = try! ChaChaPoly.seal(zeros, using: key, nonce: nonce)
        return Array(box.ciphertext)
    }

    /// `count` uniform elements of Z/2^128 from stream `(domain, index)` under `seed`.
    public static func words(seed: [UInt8], domain: UInt32, index: UInt64, count: Int) -> [UInt128] {
        let raw = bytes(seed: seed, domain: domain, index: index, count: count * 16)
        var out = [UInt128](repeating: 0, count: count)
        raw.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in target.copyMemory(from: source) }
        }
        // The keystream is little-endian on every platform Swift runs on; normalise anyway.
        for index in out.indices { out[index] = UInt128(littleEndian: out[index]) }
        return out
    }

    /// A 32-byte subkey `HMAC-SHA256(master, label || index)`.
    public static func derive(master: [UInt8], label: String, index: UInt64 = 0) -> [UInt8] {
        var message = Array(label.utf8)
        withUnsafeBytes(of: index.littleEndian) { message.append(contentsOf: $0) }
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: master))
        return Array(mac)
    }
}
