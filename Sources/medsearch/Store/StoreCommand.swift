import ArgumentParser
import Foundation
import MedSearchStore

/// `medsearch store ...`: a role's stored state.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage a role's stored state (copy it from the demo's SQLite files to PostgreSQL).",
        subcommands: [StoreMigrateCommand.self])
}

/// `medsearch store migrate --from sqlite:PATH --to postgres://... --role ROLE`.
struct StoreMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("migrate", documentation: StoreCopy.self)

    @Option(help: "Source: sqlite:PATH (a .sqlite file, or the role's --data-dir) or postgres://...") var from: String
    @Option(help: "Destination: postgres://user@host:port/database[?schema=NAME] or sqlite:PATH (default: MEDSEARCH_DATABASE_URL).")
    var to: String?
    @Option(help: "The role: \(StoreRoles.schemas.map(\.role).joined(separator: ", ")).") var role: String
    @Option(help: "Also write the report as JSON to this file.") var json: String?

    func run() async throws {
        let schema = try StoreRoles.schema(for: role)
        guard let target = to ?? ProcessInfo.processInfo.environment["MEDSEARCH_DATABASE_URL"] else {
            throw ValidationError("--to is required (or set MEDSEARCH_DATABASE_URL)")
        }
        let source: StoreLocation, destination: StoreLocation
        do {
            source = try StoreLocation(parsing: from, schema: schema)
            destination = try StoreLocation(parsing: target, schema: schema)
        } catch { throw ValidationError("\(error)") }
        if case let .sqlite(path) = source, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no database at \(path)")
        }
        let report = try await StoreCopy.run(role: role, from: source, to: destination)
        for line in report.lines { print(line) }
        if let json { try report.json().write(to: URL(fileURLWithPath: json)) }
        guard report.verified else { throw ExitCode.failure }
        print("verified: every table's row count and checksum match")
    }
}
