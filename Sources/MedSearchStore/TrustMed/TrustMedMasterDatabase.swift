import Foundation
import Synchronization

/// The TrustMedSearch edge master's metadata database: evaluation keys, upload idempotency keys, encrypted
/// hashcode blocks and searchable records with their share placements.
///
/// A record row exists only once all n shares of its image are stored, which makes uploads atomic from the
/// owner's view; `insertRecord` is a single `INSERT ... ON CONFLICT DO NOTHING`, so of two concurrent retries
/// exactly one wins.
public struct TrustMedMasterDatabase: Sendable {
    /// The underlying database.
    public let database: any StoreDatabase

    /// A stored record (plain values; the engine maps them to its own types).
    public struct Record: Sendable, Equatable {
        /// The owner's record id.
        public var recordID: String
        /// The block holding its encrypted hashcode.
        public var blockID: String
        /// The slot within the block.
        public var slot: Int
        /// The owner's keyed content tag.
        public var contentTag: [UInt8]
        /// The signed share manifest.
        public var manifest: [UInt8]
        /// (node index, share id) per share.
        public var placements: [Placement]
        /// The sealed image's size.
        public var sealedSize: Int
        /// The total size of its shares.
        public var shareBytes: Int

        /// Creates a record.
        public init(recordID: String, blockID: String, slot: Int, contentTag: [UInt8], manifest: [UInt8],
                    placements: [Placement], sealedSize: Int, shareBytes: Int) {
            self.recordID = recordID
            self.blockID = blockID
            self.slot = slot
            self.contentTag = contentTag
            self.manifest = manifest
            self.placements = placements
            self.sealedSize = sealedSize
            self.shareBytes = shareBytes
        }
    }

    /// Where one share lives.
    public struct Placement: Sendable, Equatable {
        /// The storage node index.
        public var nodeIndex: Int
        /// The share id.
        public var shareID: String

        /// Creates a placement.
        public init(nodeIndex: Int, shareID: String) {
            self.nodeIndex = nodeIndex
            self.shareID = shareID
        }
    }

    /// The schema.
    public static let schema = StoreSchema(
        name: "trustmed-master",
        migrations: [
            StoreMigration("trustmed-master-v1", sqlite: [
                "CREATE TABLE keyRegistration (id INTEGER PRIMARY KEY CHECK (id = 1), registration BLOB NOT NULL)",
                "CREATE TABLE upload (idempotencyKey BLOB PRIMARY KEY, requestDigest BLOB NOT NULL)",
                "CREATE TABLE block (id TEXT PRIMARY KEY, ciphertext BLOB NOT NULL)",
                """
                CREATE TABLE record (recordID TEXT PRIMARY KEY, blockID TEXT NOT NULL REFERENCES block(id) ON DELETE RESTRICT,
                    slot INTEGER NOT NULL, contentTag BLOB NOT NULL, manifest BLOB NOT NULL, placements TEXT NOT NULL,
                    sealedSize INTEGER NOT NULL, shareBytes INTEGER NOT NULL)
                """,
                "CREATE INDEX record_on_blockID ON record(blockID)",
            ], postgres: [
                "CREATE TABLE keyRegistration (id BIGINT PRIMARY KEY CHECK (id = 1), registration BYTEA NOT NULL)",
                "CREATE TABLE upload (idempotencyKey BYTEA PRIMARY KEY, requestDigest BYTEA NOT NULL)",
                "CREATE TABLE block (id TEXT PRIMARY KEY, ciphertext BYTEA NOT NULL)",
                """
                CREATE TABLE record (recordID TEXT PRIMARY KEY, blockID TEXT NOT NULL REFERENCES block(id) ON DELETE RESTRICT,
                    slot BIGINT NOT NULL, contentTag BYTEA NOT NULL, manifest BYTEA NOT NULL, placements TEXT NOT NULL,
                    sealedSize BIGINT NOT NULL, shareBytes BIGINT NOT NULL)
                """,
                "CREATE INDEX record_on_blockID ON record(blockID)",
            ]),
            // Shares to delete on the nodes (deleted records, orphaned or replaced shares) until a node confirms.
            StoreMigration("trustmed-master-v2-deletions", sqlite: [
                "CREATE TABLE pendingShareDeletion (nodeIndex INTEGER NOT NULL, shareID TEXT NOT NULL, PRIMARY KEY (nodeIndex, shareID))",
            ], postgres: [
                "CREATE TABLE pendingShareDeletion (nodeIndex BIGINT NOT NULL, shareID TEXT NOT NULL, PRIMARY KEY (nodeIndex, shareID))",
            ]),
            // The record index's version, bumped with every record change (replicas and the search cache).
            StoreMigration("trustmed-master-v3-version", sqlite: [
                "CREATE TABLE recordVersion (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
                "INSERT INTO recordVersion (id, version) VALUES (1, 0)",
            ], postgres: [
                "CREATE TABLE recordVersion (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)",
                "INSERT INTO recordVersion (id, version) VALUES (1, 0)",
            ]),
        ],
        tables: [
            StoreTable("keyRegistration", columns: ["id", "registration"], key: ["id"]),
            StoreTable("upload", columns: ["idempotencyKey", "requestDigest"], key: ["idempotencyKey"]),
            StoreTable("block", columns: ["id", "ciphertext"], key: ["id"]),
            StoreTable("record", columns: ["recordID", "blockID", "slot", "contentTag", "manifest", "placements",
                                           "sealedSize", "shareBytes"], key: ["recordID"]),
            StoreTable("pendingShareDeletion", columns: ["nodeIndex", "shareID"], key: ["nodeIndex", "shareID"]),
            StoreTable("recordVersion", columns: ["id", "version"], key: ["id"], seeded: true),
        ])

