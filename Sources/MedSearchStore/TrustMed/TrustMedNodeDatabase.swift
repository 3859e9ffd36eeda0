import Foundation

/// A TrustMedSearch storage node's database: opaque share bytes by share id, nothing else.
public struct TrustMedNodeDatabase: RoleStore {
    /// The underlying database.
    public let database: any StoreDatabase

    /// The schema.
    public static let schema = StoreSchema(
        name: "trustmed-node",
        migrations: [
            StoreMigration("trustmed-node-v1", sqlite: [
                "CREATE TABLE share (id TEXT PRIMARY KEY, bytes BLOB NOT NULL)",
            ], postgres: [
                "CREATE TABLE share (id TEXT PRIMARY KEY, bytes BYTEA NOT NULL)",
            ]),
        ],
        tables: [StoreTable("share", columns: ["id", "bytes"], key: ["id"])])

    /// Wraps an open database.
    public init(database: any StoreDatabase) { self.database = database }

    /// Stores or overwrites a share.
    public func put(shareID: String, bytes: [UInt8]) async throws {
        _ = try await database.statement("INSERT INTO share (id, bytes) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes",
                                         [shareID, bytes])
    }

    /// Reads a share.
    public func get(shareID: String) async throws -> [UInt8]? {
        try await database.statement("SELECT bytes FROM share WHERE id = ?", [shareID]).rows.first.map { try $0.blob("bytes") }
    }

    /// Deletes a share; whether it existed.
    public func delete(shareID: String) async throws -> Bool {
        try await database.statement("DELETE FROM share WHERE id = ?", [shareID]).changed == 1
    }

    /// Share count and total bytes.
    public func usage() async throws -> (shares: Int, bytes: Int) {
        let row = try await database.read { tx in
            try tx.queryOne("SELECT COUNT(*) AS c, CAST(COALESCE(SUM(LENGTH(bytes)), 0) AS BIGINT) AS b FROM share")
        }
        guard let row else { return (0, 0) }
        return (try row.int("c"), try row.int("b"))
    }
}
