import Crypto
import Foundation
import MedSearchCore

/// Seals image files at rest with AES-256-GCM: confidentiality and integrity, bound to the image's id.
///
/// Sealed format (``SealedImageEnvelope``), `"MSSL"` version 1:
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
/// The work is done by OpenSSL 3's EVP AES-256-GCM writing into the output array (``AESGCMEngine``); the
/// README's crypto core status has the measured speed.
///
/// ```swift
/// let key = ImageSealingKey()
/// let sealed = try ImageSealer.seal(dicomBytes, imageID: "study-1/image-7", key: key)
/// let bytes = try ImageSealer.open(sealed, imageID: "study-1/image-7", key: key)
/// ```
public enum ImageSealer {
    /// The tag of a sealed image.
    public static var magic: FormatMagic { SealedImageEnvelope.magic }
    /// The current sealed format version.
    public static var formatVersion: UInt16 { SealedImageEnvelope.version }
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
        try seal(plaintext, imageID: imageID, key: key, nonce: AESGCMEngine.randomNonce())
    }

    /// Seals with a given nonce (golden-byte tests only: a nonce must never be reused with a key).
    package static func seal<C: DataProtocol>(_ plaintext: C, imageID: String, key: ImageSealingKey,
                                              nonce: [UInt8]) throws(SealingError) -> [UInt8] {
        let header = header()
        let associatedData = associatedData(header: header, imageID: imageID)
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
        // Checks the header, the algorithm and the minimum length; the body is opened in place.
        do { _ = try SealedImageEnvelope(serialized: sealed) } catch { throw .wire(error) }
        let associatedData = associatedData(header: Array(sealed[0..<7]), imageID: imageID)
        let result = sealed.withUnsafeBytes { bytes in
            Result { () throws(SealingError) in
                try AESGCMEngine.open(UnsafeRawBufferPointer(rebasing: bytes[7...]), key: key.symmetricKey,
                                      associatedData: associatedData)
            }
        }
        return try result.get()
    }
}

/// A sealed image as stored (``ImageSealer``): `"MSSL"` v1, the algorithm byte (1 = AES-256-GCM), the 12-byte
/// nonce, then the ciphertext and the 16-byte GCM tag up to the end of the bytes. Parsing it needs no key;
/// ``ImageSealer/open(_:imageID:key:)`` authenticates it.
@MemberwiseInit(.public)
public struct SealedImageEnvelope: WireMessage, Equatable {
    public static let magic = FormatMagic("MSSL")
    public static let version: UInt16 = 1

    /// The algorithm (``ImageSealer/aes256GCM``).
    public var algorithm: UInt8
    /// The 12-byte nonce.
    public var nonce: [UInt8]
    /// The ciphertext followed by the tag (a slice of the decoded bytes: never copied).
    public var body: ArraySlice<UInt8>

    public func encode(to writer: inout ByteWriter) {
        writer.write(algorithm)
        writer.writeRaw(nonce)
        writer.writeRaw(body)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        algorithm = try reader.read(UInt8.self)
        guard algorithm == ImageSealer.aes256GCM else {
            throw .invalidValue(offset: start, reason: "unknown sealing algorithm \(algorithm)")
        }
        nonce = try reader.readRaw(count: 12)
        guard reader.remaining >= 16 else { throw .truncated(offset: reader.offset, needed: 16, available: reader.remaining) }
        body = reader.readRemaining()
    }

    public static func == (lhs: SealedImageEnvelope, rhs: SealedImageEnvelope) -> Bool {
        lhs.algorithm == rhs.algorithm && lhs.nonce == rhs.nonce && lhs.body.elementsEqual(rhs.body)
    }
}
