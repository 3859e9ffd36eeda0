import Foundation
import MedSearchCore

/// An account of the clinicians' web application.
@MemberwiseInit(.public)
public struct WebUser: Codable, Sendable, Equatable {
    /// What an account may do.
    public enum Role: String, Codable, Sendable, CaseIterable {
        /// Approves accounts, reads the audit log.
        case administrator
        /// Uploads images, creates repository keys, grants and revokes clinicians' access.
        case owner
        /// Searches by image in the repositories they were granted.
        case clinician
    }

    /// Where an account stands.
    public enum Status: String, Codable, Sendable {
        case pending, approved, rejected, disabled
    }

    public var id: Int64? = nil
    public var username: String
    public var fullName: String
    public var passwordHash: String
    public var role: Role
    public var status: Status
    public var failedLogins: Int = 0
    public var lockedUntil: Date? = nil
    public var createdAt: Date = Date()
}

/// A browser session. Only the SHA-256 of the cookie value is stored.
@MemberwiseInit(.public)
public struct WebSession: Codable, Sendable, Equatable {
    public var tokenHash: String
    public var userId: Int64?
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date
}

/// One line of the audit log: logins, uploads, searches, key grants, refused access.
@MemberwiseInit(.public)
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64? = nil
    public var at: Date = Date()
    public var username: String
    public var action: String
    public var outcome: String
    public var detail: String
}

/// An image uploaded through the web application, and where it went.
@MemberwiseInit(.public)
public struct WebImageRecord: Codable, Sendable, Equatable {
    /// The repository id (never the file name, never a patient identifier).
    public var id: String
    /// The file name as uploaded, sanitised for display.
    public var displayName: String
    public var format: String
    public var modality: String?
    public var labels: String
    public var uploadedBy: String
    public var uploadedAt: Date = Date()
    /// `stored` or `failed`.
    public var status: String
    /// Why it failed, or which engines hold it.
    public var detail: String
}

/// A repository key an owner created for one engine.
@MemberwiseInit(.public)
public struct RepositoryKey: Codable, Sendable, Equatable {
    public var id: Int64? = nil
    public var engine: String
    public var name: String
    public var createdBy: String
    public var createdAt: Date = Date()
}

/// A clinician's access to a repository key (revoked when `revokedAt` is set).
@MemberwiseInit(.public)
public struct KeyGrant: Codable, Sendable, Equatable {
    public var id: Int64? = nil
    public var keyId: Int64
    public var userId: Int64
    public var grantedBy: String
    public var grantedAt: Date = Date()
    public var revokedAt: Date? = nil
}

extension WebUser {
    /// Reads a `"user"` row.
    public init(row: SQLRow) throws {
        guard let role = Role(rawValue: try row.text("role")), let status = Status(rawValue: try row.text("status")) else {
            throw StoreError.corrupt(kind: "user", id: "\(try row.int64("id"))", reason: "role or status")
        }
        self.init(id: try row.int64("id"), username: try row.text("username"), fullName: try row.text("fullName"),
                  passwordHash: try row.text("passwordHash"), role: role, status: status,
                  failedLogins: try row.int("failedLogins"), lockedUntil: try row.optionalDate("lockedUntil"),
                  createdAt: try row.date("createdAt"))
    }
}

extension WebSession {
    /// Reads a `session` row.
    public init(row: SQLRow) throws {
        let user: Int64? = if case .null = row["userId"] { nil } else { try row.int64("userId") }
        self.init(tokenHash: try row.text("tokenHash"), userId: user, csrfToken: try row.text("csrfToken"),
                  createdAt: try row.date("createdAt"), expiresAt: try row.date("expiresAt"))
    }
}

extension AuditEntry {
    /// Reads an `audit` row.
    public init(row: SQLRow) throws {
        self.init(id: try row.int64("id"), at: try row.date("at"), username: try row.text("username"),
                  action: try row.text("action"), outcome: try row.text("outcome"), detail: try row.text("detail"))
    }
}

extension WebImageRecord {
    /// Reads an `image` row.
    public init(row: SQLRow) throws {
        self.init(id: try row.text("id"), displayName: try row.text("displayName"), format: try row.text("format"),
                  modality: try row.optionalText("modality"), labels: try row.text("labels"),
                  uploadedBy: try row.text("uploadedBy"), uploadedAt: try row.date("uploadedAt"),
                  status: try row.text("status"), detail: try row.text("detail"))
    }
}

extension RepositoryKey {
    /// Reads a `repositoryKey` row.
    public init(row: SQLRow) throws {
        self.init(id: try row.int64("id"), engine: try row.text("engine"), name: try row.text("name"),
                  createdBy: try row.text("createdBy"), createdAt: try row.date("createdAt"))
    }
}

extension KeyGrant {
    /// Reads a `keyGrant` row.
    public init(row: SQLRow) throws {
        self.init(id: try row.int64("id"), keyId: try row.int64("keyId"), userId: try row.int64("userId"),
                  grantedBy: try row.text("grantedBy"), grantedAt: try row.date("grantedAt"),
                  revokedAt: try row.optionalDate("revokedAt"))
    }
}