    /// The last search read: the record index at a version and the block ciphertexts. Every record change bumps
    /// the stored version in its transaction, so a search whose version is unchanged (one small read) reuses it;
    /// otherwise it reads the record index again and only the blocks not seen before (a block's bytes never change
    /// once stored: its id is derived from its upload's idempotency key).
    private let searchCache = SearchCache()

    final class SearchCache: Sendable {
        let state = Mutex<(version: Int64, blocks: [SearchableBlock])?>(nil)
    }

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

    /// Opens (or creates) the store at `location`.
    public static func open(_ location: StoreLocation) async throws -> TrustMedMasterDatabase {
        TrustMedMasterDatabase(database: try await location.open(schema: schema))
    }

    /// The registered evaluation keys (serialised), if any.
    public func keyRegistration() async throws -> [UInt8]? {
        try await database.read { tx in
            try tx.queryOne("SELECT registration FROM keyRegistration WHERE id = 1").map { try $0.blob("registration") }
        }
    }

    /// Stores (replaces) the serialised evaluation keys.
    public func saveKeyRegistration(_ bytes: [UInt8]) async throws {
        try await database.write { tx in
            try tx.execute("""
                INSERT INTO keyRegistration (id, registration) VALUES (1, ?)
                ON CONFLICT (id) DO UPDATE SET registration = excluded.registration
                """, [bytes])
        }
    }

    /// The request digest recorded for an idempotency key.
    public func requestDigest(forIdempotencyKey key: [UInt8]) async throws -> [UInt8]? {
        try await database.read { tx in
            try tx.queryOne("SELECT requestDigest FROM upload WHERE idempotencyKey = ?", [key]).map { try $0.blob("requestDigest") }
        }
    }

    /// Records an idempotency key and stores its block, both only if absent, in one transaction.
    public func beginUpload(idempotencyKey: [UInt8], requestDigest: [UInt8], blockID: String, ciphertext: [UInt8]) async throws {
        try await database.write { tx in
            try tx.execute("INSERT INTO upload (idempotencyKey, requestDigest) VALUES (?, ?) ON CONFLICT (idempotencyKey) DO NOTHING",
                           [idempotencyKey, requestDigest])
            try tx.execute("INSERT INTO block (id, ciphertext) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", [blockID, ciphertext])
        }
    }

    /// The record with this id.
    public func record(_ recordID: String) async throws -> Record? {
        try await database.statement("SELECT * FROM record WHERE recordID = ?", [recordID]).rows.first.map(Self.decode)
    }

