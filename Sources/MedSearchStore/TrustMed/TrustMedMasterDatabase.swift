import Foundation
import MedSearchCore
import Synchronization

/// The TrustMedSearch edge master's metadata database: evaluation keys, upload idempotency keys, encrypted
/// hashcode blocks and searchable records with their share placements.
///
/// A record row exists only once all n shares of its image are stored, which makes uploads atomic from the
/// owner's view; `insertRecord` is a single `INSERT ... ON CONFLICT DO NOTHING`, so of two concurrent retries
/// exactly one wins.
public struct TrustMedMasterDatabase: RoleStore {
    /// The underlying database.
    public let database: any StoreDatabase

    /// A stored record (plain values; the engine maps them to its own types).
    @MemberwiseInit(.public)
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
    }

    /// Where one share lives.
    @MemberwiseInit(.public)
    public struct Placement: Sendable, Equatable {
        /// The storage node index.
        public var nodeIndex: Int
        /// The share id.
        public var shareID: String
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
            // Incremental search reads: each record row carries the version that added it, deletions are logged
            // by version, and each block gets a sequence number that is never reused (the search layout's key).
            StoreMigration("trustmed-master-v4-incremental", sqlite: [
                "ALTER TABLE record ADD COLUMN addedVersion INTEGER NOT NULL DEFAULT 0",
                "CREATE INDEX record_on_addedVersion ON record(addedVersion)",
                "CREATE TABLE recordDeletion (version INTEGER PRIMARY KEY, blockID TEXT NOT NULL, slot INTEGER NOT NULL)",
                "ALTER TABLE block ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE recordVersion ADD COLUMN blockSeq INTEGER NOT NULL DEFAULT 0",
                "UPDATE block SET seq = (SELECT COUNT(*) FROM block AS other WHERE other.id <= block.id)",
                "UPDATE recordVersion SET blockSeq = (SELECT COUNT(*) FROM block)",
                "CREATE UNIQUE INDEX block_on_seq ON block(seq)",
            ], postgres: [
                "ALTER TABLE record ADD COLUMN addedVersion BIGINT NOT NULL DEFAULT 0",
                "CREATE INDEX record_on_addedVersion ON record(addedVersion)",
                "CREATE TABLE recordDeletion (version BIGINT PRIMARY KEY, blockID TEXT NOT NULL, slot BIGINT NOT NULL)",
                "ALTER TABLE block ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE recordVersion ADD COLUMN blockSeq BIGINT NOT NULL DEFAULT 0",
                "UPDATE block SET seq = (SELECT COUNT(*) FROM block AS other WHERE other.id <= block.id)",
                "UPDATE recordVersion SET blockSeq = (SELECT COUNT(*) FROM block)",
                "CREATE UNIQUE INDEX block_on_seq ON block(seq)",
            ]),
            // Shares about to be put for a record not inserted yet (cleared by the insert or by queueing them for
            // deletion); a master killed in between leaves them for reclaimShareIntents.
            StoreMigration("trustmed-master-v5-share-intents", sqlite: [
                "CREATE TABLE shareIntent (nodeIndex INTEGER NOT NULL, shareID TEXT NOT NULL, createdAt INTEGER NOT NULL, PRIMARY KEY (nodeIndex, shareID))",
            ], postgres: [
                "CREATE TABLE shareIntent (nodeIndex BIGINT NOT NULL, shareID TEXT NOT NULL, createdAt BIGINT NOT NULL, PRIMARY KEY (nodeIndex, shareID))",
            ]),
        ],
        tables: [
            StoreTable("keyRegistration", columns: ["id", "registration"], key: ["id"]),
            StoreTable("upload", columns: ["idempotencyKey", "requestDigest"], key: ["idempotencyKey"]),
            StoreTable("block", columns: ["id", "ciphertext", "seq"], key: ["id"]),
            StoreTable("record", columns: ["recordID", "blockID", "slot", "contentTag", "manifest", "placements",
                                           "sealedSize", "shareBytes", "addedVersion"], key: ["recordID"]),
            StoreTable("pendingShareDeletion", columns: ["nodeIndex", "shareID"], key: ["nodeIndex", "shareID"]),
            StoreTable("recordVersion", columns: ["id", "version", "blockSeq"], key: ["id"], seeded: true),
            StoreTable("recordDeletion", columns: ["version", "blockID", "slot"], key: ["version"]),
            StoreTable("shareIntent", columns: ["nodeIndex", "shareID", "createdAt"], key: ["nodeIndex", "shareID"]),
        ])

    /// The last search read: the record index at a version and the block ciphertexts. Every record change bumps
    /// the stored version in its transaction, so a search whose version is unchanged (one small read) reuses it;
    /// otherwise it reads only what changed since: record rows added after its version, the deletions logged after
    /// it, and the blocks not seen before (a block's bytes never change once stored: its id is derived from its
    /// upload's idempotency key).
    private let searchCache = SearchCache()

    final class SearchCache: Sendable {
        /// Per scope: every searchable block (ciphertexts only in scope) and the scope's view of it.
        let state = Mutex<[SearchScope: (full: SearchSnapshot, view: SearchSnapshot)]>([:])
    }

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

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
    /// A new block gets the next block sequence number (never reused, even after the block is dropped).
    public func beginUpload(idempotencyKey: [UInt8], requestDigest: [UInt8], blockID: String, ciphertext: [UInt8]) async throws {
        try await database.write { tx in
            try tx.execute("INSERT INTO upload (idempotencyKey, requestDigest) VALUES (?, ?) ON CONFLICT (idempotencyKey) DO NOTHING",
                           [idempotencyKey, requestDigest])
            guard try tx.queryOne("SELECT 1 AS present FROM block WHERE id = ?", [blockID]) == nil else { return }
            try tx.execute("UPDATE recordVersion SET blockSeq = blockSeq + 1 WHERE id = 1")
            let seq = try tx.count("SELECT blockSeq FROM recordVersion WHERE id = 1")
            try tx.execute("INSERT INTO block (id, ciphertext, seq) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                           [blockID, ciphertext, seq])
        }
    }

    /// The record with this id.
    public func record(_ recordID: String) async throws -> Record? {
        try await database.statement("SELECT * FROM record WHERE recordID = ?", [recordID]).rows.first.map(Self.decode)
    }

    /// Inserts a record; false if the id exists (of two concurrent inserts, on one process or two, exactly one wins).
    public func insertRecord(_ record: Record) async throws -> Bool {
        try await database.write { tx in
            guard try tx.queryOne("SELECT 1 AS present FROM record WHERE recordID = ?", [record.recordID]) == nil else {
                return false
            }
            // The version is bumped first: its row lock orders concurrent writers, so a row's addedVersion is the
            // version its transaction commits.
            let version = try Self.bumpVersion(tx)
            return try Self.insert(record, version: version, in: tx)
        }
    }

    /// Inserts records in one transaction (a bulk import, e.g. `store migrate`-like loads and the benchmark);
    /// per record whether it was new.
    public func insertRecords(_ records: [Record]) async throws -> [Bool] {
        try await database.write { tx in
            let version = try Self.bumpVersion(tx)
            return try records.map { try Self.insert($0, version: version, in: tx) }
        }
    }

    private static func insert(_ record: Record, version: Int64, in tx: any SQLTransaction) throws -> Bool {
        let inserted = try tx.execute("""
            INSERT INTO record (recordID, blockID, slot, contentTag, manifest, placements, sealedSize, shareBytes, addedVersion)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recordID) DO NOTHING
            """, [record.recordID, record.blockID, record.slot, record.contentTag, record.manifest,
                  encode(record.placements), record.sealedSize, record.shareBytes, version]) == 1
        // The record now refers to its shares: they are no longer an intent (a losing insert's stay until its
        // caller queues them for deletion).
        if inserted { try clearIntents(record.placements, in: tx) }
        return inserted
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
        /// The block's sequence number (assigned when it was stored, never reused).
        public var seq: Int64
        public var ciphertext: [UInt8]
        public var entries: [(slot: Int, recordID: String)]
    }

    /// The searchable state at one version of the record index: blocks sorted by sequence number.
    public struct SearchSnapshot: Sendable {
        /// The record index's version.
        public var version: Int64
        /// Every block with at least one record.
        public var blocks: [SearchableBlock]
    }

    /// Every block with at least one record, with (slot, record id) pairs sorted by slot, in one snapshot.
    public func searchableBlocks() async throws -> [SearchableBlock] { try await searchSnapshot(.all).blocks }

    /// The searchable state, read incrementally: unchanged since the last call costs one small read; otherwise only
    /// the rows added and the deletions logged since the cached version are read, and the blocks not seen before.
    public func searchSnapshot(_ scope: SearchScope = .all) async throws -> SearchSnapshot {
        let cache = searchCache
        let current = try await database.statement("SELECT version FROM recordVersion WHERE id = 1", []).rows.first
        if let current, let cached = cache.state.withLock({ $0[scope] }), cached.view.version == (try current.int64("version")) {
            return cached.view
        }
        let snapshot = try await database.read { tx in
            let version = Int64(try tx.count("SELECT version FROM recordVersion WHERE id = 1"))
            let cached = cache.state.withLock { $0[scope] }
            if let cached, cached.full.version == version { return cached }
            let full = try Self.readSnapshot(version: version, since: cached?.full, scope: scope, in: tx)
            return (full, SearchSnapshot(version: version, blocks: full.blocks.filter { scope.contains($0.seq) }))
        }
        cache.state.withLock { state in
            if (state[scope]?.full.version ?? Int64.min) < snapshot.full.version { state[scope] = snapshot }
        }
        return snapshot.view
    }

    private static func readSnapshot(version: Int64, since cached: SearchSnapshot?, scope: SearchScope,
                                     in tx: any SQLTransaction) throws -> SearchSnapshot {
        var entries: [String: [Int: String]] = [:]
        var known: [String: (seq: Int64, ciphertext: [UInt8])] = [:]
        if let cached, cached.version < version {
            for block in cached.blocks {
                entries[block.blockID] = Dictionary(uniqueKeysWithValues: block.entries.map { ($0.slot, $0.recordID) })
                known[block.blockID] = (block.seq, block.ciphertext)
            }
            // Deletions first, then the rows added since: what is in the table now wins.
            for row in try tx.query("SELECT blockID, slot FROM recordDeletion WHERE version > ?", [cached.version]) {
                entries[try row.text("blockID")]?[try row.int("slot")] = nil
            }
            for row in try tx.query("SELECT blockID, slot, recordID FROM record WHERE addedVersion > ?", [cached.version]) {
                entries[try row.text("blockID"), default: [:]][try row.int("slot")] = try row.text("recordID")
            }
        } else {
            for row in try tx.query("SELECT blockID, slot, recordID FROM record", []) {
                entries[try row.text("blockID"), default: [:]][try row.int("slot")] = try row.text("recordID")
            }
        }
        var blocks: [SearchableBlock] = []
        for (id, slots) in entries where !slots.isEmpty {
            if known[id] == nil {
                guard let row = try tx.queryOne("SELECT seq FROM block WHERE id = ?", [id]) else {
                    throw StoreError.corrupt(kind: "record", id: id, reason: "refers to a missing block")
                }
                let seq = try row.int64("seq")
                var ciphertext: [UInt8] = []
                if scope.ciphertexts, scope.contains(seq),
                   let bytes = try tx.queryOne("SELECT ciphertext FROM block WHERE id = ?", [id]) {
                    ciphertext = try bytes.blob("ciphertext")
                }
                known[id] = (seq, ciphertext)
            }
            guard let block = known[id] else { continue }
            blocks.append(SearchableBlock(blockID: id, seq: block.seq, ciphertext: block.ciphertext,
                                          entries: slots.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
        // Only live blocks are kept: a deleted block's bytes go with its last record.
        blocks.sort { $0.seq < $1.seq }
        return SearchSnapshot(version: version, blocks: blocks)
    }

    /// Bumps the record index's version and returns the new one.
    @discardableResult
    private static func bumpVersion(_ tx: any SQLTransaction) throws -> Int64 {
        try tx.execute("UPDATE recordVersion SET version = version + 1 WHERE id = 1")
        return Int64(try tx.count("SELECT version FROM recordVersion WHERE id = 1"))
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
            let version = try Self.bumpVersion(tx)
            try tx.execute("INSERT INTO recordDeletion (version, blockID, slot) VALUES (?, ?, ?)",
                           [version, record.blockID, record.slot])
            try Self.enqueue(record.placements, in: tx)
            return record
        }
    }

    /// Queues share deletions.
    public func enqueueShareDeletions(_ placements: [Placement]) async throws {
        guard !placements.isEmpty else { return }
        try await database.write { tx in try Self.enqueue(placements, in: tx) }
    }

    /// Records that shares are about to be put at `placements` (the time is the writer's clock, in seconds).
    public func recordShareIntents(_ placements: [Placement]) async throws {
        guard !placements.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970)
        try await database.write { tx in
            for placement in placements {
                try tx.execute("""
                    INSERT INTO shareIntent (nodeIndex, shareID, createdAt) VALUES (?, ?, ?)
                    ON CONFLICT (nodeIndex, shareID) DO NOTHING
                    """, [placement.nodeIndex, placement.shareID, now])
            }
        }
    }

    /// Moves the share intents recorded at least `age` ago into the deletion queue, in one transaction; returns
    /// how many.
    public func reclaimShareIntents(olderThan age: Duration) async throws -> Int {
        let cutoff = Int64(Date().timeIntervalSince1970) - age.components.seconds
        return try await database.write { tx in
            let stale = try tx.query("SELECT nodeIndex, shareID FROM shareIntent WHERE createdAt <= ?", [cutoff]).map {
                Placement(nodeIndex: try $0.int("nodeIndex"), shareID: try $0.text("shareID"))
            }
            try Self.enqueue(stale, in: tx)
            return stale.count
        }
    }

    private static func clearIntents(_ placements: [Placement], in tx: any SQLTransaction) throws {
        for placement in placements {
            try tx.execute("DELETE FROM shareIntent WHERE nodeIndex = ? AND shareID = ?", [placement.nodeIndex, placement.shareID])
        }
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
        try clearIntents(placements, in: tx)
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
