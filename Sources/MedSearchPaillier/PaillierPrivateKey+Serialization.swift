import Foundation
import MedSearchBigInt
import MedSearchCore

extension PaillierPrivateKey {
    /// The tag of a serialised secret key.
    public static let magic = FormatMagic("PASK")
    /// The current secret key format version.
    public static let formatVersion: UInt16 = 1

    /// The key as `"PASK"`, version, then `p` and `q` as length-prefixed big-endian byte strings.
    ///
    /// The result is secret: wipe it with `constantTimeWipe(_:)` when done (or use ``write(to:)``).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + p.byteCount + q.byteCount)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        var pBytes = p.magnitudeBytes(), qBytes = q.magnitudeBytes()
        writer.writeBytes(pBytes)
        writer.writeBytes(qBytes)
        constantTimeWipe(&pBytes)
        constantTimeWipe(&qBytes)
        return writer.bytes
    }

    /// Decodes a key written by ``serialized()``, checking that `p` and `q` are distinct primes.
    public init(serialized bytes: [UInt8]) throws(PaillierError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.formatVersion)
            var pBytes = try reader.readBytes(maxLength: PaillierPublicKey.maximumDecodableBits / 8)
            var qBytes = try reader.readBytes(maxLength: PaillierPublicKey.maximumDecodableBits / 8)
            defer {
                constantTimeWipe(&pBytes)
                constantTimeWipe(&qBytes)
            }
            try reader.expectEnd()
            try self.init(p: BigInt(magnitudeBytes: pBytes), q: BigInt(magnitudeBytes: qBytes))
        } catch let error as WireError {
            throw .wire(error)
        } catch let error as PaillierError {
            throw error
        } catch {
            throw .invalidKey("\(error)")
        }
    }

    /// Writes the key to `url` with mode 0600 (owner read/write only), replacing an existing file.
    ///
    /// - Throws: ``PaillierError/io(_:)`` when the file cannot be written.
    public func write(to url: URL) throws(PaillierError) {
        var bytes = serialized()
        defer { constantTimeWipe(&bytes) }
        try SecretKeyFile.write(bytes, to: url)
    }

    /// Reads a key written by ``write(to:)``.
    ///
    /// - Throws: ``PaillierError/insecureKeyFilePermissions(path:mode:)`` when group or others may read the file,
    ///   ``PaillierError/io(_:)`` when it cannot be read, or a decoding error.
    public init(contentsOf url: URL) throws(PaillierError) {
        var bytes = try SecretKeyFile.read(from: url)
        defer { constantTimeWipe(&bytes) }
        try self.init(serialized: bytes)
    }
}

/// Reading and writing files that hold secret keys: mode 0600, refused when group or others can read them.
public enum SecretKeyFile {
    /// Writes `bytes` to `url` with mode 0600 (the mode is forced even when the file existed).
    public static func write(_ bytes: [UInt8], to url: URL) throws(PaillierError) {
        do { try OwnerOnlyFile.write(bytes, to: url) } catch { throw map(error) }
    }

    /// Reads a secret key file, refusing one that group or others can access (like ssh does), or one above 1 MiB.
    public static func read(from url: URL) throws(PaillierError) -> [UInt8] {
        do { return try OwnerOnlyFile.read(from: url) } catch { throw map(error) }
    }

    private static func map(_ failure: OwnerOnlyFile.Failure) -> PaillierError {
        switch failure {
        case let .io(reason): .io(reason)
        case let .insecurePermissions(path, mode): .insecureKeyFilePermissions(path: path, mode: mode)
        }
    }
}
