import Foundation
import Logging
import PostgresNIO

/// The shared back end: a role's tables in one schema of a PostgreSQL database, through postgres-nio's connection
/// pool, so several processes of a role (replicas, on one machine or several) serve the same state.
///
/// Statements are the ones the SQLite back end runs (`?` placeholders become `$1`, `$2`, ...). Each transaction runs
/// on one leased connection, its synchronous body on a thread outside Swift's cooperative pool. Writes run at
/// READ COMMITTED and are retried (up to three times) on a serialization failure or deadlock; reads run in a
/// read-only REPEATABLE READ transaction so every read sees one snapshot. Migrations run under a PostgreSQL advisory
/// lock, so replicas starting together apply each one exactly once.
public final class PostgresStoreDatabase: StoreDatabase {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    public let displayLocation: String
    /// The schema holding the role's tables.
    public let schemaName: String
    public var dialect: SQLDialect { .postgres }
    /// How long a statement or transaction may take, waiting for a connection included, before failing (the
    /// server is down or unreachable, every connection is busy, or the work itself ran that long).
    static let leaseTimeout: Duration = .seconds(15)
    /// What a caller is told when ``leaseTimeout`` passed.
    static let leaseTimeoutReason = "no connection or no answer within \(leaseTimeout)"

    private init(client: PostgresClient, runner: Task<Void, Never>, logger: Logger, displayLocation: String,
                 schemaName: String) {
        self.client = client
        self.runner = runner
        self.logger = logger
        self.displayLocation = displayLocation
        self.schemaName = schemaName
    }

    /// Connects, creates the role's schema if needed and applies its pending migrations.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` (with the location without its password) when the server
    ///   cannot be reached or refuses the login, ``StoreError/database(location:reason:)`` when a migration fails.
    public static func open(_ location: PostgresLocation, schema: StoreSchema,
                            maximumConnections: Int = 8) async throws -> PostgresStoreDatabase {
        let schemaName = location.schema(for: schema).lowercased()
        let shown = location.with(schema: schemaName).description
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port,
                                                         username: location.username, password: location.password,
                                                         database: location.database, tls: tls)
        configuration.options.additionalStartupParameters = [("search_path", schemaName),
                                                             ("application_name", "medsearch-\(schemaName)")]
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(10)
        var logger = Logger(label: "medsearch.store.postgres")
        logger.logLevel = .critical
        // One direct connection first: a refused login or an unreachable server fails here at once with its reason
        // (the pool would keep retrying in the background).
        do {
            try await probe(location, logger: logger)
        } catch {
            throw StoreError.cannotOpen(path: shown, reason: describe(error))
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        let database = PostgresStoreDatabase(client: client, runner: runner, logger: logger, displayLocation: shown,
                                             schemaName: schemaName)
        do {
            try await database.migrate(schema)
        } catch {
            await database.close()
            if case StoreError.database = error { throw error }
            throw StoreError.cannotOpen(path: shown, reason: database.reason(error))
        }
        return database
    }

    private static func probe(_ location: PostgresLocation, logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port,
                                                             username: location.username, password: location.password,
                                                             database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(on: PostgresClient.defaultEventLoopGroup.next(),
                                                              configuration: configuration, id: 0, logger: logger).get()
        try await connection.close()
    }

