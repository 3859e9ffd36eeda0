import Crypto
import MedSearchSealing

/// AES-256-GCM for ``VerifiableSharing``: MedSearchSealing's engine (OpenSSL 3's EVP AES-256-GCM on contiguous
/// buffers), with its errors expressed as ``SharingError``.
enum SharingAEAD {
    /// What runs the cipher (checked by a test).
    static var implementationName: String { AESGCMEngine.implementationName }

    /// A fresh random 96-bit nonce.
    static func randomNonce() -> [UInt8] { AESGCMEngine.randomNonce() }

    /// Seals `plaintext` as `nonce || ciphertext || tag`.
    static func seal(_ plaintext: UnsafeRawBufferPointer, key: SymmetricKey, nonce: [UInt8],
                     associatedData: [UInt8]) throws(SharingError) -> [UInt8] {
        do {
            return try AESGCMEngine.seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
        } catch {
            throw Self.sharingError(error)
        }
    }

    /// Opens `nonce || ciphertext || tag`; any mismatch throws ``SharingError/authenticationFailed``.
    static func open(_ combined: UnsafeRawBufferPointer, key: SymmetricKey,
                     associatedData: [UInt8]) throws(SharingError) -> [UInt8] {
        do {
            return try AESGCMEngine.open(combined, key: key, associatedData: associatedData)
        } catch {
            throw Self.sharingError(error)
        }
    }

    private static func sharingError(_ error: SealingError) -> SharingError {
        switch error {
        case .authenticationFailed: .authenticationFailed
        case let .wire(wire): .wire(wire)
        default: .cryptoFailure("\(error)")
        }
    }
}
