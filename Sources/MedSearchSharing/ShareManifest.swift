import Crypto
import Foundation
import MedSearchCore

/// The master's signed list of an object's share hashes.
///
/// Format: `"MSMF"` version 1, object id (string), threshold m, count n (UInt8 each), the sealed length (UInt64),
/// n SHA-256 hashes (32 bytes each, share 1 first), then the Ed25519 signature (UInt32 length + 64 bytes) over
/// every preceding byte (header included). Storage nodes keep only their share; whoever combines checks the
/// manifest against the master's public key, then every share against the manifest.
public struct ShareManifest: Sendable, Equatable {
    /// The object the shares belong to.
    public let objectID: String
    /// Shares needed to rebuild (m).
    public let threshold: Int
    /// Shares produced (n).
    public let shareCount: Int
    /// The length of the AES-GCM sealed data (nonce, ciphertext, tag) that was dispersed.
    public let sealedLength: Int
    /// SHA-256 of share 1...n.
    public let shareHashes: [[UInt8]]
    /// The Ed25519 signature over ``signedBytes``.
    public let signature: [UInt8]

    init(objectID: String, threshold: Int, shareCount: Int, sealedLength: Int, shareHashes: [[UInt8]],
         signingKey: Curve25519.Signing.PrivateKey) throws(SharingError) {
        self.objectID = objectID
        self.threshold = threshold
        self.shareCount = shareCount
        self.sealedLength = sealedLength
        self.shareHashes = shareHashes
        let body = Self.body(objectID: objectID, threshold: threshold, shareCount: shareCount,
                             sealedLength: sealedLength, shareHashes: shareHashes)
        do {
            self.signature = Array(try signingKey.signature(for: body))
        } catch {
            throw .cryptoFailure("Ed25519 signing: \(error)")
        }
    }

    static func body(objectID: String, threshold: Int, shareCount: Int, sealedLength: Int,
                     shareHashes: [[UInt8]]) -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + objectID.utf8.count + 32 * shareHashes.count)
        writer.writeHeader(magic: magic, version: version)
        writer.writeString(objectID)
        writer.write(UInt8(threshold))
        writer.write(UInt8(shareCount))
        writer.write(UInt64(sealedLength))
        for hash in shareHashes { writer.writeRaw(hash) }
        return writer.bytes
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] {
        Self.body(objectID: objectID, threshold: threshold, shareCount: shareCount, sealedLength: sealedLength,
                  shareHashes: shareHashes)
    }

    /// Whether the signature verifies under the master's public key.
    public func isValidSignature(for verifyingKey: Curve25519.Signing.PublicKey) -> Bool {
        verifyingKey.isValidSignature(signature, for: signedBytes)
    }
}

extension ShareManifest: WireMessage {
    public static let magic = FormatMagic("MSMF")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.writeRaw(signedBytes[6...])
        writer.writeBytes(signature)
    }

    /// Reads a manifest (the signature is checked by
    /// ``VerifiableSharing/combine(shares:manifest:objectID:verifyingKey:)`` or ``isValidSignature(for:)``).
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        objectID = try reader.readString(maxLength: Share.maximumObjectIDLength)
        let offset = reader.offset
        threshold = Int(try reader.read(UInt8.self))
        shareCount = Int(try reader.read(UInt8.self))
        guard threshold >= 2, threshold <= shareCount else {
            throw .invalidValue(offset: offset, reason: "\(threshold)-of-\(shareCount)")
        }
        let lengthOffset = reader.offset
        let length = try reader.read(UInt64.self)
        guard length <= UInt64(Int.max / 2) else {
            throw .invalidValue(offset: lengthOffset, reason: "sealed length \(length)")
        }
        sealedLength = Int(length)
        var hashes = [[UInt8]]()
        for _ in 0..<shareCount { hashes.append(try reader.readRaw(count: 32)) }
        shareHashes = hashes
        signature = try reader.readBytes(maxLength: 64)
    }
}
