import Crypto
import MedSearchCore
import MedSearchSharing

/// m-of-n sharing with MedSearchSharing: the sealed image is sealed again under a fresh AES-256-GCM key,
/// dispersed (each share about 1/m of it), the key Shamir-shared over GF(256), and the share hashes listed in a
/// manifest the master signs with Ed25519.
///
/// The object id inside shares and manifest is a fresh random value per split, so a storage node cannot link a
/// share to a record id.
public struct VerifiableShareScheme: TrustMedShareScheme {
    private let signingKey: Curve25519.Signing.PrivateKey

    /// Creates the scheme from the master's 32-byte Ed25519 signing key.
    public init(signingKey: SecretBytes) throws(TrustMedError) {
        do {
            var bytes = signingKey.copyBytes()
            defer { constantTimeWipe(&bytes) }
            self.signingKey = try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        } catch {
            throw .sharing("the manifest signing key is not a 32-byte Ed25519 key")
        }
    }

    /// A fresh Ed25519 signing key from the system CSPRNG.
    public static func newSigningKey() -> SecretBytes {
        var bytes = [UInt8](Curve25519.Signing.PrivateKey().rawRepresentation)
        defer { constantTimeWipe(&bytes) }
        return SecretBytes(bytes)
    }

    public func split(_ secret: [UInt8], threshold: Int, shareCount: Int) throws(TrustMedError) -> (manifest: [UInt8], shares: [[UInt8]]) {
        do {
            let object = try VerifiableSharing.split(secret, objectID: Hex.encode(SecureRandom.bytes(16)), threshold: threshold,
                                                     shareCount: shareCount, signingKey: signingKey)
            return (object.manifest, object.shares)
        } catch {
            throw .sharing(error.description)
        }
    }

    public func verifiedIndex(of share: [UInt8], manifest: [UInt8]) -> Int? {
        guard let manifest = try? ShareManifest(serialized: manifest),
              manifest.isValidSignature(for: signingKey.publicKey),
              case let .success(decoded) = VerifiableSharing.verify(share: share, against: manifest) else { return nil }
        return decoded.index - 1
    }

    public func combine(_ shares: [[UInt8]], manifest: [UInt8]) throws(TrustMedError) -> [UInt8] {
        let parsed: ShareManifest
        do { parsed = try ShareManifest(serialized: manifest) } catch { throw .sharing(error.description) }
        do {
            return try VerifiableSharing.combine(shares: shares, manifest: manifest, objectID: parsed.objectID,
                                                 verifyingKey: signingKey.publicKey)
        } catch {
            throw .sharing(error.description)
        }
    }

    public func regenerate(index: Int, from shares: [[UInt8]], manifest: [UInt8]) throws(TrustMedError) -> [UInt8] {
        let parsed: ShareManifest
        do { parsed = try ShareManifest(serialized: manifest) } catch { throw .sharing(error.description) }
        guard parsed.isValidSignature(for: signingKey.publicKey) else { throw .sharing("the manifest signature does not verify") }
        return try ShareRegeneration.regenerate(index: index + 1, from: shares, manifest: parsed)
    }
}