/// The web application's schema: accounts, sessions, audit log, uploads, repository keys and grants. The table
/// `"user"` is quoted everywhere (a reserved word in PostgreSQL).
public enum WebSchema {
    /// The schema (SQLite file `web.sqlite`; PostgreSQL schema `web`).
    public static let schema = StoreSchema(
        name: "web",
        migrations: [
            StoreMigration("v1", sqlite: [
                """
                CREATE TABLE "user" (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL UNIQUE ON CONFLICT ABORT,
                    fullName TEXT NOT NULL, passwordHash TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
                    failedLogins INTEGER NOT NULL DEFAULT 0, lockedUntil DATETIME, createdAt DATETIME NOT NULL)
                """,
                """
                CREATE TABLE session (tokenHash TEXT PRIMARY KEY, userId INTEGER REFERENCES "user"(id) ON DELETE CASCADE,
                    csrfToken TEXT NOT NULL, createdAt DATETIME NOT NULL, expiresAt DATETIME NOT NULL)
                """,
                """
                CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL, username TEXT NOT NULL,
                    action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL)
                """,
                """
                CREATE TABLE image (id TEXT PRIMARY KEY, displayName TEXT NOT NULL, format TEXT NOT NULL, modality TEXT,
                    labels TEXT NOT NULL, uploadedBy TEXT NOT NULL, uploadedAt DATETIME NOT NULL, status TEXT NOT NULL,
                    detail TEXT NOT NULL)
                """,
                """
                CREATE TABLE repositoryKey (id INTEGER PRIMARY KEY AUTOINCREMENT, engine TEXT NOT NULL, name TEXT NOT NULL,
                    createdBy TEXT NOT NULL, createdAt DATETIME NOT NULL)
                """,
                """
                CREATE TABLE keyGrant (id INTEGER PRIMARY KEY AUTOINCREMENT,
                    keyId INTEGER NOT NULL REFERENCES repositoryKey(id) ON DELETE CASCADE,
                    userId INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
                    grantedBy TEXT NOT NULL, grantedAt DATETIME NOT NULL, revokedAt DATETIME)
                """,
            ], postgres: [
                """
                CREATE TABLE "user" (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, username TEXT NOT NULL UNIQUE,
                    fullName TEXT NOT NULL, passwordHash TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
                    failedLogins BIGINT NOT NULL DEFAULT 0, lockedUntil TIMESTAMPTZ, createdAt TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE session (tokenHash TEXT PRIMARY KEY, userId BIGINT REFERENCES "user"(id) ON DELETE CASCADE,
                    csrfToken TEXT NOT NULL, createdAt TIMESTAMPTZ NOT NULL, expiresAt TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE audit (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at TIMESTAMPTZ NOT NULL,
                    username TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL)
                """,
                """
                CREATE TABLE image (id TEXT PRIMARY KEY, displayName TEXT NOT NULL, format TEXT NOT NULL, modality TEXT,
                    labels TEXT NOT NULL, uploadedBy TEXT NOT NULL, uploadedAt TIMESTAMPTZ NOT NULL, status TEXT NOT NULL,
                    detail TEXT NOT NULL)
                """,
                """
                CREATE TABLE repositoryKey (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, engine TEXT NOT NULL,
                    name TEXT NOT NULL, createdBy TEXT NOT NULL, createdAt TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE keyGrant (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    keyId BIGINT NOT NULL REFERENCES repositoryKey(id) ON DELETE CASCADE,
                    userId BIGINT NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
                    grantedBy TEXT NOT NULL, grantedAt TIMESTAMPTZ NOT NULL, revokedAt TIMESTAMPTZ)
                """,
            ]),
        ],
        tables: [
            StoreTable("\"user\"", columns: ["id", "username", "fullName", "passwordHash", "role", "status", "failedLogins",
                                             "lockedUntil", "createdAt"], key: ["id"], identity: true,
                       dates: ["lockedUntil", "createdAt"]),
            StoreTable("session", columns: ["tokenHash", "userId", "csrfToken", "createdAt", "expiresAt"], key: ["tokenHash"],
                       dates: ["createdAt", "expiresAt"]),
            StoreTable("audit", columns: ["id", "at", "username", "action", "outcome", "detail"], key: ["id"], identity: true,
                       dates: ["at"]),
            StoreTable("image", columns: ["id", "displayName", "format", "modality", "labels", "uploadedBy", "uploadedAt",
                                          "status", "detail"], key: ["id"], dates: ["uploadedAt"]),
            StoreTable("repositoryKey", columns: ["id", "engine", "name", "createdBy", "createdAt"], key: ["id"], identity: true,
                       dates: ["createdAt"]),
            StoreTable("keyGrant", columns: ["id", "keyId", "userId", "grantedBy", "grantedAt", "revokedAt"], key: ["id"],
                       identity: true, dates: ["grantedAt", "revokedAt"]),
        ])
}
