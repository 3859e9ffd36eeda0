import Foundation
import MedSearchCore

/// The per-deployment de-identification secret on disk: 64 hexadecimal digits (32 random bytes) and a newline,
/// created on first use with mode 0600 (``OwnerOnlyFile``) and refused when group or others can read it.
///
/// The default location is `$MEDSEARCH_DEID_KEY_FILE`, else `$HOME/.medsearch/deid.key` (the directory is
/// created with mode 0700).
public enum DeidentificationKeyFile {
    /// Where the secret lives when no path is given.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["MEDSEARCH_DEID_KEY_FILE"], !path.isEmpty { return path }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".medsearch/deid.key")
    }

    /// Loads the secret at `path` (or ``defaultPath(environment:)``), creating it with 32 random bytes when
    /// nothing exists there; `created` is told the path of a newly created file.
    ///
    /// - Throws: `OwnerOnlyFile.Failure` when the file is readable by others or cannot be read or written;
    ///   ``DeidentificationError`` when it is not hexadecimal or shorter than 32 bytes.
    public static func loadOrCreate(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                                    created: (String) -> Void = { _ in }) throws -> SecretBytes {
        let url = URL(fileURLWithPath: path ?? defaultPath(environment: environment))
        var fresh = false
        var contents = try OwnerOnlyFile.readOrCreate(at: url, maxBytes: 4096) {
            fresh = true
            var random = SecureRandom.bytes(32)
            defer { constantTimeWipe(&random) }
            return Array((Hex.encode(random) + "\n").utf8)
        }
        defer { constantTimeWipe(&contents) }
        if fresh { created(url.path) }
        let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard var bytes = Hex.decode(text) else {
            throw DeidentificationError.malformedSecretFile(reason: "not hexadecimal")
        }
        defer { constantTimeWipe(&bytes) }
        guard bytes.count >= 32 else {
            throw DeidentificationError.secretTooShort(minimum: 32, actual: bytes.count)
        }
        return SecretBytes(bytes)
    }
}
