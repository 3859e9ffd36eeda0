import Crypto
import Foundation
import GRDB
import HummingbirdBcrypt
import MedSearchCore
import MedSearchStore

/// The web application's accounts, sessions, audit log, uploads and key grants, in its SQLite database.
public struct WebStore: Sendable {
    /// The database.
    public let database: AppDatabase
    /// bcrypt cost (12 in production; tests lower it to keep debug runs fast).
    public let bcryptCost: UInt8

    /// Opens the store at `path` (nil: in memory).
    public init(path: String?, bcryptCost: UInt8 = 12) throws {
        database = try AppDatabase.open(path: path, migrator: WebSchema.migrator)
        self.bcryptCost = bcryptCost
    }

    // MARK: Accounts

    /// Registers an account awaiting approval. The first account ever registered becomes the approved
    /// administrator (the person installing MedSearch).
    public func register(username: String, fullName: String, password: String, requestedRole: WebUser.Role) throws -> WebUser {
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        guard name.count >= 3, name.count <= 40,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
            throw WebError.badForm("a user name has 3 to 40 letters, digits, '.', '-' or '_'")
        }
        guard password.count >= 10 else { throw WebError.badForm("a password has at least 10 characters") }
        guard password.utf8.count <= 72 else { throw WebError.badForm("a password has at most 72 bytes") }
        let trimmedName = fullName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty, trimmedName.count <= 100 else { throw WebError.badForm("a full name is required") }
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        return try database.writer.write { db in
            if try WebUser.filter(Column("username") == name).fetchCount(db) > 0 {
                throw WebError.badForm("the user name \(name) is taken")
            }
            let first = try WebUser.fetchCount(db) == 0
            var user = WebUser(username: name, fullName: trimmedName, passwordHash: hash,
                               role: first ? .administrator : (requestedRole == .administrator ? .clinician : requestedRole),
                               status: first ? .approved : .pending)
            try user.insert(db)
            return user
        }
    }

    /// Checks a password, counting failures and locking the account after ``WebLimits/maxFailedLogins``.
    public func authenticate(username: String, password: String, now: Date = Date()) throws -> WebUser {
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        guard var user = try database.writer.read({ db in
            try WebUser.filter(Column("username") == name).fetchOne(db)
        }) else {
            // Spend the same time as a real check so that user names cannot be probed by timing.
            _ = Bcrypt.verify(password, hash: Self.dummyHash)
            throw WebError.invalidCredentials
        }
        if let lockedUntil = user.lockedUntil, lockedUntil > now {
            throw WebError.accountLocked(minutes: Int((lockedUntil.timeIntervalSince(now) / 60).rounded(.up)))
        }
        guard Bcrypt.verify(password, hash: user.passwordHash) else {
            user.failedLogins += 1
            if user.failedLogins >= WebLimits.maxFailedLogins {
                user.lockedUntil = now.addingTimeInterval(WebLimits.lockoutSeconds)
                user.failedLogins = 0
            }
            let updated = user
            try database.writer.write { db in try updated.update(db) }
            throw WebError.invalidCredentials
        }
        guard user.status == .approved else { throw WebError.accountNotApproved(user.status.rawValue) }
        if user.failedLogins != 0 || user.lockedUntil != nil {
            user.failedLogins = 0
            user.lockedUntil = nil
            let updated = user
            try database.writer.write { db in try updated.update(db) }
        }
        return user
    }

    private static let dummyHash = Bcrypt.hash("medsearch-timing-equaliser", cost: 4)

    /// All accounts, newest first.
    public func users() throws -> [WebUser] {
        try database.writer.read { db in try WebUser.order(Column("createdAt").desc).fetchAll(db) }
    }

    /// One account.
    public func user(id: Int64) throws -> WebUser? {
        try database.writer.read { db in try WebUser.fetchOne(db, key: id) }
    }

    /// Sets an account's status and role (administrators only, checked by the caller).
    public func setStatus(userId: Int64, status: WebUser.Status, role: WebUser.Role?) throws -> WebUser {
        try database.writer.write { db in
            guard var user = try WebUser.fetchOne(db, key: userId) else { throw WebError.notFound("User \(userId)") }
            user.status = status
            if let role { user.role = role }
            try user.update(db)
            if status != .approved {
                try WebSession.filter(Column("userId") == userId).deleteAll(db)
            }
            return user
        }
    }

    // MARK: Sessions

    /// Creates a session (anonymous when `userId` is nil) and returns its cookie token.
    public func createSession(userId: Int64?, now: Date = Date()) throws -> (token: String, session: WebSession) {
        let token = Hex.encode(SecureRandom.bytes(32))
        let session = WebSession(tokenHash: Self.hash(token), userId: userId,
                                 csrfToken: Hex.encode(SecureRandom.bytes(32)),
                                 createdAt: now, expiresAt: now.addingTimeInterval(WebLimits.sessionSeconds))
        try database.writer.write { db in try session.insert(db) }
        return (token, session)
    }

    /// The live session for a cookie token, with its user when logged in and approved.
    public func session(token: String, now: Date = Date()) throws -> (WebSession, WebUser?)? {
        guard token.count == 64, Hex.decode(token) != nil else { return nil }
        return try database.writer.read { db in
            guard let session = try WebSession.fetchOne(db, key: Self.hash(token)), session.expiresAt > now else {
                return nil
            }
            var user: WebUser?
            if let userId = session.userId {
                user = try WebUser.fetchOne(db, key: userId)
                if user?.status != .approved { user = nil }
            }
            return (session, user)
        }
    }

    /// Ends a session.
    public func deleteSession(tokenHash: String) throws {
        _ = try database.writer.write { db in try WebSession.deleteOne(db, key: tokenHash) }
    }

    /// SHA-256 of a session token (what the database keeps).
    public static func hash(_ token: String) -> String { Hex.encode(SHA256.hash(data: Array(token.utf8))) }

    // MARK: Audit

    /// Appends a line to the audit log.
    public func audit(_ username: String, _ action: String, _ outcome: String, _ detail: String = "") {
        var entry = AuditEntry(username: username, action: action, outcome: outcome, detail: String(detail.prefix(500)))
        _ = try? database.writer.write { db in try entry.insert(db) }
    }

    /// The newest audit lines.
    public func auditLog(limit: Int = 500) throws -> [AuditEntry] {
        try database.writer.read { db in try AuditEntry.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    // MARK: Images

    /// Records an upload's outcome.
    public func saveImage(_ record: WebImageRecord) throws {
        try database.writer.write { db in try record.save(db) }
    }

    /// Uploaded images, newest first.
    public func images(limit: Int = 1000) throws -> [WebImageRecord] {
        try database.writer.read { db in
            try WebImageRecord.order(Column("uploadedAt").desc).limit(limit).fetchAll(db)
        }
    }

    /// One uploaded image's record.
    public func image(id: String) throws -> WebImageRecord? {
        try database.writer.read { db in try WebImageRecord.fetchOne(db, key: id) }
    }

    // MARK: Keys and grants

    /// Creates a repository key record.
    public func createKey(engine: String, name: String, createdBy: String) throws -> RepositoryKey {
        try database.writer.write { db in
            var key = RepositoryKey(engine: engine, name: name, createdBy: createdBy)
            try key.insert(db)
            return key
        }
    }

    /// Every repository key.
    public func keys() throws -> [RepositoryKey] {
        try database.writer.read { db in try RepositoryKey.order(Column("id")).fetchAll(db) }
    }

    /// Grants a clinician access to a key (idempotent while a grant is active).
    public func grant(keyId: Int64, userId: Int64, by owner: String) throws {
        try database.writer.write { db in
            guard try RepositoryKey.fetchOne(db, key: keyId) != nil else { throw WebError.notFound("Key \(keyId)") }
            guard let user = try WebUser.fetchOne(db, key: userId), user.role == .clinician, user.status == .approved else {
                throw WebError.badForm("access can be granted to approved clinicians only")
            }
            let active = try KeyGrant.filter(Column("keyId") == keyId && Column("userId") == userId
                                             && Column("revokedAt") == nil).fetchCount(db)
            if active == 0 {
                var grant = KeyGrant(keyId: keyId, userId: userId, grantedBy: owner)
                try grant.insert(db)
            }
        }
    }

    /// Revokes every active grant of a key to a user.
    public func revoke(keyId: Int64, userId: Int64, now: Date = Date()) throws {
        try database.writer.write { db in
            try db.execute(sql: "UPDATE keyGrant SET revokedAt = ? WHERE keyId = ? AND userId = ? AND revokedAt IS NULL",
                           arguments: [now, keyId, userId])
        }
    }

    /// Active grants, as (key, user) pairs.
    public func activeGrants() throws -> [KeyGrant] {
        try database.writer.read { db in try KeyGrant.filter(Column("revokedAt") == nil).fetchAll(db) }
    }

    /// Whether `user` may search `engine`: owners and administrators always; clinicians with an active grant
    /// of a key for that engine.
    public func maySearch(_ user: WebUser, engine: String) throws -> Bool {
        if user.role != .clinician { return true }
        guard let userId = user.id else { return false }
        return try database.writer.read { db in
            let count = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM keyGrant JOIN repositoryKey ON repositoryKey.id = keyGrant.keyId
                WHERE keyGrant.userId = ? AND keyGrant.revokedAt IS NULL AND repositoryKey.engine = ?
                """, arguments: [userId, engine]) ?? 0
            return count > 0
        }
    }
}
