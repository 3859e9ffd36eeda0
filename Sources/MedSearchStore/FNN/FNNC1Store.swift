import Foundation

/// C1's persistent state: the owner's set-up, the encrypted records and the correlation seeds with their consumed
/// flags, so a restart loses nothing and never reuses a correlation entry.
///
/// Payloads are the FNN engine's versioned wire bytes; this layer stores them opaquely. Record inserts are
/// idempotent per record id (the same bytes again are skipped), so an interrupted upload can be re-sent.
public struct FNNC1Store: Sendable {
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
        ],
        tables: [
            StoreTable("fnn_c1_setup", columns: ["singleton", "payload"], key: ["singleton"]),
            StoreTable("fnn_c1_record", columns: ["id", "payload"], key: ["id"]),
            StoreTable("fnn_c1_pool", columns: ["entry", "seed", "consumed"], key: ["entry"]),
        ])

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

    /// Opens (or creates) the store at `location`.
    public static func open(_ location: StoreLocation) async throws -> FNNC1Store {
        FNNC1Store(database: try await location.open(schema: schema))
    }

    /// One stored record: its id and its wire bytes.
    public struct Record: Sendable, Equatable {
        public var id: UInt64
        public var payload: [UInt8]

        public init(id: UInt64, payload: [UInt8]) {
            self.id = id
            self.payload = payload
        }
    }

    /// A pool entry: its index and seed (nil once consumed).
    public struct PoolEntry: Sendable, Equatable {
        public var entry: UInt64
        public var seed: [UInt8]?

        public init(entry: UInt64, seed: [UInt8]?) {
            self.entry = entry
            self.seed = seed
        }
    }

    /// Saves the set-up (replacing none: a C1 is set up once; the same bytes again are accepted).
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when a different set-up is stored.
    public func saveSetup(_ payload: [UInt8]) async throws {
        try await database.write { tx in try FNNSetupRow.save(payload, table: "fnn_c1_setup", role: "c1", tx) }
    }

    /// The stored set-up, if any.
    public func loadSetup() async throws -> [UInt8]? {
        try await database.read { tx in try FNNSetupRow.load(table: "fnn_c1_setup", tx) }
    }

    /// Inserts records, all or nothing; a record already stored with the same bytes is skipped. The ids added.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an id stored with other bytes.
    @discardableResult
    public func insertRecords(_ records: [Record]) async throws -> [UInt64] {
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
            return added
        }
    }

    /// Deletes records (all or nothing).
    ///
    /// - Throws: ``StoreError/notFound(kind:id:)`` for an unknown id.
    public func deleteRecords(_ ids: [UInt64]) async throws {
        try await database.write { tx in
            for id in ids where try tx.execute("DELETE FROM fnn_c1_record WHERE id = ?", [id]) != 1 {
                throw StoreError.notFound(kind: "fnn record", id: "\(id)")
            }
        }
    }

    /// Every stored record, by ascending id.
    public func allRecords() async throws -> [Record] {
        try await database.read { tx in
            // Ids are stored as their Int64 bit pattern: sort as unsigned here.
            try tx.query("SELECT id, payload FROM fnn_c1_record", []).map {
                Record(id: try $0.uint64("id"), payload: try $0.blob("payload"))
            }.sorted { $0.id < $1.id }
        }
    }

    /// Adds correlation seeds.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an entry already known.
    public func insertPool(_ seeds: [PoolEntry]) async throws {
        try await database.write { tx in
            for seed in seeds where try tx.execute(
                "INSERT INTO fnn_c1_pool (entry, seed) VALUES (?, ?) ON CONFLICT (entry) DO NOTHING", [seed.entry, seed.seed]) != 1 {
                throw StoreError.conflict(kind: "fnn pool entry", id: "\(seed.entry)", reason: "already exists")
            }
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
    static func save(_ payload: [UInt8], table: String, role: String, _ tx: any SQLTransaction) throws {
        if try tx.execute("INSERT INTO \(table) (singleton, payload) VALUES (1, ?) ON CONFLICT (singleton) DO NOTHING", [payload]) == 1 {
            return
        }
        guard try load(table: table, tx) == payload else {
            throw StoreError.conflict(kind: "fnn setup", id: role, reason: "\(role.uppercased()) is already set up with other keys")
        }
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
