import Foundation
import MedSearchCore

/// Whole files of the client commands (key files, owner state, credentials, images); secret ones through
/// ``OwnerOnlyFile``: written with mode 0600 from creation, refused on read when group or others can read them.
public enum ClientFiles {
    /// Reads a whole file.
    ///
    /// - Throws: ``MedSearchClientError/unreadableFile(path:hint:)`` naming the file.
    public static func read(_ path: String) throws -> [UInt8] {
        do { return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw MedSearchClientError.unreadableFile(path: path, hint: error.localizedDescription)
        }
    }

    /// Reads a secret file (at most 1 GiB), refusing one that group or others can read.
    public static func readSecret(_ path: String) throws -> [UInt8] {
        do { return try OwnerOnlyFile.read(from: URL(fileURLWithPath: path), maxBytes: 1 << 30) } catch {
            throw MedSearchClientError.unreadableFile(path: path, hint: error.description)
        }
    }

    /// Writes a file atomically, creating its directory; a secret one through ``OwnerOnlyFile``.
    public static func write(_ bytes: [UInt8], to path: String, secret: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        if secret { return try OwnerOnlyFile.write(bytes, to: url) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
