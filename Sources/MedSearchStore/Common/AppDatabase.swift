import Foundation
import GRDB

/// One SQLite database of a server role: the writer and the schema migrations that built it.
///
/// Every role (FNN C1 and C2, the SEI cloud, the edge master, each storage node, the web application) keeps
/// its state in its own `AppDatabase` so that a restart loses nothing. Each engine defines its own
/// `DatabaseMigrator` and record types in its folder of this target.
public struct AppDatabase: Sendable {
    /// The connection (a WAL-mode pool on disk, a queue in memory).
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) the database at `path`, or an in-memory one when `path` is nil, and
    /// applies every migration of `migrator`.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` when the file or its folder cannot be created or read.
    public static func open(path: String?, migrator: DatabaseMigrator) throws -> AppDatabase {
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
            try migrator.migrate(writer)
            return AppDatabase(writer: writer)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: path ?? ":memory:", reason: "\(error)")
        }
    }

    /// The database file inside a role's data directory.
    public static func path(in dataDirectory: URL, name: String) -> String {
        dataDirectory.appendingPathComponent("\(name).sqlite").path
    }
}

/// Why storage failed. Never carries stored values.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notFound(kind: String, id: String)
    case conflict(kind: String, id: String, reason: String)
    case corrupt(kind: String, id: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open database \(path): \(reason)"
        case let .notFound(kind, id): "\(kind) \(id) not found"
        case let .conflict(kind, id, reason): "\(kind) \(id): \(reason)"
        case let .corrupt(kind, id, reason): "stored \(kind) \(id) is corrupt: \(reason)"
        }
    }
}
