import ArgumentParser
import Foundation
import MedSearchServer
import MedSearchStore

/// Options every `medsearch serve <role>` command shares.
struct ServeOptions: ParsableArguments {
    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free port and prints it).")
    var port: Int = 0

    @Option(name: .customLong("data-dir"), help: "Directory for this role's database and files.")
    var dataDirectory: String

    @Option(help: "JSON file of accepted bearer tokens: {\"tokens\": {\"<token>\": \"<role>\"}}.")
    var tokens: String

    @OptionGroup var store: DatabaseOption

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "notice"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    /// The role's configuration, with the token table loaded and the database location parsed.
    func configuration() throws -> ServiceConfiguration {
        ServiceConfiguration(host: host, port: port,
                             dataDirectory: URL(fileURLWithPath: dataDirectory),
                             tokens: try AccessTokens.load(from: URL(fileURLWithPath: tokens)),
                             database: try store.location())
    }
}

/// `--database`: where a role keeps its state (shared by every `serve` command).
struct DatabaseOption: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Where the role keeps its state: sqlite:PATH (default: its SQLite file in --data-dir) or \
        postgres://user@host:port/database[?schema=NAME&sslmode=disable|prefer|require] (replicas of a role share \
        it). Without it, MEDSEARCH_DATABASE_URL is used when set: it keeps the password out of the process list \
        (PGPASSWORD also supplies one).
        """, valueName: "url"))
    var database: String?

    /// `--database`, else `MEDSEARCH_DATABASE_URL`, else nil (the role's SQLite file).
    func location() throws -> StoreLocation? {
        let value = database ?? ProcessInfo.processInfo.environment["MEDSEARCH_DATABASE_URL"]
        guard let value, !value.isEmpty else { return nil }
        do { return try StoreLocation(parsing: value) } catch {
            throw ValidationError("--database: \(error)")
        }
    }
}
