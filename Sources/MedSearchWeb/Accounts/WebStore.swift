import Crypto
import Foundation
import HummingbirdBcrypt
import MedSearchCore
import MedSearchStore

/// The web application's accounts, sessions, audit log, uploads and key grants, in its database (SQLite
/// `web.sqlite` in the data directory, or PostgreSQL: several web replicas then share accounts and sessions).
public struct WebStore: Sendable {
    /// The database.
    public let database: any StoreDatabase
    /// bcrypt cost (12 in production; tests lower it to keep debug runs fast).
    public let bcryptCost: UInt8

    /// A bcrypt hash at ``bcryptCost`` checked when the user name is unknown, so that an unknown account costs
    /// the same time as a wrong password.
    let dummyHash: String

    /// Wraps an open database.
    public init(database: any StoreDatabase, bcryptCost: UInt8 = 12) {
        self.database = database
        self.bcryptCost = bcryptCost
        dummyHash = Bcrypt.hash(Hex.encode(SecureRandom.bytes(16)), cost: bcryptCost)
    }

    /// Opens the store at `location` and applies its migrations.
    public static func open(_ location: StoreLocation, bcryptCost: UInt8 = 12) async throws -> WebStore {
        WebStore(database: try await location.open(schema: WebSchema.schema), bcryptCost: bcryptCost)
    }

    private static let userColumns = "id, username, fullName, passwordHash, role, status, failedLogins, lockedUntil, createdAt"

    // MARK: Accounts

