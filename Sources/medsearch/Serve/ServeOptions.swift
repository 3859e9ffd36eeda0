import ArgumentParser
import Foundation
import MedSearchServer
import MedSearchStore
import MedSearchTransport

/// Options every `medsearch serve <role>` command shares (the common fields of a ``RoleInstance``).
struct ServeOptions: ParsableArguments {
    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free port and prints it).") var port: Int = 0
    @Option(name: .customLong("data-dir"), help: "Directory for this role's database and files.")
    var dataDirectory: String
    @Option(help: "JSON file of accepted bearer tokens: {\"tokens\": {\"<token>\": \"<role>\"}}.") var tokens: String
    @OptionGroup var store: DatabaseOption
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).") var logLevel: String = "notice"
    @Option(help: "This instance's name in its deployment (default: the role).") var name: String?
    @OptionGroup var tls: ServeTLSOptions

    /// `serve` has a `--name` of its own (with `--config`), which takes a `--name` given after the role: read it back.
    static var parentName: String? { CommandLine.arguments.lastIndex(of: "--name").flatMap { CommandLine.arguments.dropFirst($0 + 1).first } }

    /// The role instance these options describe, checked (``RoleInstance/validate()``: a wrong value is a usage error).
    func instance(_ role: ServerRole, engine: RoleInstance.EngineParameters = .init(),
                  peers: RoleInstance.Peers = .init()) throws -> RoleInstance {
        _ = try store.location()  // a malformed URL is a usage error, before anything starts
        let instance = RoleInstance(role: role, name: name ?? Self.parentName ?? role.rawValue, host: host, port: port,
                                    dataDirectory: dataDirectory, tokenFile: tokens, database: store.text, logLevel: logLevel,
                                    engine: engine, peers: peers, tls: try tls.files(), insecure: tls.insecure)
        do { try instance.validate() } catch { throw ValidationError(error.description) }
        return instance
    }

    /// Runs `instance` until SIGTERM or SIGINT, announcing its URL on standard output.
    func serve(_ instance: RoleInstance) async throws {
        try await RoleServer.run(instance, handleSignals: true) { ServiceRunner.announce($0) }
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
    var text: String? {
        let value = database ?? ProcessInfo.processInfo.environment["MEDSEARCH_DATABASE_URL"]
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// ``text`` parsed.
    func location() throws -> StoreLocation? {
        guard let text else { return nil }
        do { return try StoreLocation(parsing: text) } catch {
            throw ValidationError("--database: \(error)")
        }
    }
}
