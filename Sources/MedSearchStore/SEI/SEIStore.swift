import Foundation
import GRDB

/// The SEI cloud's persistent state (`sei.sqlite`): the index skeleton (tree structure and encrypted node
/// vectors), every image's encrypted vector with its leaf, and the sealed images, so a restart loses nothing.
///
/// Payloads are the SEI engine's versioned wire bytes or sealed (AES-GCM) images; this layer stores them
/// opaquely and never sees a plaintext.
public struct SEIStore: Sendable {
    /// The database.
    public let database: AppDatabase

    /// The schema.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("sei-v1") { db in
            try db.create(table: "sei_skeleton") { t in
                t.primaryKey("singleton", .integer).check { $0 == 1 }
                t.column("payload", .blob).notNull()
            }
            try db.create(table: "sei_entry") { t in
                t.primaryKey("id", .text)
                t.column("cluster", .integer).notNull()
                t.column("vector", .blob).notNull()
            }
            try db.create(table: "sei_image") { t in
                t.primaryKey("id", .text)
                t.column("sealed", .blob).notNull()
            }
        }
        return migrator
    }

    /// Opens (or creates) the store at `path`, or in memory when nil.
    public static func open(path: String?) throws -> SEIStore {
        SEIStore(database: try AppDatabase.open(path: path, migrator: migrator))
    }

    /// One stored index entry.
    public struct Entry: Sendable, Equatable {
        /// The image id.
        public var id: String
        /// Its leaf cluster.
        public var cluster: Int
        /// Its encrypted vector, as stored bytes (little-endian floats).
        public var vector: [UInt8]

        /// Creates an entry.
        public init(id: String, cluster: Int, vector: [UInt8]) {
            self.id = id
            self.cluster = cluster
            self.vector = vector
        }
    }

    /// Replaces the whole index (skeleton and entries) in one transaction; sealed images are kept.
    public func replaceIndex(skeleton: [UInt8], entries: [Entry]) throws {
        try database.writer.write { db in
            try db.execute(sql: "DELETE FROM sei_skeleton")
            try db.execute(sql: "DELETE FROM sei_entry")
            try db.execute(sql: "INSERT INTO sei_skeleton (singleton, payload) VALUES (1, ?)", arguments: [Data(skeleton)])
            try insert(entries, db)
        }
    }

    /// The stored skeleton, if an index was uploaded.
    public func loadSkeleton() throws -> [UInt8]? {
        try database.writer.read { db in try Data.fetchOne(db, sql: "SELECT payload FROM sei_skeleton WHERE singleton = 1").map { [UInt8]($0) } }
    }

    /// Every stored entry, ordered by id.
    public func allEntries() throws -> [Entry] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, cluster, vector FROM sei_entry ORDER BY id").map {
                Entry(id: $0["id"], cluster: $0["cluster"], vector: [UInt8]($0["vector"] as Data))
            }
        }
    }

    /// Inserts entries (all or nothing).
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an id already stored.
    public func insertEntries(_ entries: [Entry]) throws {
        try database.writer.write { db in try insert(entries, db) }
    }

    private func insert(_ entries: [Entry], _ db: Database) throws {
        for entry in entries {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM sei_entry WHERE id = ?", arguments: [entry.id]) == true {
                throw StoreError.conflict(kind: "sei image", id: entry.id, reason: "already indexed")
            }
            try db.execute(sql: "INSERT INTO sei_entry (id, cluster, vector) VALUES (?, ?, ?)",
                           arguments: [entry.id, entry.cluster, Data(entry.vector)])
        }
    }

    /// Deletes entries and their sealed images (all or nothing).
    /// - Throws: ``StoreError/notFound(kind:id:)`` for an id not indexed.
    public func deleteEntries(_ ids: [String]) throws {
        try database.writer.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM sei_entry WHERE id = ?", arguments: [id])
                guard db.changesCount == 1 else { throw StoreError.notFound(kind: "sei image", id: id) }
                try db.execute(sql: "DELETE FROM sei_image WHERE id = ?", arguments: [id])
            }
        }
    }

    /// Stores sealed images (replacing earlier versions of the same ids).
    public func putImages(_ images: [(id: String, sealed: [UInt8])]) throws {
        try database.writer.write { db in
            for image in images {
                try db.execute(sql: "INSERT OR REPLACE INTO sei_image (id, sealed) VALUES (?, ?)",
                               arguments: [image.id, Data(image.sealed)])
            }
        }
    }

    /// Sealed images for `ids` (missing ids are left out).
    public func images(_ ids: [String]) throws -> [(id: String, sealed: [UInt8])] {
        try database.writer.read { db in
            try ids.compactMap { id in
                try Data.fetchOne(db, sql: "SELECT sealed FROM sei_image WHERE id = ?", arguments: [id]).map { (id, [UInt8]($0)) }
            }
        }
    }

    /// The number of stored sealed images.
    public func imageCount() throws -> Int {
        try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sei_image") ?? 0 }
    }
}
