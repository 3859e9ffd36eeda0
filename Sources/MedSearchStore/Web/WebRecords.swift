import Foundation
import GRDB

/// An account of the clinicians' web application.
public struct WebUser: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"

    /// What an account may do.
    public enum Role: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Approves accounts, reads the audit log.
        case administrator
        /// Uploads images, creates repository keys, grants and revokes clinicians' access.
        case owner
        /// Searches by image in the repositories they were granted.
        case clinician
    }

    /// Where an account stands.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case pending, approved, rejected, disabled
    }

    public var id: Int64?
    public var username: String
    public var fullName: String
    public var passwordHash: String
    public var role: Role
    public var status: Status
    public var failedLogins: Int
    public var lockedUntil: Date?
    public var createdAt: Date

    public init(id: Int64? = nil, username: String, fullName: String, passwordHash: String, role: Role,
                status: Status, failedLogins: Int = 0, lockedUntil: Date? = nil, createdAt: Date = Date()) {
        self.id = id
        self.username = username
        self.fullName = fullName
        self.passwordHash = passwordHash
        self.role = role
        self.status = status
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A browser session. Only the SHA-256 of the cookie value is stored.
public struct WebSession: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session"
    public var tokenHash: String
    public var userId: Int64?
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, userId: Int64?, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userId = userId
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// One line of the audit log: logins, uploads, searches, key grants, refused access.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit"
    public var id: Int64?
    public var at: Date
    public var username: String
    public var action: String
    public var outcome: String
    public var detail: String

    public init(id: Int64? = nil, at: Date = Date(), username: String, action: String, outcome: String, detail: String) {
        self.id = id
        self.at = at
        self.username = username
        self.action = action
        self.outcome = outcome
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An image uploaded through the web application, and where it went.
public struct WebImageRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "image"
    /// The repository id (never the file name, never a patient identifier).
    public var id: String
    /// The file name as uploaded, sanitised for display.
    public var displayName: String
    public var format: String
    public var modality: String?
    public var labels: String
    public var uploadedBy: String
    public var uploadedAt: Date
    /// `stored` or `failed`.
    public var status: String
    /// Why it failed, or which engines hold it.
    public var detail: String

    public init(id: String, displayName: String, format: String, modality: String?, labels: String,
                uploadedBy: String, uploadedAt: Date = Date(), status: String, detail: String) {
        self.id = id
        self.displayName = displayName
        self.format = format
        self.modality = modality
        self.labels = labels
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
        self.status = status
        self.detail = detail
    }
}

/// A repository key an owner created for one engine.
public struct RepositoryKey: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "repositoryKey"
    public var id: Int64?
    public var engine: String
    public var name: String
    public var createdBy: String
    public var createdAt: Date

    public init(id: Int64? = nil, engine: String, name: String, createdBy: String, createdAt: Date = Date()) {
        self.id = id
        self.engine = engine
        self.name = name
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A clinician's access to a repository key (revoked when `revokedAt` is set).
public struct KeyGrant: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "keyGrant"
    public var id: Int64?
    public var keyId: Int64
    public var userId: Int64
    public var grantedBy: String
    public var grantedAt: Date
    public var revokedAt: Date?

    public init(id: Int64? = nil, keyId: Int64, userId: Int64, grantedBy: String, grantedAt: Date = Date(),
                revokedAt: Date? = nil) {
        self.id = id
        self.keyId = keyId
        self.userId = userId
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The web application's schema.
public enum WebSchema {
    /// Migrations of the web application's database.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("username", .text).notNull().unique(onConflict: .abort)
                t.column("fullName", .text).notNull()
                t.column("passwordHash", .text).notNull()
                t.column("role", .text).notNull()
                t.column("status", .text).notNull()
                t.column("failedLogins", .integer).notNull().defaults(to: 0)
                t.column("lockedUntil", .datetime)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "session") { t in
                t.primaryKey("tokenHash", .text)
                t.column("userId", .integer).references("user", onDelete: .cascade)
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
            }
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("username", .text).notNull()
                t.column("action", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(table: "image") { t in
                t.primaryKey("id", .text)
                t.column("displayName", .text).notNull()
                t.column("format", .text).notNull()
                t.column("modality", .text)
                t.column("labels", .text).notNull()
                t.column("uploadedBy", .text).notNull()
                t.column("uploadedAt", .datetime).notNull()
                t.column("status", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(table: "repositoryKey") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("engine", .text).notNull()
                t.column("name", .text).notNull()
                t.column("createdBy", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "keyGrant") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("keyId", .integer).notNull().references("repositoryKey", onDelete: .cascade)
                t.column("userId", .integer).notNull().references("user", onDelete: .cascade)
                t.column("grantedBy", .text).notNull()
                t.column("grantedAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
            }
        }
        return migrator
    }
}
