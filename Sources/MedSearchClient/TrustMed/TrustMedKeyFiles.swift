import Foundation
import MedSearchCore
import MedSearchServer
import MedSearchTrustMed

/// Key and token files of TrustMedSearch clients (CLI, demo, web application).
public enum TrustMedKeyFiles {
    /// Reads a secret file, or creates it (readable by its owner only) from `make`.
    public static func loadOrCreateSecret(at url: URL, make: () -> SecretBytes) throws -> SecretBytes {
        if let data = FileManager.default.contents(atPath: url.path) {
            var bytes = [UInt8](data)
            defer { constantTimeWipe(&bytes) }
            return SecretBytes(bytes)
        }
        let secret = make()
        var bytes = secret.copyBytes()
        defer { constantTimeWipe(&bytes) }
        try writeSecretFile(Data(bytes), to: url)
        return secret
    }

    /// Reads a bearer token from a file (first line, trimmed).
    public static func readToken(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MedSearchClientError.unreadableFile(path: path, hint: "token file")
        }
        let token = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw MedSearchClientError.invalidInput("token file \(path) is empty") }
        return token
    }

    /// Reads the client key file.
    public static func readKeys(_ path: String) throws -> TrustMedClientKeys {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedSearchClientError.unreadableFile(path: path, hint: "create one with `medsearch trustmed keygen`")
        }
        var bytes = [UInt8](data)
        defer { constantTimeWipe(&bytes) }
        return try TrustMedClientKeys(serialized: bytes)
    }
}
