import Foundation
import GRDB

/// C1's persistent state (`fnn-c1.sqlite`): the owner's set-up, the encrypted records and the correlation seeds
/// with their consumed flags, so a restart loses nothing and never reuses a correlation entry.
///
/// Payloads are the FNN engine's versioned wire bytes; this layer stores them opaquely.
public struct FNNC1Store: Sendable {
    /// The database.
    public let database: AppDatabase

    /// The schema.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("fnn-c1-v1") { db in
            try db.create(table: "fnn_c1_setup") { t in
                t.primaryKey("singleton", .integer).check { $0 == 1 }
                t.column("payload", .blob).notNull()
            }
            try db.create(table: "fnn_c1_record") { t in
                t.primaryKey("id", .integer)
                t.column("payload", .blob).notNull()
            }
            try db.create(table: "fnn_c1_pool") { t in
                t.primaryKey("entry", .integer)
                t.column("seed", .blob)
                t.column("consumed", .boolean).notNull().defaults(to: false)
            }
        }
        return migrator
    }

    /// Opens (or creates) the store at `path`, or in memory.
    public static func open(path: String?) throws -> FNNC1Store {
        FNNC1Store(database: try AppDatabase.open(path: path, migrator: migrator))
    }

    /// Saves the set-up (replacing none: a C1 is set up once).
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when a different set-up is stored.
    public func saveSetup(_ payload: [UInt8]) throws {
        try database.writer.write { db in
            if let existing = try Data.fetchOne(db, sql: "SELECT payload FROM fnn_c1_setup WHERE singleton = 1") {
                guard Array(existing) == payload else {
                    throw StoreError.conflict(kind: "fnn setup", id: "c1", reason: "C1 is already set up with other keys")
                }
                return
            }
            try db.execute(sql: "INSERT INTO fnn_c1_setup (singleton, payload) VALUES (1, ?)", arguments: [Data(payload)])
        }
    }

    /// The stored set-up, if any.
    public func loadSetup() throws -> [UInt8]? {
        try database.writer.read { db in try Data.fetchOne(db, sql: "SELECT payload FROM fnn_c1_setup WHERE singleton = 1") }.map { Array($0) }
    }

    /// Inserts records (all or nothing).
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an id already stored.
    public func insertRecords(_ records: [(id: UInt64, payload: [UInt8])]) throws {
        try database.writer.write { db in
            for record in records {
                let key = Int64(bitPattern: record.id)
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM fnn_c1_record WHERE id = ?", arguments: [key]) == true {
                    throw StoreError.conflict(kind: "fnn record", id: "\(record.id)", reason: "already exists")
                }
                try db.execute(sql: "INSERT INTO fnn_c1_record (id, payload) VALUES (?, ?)", arguments: [key, Data(record.payload)])
            }
        }
    }

    /// Deletes records (all or nothing).
    ///
    /// - Throws: ``StoreError/notFound(kind:id:)`` for an unknown id.
    public func deleteRecords(_ ids: [UInt64]) throws {
        try database.writer.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM fnn_c1_record WHERE id = ?", arguments: [Int64(bitPattern: id)])
                guard db.changesCount == 1 else { throw StoreError.notFound(kind: "fnn record", id: "\(id)") }
            }
        }
    }

    /// Every stored record, by ascending id.
    public func allRecords() throws -> [(id: UInt64, payload: [UInt8])] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, payload FROM fnn_c1_record ORDER BY id").map { row in
                (UInt64(bitPattern: row["id"] as Int64), Array(row["payload"] as Data))
            }
        }
    }

    /// Adds correlation seeds.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an entry already known.
    public func insertPool(_ seeds: [(entry: UInt64, seed: [UInt8])]) throws {
        try database.writer.write { db in
            for seed in seeds {
                let key = Int64(bitPattern: seed.entry)
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM fnn_c1_pool WHERE entry = ?", arguments: [key]) == true {
                    throw StoreError.conflict(kind: "fnn pool entry", id: "\(seed.entry)", reason: "already exists")
                }
                try db.execute(sql: "INSERT INTO fnn_c1_pool (entry, seed) VALUES (?, ?)", arguments: [key, Data(seed.seed)])
            }
        }
    }

    /// Marks an entry consumed and forgets its seed (before the search that uses it starts).
    public func consume(entry: UInt64) throws {
        try database.writer.write { db in
            try db.execute(sql: "UPDATE fnn_c1_pool SET consumed = 1, seed = NULL WHERE entry = ?",
                           arguments: [Int64(bitPattern: entry)])
        }
    }

    /// Every pool entry: its seed (nil once consumed).
    public func poolEntries() throws -> [(entry: UInt64, seed: [UInt8]?)] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT entry, seed, consumed FROM fnn_c1_pool ORDER BY entry").map { row in
                let consumed: Bool = row["consumed"]
                return (UInt64(bitPattern: row["entry"] as Int64), consumed ? nil : (row["seed"] as Data?).map { Array($0) })
            }
        }
    }
}
