import Foundation
import MedSearchCore
import MedSearchTransport
import MedSearchTrustMed

/// Key and token files of TrustMedSearch clients (CLI, demo, web application), all through ``OwnerOnlyFile``:
/// written with mode 0600 from creation, refused on read when group or others can read them.
public enum TrustMedKeyFiles {
    /// Reads a bearer token from a file (first line, trimmed).
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when the file is missing, readable by others or empty.
    public static func readToken(_ path: String) throws -> String {
        try TokenFile.read(URL(fileURLWithPath: path))
    }

    /// Reads the client key file, refusing one that group or others can read.
    public static func readKeys(_ path: String) throws -> TrustMedClientKeys {
        let url = URL(fileURLWithPath: path)
        guard OwnerOnlyFile.exists(url) else {
            throw MedSearchClientError.unreadableFile(path: path, hint: "create one with `medsearch trustmed keygen`")
        }
        var bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.read(from: url, maxBytes: 1 << 30) } catch {
            throw MedSearchClientError.unreadableFile(path: path, hint: error.description)
        }
        defer { constantTimeWipe(&bytes) }
        return try TrustMedClientKeys(serialized: bytes)
    }

    /// Writes the client key file (mode 0600 from creation).
    public static func writeKeys(_ keys: TrustMedClientKeys, to url: URL) throws {
        var bytes = keys.serialized()
        defer { constantTimeWipe(&bytes) }
        try OwnerOnlyFile.write(bytes, to: url)
    }
}