    /// Inserts a record; false if the id exists (of two concurrent inserts, on one process or two, exactly one wins).
    public func insertRecord(_ record: Record) async throws -> Bool {
        try await database.write { tx in
            let inserted = try tx.execute("""
                INSERT INTO record (recordID, blockID, slot, contentTag, manifest, placements, sealedSize, shareBytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recordID) DO NOTHING
                """, [record.recordID, record.blockID, record.slot, record.contentTag, record.manifest,
                      Self.encode(record.placements), record.sealedSize, record.shareBytes]) == 1
            if inserted { try Self.bumpVersion(tx) }
            return inserted
        }
    }

    /// Inserts records in one transaction (a bulk import, e.g. `store migrate`-like loads and the benchmark);
    /// per record whether it was new.
    public func insertRecords(_ records: [Record]) async throws -> [Bool] {
        try await database.write { tx in
            let inserted = try records.map { record in
                try tx.execute("""
                    INSERT INTO record (recordID, blockID, slot, contentTag, manifest, placements, sealedSize, shareBytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recordID) DO NOTHING
                    """, [record.recordID, record.blockID, record.slot, record.contentTag, record.manifest,
                          Self.encode(record.placements), record.sealedSize, record.shareBytes]) == 1
            }
            if inserted.contains(true) { try Self.bumpVersion(tx) }
            return inserted
        }
    }

    /// Replaces a record's manifest and placements.
    public func updateShares(recordID: String, manifest: [UInt8], placements: [Placement], shareBytes: Int) async throws {
        try await database.write { tx in
            try tx.execute("UPDATE record SET manifest = ?, placements = ?, shareBytes = ? WHERE recordID = ?",
                           [manifest, Self.encode(placements), shareBytes, recordID])
            try Self.bumpVersion(tx)
        }
    }

    /// A block with at least one record, and its (slot, record id) pairs sorted by slot.
    public struct SearchableBlock: Sendable {
        public var blockID: String
        public var ciphertext: [UInt8]
        public var entries: [(slot: Int, recordID: String)]
    }

    /// Every block with at least one record, with (slot, record id) pairs sorted by slot, in one snapshot.
    public func searchableBlocks() async throws -> [SearchableBlock] {
        let cache = searchCache
        // Unchanged since the last search: one small read.
        let current = try await database.statement("SELECT version FROM recordVersion WHERE id = 1", []).rows.first
        if let current, let cached = cache.state.withLock({ $0 }), cached.version == (try current.int64("version")) {
            return cached.blocks
        }
        return try await database.read { tx in
            let version = Int64(try tx.count("SELECT version FROM recordVersion WHERE id = 1"))
            if let cached = cache.state.withLock({ $0 }), cached.version == version { return cached.blocks }
            var entries: [String: [(slot: Int, recordID: String)]] = [:]
            for row in try tx.query("SELECT blockID, slot, recordID FROM record ORDER BY blockID, slot", []) {
                entries[try row.text("blockID"), default: []].append((try row.int("slot"), try row.text("recordID")))
            }
            var known: [String: [UInt8]] = [:]
            for block in cache.state.withLock({ $0?.blocks ?? [] }) { known[block.blockID] = block.ciphertext }
            var blocks: [SearchableBlock] = []
            for id in entries.keys.sorted() {
                if known[id] == nil {
                    guard let row = try tx.queryOne("SELECT ciphertext FROM block WHERE id = ?", [id]) else {
                        throw StoreError.corrupt(kind: "record", id: id, reason: "refers to a missing block")
                    }
                    known[id] = try row.blob("ciphertext")
                }
                blocks.append(SearchableBlock(blockID: id, ciphertext: known[id] ?? [], entries: entries[id] ?? []))
            }
            // Only live blocks are kept: a deleted block's bytes go with its last record.
            cache.state.withLock { $0 = (version, blocks) }
            return blocks
        }
    }

    private static func bumpVersion(_ tx: any SQLTransaction) throws {
        try tx.execute("UPDATE recordVersion SET version = version + 1 WHERE id = 1")
    }

