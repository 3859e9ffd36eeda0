import Foundation
import MedSearchCore

/// Files of a key directory written by `medsearch fnn keygen`.
public enum FNNKeyFiles {
    /// The owner's secret keys (mode 0600).
    public static let owner = "owner.fnnkey"
    /// C1's set-up message, sent at the first upload.
    public static let c1Setup = "c1.fnnsetup"
    /// C2's set-up message (holds C2's secret material; mode 0600).
    public static let c2Setup = "c2.fnnsetup"
    /// The user's credentials (mode 0600).
    public static let user = "user.fnncred"
    /// The owner's list of record ids and image paths.
    public static let manifest = "records.tsv"
    /// The plan of uploads not yet acknowledged (record id and image path, as ``manifest``): written before an
    /// upload sends anything, folded into the manifest once it completed.
    public static let plan = "records-pending.tsv"

    /// Reads a secret key-directory file (``owner``, ``user``, ``c2Setup``), refusing one that group or others
    /// can read; a missing one is a ``MedSearchClientError``.
    public static func readSecret(_ directory: URL, _ name: String) throws -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        guard OwnerOnlyFile.exists(url) else {
            throw MedSearchClientError.unreadableFile(path: url.path, hint: "run `medsearch fnn keygen` first")
        }
        do { return try OwnerOnlyFile.read(from: url, maxBytes: 64 << 20) } catch {
            throw MedSearchClientError.unreadableFile(path: url.path, hint: error.description)
        }
    }

    /// Writes a secret file readable only by its owner (``OwnerOnlyFile``: mode 0600 from creation).
    public static func writeSecret(_ bytes: [UInt8], to url: URL) throws {
        try OwnerOnlyFile.write(bytes, to: url)
    }

    /// The owner's manifest: record id and image path, one per line.
    public static func manifest(_ directory: URL, _ name: String = manifest) throws -> [(id: UInt64, path: String)] {
        let url = directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let id = UInt64(parts[0]) else { return nil }
            return (id, String(parts[1]))
        }
    }

    /// Writes the owner's manifest, or the upload plan (replacing it; an empty plan is removed).
    public static func writeManifest(_ entries: [(id: UInt64, path: String)], to directory: URL,
                                     _ name: String = manifest) throws {
        let url = directory.appendingPathComponent(name)
        if name == plan, entries.isEmpty {
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            return
        }
        let text = entries.map { "\($0.id)\t\($0.path)" }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
