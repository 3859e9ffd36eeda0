import Foundation
import MedSearchCore

/// The bearer tokens a server accepts and the role each one grants.
///
/// Stored as JSON `{"tokens": {"<token>": "<role>"}}` in a file readable only by its owner. Tokens are
/// 256-bit random values issued at set-up (``issue(roles:)``); they are compared in constant time.
public struct AccessTokens: Sendable, OwnerOnlyJSONFile, Equatable {
    public static let fileKind = "token file"
    public static let expectedForm = "is not valid JSON of the form {\"tokens\": {\"<token>\": \"<role>\"}}"

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

    /// Reads a token table from a JSON file, refusing one that group or others can read.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` naming the file and the reason (never a token).
    public static func load(from url: URL) throws(ServiceError) -> AccessTokens {
        try decodeOwnerOnly(from: url)
    }

    /// The first token of the table that grants `role`.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when the table has none.
    public func token(for role: ServiceRole) throws(ServiceError) -> String {
        guard let token = tokens.filter({ $0.value == role }).keys.sorted().first else {
            throw .configuration("the token table has no token for role \(role.rawValue)")
        }
        return token
    }

}

/// A file holding one bearer token (its first line), as `trustmed` commands take with `--token-file`.
public enum TokenFile {
    /// Reads the token, refusing a file that group or others can read.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when the file is missing, readable by others or empty.
    public static func read(_ url: URL) throws(ServiceError) -> String {
        let bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.read(from: url, maxBytes: 64 << 10) } catch {
            throw .configuration("cannot use token file \(url.path): \(error)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let token = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard !token.isEmpty else { throw .configuration("token file \(url.path) is empty") }
        return token
    }

    /// Writes `token` as a one-line token file (``OwnerOnlyFile``).
    public static func write(_ token: String, to url: URL) throws {
        try OwnerOnlyFile.write(Array((token + "\n").utf8), to: url)
    }
}
