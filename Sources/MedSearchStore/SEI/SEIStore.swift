import Foundation
import MedSearchCore

/// The SEI cloud's persistent state: the index skeleton (tree structure and encrypted node vectors), every image's
/// encrypted vector with its leaf, and the sealed images, so a restart loses nothing.
///
/// Payloads are the SEI engine's versioned wire bytes or sealed (AES-GCM) images; this layer stores them
/// opaquely and never sees a plaintext. Every change of the index bumps a version number in the same
/// transaction, so a replica (another `serve sei` on the same PostgreSQL) sees that its in-memory index is stale.
/// Adds are idempotent per image id: the same entry again is a no-op, a different one under a stored id a conflict.
public struct SEIStore: RoleStore {
    /// The database.
    public let database: any StoreDatabase

    /// The schema: `sei-v1` (the original SQLite tables), `sei-v2-version` (the index version for replicas).
    public static let schema = StoreSchema(
        name: "sei",
        migrations: [
            StoreMigration("sei-v1", sqlite: [
                "CREATE TABLE sei_skeleton (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), payload BLOB NOT NULL)",
                "CREATE TABLE sei_entry (id TEXT PRIMARY KEY, cluster INTEGER NOT NULL, vector BLOB NOT NULL)",
                "CREATE TABLE sei_image (id TEXT PRIMARY KEY, sealed BLOB NOT NULL)",
            ], postgres: [
                "CREATE TABLE sei_skeleton (singleton BIGINT PRIMARY KEY CHECK (singleton = 1), payload BYTEA NOT NULL)",
                "CREATE TABLE sei_entry (id TEXT PRIMARY KEY, cluster BIGINT NOT NULL, vector BYTEA NOT NULL)",
                "CREATE TABLE sei_image (id TEXT PRIMARY KEY, sealed BYTEA NOT NULL)",
            ]),
            StoreMigration("sei-v2-version", sqlite: [
                "CREATE TABLE sei_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), version INTEGER NOT NULL)",
                "INSERT INTO sei_state (singleton, version) VALUES (1, 0)",
            ], postgres: [
                "CREATE TABLE sei_state (singleton BIGINT PRIMARY KEY CHECK (singleton = 1), version BIGINT NOT NULL)",
                "INSERT INTO sei_state (singleton, version) VALUES (1, 0)",
            ]),
        ],
        tables: [
            StoreTable("sei_state", columns: ["singleton", "version"], key: ["singleton"], seeded: true),
            StoreTable("sei_skeleton", columns: ["singleton", "payload"], key: ["singleton"]),
            StoreTable("sei_entry", columns: ["id", "cluster", "vector"], key: ["id"]),
            StoreTable("sei_image", columns: ["id", "sealed"], key: ["id"]),
        ])

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

    /// One stored index entry.
    @MemberwiseInit(.public)
    public struct Entry: Sendable, Equatable {
        /// The image id.
        public var id: String
        /// Its leaf cluster.
        public var cluster: Int
        /// Its encrypted vector, as stored bytes (little-endian floats).
        public var vector: [UInt8]
    }

    /// The index as stored: its version, skeleton (nil before an upload) and entries ordered by id, read in one
    /// snapshot.
    public struct IndexState: Sendable {
        public var version: Int64
        public var skeleton: [UInt8]?
        public var entries: [Entry]
    }

    /// The stored index, consistently.
    public func loadIndex() async throws -> IndexState {
        try await database.read { tx in
            let version = try tx.count("SELECT version FROM sei_state WHERE singleton = 1")
            let skeleton = try tx.queryOne("SELECT payload FROM sei_skeleton WHERE singleton = 1").map { try $0.blob("payload") }
            let entries = try tx.query("SELECT id, cluster, vector FROM sei_entry ORDER BY id", []).map {
                Entry(id: try $0.text("id"), cluster: try $0.int("cluster"), vector: try $0.blob("vector"))
            }
            return IndexState(version: Int64(version), skeleton: skeleton, entries: entries)
        }
    }

    /// The stored entries among `ids` (unknown ids are left out), in the order of `ids`.
    public func entries(_ ids: [String]) async throws -> [Entry] {
        try await database.read { tx in
            try ids.compactMap { id in
                try tx.queryOne("SELECT cluster, vector FROM sei_entry WHERE id = ?", [id]).map {
                    Entry(id: id, cluster: try $0.int("cluster"), vector: try $0.blob("vector"))
                }
            }
        }
    }

