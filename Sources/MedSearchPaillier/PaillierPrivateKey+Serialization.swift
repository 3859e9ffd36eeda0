import Foundation
import MedSearchBigInt
import MedSearchCore

/// A Paillier secret key: `"PASK"` v1, then `p` and `q` as length-prefixed big-endian byte strings.
///
/// The bytes are secret: wipe them with `constantTimeWipe(_:)` when done (or use ``write(to:)``).
extension PaillierPrivateKey: WireMessage {
    public static let magic = FormatMagic("PASK")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        var pBytes = p.magnitudeBytes(), qBytes = q.magnitudeBytes()
        writer.writeBytes(pBytes)
        writer.writeBytes(qBytes)
        constantTimeWipe(&pBytes)
        constantTimeWipe(&qBytes)
    }

    /// Reads a key, checking that `p` and `q` are distinct primes.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        var pBytes = try reader.readBytes(maxLength: PaillierPublicKey.maximumDecodableBits / 8)
        var qBytes = try reader.readBytes(maxLength: PaillierPublicKey.maximumDecodableBits / 8)
        defer {
            constantTimeWipe(&pBytes)
            constantTimeWipe(&qBytes)
        }
        self = try WireError.validating(at: start) {
            try PaillierPrivateKey(p: BigInt(magnitudeBytes: pBytes), q: BigInt(magnitudeBytes: qBytes))
        }
    }
}

extension PaillierPrivateKey {
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
    ///   ``PaillierError/io(_:)`` when it cannot be read, or ``PaillierError/wire(_:)`` when it does not decode.
    public init(contentsOf url: URL) throws(PaillierError) {
        var bytes = try SecretKeyFile.read(from: url)
        defer { constantTimeWipe(&bytes) }
        do { try self.init(serialized: bytes) } catch { throw .wire(error) }
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
