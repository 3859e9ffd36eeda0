import Foundation
import GRDB

/// C2's persistent state (`fnn-c2.sqlite`): its set-up (secret), its half of the correlation pool with consumed
/// flags, the users' query shares waiting for C1, and the hand-overs waiting for users.
///
/// - Warning: the set-up holds C2's secret (the Paillier secret key or the row-mask key); the database file is
///   created inside a 0700 data directory.
public struct FNNC2Store: Sendable {
    /// The database.
    public let database: AppDatabase

    /// The schema.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("fnn-c2-v1") { db in
            try db.create(table: "fnn_c2_setup") { t in
                t.primaryKey("singleton", .integer).check { $0 == 1 }
                t.column("payload", .blob).notNull()
            }
            try db.create(table: "fnn_c2_pool") { t in
                t.primaryKey("entry", .integer)
                t.column("seed", .blob)
                t.column("consumed", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "fnn_c2_pool_row") { t in
                t.column("entry", .integer).notNull()
                t.column("record_id", .integer).notNull()
                t.column("payload", .blob).notNull()
                t.primaryKey(["entry", "record_id"])
            }
            try db.create(table: "fnn_c2_query_share") { t in
                t.primaryKey("query_id", .text)
                t.column("payload", .blob).notNull()
                t.column("created", .datetime).notNull()
            }
            try db.create(table: "fnn_c2_handover") { t in
                t.primaryKey("query_id", .text)
                t.column("payload", .blob).notNull()
                t.column("created", .datetime).notNull()
            }
        }
        return migrator
    }

    /// Opens (or creates) the store at `path`, or in memory.
    public static func open(path: String?) throws -> FNNC2Store {
        FNNC2Store(database: try AppDatabase.open(path: path, migrator: migrator))
    }

    /// Saves the set-up once.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when a different set-up is stored.
    public func saveSetup(_ payload: [UInt8]) throws {
        try database.writer.write { db in
            if let existing = try Data.fetchOne(db, sql: "SELECT payload FROM fnn_c2_setup WHERE singleton = 1") {
                guard Array(existing) == payload else {
                    throw StoreError.conflict(kind: "fnn setup", id: "c2", reason: "C2 is already set up with other keys")
                }
                return
            }
            try db.execute(sql: "INSERT INTO fnn_c2_setup (singleton, payload) VALUES (1, ?)", arguments: [Data(payload)])
        }
    }

    /// The stored set-up, if any.
    public func loadSetup() throws -> [UInt8]? {
        try database.writer.read { db in try Data.fetchOne(db, sql: "SELECT payload FROM fnn_c2_setup WHERE singleton = 1") }.map { Array($0) }
    }

    /// Adds entry seeds (known entries keep their seed) and explicit rows (replacing rows of the same key).
    public func insertPool(seeds: [(entry: UInt64, seed: [UInt8])], rows: [(entry: UInt64, recordID: UInt64, payload: [UInt8])]) throws {
        try database.writer.write { db in
            for seed in seeds {
                try db.execute(sql: "INSERT OR IGNORE INTO fnn_c2_pool (entry, seed) VALUES (?, ?)",
                               arguments: [Int64(bitPattern: seed.entry), Data(seed.seed)])
            }
            for row in rows {
                try db.execute(sql: "INSERT OR REPLACE INTO fnn_c2_pool_row (entry, record_id, payload) VALUES (?, ?, ?)",
                               arguments: [Int64(bitPattern: row.entry), Int64(bitPattern: row.recordID), Data(row.payload)])
            }
        }
    }

    /// Marks an entry consumed and deletes its seed and rows.
    public func consume(entry: UInt64) throws {
        try database.writer.write { db in
            let key = Int64(bitPattern: entry)
            try db.execute(sql: "UPDATE fnn_c2_pool SET consumed = 1, seed = NULL WHERE entry = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM fnn_c2_pool_row WHERE entry = ?", arguments: [key])
        }
    }

    /// Deletes the rows of deleted records.
    public func deleteRows(recordIDs: [UInt64]) throws {
        try database.writer.write { db in
            for id in recordIDs {
                try db.execute(sql: "DELETE FROM fnn_c2_pool_row WHERE record_id = ?", arguments: [Int64(bitPattern: id)])
            }
        }
    }

    /// Every pool entry (seed nil once consumed) and every stored row.
    public func pool() throws -> (entries: [(entry: UInt64, seed: [UInt8]?)],
                                  rows: [(entry: UInt64, recordID: UInt64, payload: [UInt8])]) {
        try database.writer.read { db in
            let entries = try Row.fetchAll(db, sql: "SELECT entry, seed, consumed FROM fnn_c2_pool ORDER BY entry").map { row in
                let consumed: Bool = row["consumed"]
                return (UInt64(bitPattern: row["entry"] as Int64), consumed ? nil : (row["seed"] as Data?).map { Array($0) })
            }
            let rows = try Row.fetchAll(db, sql: "SELECT entry, record_id, payload FROM fnn_c2_pool_row").map { row in
                (UInt64(bitPattern: row["entry"] as Int64), UInt64(bitPattern: row["record_id"] as Int64),
                 Array(row["payload"] as Data))
            }
            return (entries, rows)
        }
    }

    /// Stores a user's query share until C1 starts the search.
    public func putQueryShare(queryID: String, payload: [UInt8]) throws {
        try database.writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO fnn_c2_query_share (query_id, payload, created) VALUES (?, ?, ?)",
                           arguments: [queryID, Data(payload), Date()])
        }
    }

    /// Takes (reads and deletes) a user's query share.
    public func takeQueryShare(queryID: String) throws -> [UInt8]? {
        try database.writer.write { db in
            let payload = try Data.fetchOne(db, sql: "SELECT payload FROM fnn_c2_query_share WHERE query_id = ?",
                                               arguments: [queryID])
            try db.execute(sql: "DELETE FROM fnn_c2_query_share WHERE query_id = ?", arguments: [queryID])
            return payload.map { Array($0) }
        }
    }

    /// Stores a finished search's hand-over for the user.
    public func putHandover(queryID: String, payload: [UInt8]) throws {
        try database.writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO fnn_c2_handover (query_id, payload, created) VALUES (?, ?, ?)",
                           arguments: [queryID, Data(payload), Date()])
        }
    }

    /// Takes (reads and deletes) a hand-over: each is delivered once.
    public func takeHandover(queryID: String) throws -> [UInt8]? {
        try database.writer.write { db in
            let payload = try Data.fetchOne(db, sql: "SELECT payload FROM fnn_c2_handover WHERE query_id = ?",
                                               arguments: [queryID])
            try db.execute(sql: "DELETE FROM fnn_c2_handover WHERE query_id = ?", arguments: [queryID])
            return payload.map { Array($0) }
        }
    }
}
