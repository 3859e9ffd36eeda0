import Foundation
import MedSearchCore

/// File helpers of the `sei` subcommands (the flows themselves are `SEIClientFlows` in MedSearchClient).
enum SEICLI {
    /// Reads a whole file.
    static func read(_ path: String) throws -> [UInt8] {
        do {
            return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SEICLIError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a secret file (owner state, user secret, credentials), refusing one that group or others can read.
    static func readSecret(_ path: String) throws -> [UInt8] {
        do { return try OwnerOnlyFile.read(from: URL(fileURLWithPath: path), maxBytes: 1 << 30) } catch {
            throw SEICLIError("cannot use \(path): \(error)")
        }
    }

    /// Writes a file atomically; secret files through `OwnerOnlyFile` (mode 0600 from creation).
    static func write(_ bytes: [UInt8], to path: String, secret: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        if secret {
            try OwnerOnlyFile.write(bytes, to: url)
            return
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}

/// A one-line CLI error.
struct SEICLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
