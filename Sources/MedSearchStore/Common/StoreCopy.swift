import Crypto
import Foundation

/// The role stores `medsearch store migrate --role ROLE` knows, by the role names of `medsearch serve`.
public enum StoreRoles {
    /// Role name -> schema.
    public static let schemas: [(role: String, schema: StoreSchema)] = [
        ("fnn-c1", FNNC1Store.schema),
        ("fnn-c2", FNNC2Store.schema),
        ("sei", SEIStore.schema),
        ("edge-master", TrustMedMasterDatabase.schema),
        ("storage-node", TrustMedNodeDatabase.schema),
        ("web", WebSchema.schema),
    ]

    /// The schema of `role`.
    /// - Throws: ``StoreError/invalidLocation(_:)`` naming the known roles.
    public static func schema(for role: String) throws -> StoreSchema {
        guard let found = schemas.first(where: { $0.role == role }) else {
            throw StoreError.invalidLocation("unknown role \(role.prefix(40)); known: \(schemas.map(\.role).joined(separator: ", "))")
        }
        return found.schema
    }
}

/// Copies a role's state from one store to another (the way from the demo's SQLite files to a shared PostgreSQL)
/// and verifies the copy: every table's row count and a SHA-256 over its rows in key order, read back from both.
///
/// The source is opened (and migrated to the current schema) but never written otherwise; the destination must
/// be empty. Stop the role before copying: rows written during a copy are not in it.
public enum StoreCopy {
    /// What a copy did, per table.
    public struct TableReport: Sendable, Codable, Equatable {
        public var table: String
        public var sourceRows: Int
        public var destinationRows: Int
        /// Hex SHA-256 over the source's rows, in key order, in a back-end-neutral encoding.
        public var sourceChecksum: String
        public var destinationChecksum: String
        public var verified: Bool { sourceRows == destinationRows && sourceChecksum == destinationChecksum }
    }

    /// The whole copy.
    public struct Report: Sendable, Codable, Equatable {
        public var role: String
        /// Source and destination, without passwords.
        public var source: String
        public var destination: String
        public var tables: [TableReport]
        public var verified: Bool { tables.allSatisfy(\.verified) }
    }

    /// Rows read and written per transaction.
    static let batchSize = 500

    /// Copies `role`'s tables from `source` to `destination` and verifies them.
    ///
    /// - Throws: ``StoreError/conflict(kind:id:reason:)`` when the destination already holds rows (nothing is
    ///   written then), or any store error of either side.
    public static func run(role: String, from source: StoreLocation, to destination: StoreLocation) async throws -> Report {
        let schema = try StoreRoles.schema(for: role)
        let from = try await source.open(schema: schema)
        let to: any StoreDatabase
        do { to = try await destination.open(schema: schema) } catch {
            await from.close()
            throw error
        }
        defer { Task { await from.close(); await to.close() } }
        for table in schema.tables where !table.seeded {
            let rows = try await to.read { tx in try tx.count("SELECT COUNT(*) FROM \(table.name)") }
            guard rows == 0 else {
                throw StoreError.conflict(kind: "destination table", id: table.name, reason: "holds \(rows) rows; copy into an empty store")
            }
        }
        for table in schema.tables {
            try await copy(table, from: from, to: to)
        }
        var reports: [TableReport] = []
        for table in schema.tables {
            let (sourceRows, sourceSum) = try await checksum(table, in: from)
            let (destinationRows, destinationSum) = try await checksum(table, in: to)
            reports.append(TableReport(table: table.name, sourceRows: sourceRows, destinationRows: destinationRows,
                                       sourceChecksum: sourceSum, destinationChecksum: destinationSum))
        }
        return Report(role: role, source: from.displayLocation, destination: to.displayLocation, tables: reports)
    }

    private static func page(_ table: StoreTable, offset: Int) -> String {
        "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.key.joined(separator: ", ")) LIMIT \(batchSize) OFFSET \(offset)"
    }

    private static func copy(_ table: StoreTable, from: any StoreDatabase, to: any StoreDatabase) async throws {
        let dates = Set(table.dates.map { $0.lowercased() })
        let insert = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))"
        if table.seeded {
            let name = table.name
            try await to.write { tx in try tx.execute("DELETE FROM \(name)") }
        }
        var offset = 0
        while true {
            let sql = page(table, offset: offset)
            let rows = try await from.read { tx in try tx.query(sql, []) }
            if rows.isEmpty { break }
            let converted = try rows.map { row in
                try zip(row.columns, row.values).map { column, value -> SQLValue in
                    // Dates are text in SQLite and timestamps in PostgreSQL: bind them as dates either way.
                    guard dates.contains(column), case .text = value else { return value }
                    return .date(try row.date(column))
                }
            }
            try await to.write { tx in
                for values in converted { try tx.execute(insert, values) }
            }
            offset += rows.count
        }
        if table.identity, to.dialect == .postgres, let key = table.key.first {
            let name = table.name
            try await to.write { tx in
                _ = try tx.query("SELECT setval(pg_get_serial_sequence('\(name)', '\(key.lowercased())'), COALESCE(MAX(\(key)), 0) + 1, false) FROM \(name)", [])
            }
        }
    }

    /// The row count and a SHA-256 over the table's rows: each row hashed (each value as a type tag, its length and
    /// its bytes; dates as milliseconds since 1970, so SQLite text and PostgreSQL timestamps of one instant agree),
    /// the row hashes sorted (so the two databases' text collations do not matter) and hashed together.
    static func checksum(_ table: StoreTable, in database: any StoreDatabase) async throws -> (Int, String) {
        let dates = Set(table.dates.map { $0.lowercased() })
        var rowDigests: [[UInt8]] = []
        var offset = 0
        while true {
            let sql = page(table, offset: offset)
            let rows = try await database.read { tx in try tx.query(sql, []) }
            if rows.isEmpty { break }
            for row in rows {
                var hasher = SHA256()
                for (column, value) in zip(row.columns, row.values) {
                    if dates.contains(column), value != .null {
                        let milliseconds = Int64((try row.date(column).timeIntervalSince1970 * 1000).rounded())
                        feed(&hasher, tag: 6, withUnsafeBytes(of: milliseconds.littleEndian, Array.init))
                        continue
                    }
                    switch value {
                    case .null: feed(&hasher, tag: 0, [])
                    case let .integer(number): feed(&hasher, tag: 1, withUnsafeBytes(of: number.littleEndian, Array.init))
                    case let .real(number): feed(&hasher, tag: 2, withUnsafeBytes(of: number.bitPattern.littleEndian, Array.init))
                    case let .text(text): feed(&hasher, tag: 3, Array(text.utf8))
                    case let .blob(bytes): feed(&hasher, tag: 4, bytes)
                    case let .date(date):
                        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
                        feed(&hasher, tag: 6, withUnsafeBytes(of: milliseconds.littleEndian, Array.init))
                    }
                }
                rowDigests.append(Array(hasher.finalize()))
            }
            offset += rows.count
        }
        var total = SHA256()
        for digest in rowDigests.sorted(by: { $0.lexicographicallyPrecedes($1) }) { total.update(data: digest) }
        return (rowDigests.count, total.finalize().map { String(format: "%02x", $0) }.joined())
    }

    private static func feed(_ hasher: inout SHA256, tag: UInt8, _ bytes: [UInt8]) {
        hasher.update(data: [tag])
        hasher.update(data: withUnsafeBytes(of: UInt64(bytes.count).littleEndian, Array.init))
        hasher.update(data: bytes)
    }
}
