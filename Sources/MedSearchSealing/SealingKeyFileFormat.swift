import Foundation
import MedSearchCore

/// A 32-byte symmetric key with a versioned file format: a 4-byte tag (``magic``), version 1 (UInt16,
/// little-endian) and the 32 key bytes; files are written with mode 0600 and refused when group or others
/// can read them. Shared by ``ImageSealingKey`` (AES-256-GCM, `"MSSK"`) and ``QMedShieldKey`` (`"QMSK"`).
public protocol SealingKeyFileFormat: WireMessage {
    /// A key from exactly 32 bytes.
    init(rawKey: [UInt8]) throws(SealingError)
    /// Calls `body` with the 32 key bytes.
    func withRawKey<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension SealingKeyFileFormat {
    /// The current key format version.
    public static var version: UInt16 { 1 }

    /// Writes the 32 key bytes (secret: wipe the serialised bytes after use).
    public func encode(to writer: inout ByteWriter) {
        withRawKey { writer.writeRaw($0) }
    }

    /// Reads the 32 key bytes.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        var raw = try reader.readRaw(count: 32)
        defer { constantTimeWipe(&raw) }
        self = try WireError.validating(at: start) { try Self(rawKey: raw) }
    }

    /// Writes the key to `url` with mode 0600.
    public func write(to url: URL) throws(SealingError) {
        var data = serialized()
        defer { constantTimeWipe(&data) }
        try KeyFile.write(data, to: url)
    }

    /// Reads a key file, refusing one that group or others can read.
    ///
    /// - Throws: ``SealingError/insecureKeyFilePermissions(path:mode:)``, ``SealingError/io(_:)``, or
    ///   ``SealingError/wire(_:)`` when the file is not a key of this kind.
    public init(contentsOf url: URL) throws(SealingError) {
        var data = try KeyFile.read(from: url)
        defer { constantTimeWipe(&data) }
        do { try self.init(serialized: data) } catch { throw .wire(error) }
    }
}
