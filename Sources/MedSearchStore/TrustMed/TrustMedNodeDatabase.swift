import Foundation
import GRDB

/// A TrustMedSearch storage node's database: opaque share bytes by share id, nothing else.
public struct TrustMedNodeDatabase: Sendable {
    /// The underlying database.
    public let database: AppDatabase

    /// The schema.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("trustmed-node-v1") { db in
            try db.create(table: "share") { t in
                t.column("id", .text).primaryKey()
                t.column("bytes", .blob).notNull()
            }
        }
        return migrator
    }

    /// Opens (creating) the database at `path`, or in memory when nil.
    public static func open(path: String?) throws -> TrustMedNodeDatabase {
        TrustMedNodeDatabase(database: try AppDatabase.open(path: path, migrator: migrator))
    }

    /// Stores or overwrites a share.
    public func put(shareID: String, bytes: [UInt8]) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO share (id, bytes) VALUES (?, ?)", arguments: [shareID, Data(bytes)])
        }
    }

    /// Reads a share.
    public func get(shareID: String) async throws -> [UInt8]? {
        try await database.writer.read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM share WHERE id = ?", arguments: [shareID]).map { Array($0) }
        }
    }

    /// Deletes a share; whether it existed.
    public func delete(shareID: String) async throws -> Bool {
        try await database.writer.write { db in
            try db.execute(sql: "DELETE FROM share WHERE id = ?", arguments: [shareID])
            return db.changesCount == 1
        }
    }

    /// Share count and total bytes.
    public func usage() async throws -> (shares: Int, bytes: Int) {
        try await database.writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS c, COALESCE(SUM(LENGTH(bytes)), 0) AS b FROM share")
            return (row?["c"] ?? 0, row?["b"] ?? 0)
        }
    }
}
