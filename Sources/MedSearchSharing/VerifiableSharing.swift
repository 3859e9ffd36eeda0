import Crypto
import Foundation
import MedSearchCore

/// Verifiable m-of-n sharing of an object (a sealed image) for untrusted storage nodes.
///
/// Split (Krawczyk, "Secret sharing made short", CRYPTO 1993, plus a signed manifest):
/// 1. seal the data with AES-256-GCM under a fresh random key (associated data: object id, m, n);
/// 2. disperse the sealed bytes with ``InformationDispersal`` (each fragment about 1/m of the data);
/// 3. Shamir-share the 32-byte key over GF(256) (``ShamirSecretSharing``);
/// 4. share x = (fragment x, key share x), hashed with SHA-256; the master signs the list of hashes (Ed25519).
///
/// Any m valid shares rebuild the data. Fewer than m shares reveal nothing about the key (perfect secrecy of
/// Shamir) and so nothing about the data beyond its length (AES-GCM). Combining checks the manifest signature,
/// then each share's hash against the manifest, skips corrupted, forged, inconsistent or duplicate shares, and
/// fails with ``SharingError/notEnoughValidShares(valid:needed:rejected:)`` when fewer than m remain; the final
/// AES-GCM check makes a wrong rebuild impossible to return.
///
/// ```swift
/// let master = Curve25519.Signing.PrivateKey()
/// let object = try VerifiableSharing.split(sealedImage, objectID: "img-7", threshold: 3, shareCount: 5,
///                                          signingKey: master)
/// // store object.shares[i] on node i, keep object.manifest
/// let image = try VerifiableSharing.combine(shares: fromAnyThreeNodes, manifest: object.manifest,
///                                           objectID: "img-7", verifyingKey: master.publicKey)
/// ```
public enum VerifiableSharing {
    /// The result of a split: the signed manifest and the n serialised shares (element `x - 1` is share `x`).
    public struct SharedObject: Sendable {
        /// The serialised signed manifest.
        public let manifest: [UInt8]
        /// The serialised shares.
        public let shares: [[UInt8]]
    }

    static func associatedData(objectID: String, threshold: Int, shareCount: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeString("MedSearch verifiable sharing v1")
        writer.writeString(objectID)
        writer.write(UInt8(threshold))
        writer.write(UInt8(shareCount))
        return writer.bytes
    }

    /// Splits `data` into `shareCount` shares, any `threshold` of which rebuild it.
    ///
    /// - Throws: ``SharingError/invalidParameters(threshold:shares:)`` unless `2 <= m <= n <= 255`.
    public static func split(_ data: [UInt8], objectID: String, threshold: Int, shareCount: Int,
                             signingKey: Curve25519.Signing.PrivateKey) throws(SharingError) -> SharedObject {
        let dispersal = try InformationDispersal(threshold: threshold, shareCount: shareCount)
        guard objectID.utf8.count <= Share.maximumObjectIDLength else {
            throw .wire(.lengthTooLarge(offset: 0, length: objectID.utf8.count, limit: Share.maximumObjectIDLength))
        }
        let key = SymmetricKey(size: .bits256)
        let sealed = try data.withUnsafeBytes { bytes in
            Result { () throws(SharingError) in
                try SharingAEAD.seal(bytes, key: key, nonce: SharingAEAD.randomNonce(),
                                     associatedData: associatedData(objectID: objectID, threshold: threshold,
                                                                    shareCount: shareCount))
            }
        }.get()
        var keyBytes = key.withUnsafeBytes { Array($0) }
        defer { constantTimeWipe(&keyBytes) }
        let keyShares = try ShamirSecretSharing.split(keyBytes, threshold: threshold, shareCount: shareCount)
        // Each fragment is written straight into its share's serialised bytes.
        let length = dispersal.fragmentLength(forDataLength: sealed.count)
        let shares = sealed.withUnsafeBytes { bytes in
            dispersal.withStripes(of: bytes) { stripes in
                (1...shareCount).map { x in
                    Share(objectID: objectID, index: x, threshold: threshold, shareCount: shareCount,
                          keyShare: keyShares[x - 1], fragmentLength: length) { destination in
                        dispersal.writeFragment(x, stripes: stripes, length: length, into: destination)
                    }
                }
            }
        }
        let manifest = try ShareManifest(objectID: objectID, threshold: threshold, shareCount: shareCount,
                                         sealedLength: sealed.count, shareHashes: shares.map(\.hash),
                                         signingKey: signingKey)
        return SharedObject(manifest: manifest.serialized(), shares: shares.map(\.serializedBytes))
    }

