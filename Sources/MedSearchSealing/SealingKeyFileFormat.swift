import Foundation
import MedSearchCore

/// A 32-byte symmetric key with a versioned file format: a 4-byte tag (``magic``), a version (UInt16,
/// little-endian) and the 32 key bytes; files are written with mode 0600 and refused when group or others
/// can read them. Shared by ``ImageSealingKey`` (AES-256-GCM) and ``QMedShieldKey``.
public protocol SealingKeyFileFormat: Sendable {
    /// The tag of a serialised key.
    static var magic: FormatMagic { get }
    /// A key from exactly 32 bytes.
    init(rawKey: [UInt8]) throws(SealingError)
    /// Calls `body` with the 32 key bytes.
    func withRawKey<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension SealingKeyFileFormat {
    /// The current key format version.
    public static var formatVersion: UInt16 { 1 }

    /// The serialised key (secret: wipe it after use).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 38)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        withRawKey { writer.writeRaw($0) }
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
            try self.init(rawKey: raw)
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
