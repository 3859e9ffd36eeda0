import ArgumentParser
import Foundation
import MedSearchServer

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

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "notice"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    /// The role's configuration, with the token table loaded.
    func configuration() throws -> ServiceConfiguration {
        ServiceConfiguration(host: host, port: port,
                             dataDirectory: URL(fileURLWithPath: dataDirectory),
                             tokens: try AccessTokens.load(from: URL(fileURLWithPath: tokens)))
    }
}
