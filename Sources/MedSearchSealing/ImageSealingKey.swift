import Crypto
import Foundation
import MedSearchCore

/// A 256-bit AES-GCM key for sealing images at rest.
///
/// The key bytes live in swift-crypto's `SymmetricKey` (wiped on release by swift-crypto) and are serialised as
/// `"MSSK"`, version 1, then 32 raw bytes.
public struct ImageSealingKey: Sendable {
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
    /// The current key format version.
    public static let formatVersion: UInt16 = 1

    /// The serialised key (secret: wipe it after use).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 38)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        symmetricKey.withUnsafeBytes { writer.writeRaw($0) }
        return writer.bytes
    }

    /// Decodes a key written by ``serialized()``.
    public init(serialized bytes: [UInt8]) throws(SealingError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.formatVersion)
            var raw = try reader.readRaw(count: 32)
            defer { constantTimeWipe(&raw) }
            try reader.expectEnd()
            try self.init(bytes: raw)
        } catch let error as WireError {
            throw .wire(error)
        } catch let error as SealingError {
            throw error
        } catch {
            throw .invalidKey("\(error)")
        }
    }

    /// Writes the key to `url` with mode 0600.
    public func write(to url: URL) throws(SealingError) {
        var bytes = serialized()
        defer { constantTimeWipe(&bytes) }
        try KeyFile.write(bytes, to: url)
    }

    /// Reads a key file, refusing one that group or others can read.
    public init(contentsOf url: URL) throws(SealingError) {
        var bytes = try KeyFile.read(from: url)
        defer { constantTimeWipe(&bytes) }
        try self.init(serialized: bytes)
    }
}