    /// Checks one serialised share against a manifest already verified by the caller.
    ///
    /// - Returns: the decoded share, or the reason it is refused.
    public static func verify(share bytes: [UInt8], against manifest: ShareManifest) -> Result<Share, ShareRejection.Reason> {
        let fragmentLength = max(1, (manifest.sealedLength + manifest.threshold - 1) / manifest.threshold)
        guard let share = try? Share(serialized: bytes, maxFragmentLength: fragmentLength) else {
            return .failure(.malformed)
        }
        guard share.objectID == manifest.objectID, share.threshold == manifest.threshold,
              share.shareCount == manifest.shareCount, share.fragmentRange.count == fragmentLength else {
            return .failure(.inconsistent)
        }
        guard constantTimeEquals(share.hash, manifest.shareHashes[share.index - 1]) else {
            return .failure(.hashMismatch)
        }
        return .success(share)
    }

    /// Rebuilds the object from any `m` valid shares among `shares` (others are skipped).
    ///
    /// - Throws: ``SharingError/invalidManifestSignature`` or ``SharingError/objectMismatch`` for a bad manifest,
    ///   ``SharingError/notEnoughValidShares(valid:needed:rejected:)`` when fewer than m shares verify.
    public static func combine(shares: [[UInt8]], manifest manifestBytes: [UInt8], objectID: String,
                               verifyingKey: Curve25519.Signing.PublicKey) throws(SharingError) -> [UInt8] {
        let manifest: ShareManifest
        do { manifest = try ShareManifest(serialized: manifestBytes) } catch { throw .wire(error) }
        guard manifest.isValidSignature(for: verifyingKey) else { throw .invalidManifestSignature }
        guard manifest.objectID == objectID else { throw .objectMismatch }
        var accepted = [Int: Share]()
        var rejected = [ShareRejection]()
        for (position, bytes) in shares.enumerated() {
            // Enough shares already: the rest need not be parsed or hashed.
            if accepted.count == manifest.threshold { break }
            switch verify(share: bytes, against: manifest) {
            case let .success(share):
                if accepted[share.index] != nil {
                    rejected.append(ShareRejection(position: position, index: share.index, reason: .duplicate))
                } else {
                    accepted[share.index] = share
                }
            case let .failure(reason):
                rejected.append(ShareRejection(position: position, index: nil, reason: reason))
            }
        }
        guard accepted.count >= manifest.threshold else {
            throw .notEnoughValidShares(valid: accepted.count, needed: manifest.threshold, rejected: rejected)
        }
        let chosen = accepted.values.sorted { $0.index < $1.index }
        var keyBytes = ShamirSecretSharing.combine(chosen.map { (index: $0.index, bytes: $0.keyShare) })
        defer { constantTimeWipe(&keyBytes) }
        let dispersal = try InformationDispersal(threshold: manifest.threshold, shareCount: manifest.shareCount)
        let sealedLength = manifest.sealedLength
        let sealed = withPointers(chosen.map(\.serializedBytes)) { bases in
            let fragments = zip(chosen, bases).map { share, base in
                (index: share.index, bytes: base + share.fragmentRange.lowerBound)
            }
            return [UInt8](unsafeUninitializedCapacity: sealedLength) { buffer, initialized in
                if sealedLength > 0 {
                    dispersal.reconstruct(fragments, dataLength: sealedLength, into: buffer.baseAddress!)
                }
                initialized = sealedLength
            }
        }
        let associatedData = associatedData(objectID: objectID, threshold: manifest.threshold,
                                            shareCount: manifest.shareCount)
        let symmetricKey = SymmetricKey(data: keyBytes)
        return try sealed.withUnsafeBytes { bytes in
            Result { () throws(SharingError) in
                try SharingAEAD.open(bytes, key: symmetricKey, associatedData: associatedData)
            }
        }.get()
    }
}