    /// Registers a clinician account awaiting approval (a newcomer cannot ask for another role: an administrator
    /// chooses the role at approval). The first account ever registered becomes the approved administrator (the
    /// person installing MedSearch).
    public func register(username: String, fullName: String, password: String) async throws -> WebUser {
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
        return try await database.write { tx in
            if try tx.count(#"SELECT COUNT(*) FROM "user" WHERE username = ?"#, [name]) > 0 {
                throw WebError.badForm("the user name \(name) is taken")
            }
            let first = try tx.count(#"SELECT COUNT(*) FROM "user""#) == 0
            var user = WebUser(username: name, fullName: trimmedName, passwordHash: hash,
                               role: first ? .administrator : .clinician,
                               status: first ? .approved : .pending)
            user.id = try Self.insertReturningID(tx, """
                INSERT INTO "user" (username, fullName, passwordHash, role, status, failedLogins, lockedUntil, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [user.username, user.fullName, user.passwordHash, user.role.rawValue, user.status.rawValue,
                      user.failedLogins, user.lockedUntil, user.createdAt])
            return user
        }
    }

    /// Inserts a row and returns its generated id (`RETURNING id`: SQLite 3.35+ and PostgreSQL).
    private static func insertReturningID(_ tx: any SQLTransaction, _ sql: String, _ arguments: [any SQLBindable]) throws -> Int64 {
        guard let row = try tx.queryOne(sql + " RETURNING id", arguments) else {
            throw StoreError.corrupt(kind: "insert", id: "id", reason: "no id returned")
        }
        return try row.int64("id")
    }

    private func update(_ user: WebUser) async throws {
        guard let id = user.id else { return }
        _ = try await database.write { tx in
            try tx.execute("""
                UPDATE "user" SET username = ?, fullName = ?, passwordHash = ?, role = ?, status = ?, failedLogins = ?,
                    lockedUntil = ?, createdAt = ? WHERE id = ?
                """, [user.username, user.fullName, user.passwordHash, user.role.rawValue, user.status.rawValue,
                      user.failedLogins, user.lockedUntil, user.createdAt, id])
        }
    }

    /// Checks a password. An unknown user name and a wrong password get the same error after the same bcrypt
    /// work (``dummyHash`` has the real cost); nothing about the account changes on a failure (failed attempts
    /// are throttled per source address by ``LoginThrottle``, so no one can lock another person's account).
    public func authenticate(username: String, password: String) async throws -> WebUser {
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        let found = try await database.read({ tx in
            try tx.queryOne(#"SELECT \#(Self.userColumns) FROM "user" WHERE username = ?"#, [name]).map(WebUser.init(row:))
        })
        guard let user = found else {
            _ = Bcrypt.verify(password, hash: dummyHash)
            throw WebError.invalidCredentials
        }
        guard Bcrypt.verify(password, hash: user.passwordHash) else { throw WebError.invalidCredentials }
        guard user.status == .approved else { throw WebError.accountNotApproved(user.status.rawValue) }
        return user
    }

    /// All accounts, newest first.
    public func users() async throws -> [WebUser] {
        try await database.read { tx in
            try tx.query(#"SELECT \#(Self.userColumns) FROM "user" ORDER BY createdAt DESC, id DESC"#, []).map(WebUser.init(row:))
        }
    }

    /// The account named `username` (lower-cased as at registration).
    public func user(username: String) async throws -> WebUser? {
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        return try await database.read { tx in
            try tx.queryOne(#"SELECT \#(Self.userColumns) FROM "user" WHERE username = ?"#, [name]).map(WebUser.init(row:))
        }
    }

    /// One account.
    public func user(id: Int64) async throws -> WebUser? {
        try await database.read { tx in try Self.user(id: id, tx) }
    }

    private static func user(id: Int64, _ tx: any SQLTransaction) throws -> WebUser? {
        try tx.queryOne(#"SELECT \#(userColumns) FROM "user" WHERE id = ?"#, [id]).map(WebUser.init(row:))
    }

    /// Sets an account's status and role (administrators only, checked by the caller).
    public func setStatus(userId: Int64, status: WebUser.Status, role: WebUser.Role?) async throws -> WebUser {
        try await database.write { tx in
            guard var user = try Self.user(id: userId, tx) else { throw WebError.notFound("User \(userId)") }
            user.status = status
            if let role { user.role = role }
            try tx.execute(#"UPDATE "user" SET status = ?, role = ? WHERE id = ?"#, [user.status.rawValue, user.role.rawValue, userId])
            if status != .approved {
                try tx.execute("DELETE FROM session WHERE userId = ?", [userId])
            }
            return user
        }
    }

    // MARK: Sessions

    /// Creates the session of a login and returns its cookie token; expired sessions are purged at the same time.
    public func createSession(userId: Int64, now: Date = Date()) async throws -> (token: String, session: WebSession) {
        let token = Hex.encode(SecureRandom.bytes(32))
        let session = WebSession(tokenHash: Self.hash(token), userId: userId,
                                 csrfToken: Hex.encode(SecureRandom.bytes(32)),
                                 createdAt: now, expiresAt: now.addingTimeInterval(WebLimits.sessionSeconds))
        try await database.write { tx in
            try tx.execute("DELETE FROM session WHERE expiresAt <= ?", [now])
            try tx.execute("INSERT INTO session (tokenHash, userId, csrfToken, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?)",
                           [session.tokenHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt])
        }
        return (token, session)
    }

    /// The live session for a cookie token, with its user when logged in and approved.
    public func session(token: String, now: Date = Date()) async throws -> (WebSession, WebUser?)? {
        guard token.count == 64, Hex.decode(token) != nil else { return nil }
        let found = try await database.read { tx -> SessionLookup? in
            guard let session = try tx.queryOne("SELECT * FROM session WHERE tokenHash = ?", [Self.hash(token)])
                .map(WebSession.init(row:)), session.expiresAt > now else {
                return nil
            }
            var user: WebUser?
            if let userId = session.userId {
                user = try Self.user(id: userId, tx)
                if user?.status != .approved { user = nil }
            }
            return SessionLookup(session: session, user: user)
        }
        return found.map { ($0.session, $0.user) }
    }

    private struct SessionLookup: Sendable {
        var session: WebSession
        var user: WebUser?
    }

    /// Deletes every expired session; returns how many there were.
    @discardableResult
    public func purgeExpiredSessions(now: Date = Date()) async throws -> Int {
        try await database.write { tx in
            try tx.execute("DELETE FROM session WHERE expiresAt <= ?", [now])
        }
    }

    /// How many sessions are stored.
    public func sessionCount() async throws -> Int {
        try await database.read { tx in try tx.count("SELECT COUNT(*) FROM session", []) }
    }

    /// Ends a session.
    public func deleteSession(tokenHash: String) async throws {
        try await database.write { tx in try tx.execute("DELETE FROM session WHERE tokenHash = ?", [tokenHash]) }
    }

    /// SHA-256 of a session token (what the database keeps).
    public static func hash(_ token: String) -> String { Hex.encode(SHA256.hash(data: Array(token.utf8))) }

    // MARK: Audit

    /// Appends a line to the audit log.
    public func audit(_ username: String, _ action: String, _ outcome: String, _ detail: String = "") async {
        let entry = AuditEntry(username: username, action: action, outcome: outcome, detail: String(detail.prefix(500)))
        _ = try? await database.write { tx in
            try tx.execute("INSERT INTO audit (at, username, action, outcome, detail) VALUES (?, ?, ?, ?, ?)",
                           [entry.at, entry.username, entry.action, entry.outcome, entry.detail])
        }
    }

    /// The newest audit lines.
    public func auditLog(limit: Int = 500) async throws -> [AuditEntry] {
        try await database.read { tx in
            try tx.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit]).map(AuditEntry.init(row:))
        }
    }

    // MARK: Images

    /// Records an upload's outcome (replacing an earlier record of the same id).
    public func saveImage(_ record: WebImageRecord) async throws {
        try await database.write { tx in
            try tx.execute("""
                INSERT INTO image (id, displayName, format, modality, labels, uploadedBy, uploadedAt, status, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET displayName = excluded.displayName, format = excluded.format,
                    modality = excluded.modality, labels = excluded.labels, uploadedBy = excluded.uploadedBy,
                    uploadedAt = excluded.uploadedAt, status = excluded.status, detail = excluded.detail
                """, [record.id, record.displayName, record.format, record.modality, record.labels, record.uploadedBy,
                      record.uploadedAt, record.status, record.detail])
        }
    }

    /// Uploaded images, newest first.
    public func images(limit: Int = 1000) async throws -> [WebImageRecord] {
        try await database.read { tx in
            try tx.query("SELECT * FROM image ORDER BY uploadedAt DESC, id LIMIT ?", [limit]).map(WebImageRecord.init(row:))
        }
    }

    /// One uploaded image's record.
    public func image(id: String) async throws -> WebImageRecord? {
        try await database.read { tx in try tx.queryOne("SELECT * FROM image WHERE id = ?", [id]).map(WebImageRecord.init(row:)) }
    }

    // MARK: Keys and grants

    /// Creates a repository key record.
    public func createKey(engine: String, name: String, createdBy: String) async throws -> RepositoryKey {
        try await database.write { tx in
            var key = RepositoryKey(engine: engine, name: name, createdBy: createdBy)
            key.id = try Self.insertReturningID(tx, "INSERT INTO repositoryKey (engine, name, createdBy, createdAt) VALUES (?, ?, ?, ?)",
                                                [key.engine, key.name, key.createdBy, key.createdAt])
            return key
        }
    }

    /// Every repository key.
    public func keys() async throws -> [RepositoryKey] {
        try await database.read { tx in try tx.query("SELECT * FROM repositoryKey ORDER BY id", []).map(RepositoryKey.init(row:)) }
    }

    /// Grants a clinician access to a key (idempotent while a grant is active).
    public func grant(keyId: Int64, userId: Int64, by owner: String) async throws {
        try await database.write { tx in
            guard try tx.count("SELECT COUNT(*) FROM repositoryKey WHERE id = ?", [keyId]) > 0 else {
                throw WebError.notFound("Key \(keyId)")
            }
            guard let user = try Self.user(id: userId, tx), user.role == .clinician, user.status == .approved else {
                throw WebError.badForm("access can be granted to approved clinicians only")
            }
            let active = try tx.count("SELECT COUNT(*) FROM keyGrant WHERE keyId = ? AND userId = ? AND revokedAt IS NULL",
                                      [keyId, userId])
            if active == 0 {
                try tx.execute("INSERT INTO keyGrant (keyId, userId, grantedBy, grantedAt) VALUES (?, ?, ?, ?)",
                               [keyId, userId, owner, Date()])
            }
        }
    }

    /// Revokes every active grant of a key to a user.
    public func revoke(keyId: Int64, userId: Int64, now: Date = Date()) async throws {
        try await database.write { tx in
            try tx.execute("UPDATE keyGrant SET revokedAt = ? WHERE keyId = ? AND userId = ? AND revokedAt IS NULL",
                           [now, keyId, userId])
        }
    }

    /// Active grants, as (key, user) pairs.
    public func activeGrants() async throws -> [KeyGrant] {
        try await database.read { tx in
            try tx.query("SELECT * FROM keyGrant WHERE revokedAt IS NULL ORDER BY id", []).map(KeyGrant.init(row:))
        }
    }

    /// Whether `user` may see stored images and their studies (views, DICOM metadata, WADO-RS): owners and
    /// administrators always; clinicians while they hold an active grant of any key.
    public func mayViewImages(_ user: WebUser) async throws -> Bool {
        if user.role != .clinician { return true }
        return try await activeGrants().contains { $0.userId == user.id }
    }

    /// Whether `user` may search `engine`: owners and administrators always; clinicians with an active grant
    /// of a key for that engine.
    public func maySearch(_ user: WebUser, engine: String) async throws -> Bool {
        if user.role != .clinician { return true }
        guard let userId = user.id else { return false }
        return try await database.read { tx in
            try tx.count("""
                SELECT COUNT(*) FROM keyGrant JOIN repositoryKey ON repositoryKey.id = keyGrant.keyId
                WHERE keyGrant.userId = ? AND keyGrant.revokedAt IS NULL AND repositoryKey.engine = ?
                """, [userId, engine]) > 0
        }
    }
}
