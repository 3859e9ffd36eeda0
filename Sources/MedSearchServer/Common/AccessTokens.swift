import Foundation
import MedSearchCore

/// The bearer tokens a server accepts and the role each one grants.
///
/// Stored as JSON `{"tokens": {"<token>": "<role>"}}` in a file readable only by its owner. Tokens are
/// 256-bit random values issued at set-up (``issue(roles:)``); they are compared in constant time.
public struct AccessTokens: Sendable, Codable, Equatable {
    /// Token to role.
    public var tokens: [String: ServiceRole]

    /// Creates a token table.
    public init(tokens: [String: ServiceRole]) { self.tokens = tokens }

    /// Issues one fresh random token per role (from the system CSPRNG).
    public static func issue(roles: [ServiceRole]) -> (table: AccessTokens, byRole: [ServiceRole: String]) {
        var byRole: [ServiceRole: String] = [:]
        var table: [String: ServiceRole] = [:]
        for role in roles {
            let token = "ms_" + Hex.encode(SecureRandom.bytes(32))
            byRole[role] = token
            table[token] = role
        }
        return (AccessTokens(tokens: table), byRole)
    }

    /// The role granted by `presented`, comparing against every known token in constant time.
    public func role(for presented: String) -> ServiceRole? {
        var found: ServiceRole?
        let presentedBytes = Array(presented.utf8)
        for (token, role) in tokens where constantTimeEquals(Array(token.utf8), presentedBytes) {
            found = role
        }
        return found
    }

    /// Reads a token table from a JSON file.
    public static func load(from url: URL) throws -> AccessTokens {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ServiceError.configuration("cannot read token file \(url.path)")
        }
        do { return try JSONDecoder().decode(AccessTokens.self, from: data) } catch {
            throw ServiceError.configuration("token file \(url.path) is not valid JSON of the form {\"tokens\": {\"<token>\": \"<role>\"}}")
        }
    }

    /// Writes the table as JSON with permissions 0600.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeSecretFile(try encoder.encode(self), to: url)
    }
}

/// Writes `data` to `url` atomically, readable and writable by its owner only (mode 0600).
public func writeSecretFile(_ data: Data, to url: URL) throws {
    let fileManager = FileManager.default
    try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
    guard fileManager.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
        throw ServiceError.configuration("cannot write \(url.path)")
    }
    if fileManager.fileExists(atPath: url.path) { try fileManager.removeItem(at: url) }
    try fileManager.moveItem(at: temporary, to: url)
}
