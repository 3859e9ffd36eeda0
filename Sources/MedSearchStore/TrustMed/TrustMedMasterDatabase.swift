import Foundation
import GRDB

/// The TrustMedSearch edge master's metadata database: evaluation keys, upload idempotency keys, encrypted
/// hashcode blocks and searchable records with their share placements.
///
/// A record row exists only once all n shares of its image are stored, which makes uploads atomic from the
/// owner's view; `insertRecord` is a single `INSERT ... ON CONFLICT DO NOTHING`, so of two concurrent retries
/// exactly one wins.
public struct TrustMedMasterDatabase: Sendable {
    /// The underlying database.
    public let database: AppDatabase

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
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("trustmed-master-v1") { db in
            try db.create(table: "keyRegistration") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("registration", .blob).notNull()
            }
            try db.create(table: "upload") { t in
                t.column("idempotencyKey", .blob).primaryKey()
                t.column("requestDigest", .blob).notNull()
            }
            try db.create(table: "block") { t in
                t.column("id", .text).primaryKey()
                t.column("ciphertext", .blob).notNull()
            }
            try db.create(table: "record") { t in
                t.column("recordID", .text).primaryKey()
                t.column("blockID", .text).notNull().indexed().references("block", onDelete: .restrict)
                t.column("slot", .integer).notNull()
                t.column("contentTag", .blob).notNull()
                t.column("manifest", .blob).notNull()
                t.column("placements", .text).notNull()
                t.column("sealedSize", .integer).notNull()
                t.column("shareBytes", .integer).notNull()
            }
        }
        migrator.registerMigration("trustmed-master-v2-deletions") { db in
            // Shares to delete on the nodes (deleted records, orphaned or replaced shares) until a node confirms.
            try db.create(table: "pendingShareDeletion") { t in
                t.column("nodeIndex", .integer).notNull()
                t.column("shareID", .text).notNull()
                t.primaryKey(["nodeIndex", "shareID"])
            }
        }
        return migrator
    }

    /// Opens (creating) the database at `path`, or in memory when nil.
    public static func open(path: String?) throws -> TrustMedMasterDatabase {
        TrustMedMasterDatabase(database: try AppDatabase.open(path: path, migrator: migrator))
    }

    private var writer: any DatabaseWriter { database.writer }

    /// The registered evaluation keys (serialised), if any.
    public func keyRegistration() async throws -> [UInt8]? {
        try await writer.read { db in
            try Data.fetchOne(db, sql: "SELECT registration FROM keyRegistration WHERE id = 1").map { Array($0) }
        }
    }

    /// Stores (replaces) the serialised evaluation keys.
    public func saveKeyRegistration(_ bytes: [UInt8]) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO keyRegistration (id, registration) VALUES (1, ?)",
                           arguments: [Data(bytes)])
        }
    }

    /// The request digest recorded for an idempotency key.
    public func requestDigest(forIdempotencyKey key: [UInt8]) async throws -> [UInt8]? {
        try await writer.read { db in
            try Data.fetchOne(db, sql: "SELECT requestDigest FROM upload WHERE idempotencyKey = ?",
                              arguments: [Data(key)]).map { Array($0) }
        }
    }

    /// Records an idempotency key and stores its block, both only if absent, in one transaction.
    public func beginUpload(idempotencyKey: [UInt8], requestDigest: [UInt8], blockID: String, ciphertext: [UInt8]) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO upload (idempotencyKey, requestDigest) VALUES (?, ?)",
                           arguments: [Data(idempotencyKey), Data(requestDigest)])
            try db.execute(sql: "INSERT OR IGNORE INTO block (id, ciphertext) VALUES (?, ?)",
                           arguments: [blockID, Data(ciphertext)])
        }
    }

    /// The record with this id.
    public func record(_ recordID: String) async throws -> Record? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM record WHERE recordID = ?", arguments: [recordID]).map(Self.decode)
        }
    }

    /// Inserts a record; false if the id exists.
    public func insertRecord(_ record: Record) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO record (recordID, blockID, slot, contentTag, manifest, placements, sealedSize, shareBytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(recordID) DO NOTHING
                """, arguments: [record.recordID, record.blockID, record.slot, Data(record.contentTag),
                                 Data(record.manifest), Self.encode(record.placements), record.sealedSize,
                                 record.shareBytes])
            return db.changesCount == 1
        }
    }

    /// Replaces a record's manifest and placements.
    public func updateShares(recordID: String, manifest: [UInt8], placements: [Placement], shareBytes: Int) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE record SET manifest = ?, placements = ?, shareBytes = ? WHERE recordID = ?",
                           arguments: [Data(manifest), Self.encode(placements), shareBytes, recordID])
        }
    }

    /// Every block with at least one record, with (slot, record id) pairs sorted by slot.
    public func searchableBlocks() async throws -> [(blockID: String, ciphertext: [UInt8], entries: [(slot: Int, recordID: String)])] {
        try await writer.read { db in
            var entries: [String: [(slot: Int, recordID: String)]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT blockID, slot, recordID FROM record ORDER BY blockID, slot") {
                entries[row["blockID"], default: []].append((row["slot"], row["recordID"]))
            }
            var out: [(blockID: String, ciphertext: [UInt8], entries: [(slot: Int, recordID: String)])] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, ciphertext FROM block WHERE id IN (SELECT DISTINCT blockID FROM record) ORDER BY id") {
                let id: String = row["id"]
                let data: Data = row["ciphertext"]
                out.append((id, Array(data), entries[id] ?? []))
            }
            return out
        }
    }

    /// Every record id, sorted.
    public func recordIDs() async throws -> [String] {
        try await writer.read { db in try String.fetchAll(db, sql: "SELECT recordID FROM record ORDER BY recordID") }
    }

    /// Record count, total sealed bytes and total share bytes.
    public func totals() async throws -> (records: Int, sealedBytes: Int, shareBytes: Int) {
        try await writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS c, COALESCE(SUM(sealedSize), 0) AS s, COALESCE(SUM(shareBytes), 0) AS b FROM record")
            return (row?["c"] ?? 0, row?["s"] ?? 0, row?["b"] ?? 0)
        }
    }

    /// Deletes a block no record refers to.
    public func deleteBlockIfUnused(_ blockID: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM block WHERE id = ? AND NOT EXISTS (SELECT 1 FROM record WHERE blockID = ?)",
                           arguments: [blockID, blockID])
        }
    }

    /// Removes a record and queues its shares for deletion, in one transaction; returns the removed record.
    public func deleteRecord(_ recordID: String) async throws -> Record? {
        try await writer.write { db in
            guard let record = try Row.fetchOne(db, sql: "SELECT * FROM record WHERE recordID = ?",
                                                arguments: [recordID]).map(Self.decode) else { return nil }
            try db.execute(sql: "DELETE FROM record WHERE recordID = ?", arguments: [recordID])
            try Self.enqueue(record.placements, in: db)
            return record
        }
    }

    /// Queues share deletions.
    public func enqueueShareDeletions(_ placements: [Placement]) async throws {
        guard !placements.isEmpty else { return }
        try await writer.write { db in try Self.enqueue(placements, in: db) }
    }

    /// Queued share deletions, at most `limit`, ordered by node and share id.
    public func pendingShareDeletions(limit: Int) async throws -> [Placement] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT nodeIndex, shareID FROM pendingShareDeletion ORDER BY nodeIndex, shareID LIMIT ?",
                             arguments: [max(0, limit)]).map { Placement(nodeIndex: $0["nodeIndex"], shareID: $0["shareID"]) }
        }
    }

    /// Removes confirmed share deletions from the queue.
    public func completeShareDeletions(_ placements: [Placement]) async throws {
        guard !placements.isEmpty else { return }
        try await writer.write { db in
            for placement in placements {
                try db.execute(sql: "DELETE FROM pendingShareDeletion WHERE nodeIndex = ? AND shareID = ?",
                               arguments: [placement.nodeIndex, placement.shareID])
            }
        }
    }

    private static func enqueue(_ placements: [Placement], in db: Database) throws {
        for placement in placements {
            try db.execute(sql: "INSERT OR IGNORE INTO pendingShareDeletion (nodeIndex, shareID) VALUES (?, ?)",
                           arguments: [placement.nodeIndex, placement.shareID])
        }
    }

    private static func encode(_ placements: [Placement]) -> String {
        placements.map { "\($0.nodeIndex):\($0.shareID)" }.joined(separator: ",")
    }

    private static func decode(_ row: Row) throws -> Record {
        let text: String = row["placements"]
        var placements = [Placement]()
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: ":")
            guard pieces.count == 2, let index = Int(pieces[0]) else {
                throw StoreError.corrupt(kind: "record", id: row["recordID"], reason: "share placements")
            }
            placements.append(Placement(nodeIndex: index, shareID: String(pieces[1])))
        }
        let tag: Data = row["contentTag"], manifest: Data = row["manifest"]
        return Record(recordID: row["recordID"], blockID: row["blockID"], slot: row["slot"], contentTag: Array(tag),
                      manifest: Array(manifest), placements: placements, sealedSize: row["sealedSize"],
                      shareBytes: row["shareBytes"])
    }
}