    private func migrate(_ schema: StoreSchema) async throws {
        let name = schemaName
        try await transaction(readOnly: false) { tx in
            // One lock for every MedSearch migration in this database: replicas starting together wait here.
            try tx.execute("SELECT pg_advisory_xact_lock(7305734625)")
            try tx.execute("CREATE SCHEMA IF NOT EXISTS \(name)")
            try tx.execute("SET LOCAL search_path TO \(name)")
            try tx.execute("""
                CREATE TABLE IF NOT EXISTS medsearch_migrations (
                    name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """)
            // Recorded as "<role>/<migration>", so roles sharing one schema keep their histories apart.
            let applied = Set(try tx.query("SELECT name FROM medsearch_migrations", []).map { try $0.text("name") })
            for migration in schema.migrations where !applied.contains("\(schema.name)/\(migration.name)") {
                for statement in migration.postgres { try tx.execute(statement) }
                try tx.execute("INSERT INTO medsearch_migrations (name) VALUES (?)", ["\(schema.name)/\(migration.name)"])
            }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await transaction(readOnly: true, body)
    }

    @discardableResult

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await transaction(readOnly: false, body)
            } catch let error as PostgresRetry where attempt < 3 {
                attempt += 1
                logger.debug("retrying a transaction after \(error.state)")
                try await Task.sleep(for: .milliseconds(5 << attempt))
            } catch let error as PostgresRetry {
                throw StoreError.database(location: displayLocation, reason: "transaction aborted (SQLSTATE \(error.state))")
            }
        }
    }

    public func statement(_ sql: String, _ arguments: [any SQLBindable]) async throws -> (rows: [SQLRow], changed: Int) {
        let logger = self.logger, location = displayLocation, client = self.client
        let values = arguments.map(\.sqlValue)
        do {
            return try await Self.withTimeout(Self.leaseTimeout) {
                try await client.withConnection { connection in
                    try await Self.offPool {
                        let tx = Transaction(connection: connection, logger: logger, location: location)
                        let result = try tx.run(sql, values)
                        return (try Transaction.rows(result.rows), result.metadata.rows ?? 0)
                    }
                }
            }
        } catch is LeaseTimeout {
            throw StoreError.database(location: location, reason: Self.leaseTimeoutReason)
        } catch let error as PostgresRetry {
            throw StoreError.database(location: location, reason: "statement aborted (SQLSTATE \(error.state))")
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    private func transaction<T: Sendable>(readOnly: Bool,
                                          _ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        let logger = self.logger, location = displayLocation
        let client = self.client
        let work: @Sendable () async throws -> T = {
            try await client.withConnection { connection in
                try await Self.offPool {
                    let tx = Transaction(connection: connection, logger: logger, location: location)
                    try tx.execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
                    do {
                        let value = try body(tx)
                        try tx.execute("COMMIT")
                        return value
                    } catch {
                        _ = try? tx.execute("ROLLBACK")
                        throw error
                    }
                }
            }
        }
        do {
            return try await Self.withTimeout(Self.leaseTimeout, work)
        } catch is LeaseTimeout {
            throw StoreError.database(location: location, reason: Self.leaseTimeoutReason)
        } catch let error as PSQLError {
            throw StoreError.database(location: location, reason: reason(error))
        }
    }

    /// The server's message and SQLSTATE, or the connection failure's kind: never the statement's arguments, the
    /// connection string or the password.
    func reason(_ error: any Error) -> String { Self.describe(error) }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else {
            if let error = error as? StoreError { return error.description }
            return String(describing: type(of: error))
        }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        var text = "\(error.code)"
        if let underlying = error.underlying { text += ": \(underlying)" }
        return text
    }

    /// Runs a blocking body on a Dispatch thread so the cooperative pool keeps serving other tasks.
    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    private struct LeaseTimeout: Error {}

    private static func withTimeout<T: Sendable>(_ limit: Duration,
                                                 _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
                throw LeaseTimeout()
            }
            throw LeaseTimeout()
        }
    }

    /// A transaction to retry (serialization failure, deadlock).
    struct PostgresRetry: Error { let state: String }

    struct Transaction: SQLTransaction {
        let connection: PostgresConnection
        let logger: Logger
        let location: String
        var dialect: SQLDialect { .postgres }

        func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
            try run(sql, arguments).metadata.rows ?? 0
        }

        func query(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
            try Self.rows(run(sql, arguments).rows)
        }

        /// The rows of a result, sharing one lowercased column-name array.
        static func rows(_ rows: [PostgresRow]) throws -> [SQLRow] {
            guard let first = rows.first else { return [] }
            let columns = first.map { $0.columnName.lowercased() }
            return try rows.map { row in SQLRow(lowercasedColumns: columns, values: try row.map(value)) }
        }

        func run(_ sql: String, _ arguments: [any SQLBindable]) throws -> PostgresQueryResult {
            try run(sql, arguments.map(\.sqlValue))
        }

        func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
            var binds = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument {
                case .null: binds.appendNull()
                case let .integer(value): binds.append(value)
                case let .real(value): binds.append(value)
                case let .text(value): binds.append(value)
                case let .blob(value): binds.append(ByteBuffer(bytes: value))
                case let .date(value): binds.append(value)
                }
            }
            let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds)
            do {
                return try connection.query(query, logger: logger).wait()
            } catch let error as PSQLError {
                if let state = error.serverInfo?[.sqlState], state == "40001" || state == "40P01" {
                    throw PostgresRetry(state: state)
                }
                throw StoreError.database(location: location, reason: PostgresStoreDatabase.describe(error))
            }
        }

        /// `?` placeholders (outside quotes) as `$1`, `$2`, ...
        static func numbered(_ sql: String) -> String {
            var out = ""
            out.reserveCapacity(sql.count + 8)
            var index = 0
            var quote: Character?
            for character in sql {
                if let open = quote {
                    if character == open { quote = nil }
                    out.append(character)
                } else if character == "'" || character == "\"" {
                    quote = character
                    out.append(character)
                } else if character == "?" {
                    index += 1
                    out += "$\(index)"
                } else {
                    out.append(character)
                }
            }
            return out
        }

        static func value(_ cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            do {
                switch cell.dataType {
                case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
                case .float4, .float8: return .real(try cell.decode(Double.self))
                case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
                case .bytea:
                    var buffer = try cell.decode(ByteBuffer.self)
                    return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
                case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
                default: return .text(try cell.decode(String.self))
                }
            } catch {
                throw StoreError.corrupt(kind: "column", id: cell.columnName, reason: "type \(cell.dataType)")
            }
        }
    }
}
