import Foundation
import MedSearchCore

/// C1's persistent state: the owner's set-up, the encrypted records and the correlation seeds with their consumed
/// flags, so a restart loses nothing and never reuses a correlation entry.
///
/// Payloads are the FNN engine's versioned wire bytes; this layer stores them opaquely. Record inserts are
/// idempotent per record id (the same bytes again are skipped), so an interrupted upload can be re-sent. Every
/// change of the set-up, the records or the pool bumps a version in its transaction, so a replica (another
/// `serve fnn-c1` on the same PostgreSQL) sees that its in-memory state is stale; consuming a correlation entry
/// does not (a replica learns it when its own `consume` of that entry is refused).
public struct FNNC1Store: RoleStore {
    /// The database.
    public let database: any StoreDatabase

    /// The schema.
    public static let schema = StoreSchema(
        name: "fnn-c1",
        migrations: [
            StoreMigration("fnn-c1-v1", sqlite: [
                "CREATE TABLE fnn_c1_setup (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), payload BLOB NOT NULL)",
                "CREATE TABLE fnn_c1_record (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)",
                "CREATE TABLE fnn_c1_pool (entry INTEGER PRIMARY KEY, seed BLOB, consumed BOOLEAN NOT NULL DEFAULT 0)",
            ], postgres: [
                "CREATE TABLE fnn_c1_setup (singleton BIGINT PRIMARY KEY CHECK (singleton = 1), payload BYTEA NOT NULL)",
                "CREATE TABLE fnn_c1_record (id BIGINT PRIMARY KEY, payload BYTEA NOT NULL)",
                "CREATE TABLE fnn_c1_pool (entry BIGINT PRIMARY KEY, seed BYTEA, consumed BIGINT NOT NULL DEFAULT 0)",
            ]),
            StoreMigration("fnn-c1-v2-version", sqlite: [
                "CREATE TABLE fnn_c1_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), version INTEGER NOT NULL)",
                "INSERT INTO fnn_c1_state (singleton, version) VALUES (1, 0)",
            ], postgres: [
                "CREATE TABLE fnn_c1_state (singleton BIGINT PRIMARY KEY CHECK (singleton = 1), version BIGINT NOT NULL)",
                "INSERT INTO fnn_c1_state (singleton, version) VALUES (1, 0)",
            ]),
        ],
        tables: [
            StoreTable("fnn_c1_setup", columns: ["singleton", "payload"], key: ["singleton"]),
            StoreTable("fnn_c1_record", columns: ["id", "payload"], key: ["id"]),
            StoreTable("fnn_c1_pool", columns: ["entry", "seed", "consumed"], key: ["entry"]),
            StoreTable("fnn_c1_state", columns: ["singleton", "version"], key: ["singleton"], seeded: true),
        ])

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

    /// One stored record: its id and its wire bytes.
    @MemberwiseInit(.public)
    public struct Record: Sendable, Equatable {
        public var id: UInt64
        public var payload: [UInt8]
    }

    /// A pool entry: its index and seed (nil once consumed).
    @MemberwiseInit(.public)
    public struct PoolEntry: Sendable, Equatable {
        public var entry: UInt64
        public var seed: [UInt8]?
    }

    /// Everything C1 keeps, read in one snapshot, with its version.
    public struct State: Sendable {
        public var version: Int64
        public var setup: [UInt8]?
        public var records: [Record]
        public var pool: [PoolEntry]
    }

    /// The whole state, consistently.
    public func loadState() async throws -> State {
        try await database.read { tx in
            State(version: Int64(try tx.count("SELECT version FROM fnn_c1_state WHERE singleton = 1")),
                  setup: try FNNSetupRow.load(table: "fnn_c1_setup", tx),
                  records: try Self.records(tx), pool: try FNNPoolRows.entries(table: "fnn_c1_pool", tx))
        }
    }

    /// The state's version.
    public func version() async throws -> Int64 {
        try await database.statement("SELECT version FROM fnn_c1_state WHERE singleton = 1", []).rows.first?.int64("version") ?? 0
    }

    private static func bump(_ tx: any SQLTransaction) throws -> Int64 {
        try tx.execute("UPDATE fnn_c1_state SET version = version + 1 WHERE singleton = 1")
        return Int64(try tx.count("SELECT version FROM fnn_c1_state WHERE singleton = 1"))
    }

    private static func current(_ tx: any SQLTransaction) throws -> Int64 {
        Int64(try tx.count("SELECT version FROM fnn_c1_state WHERE singleton = 1"))
    }

    /// Saves the set-up (replacing none: a C1 is set up once; the same bytes again are accepted). The version after.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when a different set-up is stored.
    @discardableResult
    public func saveSetup(_ payload: [UInt8]) async throws -> Int64 {
        try await database.write { tx in
            try FNNSetupRow.save(payload, table: "fnn_c1_setup", role: "c1", tx) ? try Self.bump(tx) : try Self.current(tx)
        }
    }

