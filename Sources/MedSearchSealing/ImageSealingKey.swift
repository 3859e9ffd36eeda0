import Crypto
import Foundation
import MedSearchCore

/// A 256-bit AES-GCM key for sealing images at rest.
///
/// The key bytes live in swift-crypto's `SymmetricKey` (wiped on release by swift-crypto) and are serialised as
/// `"MSSK"`, version 1, then 32 raw bytes.
public struct ImageSealingKey: SealingKeyFileFormat {
    /// The swift-crypto key.
    public let symmetricKey: SymmetricKey

    /// A fresh random key from the system CSPRNG.
    public init() {
        symmetricKey = SymmetricKey(size: .bits256)
    }

    /// A key from exactly 32 bytes.
    ///
    /// - Throws: ``SealingError/invalidKey(_:)`` for another length.
    public init<C: Collection>(bytes: C) throws(SealingError) where C.Element == UInt8 {
        guard bytes.count == 32 else { throw .invalidKey("an AES-256 key has 32 bytes, not \(bytes.count)") }
        symmetricKey = SymmetricKey(data: Array(bytes))
    }

    /// The tag of a serialised key.
    public static let magic = FormatMagic("MSSK")

    public init(rawKey: [UInt8]) throws(SealingError) { try self.init(bytes: rawKey) }

    public func withRawKey<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { symmetricKey.withUnsafeBytes(body) }
}
