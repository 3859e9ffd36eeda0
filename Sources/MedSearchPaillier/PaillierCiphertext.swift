import MedSearchBigInt

/// A Paillier ciphertext: an element of `Z*_{N^2}` for the public key that produced it.
///
/// Ciphertexts do not carry their key; every homomorphic operation is a method of ``PaillierPublicKey``
/// (`publicKey.add(a, b)`), so mixing keys is the caller's responsibility.
public struct PaillierCiphertext: Sendable, Hashable {
    /// The ciphertext value, in `0..<N^2`.
    public let value: BigInt

    /// Wraps a raw value; use ``PaillierPublicKey/ciphertext(_:)`` to validate untrusted input.
    public init(rawValue value: BigInt) {
        self.value = value
    }
}
