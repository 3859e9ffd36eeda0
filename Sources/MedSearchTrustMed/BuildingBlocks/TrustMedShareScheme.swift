/// Verifiable m-of-n sharing of a sealed image across storage nodes.
///
/// Any `threshold` valid shares rebuild the bytes; fewer reveal nothing about them; a corrupted or forged
/// share fails verification against the signed manifest and is skipped.
public protocol TrustMedShareScheme: Sendable {
    /// Splits `secret` into `shareCount` shares, any `threshold` of which rebuild it; returns the signed
    /// manifest (share hashes) and the shares in index order. Shares carry no record id.
    func split(_ secret: [UInt8], threshold: Int, shareCount: Int) throws(TrustMedError) -> (manifest: [UInt8], shares: [[UInt8]])
    /// The share's 0-based index if it is valid under `manifest` (signature, hash, index), else nil.
    func verifiedIndex(of share: [UInt8], manifest: [UInt8]) -> Int?
    /// Rebuilds the secret from at least `threshold` verified shares.
    func combine(_ shares: [[UInt8]], manifest: [UInt8]) throws(TrustMedError) -> [UInt8]
    /// Regenerates share `index` (0-based) from at least `threshold` other verified shares, byte-identical to
    /// the original (so the manifest stays valid). Schemes that cannot throw ``TrustMedError/sharing(_:)``;
    /// the master then re-splits the whole image instead.
    func regenerate(index: Int, from shares: [[UInt8]], manifest: [UInt8]) throws(TrustMedError) -> [UInt8]
}

extension TrustMedShareScheme {
    /// Default: regeneration unsupported (the master falls back to re-splitting).
    public func regenerate(index: Int, from shares: [[UInt8]], manifest: [UInt8]) throws(TrustMedError) -> [UInt8] {
        throw .sharing("this sharing scheme cannot regenerate a single share")
    }
}
