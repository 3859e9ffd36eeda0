import COpenSSL
import Crypto
import MedSearchCore

/// AES-256-GCM on contiguous buffers for the sealed formats: `prefix || nonce || ciphertext || tag`.
///
/// The cipher is OpenSSL 3's EVP AES-256-GCM (Debian's libcrypto through the `COpenSSL` system-library target;
/// its VAES/AVX-512 or AES-NI code with carry-less multiplication), writing the ciphertext and tag straight into
/// the one output array: no intermediate buffer. swift-crypto's public `AES.GCM.seal` produces the same bytes
/// but allocates the ciphertext, then a `SealedBox` that copies it again, and the caller copies a third time;
/// each fresh multi-megabyte buffer is also page-faulted in, which made sealing a 7.2 MB image about 8 times
/// slower than the cipher itself (docs/crypto.md). The cipher context (key schedule, GHASH key) is zeroed when
/// freed after every call; a failed open zeroes whatever it decrypted and returns no plaintext.
package enum AESGCMEngine {
    package static let nonceByteCount = 12
    package static let tagByteCount = 16

    /// What runs the cipher (reported by the benchmark, checked by a test).
    package static let implementationName = "OpenSSL 3 EVP AES-256-GCM"

    /// A fresh random 96-bit nonce from the system CSPRNG.
    package static func randomNonce() -> [UInt8] {
        AES.GCM.Nonce().withUnsafeBytes { Array($0) }
    }

    /// Returns `prefix || nonce || AES-256-GCM(key, nonce, plaintext, associatedData) || tag`.
    ///
    /// - Throws: ``SealingError/cryptoFailure(_:)`` for a key that is not 256 bits or a nonce that is not 96
    ///   bits, or when the cipher fails.
    package static func seal(_ plaintext: UnsafeRawBufferPointer, key: SymmetricKey, nonce: [UInt8],
                             associatedData: [UInt8], prefix: [UInt8] = []) throws(SealingError) -> [UInt8] {
        guard nonce.count == nonceByteCount, key.bitCount == 256 else {
            throw .cryptoFailure("AES-256-GCM needs a 256-bit key and a 96-bit nonce")
        }
        let bodyStart = prefix.count + nonceByteCount
        let total = bodyStart + plaintext.count + tagByteCount
        var sealed = false
        let output = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            for (offset, part) in [(0, prefix), (prefix.count, nonce)] {
                part.withUnsafeBufferPointer { if let source = $0.baseAddress { (base + offset).update(from: source, count: $0.count) } }
            }
            let body = base + bodyStart
            sealed = withCipherArguments(key: key, associatedData: associatedData) { keyBytes, ad, adCount in
                medsearch_aes256gcm_seal(keyBytes, base + prefix.count, ad, adCount,
                                         plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), plaintext.count,
                                         body, body + plaintext.count) == 1
            }
            initialized = sealed ? total : 0
        }
        guard sealed, output.count == total else { throw .cryptoFailure("OpenSSL AES-256-GCM seal failed") }
        return output
    }

    /// Opens `nonce || ciphertext || tag`; any mismatch (key, associated data, a single bit) throws
    /// ``SealingError/authenticationFailed`` and no plaintext is returned.
    package static func open(_ combined: UnsafeRawBufferPointer, key: SymmetricKey,
                             associatedData: [UInt8]) throws(SealingError) -> [UInt8] {
        guard key.bitCount == 256, combined.count >= nonceByteCount + tagByteCount,
              let start = combined.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw .authenticationFailed
        }
        let length = combined.count - nonceByteCount - tagByteCount
        var opened = false
        let output = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            opened = withCipherArguments(key: key, associatedData: associatedData) { keyBytes, ad, adCount in
                medsearch_aes256gcm_open(keyBytes, start, ad, adCount, start + nonceByteCount, length,
                                         start + nonceByteCount + length, base) == 1
            }
            initialized = opened ? length : 0
        }
        guard opened else { throw .authenticationFailed }
        return output
    }

    /// Runs `body` with the raw key bytes and the associated data as C pointers (valid only inside `body`).
    private static func withCipherArguments(
        key: SymmetricKey, associatedData: [UInt8],
        _ body: (UnsafePointer<UInt8>, UnsafePointer<UInt8>?, Int) -> Bool
    ) -> Bool {
        key.withUnsafeBytes { keyBytes in
            guard keyBytes.count == 32, let keyBase = keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                return false
            }
            return associatedData.withUnsafeBufferPointer { ad in body(keyBase, ad.baseAddress, ad.count) }
        }
    }
}
