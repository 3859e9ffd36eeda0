import MedSearchCore
import MedSearchSealing

/// Seals and opens images with AES-256-GCM under the owner's image key `k_ie` (EncImage / DecImage,
/// sei.md 5.3.2 and 5.3.6), through MedSearchSealing's ``ImageSealer``.
///
/// Each image gets a fresh random 96-bit nonce; the image id (with the format header) is authenticated as
/// associated data, so the cloud cannot swap two sealed images without detection. Sealed form: ImageSealer's
/// versioned format (`"MSSL"`, version, algorithm, nonce (12), ciphertext, tag (16)).
public struct SEIImageCipher: Sendable {
    /// The image key (32 bytes).
    public let key: SecretBytes
    private let sealingKey: ImageSealingKey

    /// Wraps a 32-byte key.
    /// - Throws: ``SEIError/invalidParameter(_:)`` for another length.
    public init(key: SecretBytes) throws(SEIError) {
        guard key.count == 32 else { throw .invalidParameter("the image key must be 32 bytes") }
        do {
            sealingKey = try key.withUnsafeBytes { try ImageSealingKey(bytes: Array($0)) }
        } catch {
            throw .invalidParameter("the image key is not a valid AES-256 key")
        }
        self.key = key
    }

    /// A fresh random key from the system CSPRNG.
    public static func generateKey() -> SecretBytes { SecretBytes(randomCount: 32) }

    /// Seals `image` for `id`.
    public func seal(_ image: [UInt8], id: String) throws(SEIError) -> [UInt8] {
        do {
            return try ImageSealer.seal(image, imageID: id, key: sealingKey)
        } catch {
            throw .malformedMessage("sealing failed")
        }
    }

    /// Opens a sealed image for `id`.
    /// - Throws: ``SEIError/imageAuthenticationFailed`` for a wrong key, a wrong id or tampered bytes,
    ///   ``SEIError/malformedMessage(_:)`` when it is not a sealed image (too short, wrong header).
    public func open(_ sealed: [UInt8], id: String) throws(SEIError) -> [UInt8] {
        do {
            return try ImageSealer.open(sealed, imageID: id, key: sealingKey)
        } catch .authenticationFailed {
            throw .imageAuthenticationFailed
        } catch .wire {
            throw .malformedMessage("not a sealed image (bad header or too short)")
        } catch {
            throw .imageAuthenticationFailed
        }
    }
}
