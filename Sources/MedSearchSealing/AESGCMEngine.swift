import Crypto
import MedSearchCore

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

/// AES-256-GCM on contiguous buffers, writing the result straight into the caller's output array.
///
/// swift-crypto 4.5's `AES.GCM.seal` runs BoringSSL's AEAD at several GB/s, then assembles its `SealedBox` by a
/// generic byte-wise `Data.append` that costs about 1.4 ns per byte (0.36 GB/s overall for a 7.2 MB image). Where
/// swift-crypto's vendored BoringSSL module (`CCryptoBoringSSL`, built on Linux as a dependency of `Crypto`) can
/// be imported, this engine calls BoringSSL's `EVP_AEAD_CTX_seal` / `EVP_AEAD_CTX_open` with
/// `EVP_aead_aes_256_gcm` directly: the same primitive, the same bytes (nonce, ciphertext, 16-byte tag), no
/// intermediate copies. Elsewhere it falls back to `AES.GCM` (same format, slower). The AEAD context (key
/// schedule, GHASH key) is wiped after every call; a failed open wipes whatever it wrote.
package enum AESGCMEngine {
    package static let nonceByteCount = 12
    package static let tagByteCount = 16

    /// Whether the direct BoringSSL path is compiled in.
    package static var isDirect: Bool {
        #if canImport(CCryptoBoringSSL)
        true
        #else
        false
        #endif
    }

    /// A fresh random 96-bit nonce from the system CSPRNG.
    package static func randomNonce() -> [UInt8] {
        AES.GCM.Nonce().withUnsafeBytes { Array($0) }
    }

    /// Returns `prefix || nonce || AES-256-GCM(key, nonce, plaintext, associatedData) || tag`.
    package static func seal(_ plaintext: UnsafeRawBufferPointer, key: SymmetricKey, nonce: [UInt8],
                     associatedData: [UInt8], prefix: [UInt8] = []) throws(SealingError) -> [UInt8] {
        precondition(nonce.count == nonceByteCount && key.bitCount == 256)
        let total = prefix.count + nonceByteCount + plaintext.count + tagByteCount
        #if canImport(CCryptoBoringSSL)
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            prefix.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: prefix.count) }
            nonce.withUnsafeBufferPointer { (base + prefix.count).update(from: $0.baseAddress!, count: nonceByteCount) }
            let body = base + prefix.count + nonceByteCount
            var written = 0
            let rc = withContext(key: key) { context in
                associatedData.withUnsafeBufferPointer { ad in
                    CCryptoBoringSSL_EVP_AEAD_CTX_seal(context, body, &written, plaintext.count + tagByteCount,
                                                       base + prefix.count, nonceByteCount,
                                                       plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                                       plaintext.count, ad.baseAddress, ad.count)
                }
            }
            guard rc == 1, written == plaintext.count + tagByteCount else {
                failed = true
                return
            }
            initialized = total
        }
        if failed || output.count != total { throw .cryptoFailure("BoringSSL AES-256-GCM seal failed") }
        return output
        #else
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(data: nonce),
                                       authenticating: associatedData)
            var output = [UInt8]()
            output.reserveCapacity(total)
            output.append(contentsOf: prefix)
            output.append(contentsOf: nonce)
            box.ciphertext.withUnsafeBytes { output.append(contentsOf: $0) }
            box.tag.withUnsafeBytes { output.append(contentsOf: $0) }
            return output
        } catch {
            throw .cryptoFailure("AES-GCM seal: \(error)")
        }
        #endif
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
        #if canImport(CCryptoBoringSSL)
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, initialized in
            var written = 0
            let rc = withContext(key: key) { context in
                associatedData.withUnsafeBufferPointer { ad in
                    CCryptoBoringSSL_EVP_AEAD_CTX_open(context, buffer.baseAddress, &written, buffer.count,
                                                       start, nonceByteCount, start + nonceByteCount,
                                                       length + tagByteCount, ad.baseAddress, ad.count)
                }
            }
            guard rc == 1, written == length else {
                // Never leave unauthenticated plaintext behind in freed memory.
                CCryptoBoringSSL_OPENSSL_cleanse(buffer.baseAddress, buffer.count)
                return
            }
            ok = true
            initialized = length
        }
        guard ok else { throw .authenticationFailed }
        return output
        #else
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: associatedData)
            return plaintext.withUnsafeBytes { Array($0) }
        } catch {
            throw .authenticationFailed
        }
        #endif
    }

    #if canImport(CCryptoBoringSSL)
    /// Runs `body` with an AES-256-GCM context for `key` (16-byte tags), then cleans and zeroes the context.
    private static func withContext(key: SymmetricKey, _ body: (UnsafeMutablePointer<EVP_AEAD_CTX>) -> Int32) -> Int32 {
        var context = EVP_AEAD_CTX()
        return withUnsafeMutablePointer(to: &context) { pointer in
            CCryptoBoringSSL_EVP_AEAD_CTX_zero(pointer)
            let initialised = key.withUnsafeBytes { keyBytes in
                CCryptoBoringSSL_EVP_AEAD_CTX_init(pointer, CCryptoBoringSSL_EVP_aead_aes_256_gcm(),
                                                   keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                                   keyBytes.count, tagByteCount, nil)
            }
            defer {
                CCryptoBoringSSL_EVP_AEAD_CTX_cleanup(pointer)
                CCryptoBoringSSL_OPENSSL_cleanse(pointer, MemoryLayout<EVP_AEAD_CTX>.size)
            }
            guard initialised == 1 else { return 0 }
            return body(pointer)
        }
    }
    #endif
}
