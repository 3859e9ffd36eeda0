import MedSearchCore
import MedSearchSharing

/// Regenerates one lost share of a ``VerifiableSharing`` object from any m other valid shares, byte-identical
/// to the original, so the signed manifest (share hashes) stays valid and no other node's share changes.
///
/// Share x = (Shamir key share f(x), dispersal fragment x). From m valid shares with indices x_1...x_m:
/// - the key share is f(x) = sum_j f(x_j) * prod_{k != j} (x - x_k) / (x_j - x_k) over GF(256) (Lagrange
///   interpolation at x; the key polynomial has degree m - 1, so m points fix it);
/// - the fragment is row x of the dispersal generator applied to the stripes, which the m fragments determine:
///   the stripes are rebuilt with ``InformationDispersal/reconstruct(_:dataLength:)`` and dispersed again with
///   ``InformationDispersal/disperse(_:)`` (both public; the padding is zeros on both sides).
/// The share is then serialised in MedSearchSharing's documented share format (``Share``) and checked against
/// the manifest hash: a regenerated share is returned only if it is exactly the original one. The master handles
/// exactly what it handles when it rebuilds an image for a fetch (m shares of the sealed image; never the
/// client's image key).
///
/// Written with MedSearchSharing's public API only (the sharing target has no regeneration function); if its
/// share format changes, the hash check fails and callers fall back to re-splitting the whole image.
public enum ShareRegeneration {
    /// Regenerates share `index` (1-based, as in ``Share/index``) from `shares` (serialised, any order; invalid
    /// or duplicate ones are skipped) under a manifest whose signature the caller has verified.
    ///
    /// - Throws: ``TrustMedError/sharing(_:)`` if fewer than m shares verify, the index is out of range, or the
    ///   regenerated share does not hash to the manifest's entry.
    public static func regenerate(index: Int, from shares: [[UInt8]], manifest: ShareManifest) throws(TrustMedError) -> [UInt8] {
        let m = manifest.threshold, n = manifest.shareCount
        guard (1...n).contains(index) else { throw .sharing("share index \(index) of \(n)") }
        var accepted = [Int: Share]()
        for bytes in shares {
            guard case let .success(share) = VerifiableSharing.verify(share: bytes, against: manifest),
                  share.index != index, accepted[share.index] == nil else { continue }
            accepted[share.index] = share
        }
        guard accepted.count >= m else {
            throw .sharing("regenerating share \(index): \(accepted.count) valid shares, \(m) needed")
        }
        let chosen = accepted.values.sorted { $0.index < $1.index }.prefix(m)
        let keyShare = interpolate(at: UInt8(index), points: chosen.map { (UInt8($0.index), $0.keyShare) })
        let fragment: [UInt8]
        do {
            let dispersal = try InformationDispersal(threshold: m, shareCount: n)
            let data = dispersal.reconstruct(chosen.map { (index: $0.index, bytes: $0.fragment) },
                                             dataLength: manifest.sealedLength)
            fragment = dispersal.disperse(data)[index - 1]
        } catch {
            throw .sharing("regenerating share \(index): \(error)")
        }
        let bytes = Share(objectID: manifest.objectID, index: index, threshold: m, shareCount: n, keyShare: keyShare,
                          fragment: fragment).serialized()
        guard case let .success(share) = VerifiableSharing.verify(share: bytes, against: manifest), share.index == index else {
            throw .sharing("the regenerated share \(index) does not match the manifest")
        }
        return bytes
    }

    /// Lagrange interpolation over GF(256), byte by byte: the value at `x` of the polynomial of degree
    /// `points.count - 1` through `points` (distinct non-zero x coordinates, equal-length values).
    static func interpolate(at x: UInt8, points: [(x: UInt8, y: [UInt8])]) -> [UInt8] {
        let length = points.first?.y.count ?? 0
        var out = [UInt8](repeating: 0, count: length)
        for (j, point) in points.enumerated() {
            var numerator: UInt8 = 1, denominator: UInt8 = 1
            for (k, other) in points.enumerated() where k != j {
                numerator = GF256.multiply(numerator, x ^ other.x)
                denominator = GF256.multiply(denominator, point.x ^ other.x)
            }
            let basis = GF256.divide(numerator, denominator)
            for position in 0..<min(length, point.y.count) {
                out[position] ^= GF256.multiply(basis, point.y[position])
            }
        }
        return out
    }
}
