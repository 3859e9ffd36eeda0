/// Seals images on the client side (AES-256-GCM with the record id as associated data by default).
public protocol TrustMedSealer: Sendable {
    /// Seals `image` for `recordID`.
    func seal(_ image: [UInt8], recordID: String) throws(TrustMedError) -> [UInt8]
    /// Opens a sealed image; fails on a wrong key or an altered or swapped ciphertext.
    func open(_ sealed: [UInt8], recordID: String) throws(TrustMedError) -> [UInt8]
}
