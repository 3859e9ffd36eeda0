import Foundation
import MedSearchCore

/// A QMedShield key: 32 secret bytes from which every chaotic initial condition is derived (HKDF-SHA256).
///
/// Key file format, version 1: `"QMSK"`, version (UInt16, little-endian), 32 key bytes. Files are written with
/// mode 0600. The paper's key is a list of chaotic-map initial values; deriving them from a uniform 256-bit key
/// with HKDF keeps the key compact, uniform and independent of floating-point parsing.
public struct QMedShieldKey: SealingKeyFileFormat {
    /// The key bytes (wiped when the last copy is released).
    public let bytes: SecretBytes

    /// A fresh random key from the system CSPRNG.
    public init() {
        bytes = SecretBytes(randomCount: 32)
    }

    /// A key from exactly 32 bytes.
    ///
    /// - Throws: ``SealingError/invalidKey(_:)`` for another length.
    public init<C: Collection>(bytes: C) throws(SealingError) where C.Element == UInt8 {
        guard bytes.count == 32 else { throw .invalidKey("a QMedShield key has 32 bytes, not \(bytes.count)") }
        self.bytes = SecretBytes(bytes)
    }

    /// The tag of a serialised key.
    public static let magic = FormatMagic("QMSK")

    public init(rawKey: [UInt8]) throws(SealingError) { try self.init(bytes: rawKey) }

    public func withRawKey<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { bytes.withUnsafeBytes(body) }
}
