import Foundation

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
