import Foundation
import MedSearchCore

/// C2's persistent state: its set-up (secret), its half of the correlation pool with consumed flags, the users'
/// query shares waiting for C1, and the hand-overs waiting for users.
///
/// - Warning: the set-up holds C2's secret (the Paillier secret key or the row-mask key). On SQLite the database
///   file is created inside a 0700 data directory; on PostgreSQL it is as protected as the database's role and
///   backups (see docs/deployment.md).
public struct FNNC2Store: RoleStore {
    /// The database.
    public let database: any StoreDatabase

    /// The schema.
    public static let schema = StoreSchema(
        name: "fnn-c2",
        migrations: [
            StoreMigration("fnn-c2-v1", sqlite: [
                "CREATE TABLE fnn_c2_setup (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), payload BLOB NOT NULL)",
                "CREATE TABLE fnn_c2_pool (entry INTEGER PRIMARY KEY, seed BLOB, consumed BOOLEAN NOT NULL DEFAULT 0)",
                "CREATE TABLE fnn_c2_pool_row (entry INTEGER NOT NULL, record_id INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (entry, record_id))",
                "CREATE TABLE fnn_c2_query_share (query_id TEXT PRIMARY KEY, payload BLOB NOT NULL, created DATETIME NOT NULL)",
                "CREATE TABLE fnn_c2_handover (query_id TEXT PRIMARY KEY, payload BLOB NOT NULL, created DATETIME NOT NULL)",
            ], postgres: [
                "CREATE TABLE fnn_c2_setup (singleton BIGINT PRIMARY KEY CHECK (singleton = 1), payload BYTEA NOT NULL)",
                "CREATE TABLE fnn_c2_pool (entry BIGINT PRIMARY KEY, seed BYTEA, consumed BIGINT NOT NULL DEFAULT 0)",
                "CREATE TABLE fnn_c2_pool_row (entry BIGINT NOT NULL, record_id BIGINT NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (entry, record_id))",
                "CREATE TABLE fnn_c2_query_share (query_id TEXT PRIMARY KEY, payload BYTEA NOT NULL, created TIMESTAMPTZ NOT NULL)",
                "CREATE TABLE fnn_c2_handover (query_id TEXT PRIMARY KEY, payload BYTEA NOT NULL, created TIMESTAMPTZ NOT NULL)",
            ]),
        ],
        tables: [
            StoreTable("fnn_c2_setup", columns: ["singleton", "payload"], key: ["singleton"]),
            StoreTable("fnn_c2_pool", columns: ["entry", "seed", "consumed"], key: ["entry"]),
            StoreTable("fnn_c2_pool_row", columns: ["entry", "record_id", "payload"], key: ["entry", "record_id"]),
            StoreTable("fnn_c2_query_share", columns: ["query_id", "payload", "created"], key: ["query_id"], dates: ["created"]),
            StoreTable("fnn_c2_handover", columns: ["query_id", "payload", "created"], key: ["query_id"], dates: ["created"]),
        ])

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

    /// One explicit pool row: the entry, the record and its 64 bytes.
    @MemberwiseInit(.public)
    public struct PoolRow: Sendable, Equatable {
        public var entry: UInt64
        public var recordID: UInt64
        public var payload: [UInt8]
    }

    /// Saves the set-up once (the same bytes again are accepted).
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when a different set-up is stored.
    public func saveSetup(_ payload: [UInt8]) async throws {
        try await database.write { tx in try FNNSetupRow.save(payload, table: "fnn_c2_setup", role: "c2", tx) }
    }

    /// The stored set-up, if any.
    public func loadSetup() async throws -> [UInt8]? {
        try await database.read { tx in try FNNSetupRow.load(table: "fnn_c2_setup", tx) }
    }

    /// Adds entry seeds (known entries keep their seed) and explicit rows (replacing rows of the same key).
    public func insertPool(seeds: [FNNC1Store.PoolEntry], rows: [PoolRow]) async throws {
        try await database.write { tx in
            for seed in seeds {
                try tx.execute("INSERT INTO fnn_c2_pool (entry, seed) VALUES (?, ?) ON CONFLICT (entry) DO NOTHING",
                               [seed.entry, seed.seed])
            }
            for row in rows {
                try tx.execute("""
                    INSERT INTO fnn_c2_pool_row (entry, record_id, payload) VALUES (?, ?, ?)
                    ON CONFLICT (entry, record_id) DO UPDATE SET payload = excluded.payload
                    """, [row.entry, row.recordID, row.payload])
            }
        }
    }

    /// Marks an entry consumed and deletes its seed and rows.
    public func consume(entry: UInt64) async throws {
        try await database.write { tx in
            try tx.execute("UPDATE fnn_c2_pool SET consumed = 1, seed = NULL WHERE entry = ?", [entry])
            try tx.execute("DELETE FROM fnn_c2_pool_row WHERE entry = ?", [entry])
        }
    }

    /// Deletes the rows of deleted records.
    public func deleteRows(recordIDs: [UInt64]) async throws {
        try await database.write { tx in
            for id in recordIDs { try tx.execute("DELETE FROM fnn_c2_pool_row WHERE record_id = ?", [id]) }
        }
    }

    /// Every pool entry (seed nil once consumed) and every stored row, in one snapshot.
    public func pool() async throws -> (entries: [FNNC1Store.PoolEntry], rows: [PoolRow]) {
        try await database.read { tx in
            let entries = try FNNPoolRows.entries(table: "fnn_c2_pool", tx)
            let rows = try tx.query("SELECT entry, record_id, payload FROM fnn_c2_pool_row ORDER BY entry, record_id", []).map { row in
                PoolRow(entry: try row.uint64("entry"), recordID: try row.uint64("record_id"), payload: try row.blob("payload"))
            }
            return (entries, rows)
        }
    }

    /// Stores a user's query share until C1 starts the search.
    public func putQueryShare(queryID: String, payload: [UInt8]) async throws {
        try await put(table: "fnn_c2_query_share", queryID: queryID, payload: payload)
    }

    /// Takes (reads and deletes) a user's query share.
    public func takeQueryShare(queryID: String) async throws -> [UInt8]? {
        try await take(table: "fnn_c2_query_share", queryID: queryID)
    }

    /// Stores a finished search's hand-over for the user.
    public func putHandover(queryID: String, payload: [UInt8]) async throws {
        try await put(table: "fnn_c2_handover", queryID: queryID, payload: payload)
    }

    /// Takes (reads and deletes) a hand-over: each is delivered once.
    public func takeHandover(queryID: String) async throws -> [UInt8]? {
        try await take(table: "fnn_c2_handover", queryID: queryID)
    }

    private func put(table: String, queryID: String, payload: [UInt8]) async throws {
        try await database.write { tx in
            try tx.execute("""
                INSERT INTO \(table) (query_id, payload, created) VALUES (?, ?, ?)
                ON CONFLICT (query_id) DO UPDATE SET payload = excluded.payload, created = excluded.created
                """, [queryID, payload, Date()])
        }
    }

    private func take(table: String, queryID: String) async throws -> [UInt8]? {
        try await database.write { tx in
            let payload = try tx.queryOne("SELECT payload FROM \(table) WHERE query_id = ?", [queryID]).map { try $0.blob("payload") }
            // Only the transaction that deletes the row delivers it (two replicas racing deliver it once).
            guard payload != nil, try tx.execute("DELETE FROM \(table) WHERE query_id = ?", [queryID]) == 1 else { return nil }
            return payload
        }
    }
}
