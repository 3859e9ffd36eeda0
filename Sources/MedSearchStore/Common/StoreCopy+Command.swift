import Foundation
import MedSearchCore

extension StoreLocation {
    /// A location as `medsearch store migrate` takes it: `sqlite:PATH` where PATH may be a role's data
    /// directory (meaning the role's SQLite file in it), or a `postgres://` URL.
    public init(parsing text: String, schema: StoreSchema) throws {
        let location = try StoreLocation(parsing: text)
        if case let .sqlite(path) = location {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                self = StoreLocation.resolve(nil, dataDirectory: URL(fileURLWithPath: path), schema: schema)
                return
            }
        }
        self = location
    }
}

extension StoreCopy.Report {
    /// What was copied, one line per table, for a person.
    public var lines: [String] {
        ["copied \(role) from \(source) to \(destination)"] + tables.map { table in
            "  \(table.table): \(table.sourceRows) -> \(table.destinationRows) rows, sha256 \(table.sourceChecksum.prefix(16))... "
                + (table.verified ? "verified" : "MISMATCH (destination \(table.destinationChecksum.prefix(16))...)")
        }
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension StoreCopy {
    /// The command's one-line help.
    public static let abstract = "Copy a role's state to another store and verify it (row counts and checksums)."
    /// The description shown by `medsearch store migrate --help`.
    public static let discussion = """
        The way from the one-machine demo (a SQLite file per role) to a multi-machine deployment (roles and \
        their replicas on one PostgreSQL): stop the role, copy its state, then start it (and its replicas) with \
        --database pointing at the destination. The destination must be empty; its schema defaults to the \
        role's name (sei, fnn_c1, fnn_c2, trustmed_master, trustmed_node, web), or set ?schema=NAME (one per \
        storage node). Every table's row count and SHA-256 over its rows are compared on both sides; the command \
        fails when any differs. Passwords are never printed: pass the URL in MEDSEARCH_DATABASE_URL to keep it \
        out of the process list, or set PGPASSWORD.
        """
}

extension StoreCopy: CommandDocumentation {}