    /// Every record id, sorted.
    public func recordIDs() async throws -> [String] {
        try await database.read { tx in try tx.query("SELECT recordID FROM record ORDER BY recordID", []).map { try $0.text("recordID") } }
    }

    /// Record count, total sealed bytes and total share bytes.
    public func totals() async throws -> (records: Int, sealedBytes: Int, shareBytes: Int) {
        let row = try await database.read { tx in
            try tx.queryOne("""
                SELECT COUNT(*) AS c, CAST(COALESCE(SUM(sealedSize), 0) AS BIGINT) AS s,
                       CAST(COALESCE(SUM(shareBytes), 0) AS BIGINT) AS b FROM record
                """)
        }
        guard let row else { return (0, 0, 0) }
        return (try row.int("c"), try row.int("s"), try row.int("b"))
    }

    /// Deletes a block no record refers to.
    public func deleteBlockIfUnused(_ blockID: String) async throws {
        try await database.write { tx in
            try tx.execute("DELETE FROM block WHERE id = ? AND NOT EXISTS (SELECT 1 FROM record WHERE blockID = ?)", [blockID, blockID])
        }
    }

    /// Removes a record and queues its shares for deletion, in one transaction; returns the removed record.
    public func deleteRecord(_ recordID: String) async throws -> Record? {
        try await database.write { tx in
            guard let record = try tx.queryOne("SELECT * FROM record WHERE recordID = ?", [recordID]).map(Self.decode) else {
                return nil
            }
            // Of two replicas deleting the same record, only the one whose DELETE removed the row reports it.
            guard try tx.execute("DELETE FROM record WHERE recordID = ?", [recordID]) == 1 else { return nil }
            try Self.bumpVersion(tx)
            try Self.enqueue(record.placements, in: tx)
            return record
        }
    }

    /// Queues share deletions.
    public func enqueueShareDeletions(_ placements: [Placement]) async throws {
        guard !placements.isEmpty else { return }
        try await database.write { tx in try Self.enqueue(placements, in: tx) }
    }

    /// Queued share deletions, at most `limit`, ordered by node and share id.
    public func pendingShareDeletions(limit: Int) async throws -> [Placement] {
        try await database.read { tx in
            try tx.query("SELECT nodeIndex, shareID FROM pendingShareDeletion ORDER BY nodeIndex, shareID LIMIT ?", [max(0, limit)]).map {
                Placement(nodeIndex: try $0.int("nodeIndex"), shareID: try $0.text("shareID"))
            }
        }
    }

    /// Removes confirmed share deletions from the queue.
    public func completeShareDeletions(_ placements: [Placement]) async throws {
        guard !placements.isEmpty else { return }
        try await database.write { tx in
            for placement in placements {
                try tx.execute("DELETE FROM pendingShareDeletion WHERE nodeIndex = ? AND shareID = ?",
                               [placement.nodeIndex, placement.shareID])
            }
        }
    }

    private static func enqueue(_ placements: [Placement], in tx: any SQLTransaction) throws {
        for placement in placements {
            try tx.execute("INSERT INTO pendingShareDeletion (nodeIndex, shareID) VALUES (?, ?) ON CONFLICT (nodeIndex, shareID) DO NOTHING",
                           [placement.nodeIndex, placement.shareID])
        }
    }

    private static func encode(_ placements: [Placement]) -> String {
        placements.map { "\($0.nodeIndex):\($0.shareID)" }.joined(separator: ",")
    }

    private static func decode(_ row: SQLRow) throws -> Record {
        let recordID = try row.text("recordID")
        var placements = [Placement]()
        for part in try row.text("placements").split(separator: ",") {
            let pieces = part.split(separator: ":")
            guard pieces.count == 2, let index = Int(pieces[0]) else {
                throw StoreError.corrupt(kind: "record", id: recordID, reason: "share placements")
            }
            placements.append(Placement(nodeIndex: index, shareID: String(pieces[1])))
        }
        return Record(recordID: recordID, blockID: try row.text("blockID"), slot: try row.int("slot"),
                      contentTag: try row.blob("contentTag"), manifest: try row.blob("manifest"), placements: placements,
                      sealedSize: try row.int("sealedSize"), shareBytes: try row.int("shareBytes"))
    }
}
