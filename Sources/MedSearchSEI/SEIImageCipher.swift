import Crypto
import Foundation
import MedSearchCore

/// Seals and opens images with AES-256-GCM under the owner's image key `k_ie` (EncImage / DecImage,
/// sei.md 5.3.2 and 5.3.6).
///
/// Each image gets a fresh random 96-bit nonce; the image id is authenticated as associated data, so the
/// cloud cannot swap two sealed images without detection. Sealed form: `nonce (12) || ciphertext || tag (16)`.
///
/// - Note: Uses swift-crypto's `AES.GCM` directly (MedSearchSealing had no public API when SEI was written).
public struct SEIImageCipher: Sendable {
    /// The image key (32 bytes).
    public let key: SecretBytes

    /// Wraps a 32-byte key.
    /// - Throws: ``SEIError/invalidParameter(_:)`` for another length.
    public init(key: SecretBytes) throws(SEIError) {
        guard key.count == 32 else { throw .invalidParameter("the image key must be 32 bytes") }
        self.key = key
    }

    /// A fresh random key from the system CSPRNG.
    public static func generateKey() -> SecretBytes { SecretBytes(randomCount: 32) }

    private var symmetricKey: SymmetricKey { key.withUnsafeBytes { SymmetricKey(data: $0) } }

    /// Seals `image` for `id`.
    public func seal(_ image: [UInt8], id: String) throws(SEIError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(image, using: symmetricKey, authenticating: Array(id.utf8))
            guard let combined = box.combined else { throw SEIError.malformedMessage("sealing produced no output") }
            return Array(combined)
        } catch let error as SEIError {
            throw error
        } catch {
            throw .malformedMessage("sealing failed")
        }
    }

    /// Opens a sealed image for `id`.
    /// - Throws: ``SEIError/imageAuthenticationFailed`` for a wrong key, a wrong id or tampered bytes,
    ///   ``SEIError/malformedMessage(_:)`` when it is too short.
    public func open(_ sealed: [UInt8], id: String) throws(SEIError) -> [UInt8] {
        guard sealed.count >= 28 else { throw .malformedMessage("sealed image shorter than nonce and tag") }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: symmetricKey, authenticating: Array(id.utf8)))
        } catch {
            throw .imageAuthenticationFailed
        }
    }
}
