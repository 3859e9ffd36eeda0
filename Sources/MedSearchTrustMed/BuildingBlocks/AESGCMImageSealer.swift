import MedSearchCore
import MedSearchSealing

/// Client-side image sealing with MedSearchSealing's AES-256-GCM (random 96-bit nonce, record id as
/// associated data): a swapped or altered sealed image fails to open.
public struct AESGCMImageSealer: TrustMedSealer {
    private let key: ImageSealingKey

    /// Creates a sealer from a 32-byte key.
    public init(key: SecretBytes) throws(TrustMedError) {
        do {
            var bytes = key.copyBytes()
            defer { constantTimeWipe(&bytes) }
            self.key = try ImageSealingKey(bytes: bytes)
        } catch {
            throw .sealing("\(error)")
        }
    }

    public func seal(_ image: [UInt8], recordID: String) throws(TrustMedError) -> [UInt8] {
        do { return try ImageSealer.seal(image, imageID: recordID, key: key) } catch { throw .sealing("\(error)") }
    }

    public func open(_ sealed: [UInt8], recordID: String) throws(TrustMedError) -> [UInt8] {
        do { return try ImageSealer.open(sealed, imageID: recordID, key: key) } catch { throw .sealing("\(error)") }
    }
}
