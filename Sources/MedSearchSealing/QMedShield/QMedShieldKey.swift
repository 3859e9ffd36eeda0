import Foundation
import MedSearchCore

/// A QMedShield key: 32 secret bytes from which every chaotic initial condition is derived (HKDF-SHA256).
///
/// Key file format, version 1: `"QMSK"`, version (UInt16, little-endian), 32 key bytes. Files are written with
/// mode 0600. The paper's key is a list of chaotic-map initial values; deriving them from a uniform 256-bit key
/// with HKDF keeps the key compact, uniform and independent of floating-point parsing.
public struct QMedShieldKey: Sendable {
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
    /// The current key format version.
    public static let formatVersion: UInt16 = 1

    /// The serialised key (secret: wipe it after use).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 38)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        bytes.withUnsafeBytes { writer.writeRaw($0) }
        return writer.bytes
    }

    /// Decodes a key written by ``serialized()``.
    public init(serialized data: [UInt8]) throws(SealingError) {
        var reader = ByteReader(data)
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
        var data = serialized()
        defer { constantTimeWipe(&data) }
        try KeyFile.write(data, to: url)
    }

    /// Reads a key file, refusing one that group or others can read.
    public init(contentsOf url: URL) throws(SealingError) {
        var data = try KeyFile.read(from: url)
        defer { constantTimeWipe(&data) }
        try self.init(serialized: data)
    }
}
