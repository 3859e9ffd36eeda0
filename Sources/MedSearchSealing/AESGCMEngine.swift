import Crypto
import Foundation
import MedSearchCore

/// AES-256-GCM on contiguous buffers for the sealed formats: `prefix || nonce || ciphertext || tag`.
///
/// The cipher is swift-crypto's public `AES.GCM` (BoringSSL's AES-NI/VAES and carry-less multiplication code on
/// Linux). It was measured at about 4-5 GB/s when it replaced the internal-module path, but `medsearch bench crypto`
/// now reports 0.56 GB/s for sealing a 7.2 MB image (below the 1 GB/s target; open regression, README crypto core
/// status), so this choice is under review. The cost over the bare cipher is two copies (swift-crypto's `SealedBox` and the output
/// array). swift-crypto keeps the key in zeroising storage; a failed open returns no plaintext (BoringSSL clears
/// the buffer it decrypted into).
package enum AESGCMEngine {
    package static let nonceByteCount = 12
    package static let tagByteCount = 16

    /// What runs the cipher (reported by the benchmark, checked by a test).
    package static let implementationName = "swift-crypto AES.GCM"

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
        let combined: Data
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(data: nonce),
                                       authenticating: associatedData)
            guard let bytes = box.combined else { throw SealingError.cryptoFailure("no combined form") }
            combined = bytes
        } catch {
            throw .cryptoFailure("AES-256-GCM seal: \(error)")
        }
        var output = [UInt8]()
        output.reserveCapacity(prefix.count + combined.count)
        output.append(contentsOf: prefix)
        combined.withUnsafeBytes { output.append(contentsOf: $0) }
        return output
    }

    /// Opens `nonce || ciphertext || tag`; any mismatch (key, associated data, a single bit) throws
    /// ``SealingError/authenticationFailed`` and no plaintext is returned.
    package static func open(_ combined: UnsafeRawBufferPointer, key: SymmetricKey,
                             associatedData: [UInt8]) throws(SealingError) -> [UInt8] {
        guard key.bitCount == 256, combined.count >= nonceByteCount + tagByteCount else {
            throw .authenticationFailed
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: associatedData)
            return plaintext.withUnsafeBytes { Array($0) }
        } catch {
            throw .authenticationFailed
        }
    }
}
