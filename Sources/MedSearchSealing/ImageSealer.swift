import Crypto
import Foundation
import MedSearchCore

/// Seals image files at rest with AES-256-GCM: confidentiality and integrity, bound to the image's id.
///
/// Sealed format, version 1:
///
/// | bytes | field |
/// |---|---|
/// | 4 | `"MSSL"` |
/// | 2 | version (1), little-endian |
/// | 1 | algorithm (1 = AES-256-GCM) |
/// | 12 | random nonce |
/// | L | ciphertext (same length as the plaintext) |
/// | 16 | GCM tag |
///
/// The associated data is the 7 header bytes followed by the UTF-8 image id, so a sealed image presented under
/// another id, with an altered header or body, or with another key fails with
/// ``SealingError/authenticationFailed``. Nonces are 96 random bits: do not seal more than 2^32 images with one
/// key (NIST SP 800-38D's limit for random nonces).
///
/// The body and tag are standard AES-256-GCM (swift-crypto's `AES.GCM.SealedBox(combined:)` opens bytes 7...).
/// The work is done by swift-crypto's `AES.GCM` (``AESGCMEngine``), several GB/s on one core.
///
/// ```swift
/// let key = ImageSealingKey()
/// let sealed = try ImageSealer.seal(dicomBytes, imageID: "study-1/image-7", key: key)
/// let bytes = try ImageSealer.open(sealed, imageID: "study-1/image-7", key: key)
/// ```
public enum ImageSealer {
    /// The tag of a sealed image.
    public static let magic = FormatMagic("MSSL")
    /// The current sealed format version.
    public static let formatVersion: UInt16 = 1
    /// The algorithm byte for AES-256-GCM.
    public static let aes256GCM: UInt8 = 1
    /// Bytes added to the plaintext: header (7), nonce (12) and tag (16).
    public static let overhead = 7 + 12 + 16

    static func header() -> [UInt8] {
        var writer = ByteWriter(capacity: 7)
        writer.writeHeader(magic: magic, version: formatVersion)
        writer.write(aes256GCM)
        return writer.bytes
    }

    static func associatedData(header: [UInt8], imageID: String) -> [UInt8] {
        header + Array(imageID.utf8)
    }

    /// Seals `plaintext` under `key`, binding it to `imageID`.
    ///
    /// - Throws: ``SealingError/cryptoFailure(_:)`` only if the crypto library fails.
    public static func seal<C: DataProtocol>(_ plaintext: C, imageID: String, key: ImageSealingKey) throws(SealingError) -> [UInt8] {
        let header = header()
        let associatedData = associatedData(header: header, imageID: imageID)
        let nonce = AESGCMEngine.randomNonce()
        if plaintext.regions.count == 1, let region = plaintext.regions.first {
            let result = region.withUnsafeBytes { bytes in
                Result { () throws(SealingError) in
                    try AESGCMEngine.seal(bytes, key: key.symmetricKey, nonce: nonce, associatedData: associatedData,
                                          prefix: header)
                }
            }
            return try result.get()
        }
        let contiguous = Array(plaintext)
        let result = contiguous.withUnsafeBytes { bytes in
            Result { () throws(SealingError) in
                try AESGCMEngine.seal(bytes, key: key.symmetricKey, nonce: nonce, associatedData: associatedData,
                                      prefix: header)
            }
        }
        return try result.get()
    }

    /// Opens a sealed image, checking its key, id and every byte.
    ///
    /// - Throws: ``SealingError/wire(_:)`` when the bytes are not a sealed image of a supported version,
    ///   ``SealingError/authenticationFailed`` when the key, the id or any byte does not match.
    public static func open(_ sealed: [UInt8], imageID: String, key: ImageSealingKey) throws(SealingError) -> [UInt8] {
        var reader = ByteReader(sealed.prefix(7))
        do {
            try reader.readHeader(magic: magic, supportedVersions: 1...formatVersion)
            let algorithm = try reader.read(UInt8.self)
            guard algorithm == aes256GCM else {
                throw WireError.invalidValue(offset: 6, reason: "unknown sealing algorithm \(algorithm)")
            }
        } catch let error as WireError {
            throw .wire(error)
        } catch {
            throw .cryptoFailure("\(error)")
        }
        guard sealed.count >= overhead else {
            throw .wire(.truncated(offset: 7, needed: overhead - 7, available: sealed.count - 7))
        }
        let header = Array(sealed[0..<7])
        let associatedData = associatedData(header: header, imageID: imageID)
        let result = sealed.withUnsafeBytes { bytes in
            Result { () throws(SealingError) in
                try AESGCMEngine.open(UnsafeRawBufferPointer(rebasing: bytes[7...]), key: key.symmetricKey,
                                      associatedData: associatedData)
            }
        }
        return try result.get()
    }
}