    /// The stored set-up, if any.
    public func loadSetup() async throws -> [UInt8]? {
        try await database.read { tx in try FNNSetupRow.load(table: "fnn_c1_setup", tx) }
    }

    /// Inserts records, all or nothing; a record already stored with the same bytes is skipped. The ids added and
    /// the version after.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an id stored with other bytes.
    @discardableResult
    public func insertRecords(_ records: [Record]) async throws -> (added: [UInt64], version: Int64) {
        try await database.write { tx in
            var added: [UInt64] = []
            for record in records {
                if try tx.execute("INSERT INTO fnn_c1_record (id, payload) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                                  [record.id, record.payload]) == 1 {
                    added.append(record.id)
                } else if try tx.queryOne("SELECT payload FROM fnn_c1_record WHERE id = ?", [record.id])?.blob("payload") != record.payload {
                    throw StoreError.conflict(kind: "fnn record", id: "\(record.id)", reason: "already exists with other contents")
                }
            }
            return (added, added.isEmpty ? try Self.current(tx) : try Self.bump(tx))
        }
    }

    /// Deletes records (all or nothing). The version after.
    ///
    /// - Throws: ``StoreError/notFound(kind:id:)`` for an unknown id.
    @discardableResult
    public func deleteRecords(_ ids: [UInt64]) async throws -> Int64 {
        try await database.write { tx in
            for id in ids where try tx.execute("DELETE FROM fnn_c1_record WHERE id = ?", [id]) != 1 {
                throw StoreError.notFound(kind: "fnn record", id: "\(id)")
            }
            return try Self.bump(tx)
        }
    }

    /// Every stored record, by ascending id.
    public func allRecords() async throws -> [Record] {
        try await database.read { tx in try Self.records(tx) }
    }

    private static func records(_ tx: any SQLTransaction) throws -> [Record] {
        // Ids are stored as their Int64 bit pattern: sort as unsigned here.
        try tx.query("SELECT id, payload FROM fnn_c1_record", []).map {
            Record(id: try $0.uint64("id"), payload: try $0.blob("payload"))
        }.sorted { $0.id < $1.id }
    }

    /// Adds correlation seeds. The version after.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an entry already known.
    @discardableResult
    public func insertPool(_ seeds: [PoolEntry]) async throws -> Int64 {
        try await database.write { tx in
            for seed in seeds where try tx.execute(
                "INSERT INTO fnn_c1_pool (entry, seed) VALUES (?, ?) ON CONFLICT (entry) DO NOTHING", [seed.entry, seed.seed]) != 1 {
                throw StoreError.conflict(kind: "fnn pool entry", id: "\(seed.entry)", reason: "already exists")
            }
            return try Self.bump(tx)
        }
    }

    /// Marks an entry consumed and forgets its seed (before the search that uses it starts).
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when the entry was already consumed (by a replica).
    public func consume(entry: UInt64) async throws {
        try await database.write { tx in
            guard try tx.execute("UPDATE fnn_c1_pool SET consumed = 1, seed = NULL WHERE entry = ? AND consumed = 0", [entry]) == 1 else {
                throw StoreError.conflict(kind: "fnn pool entry", id: "\(entry)", reason: "already consumed")
            }
        }
    }

    /// Every pool entry: its seed (nil once consumed).
    public func poolEntries() async throws -> [PoolEntry] {
        try await database.read { tx in try FNNPoolRows.entries(table: "fnn_c1_pool", tx) }
    }
}

/// The set-up row both FNN clouds keep (one payload, saved once).
enum FNNSetupRow {
    /// Saves it; whether it was new (the same payload again: false).
    @discardableResult
    static func save(_ payload: [UInt8], table: String, role: String, _ tx: any SQLTransaction) throws -> Bool {
        if try tx.execute("INSERT INTO \(table) (singleton, payload) VALUES (1, ?) ON CONFLICT (singleton) DO NOTHING", [payload]) == 1 {
            return true
        }
        guard try load(table: table, tx) == payload else {
            throw StoreError.conflict(kind: "fnn setup", id: role, reason: "\(role.uppercased()) is already set up with other keys")
        }
        return false
    }

    static func load(table: String, _ tx: any SQLTransaction) throws -> [UInt8]? {
        try tx.queryOne("SELECT payload FROM \(table) WHERE singleton = 1").map { try $0.blob("payload") }
    }
}

/// The pool entries both FNN clouds keep.
enum FNNPoolRows {
    static func entries(table: String, _ tx: any SQLTransaction) throws -> [FNNC1Store.PoolEntry] {
        try tx.query("SELECT entry, seed, consumed FROM \(table) ORDER BY entry", []).map { row in
            FNNC1Store.PoolEntry(entry: try row.uint64("entry"), seed: try row.bool("consumed") ? nil : try row.optionalBlob("seed"))
        }
    }
}
