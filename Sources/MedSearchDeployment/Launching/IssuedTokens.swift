import Foundation
import MedSearchTransport

/// A fresh token per role, written as one token table (mode 0600) that every role of a group accepts.
public struct IssuedTokens: Sendable {
    /// The token table file.
    public let file: URL
    /// Each role's token.
    public let byRole: [ServiceRole: String]

    /// Issues one 256-bit token per role and writes the table to `file`.
    public static func issue(_ roles: [ServiceRole], writingTo file: URL) throws -> IssuedTokens {
        let (table, byRole) = AccessTokens.issue(roles: roles)
        try table.write(to: file)
        return IssuedTokens(file: file, byRole: byRole)
    }

    /// The tokens of an existing table (one per role: the first in sorted order when a role has several).
    public static func load(_ file: URL) throws -> IssuedTokens {
        var byRole: [ServiceRole: String] = [:]
        for (token, role) in try AccessTokens.load(from: file).tokens.sorted(by: { $0.key < $1.key }) where byRole[role] == nil {
            byRole[role] = token
        }
        return IssuedTokens(file: file, byRole: byRole)
    }

    /// The token of `role`.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when none was issued for it.
    public func token(_ role: ServiceRole) throws(ServiceError) -> String {
        guard let token = byRole[role] else { throw .configuration("no token was issued for role \(role.rawValue)") }
        return token
    }
}
