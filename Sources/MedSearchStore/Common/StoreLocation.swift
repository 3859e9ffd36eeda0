import Foundation

/// Where a role keeps its state: a value a launcher passes (`--database`, the deployment file) and parses back.
///
/// - `sqlite:PATH` (or a plain path): one SQLite file through GRDB, the embedded default (`<data-dir>/<role>.sqlite`);
/// - `memory`: an in-memory SQLite database (tests);
/// - `postgres://user:password@host:port/database?schema=NAME&sslmode=disable|prefer|require`: PostgreSQL through
///   postgres-nio. Every replica of a role names the same database and schema; the schema defaults to the role's
///   store name (`sei`, `fnn_c1`, `trustmed_master`, ...), so several roles can share one database. Storage nodes
///   sharing one database need one schema each (`?schema=node0`, ...).
///
/// ``description`` never shows the password: it is what logs and error messages print.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case memory
    case postgres(PostgresLocation)

    /// Parses a location.
    /// - Throws: ``StoreError/invalidLocation(_:)`` (without the password) for a malformed value.
    public init(parsing text: String) throws {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value == "memory" || value == ":memory:" {
            self = .memory
        } else if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: value))
        } else if value.hasPrefix("sqlite:") {
            let path = String(value.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError.invalidLocation("sqlite: needs a file path") }
            self = .sqlite(path: path)
        } else if !value.isEmpty, !value.contains("://") {
            self = .sqlite(path: value)
        } else {
            throw StoreError.invalidLocation("expected sqlite:PATH, memory or postgres://user@host:port/database")
        }
    }

    /// The location a role uses: `database` when given, else its SQLite file in `dataDirectory`, else memory.
    public static func resolve(_ database: StoreLocation?, dataDirectory: URL?, schema: StoreSchema) -> StoreLocation {
        if let database { return database }
        guard let dataDirectory else { return .memory }
        return .sqlite(path: dataDirectory.appendingPathComponent("\(schema.name).sqlite").path)
    }

    /// Whether several processes can share this location (only PostgreSQL: replicas).
    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .sqlite(path): "sqlite:\(path)"
        case .memory: "memory"
        case let .postgres(location): location.description
        }
    }

    /// Opens the database for `schema` and applies its pending migrations.
    public func open(schema: StoreSchema) async throws -> any StoreDatabase {
        switch self {
        case let .sqlite(path): try SQLiteStoreDatabase.open(path: path, schema: schema)
        case .memory: try SQLiteStoreDatabase.open(path: nil, schema: schema)
        case let .postgres(location): try await PostgresStoreDatabase.open(location, schema: schema)
        }
    }
}

/// A PostgreSQL server, database and schema (see ``StoreLocation``).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    /// The password (never printed; also read from `PGPASSWORD` when the URL has none).
    public var password: String?
    public var database: String
    /// The schema (namespace) the role's tables live in; nil: the role's default.
    public var schema: String?
    public var tls: TLSMode

    /// Parses `postgres://user[:password]@host[:port]/database[?schema=...&sslmode=...]`.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql" else {
            throw StoreError.invalidLocation("not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw StoreError.invalidLocation("the URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw StoreError.invalidLocation("the URL names no user") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw StoreError.invalidLocation("the URL names no database") }
        self.host = host
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw StoreError.invalidLocation("port out of range") }
        username = user.removingPercentEncoding ?? user
        password = (components.password?.removingPercentEncoding ?? components.password)
            ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        database = path.removingPercentEncoding ?? path
        schema = nil
        tls = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "schema", "search_path":
                guard let value = item.value, Self.isIdentifier(value) else {
                    throw StoreError.invalidLocation("schema must be letters, digits and '_' (at most 63)")
                }
                schema = value
            case "sslmode":
                switch item.value {
                case "disable": tls = .disable
                case "prefer", "allow": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw StoreError.invalidLocation("sslmode must be disable, prefer or require")
                }
            default:
                throw StoreError.invalidLocation("unknown parameter \(item.name.prefix(40))")
            }
        }
    }

    /// Whether `text` is a plain lowercase-safe SQL identifier.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.count <= 63 else { return false }
        let letter: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" }
        return letter(first) && text.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }

    /// The same location with another schema.
    public func with(schema: String?) -> PostgresLocation {
        var copy = self
        copy.schema = schema
        return copy
    }

    /// The schema a role uses here: the URL's, else the role's store name with '-' as '_'.
    public func schema(for storeSchema: StoreSchema) -> String {
        schema ?? storeSchema.name.replacingOccurrences(of: "-", with: "_")
    }

    /// `postgres://user@host:port/database?schema=...`, without the password.
    public var description: String {
        var text = "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        if let schema { text += "?schema=\(schema)" }
        return text
    }
}
