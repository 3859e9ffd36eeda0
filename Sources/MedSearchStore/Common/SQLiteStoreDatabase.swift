import Foundation
import GRDB

/// The embedded back end: one SQLite file per role through GRDB (a WAL-mode pool on disk, a queue in memory).
///
/// Migrations are GRDB migrations named after ``StoreMigration/name``, so a database created before this layer
/// existed (same names) opens unchanged.
public final class SQLiteStoreDatabase: StoreDatabase {
    /// The GRDB connection.
    public let writer: any DatabaseWriter
    public let displayLocation: String
    public var dialect: SQLDialect { .sqlite }

    private init(writer: any DatabaseWriter, displayLocation: String) {
        self.writer = writer
        self.displayLocation = displayLocation
    }

    /// Opens (creating if needed, its folder with mode 0700) the database at `path`, or an in-memory one when
    /// nil, and applies every migration of `schema`.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` when the file or its folder cannot be created or read.
    public static func open(path: String?, schema: StoreSchema) throws -> SQLiteStoreDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            let writer: any DatabaseWriter
            if let path {
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                writer = try DatabasePool(path: path, configuration: configuration)
            } else {
                writer = try DatabaseQueue(configuration: configuration)
            }
            var migrator = DatabaseMigrator()
            for migration in schema.migrations {
                migrator.registerMigration(migration.name) { db in
                    for statement in migration.sqlite { try db.execute(sql: statement) }
                }
            }
            try migrator.migrate(writer)
            return SQLiteStoreDatabase(writer: writer, displayLocation: path.map { "sqlite:\($0)" } ?? "memory")
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: path ?? ":memory:", reason: Self.reason(error))
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await writer.read { db in try body(Transaction(db: db)) }
        } catch let error as StoreError { throw error } catch let error as DatabaseError {
            throw StoreError.database(location: displayLocation, reason: Self.reason(error))
        }
    }

    @discardableResult

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await writer.write { db in try body(Transaction(db: db)) }
        } catch let error as StoreError { throw error } catch let error as DatabaseError {
            throw StoreError.database(location: displayLocation, reason: Self.reason(error))
        }
    }

    public func statement(_ sql: String, _ arguments: [any SQLBindable]) async throws -> (rows: [SQLRow], changed: Int) {
        let values = arguments.map(\.sqlValue)
        let run: @Sendable (Database) throws -> (rows: [SQLRow], changed: Int) = { db in
            let rows = try Transaction.rows(db, sql, Transaction.arguments(values))
            return (rows, db.changesCount)
        }
        do {
            // Queries run on the pool's readers, concurrently; anything else on the writer.
            if sql.drop(while: \.isWhitespace).prefix(6).uppercased() == "SELECT" {
                return try await writer.read { db in (try run(db).rows, 0) }
            }
            return try await writer.write(run)
        } catch let error as DatabaseError {
            throw StoreError.database(location: displayLocation, reason: Self.reason(error))
        }
    }

    public func close() async {
        try? (writer as? DatabasePool)?.close()
    }

    /// SQLite's message and result code, without the statement's arguments.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        return "\(error.message ?? "error") (SQLite \(error.extendedResultCode.rawValue))"
    }

    struct Transaction: SQLTransaction {
        let db: Database
        var dialect: SQLDialect { .sqlite }

        func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
            try db.execute(sql: sql, arguments: Self.arguments(arguments))
            return db.changesCount
        }

        func query(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
            try Self.rows(db, sql, Self.arguments(arguments))
        }

        /// The rows of a query, sharing one lowercased column-name array.
        static func rows(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [SQLRow] {
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            guard let first = rows.first else { return [] }
            let columns: [String] = Array(first.columnNames).map { $0.lowercased() }
            return rows.map { SQLRow(lowercasedColumns: columns, values: $0.databaseValues.map(value)) }
        }

        static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
            arguments(values.map(\.sqlValue))
        }

        static func arguments(_ values: [SQLValue]) -> StatementArguments {
            StatementArguments(values.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case let .integer(number): number.databaseValue
                case let .real(number): number.databaseValue
                case let .text(text): text.databaseValue
                case let .blob(bytes): Data(bytes).databaseValue
                case let .date(date): date.databaseValue
                }
            })
        }

        static func value(_ value: DatabaseValue) -> SQLValue {
            switch value.storage {
            case .null: .null
            case let .int64(number): .integer(number)
            case let .double(number): .real(number)
            case let .string(text): .text(text)
            case let .blob(data): .blob([UInt8](data))
            }
        }
    }
}