    /// The index version (bumped by every change).
    public func version() async throws -> Int64 {
        try await database.statement("SELECT version FROM sei_state WHERE singleton = 1", []).rows.first?.int64("version") ?? 0
    }

    /// Replaces the whole index (skeleton and entries) in one transaction; sealed images are kept. The new version.
    @discardableResult
    public func replaceIndex(skeleton: [UInt8], entries: [Entry]) async throws -> Int64 {
        try await database.write { tx in
            try tx.execute("DELETE FROM sei_skeleton")
            try tx.execute("DELETE FROM sei_entry")
            try tx.execute("INSERT INTO sei_skeleton (singleton, payload) VALUES (1, ?)", [skeleton])
            for entry in entries {
                try tx.execute("INSERT INTO sei_entry (id, cluster, vector) VALUES (?, ?, ?)",
                               [entry.id, entry.cluster, entry.vector])
            }
            return try Self.bump(tx)
        }
    }

    /// Inserts entries, all or nothing: an entry already stored with the same leaf and vector is skipped (a re-run
    /// of an interrupted upload), so the result is the entries actually added and the version after the change.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` for an id stored with a different entry.
    public func insertEntries(_ entries: [Entry]) async throws -> (added: [Entry], version: Int64) {
        try await database.write { tx in
            var added: [Entry] = []
            for entry in entries {
                let inserted = try tx.execute("""
                    INSERT INTO sei_entry (id, cluster, vector) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """, [entry.id, entry.cluster, entry.vector])
                if inserted == 1 {
                    added.append(entry)
                    continue
                }
                let stored = try tx.queryOne("SELECT cluster, vector FROM sei_entry WHERE id = ?", [entry.id])
                guard let stored, try stored.int("cluster") == entry.cluster, try stored.blob("vector") == entry.vector else {
                    throw StoreError.conflict(kind: "sei image", id: entry.id, reason: "already indexed with another vector")
                }
            }
            let version = added.isEmpty ? Int64(try tx.count("SELECT version FROM sei_state WHERE singleton = 1"))
                : try Self.bump(tx)
            return (added, version)
        }
    }

    /// Deletes entries and their sealed images, all or nothing. The version after the change.
    /// - Throws: ``StoreError/notFound(kind:id:)`` for an id not indexed.
    @discardableResult
    public func deleteEntries(_ ids: [String]) async throws -> Int64 {
        try await database.write { tx in
            for id in ids {
                guard try tx.execute("DELETE FROM sei_entry WHERE id = ?", [id]) == 1 else {
                    throw StoreError.notFound(kind: "sei image", id: id)
                }
                try tx.execute("DELETE FROM sei_image WHERE id = ?", [id])
            }
            return try Self.bump(tx)
        }
    }

    private static func bump(_ tx: any SQLTransaction) throws -> Int64 {
        try tx.execute("UPDATE sei_state SET version = version + 1 WHERE singleton = 1")
        return Int64(try tx.count("SELECT version FROM sei_state WHERE singleton = 1"))
    }

    /// Stores sealed images (replacing earlier versions of the same ids), all or nothing.
    public func putImages(_ images: [(id: String, sealed: [UInt8])]) async throws {
        try await database.write { [images = images.map { SealedImage(id: $0.id, sealed: $0.sealed) }] tx in
            for image in images {
                try tx.execute("""
                    INSERT INTO sei_image (id, sealed) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed
                    """, [image.id, image.sealed])
            }
        }
    }

    private struct SealedImage: Sendable {
        var id: String
        var sealed: [UInt8]
    }

    /// Sealed images for `ids` (missing ids are left out).
    public func images(_ ids: [String]) async throws -> [(id: String, sealed: [UInt8])] {
        let found = try await database.read { tx in
            try ids.compactMap { id in
                try tx.queryOne("SELECT sealed FROM sei_image WHERE id = ?", [id]).map { SealedImage(id: id, sealed: try $0.blob("sealed")) }
            }
        }
        return found.map { ($0.id, $0.sealed) }
    }

    /// The number of stored sealed images.
    public func imageCount() async throws -> Int {
        try await database.read { tx in try tx.count("SELECT COUNT(*) FROM sei_image") }
    }

    /// Ids of indexed entries that have no sealed image (an upload interrupted between its two requests).
    public func entriesWithoutImage() async throws -> [String] {
        try await database.read { tx in
            try tx.query("SELECT id FROM sei_entry WHERE id NOT IN (SELECT id FROM sei_image) ORDER BY id", []).map { try $0.text("id") }
        }
    }
}
