import Foundation
import MedSearchCore

/// The SQL dialect of a back end (DDL types and a few functions differ; statements are written once with `?`
/// placeholders and `INSERT ... ON CONFLICT`, which both understand).
public enum SQLDialect: String, Sendable, Equatable {
    case sqlite
    case postgres
}

/// One transaction of a store: statements run in it see each other's effects and commit together.
///
/// Bodies are synchronous (GRDB's model): the SQLite back end runs them on its writer queue, the PostgreSQL back end
/// on a leased connection off the Swift concurrency pool. Never keep a transaction past its body.
public protocol SQLTransaction {
    /// The back end's dialect.
    var dialect: SQLDialect { get }
    /// Runs a statement; the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int
    /// Runs a query; its rows.
    func query(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow]
}

extension SQLTransaction {
    /// Runs a statement without arguments.
    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    /// The first row of a query, if any.
    public func queryOne(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> SQLRow? {
        try query(sql, arguments).first
    }

    /// The integer in the first column of the first row (0 when there is no row or it is null).
    public func count(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> Int {
        guard let row = try queryOne(sql, arguments), let first = row.columns.first else { return 0 }
        if case .null = row[first] { return 0 }
        return try row.int(first)
    }
}

/// A role's database: transactions over one of the two back ends (``SQLiteStoreDatabase`` through GRDB, the embedded
/// default; ``PostgresStoreDatabase`` through postgres-nio, for several replicas or machines).
///
/// Each role's store (``SEIStore``, ``FNNC1Store``, ``FNNC2Store``, ``TrustMedMasterDatabase``,
/// ``TrustMedNodeDatabase``, the web application's store) is written once against this protocol, so both back ends
/// run the same statements and the same migrations.
public protocol StoreDatabase: Sendable {
    /// The back end's dialect.
    var dialect: SQLDialect { get }
    /// Where the database lives, with any password removed (safe to log and to show).
    var displayLocation: String { get }
    /// Runs `body` in a read-only transaction that sees one consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
    /// Runs `body` in a write transaction: it commits when `body` returns and rolls back when it throws.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
    /// Runs one statement on its own (atomic by itself): on PostgreSQL without the two extra round trips of an
    /// explicit transaction. Its rows, and the number of rows it changed.
    func statement(_ sql: String, _ arguments: [any SQLBindable]) async throws -> (rows: [SQLRow], changed: Int)
    /// Closes the connections (further calls fail).
    func close() async
}

/// A migration step: the statements that bring a role's schema from one version to the next, per dialect.
public struct StoreMigration: Sendable {
    /// Its identifier, recorded once applied (SQLite databases record it in GRDB's `grdb_migrations` table, so
    /// databases created before keep working).
    public var name: String
    /// SQLite statements.
    public var sqlite: [String]
    /// PostgreSQL statements.
    public var postgres: [String]

    /// Creates a migration.
    public init(_ name: String, sqlite: [String], postgres: [String]) {
        self.name = name
        self.sqlite = sqlite
        self.postgres = postgres
    }

    func statements(_ dialect: SQLDialect) -> [String] { dialect == .sqlite ? sqlite : postgres }
}

/// A role's schema: its name (the SQLite file name and the default PostgreSQL schema) and its migrations in order.
@MemberwiseInit(.public)
public struct StoreSchema: Sendable {
    /// The role's store name (`sei`, `fnn-c1`, `trustmed-master`, ...).
    public var name: String
    /// Versioned migrations, oldest first; never edit one that shipped, append a new one.
    public var migrations: [StoreMigration]
    /// Tables copied and verified by `medsearch store migrate`, in an order that respects foreign keys.
    public var tables: [StoreTable]
}

/// A table of a schema as `store migrate` sees it: its columns and the columns that order its rows.
public struct StoreTable: Sendable {
    /// The table name (quoted when it is a reserved word).
    public var name: String
    /// Every column.
    public var columns: [String]
    /// The primary key (orders rows for copying and checksums).
    public var key: [String]
    /// Whether the key is an identity column PostgreSQL must be told about after a copy.
    public var identity: Bool
    /// Columns holding dates (SQLite text, PostgreSQL `TIMESTAMPTZ`), converted by a copy between back ends.
    public var dates: Set<String>
    /// Whether a migration fills the table (a singleton such as a version row): a copy replaces its rows.
    public var seeded: Bool

    /// Creates a table description.
    public init(_ name: String, columns: [String], key: [String], identity: Bool = false, dates: Set<String> = [],
                seeded: Bool = false) {
        self.name = name
        self.columns = columns
        self.key = key
        self.identity = identity
        self.dates = dates
        self.seeded = seeded
    }
}

/// Why storage failed. Never carries stored values, passwords or connection strings with credentials.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notFound(kind: String, id: String)
    case conflict(kind: String, id: String, reason: String)
    case corrupt(kind: String, id: String, reason: String)
    /// A database error while running a statement (the server's message and SQLSTATE, never the values).
    case database(location: String, reason: String)
    /// A malformed `--database` value.
    case invalidLocation(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open database \(path): \(reason)"
        case let .notFound(kind, id): "\(kind) \(id) not found"
        case let .conflict(kind, id, reason): "\(kind) \(id): \(reason)"
        case let .corrupt(kind, id, reason): "stored \(kind) \(id) is corrupt: \(reason)"
        case let .database(location, reason): "database \(location): \(reason)"
        case let .invalidLocation(reason): "invalid database location: \(reason)"
        }
    }
}
