import ArgumentParser
import Foundation
import MedSearchDeployment
import MedSearchServer

/// `medsearch serve <role>`: runs one server role as its own process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run one MedSearch server role (each role is a separate process).",
        discussion: """
            `medsearch serve --config deploy.yaml --name node3` starts the role named node3 of a deployment file \
            (see `medsearch cluster --help`). Otherwise every role listens on --host/--port (port 0 picks a free \
            port; the bound URL is printed as `MEDSEARCH_LISTENING <url>`), keeps its state in SQLite under \
            --data-dir, accepts the bearer tokens listed in --tokens (JSON: {"tokens": {"<token>": "<role>"}}), \
            and serves TLS 1.3 with its certificate from the deployment CA (--tls-ca, --tls-cert, --tls-key; \
            `medsearch pki`), requiring a client certificate from the same CA, or plain HTTP with --insecure \
            (loopback addresses only). SIGTERM stops it gracefully; SIGHUP rereads its certificate, key and the \
            deny list.
            """,
        subcommands: [
            ServeFNNC1Command.self,
            ServeFNNC2Command.self,
            ServeSEICommand.self,
            ServeEdgeMasterCommand.self,
            ServeStorageNodeCommand.self,
            ServeWebCommand.self,
        ]
    )

    @Option(help: "A deployment file (YAML): start the role named by --name from it.")
    var config: String?

    @Option(help: "The role's name in the deployment file.")
    var name: String?

    func validate() throws {
        // `--name` alone belongs to a role subcommand (`serve storage-node --name node0`).
        if config != nil, name == nil { throw ValidationError("--config needs --name (the role to start)") }
    }

    func run() async throws {
        guard let config, let name else {
            throw ValidationError("give a role (medsearch serve <role> ...) or --config FILE --name NAME")
        }
        let deployment = try DeploymentFile.load(URL(fileURLWithPath: config))
        var instance = try deployment.instance(named: name)
        // The database URL may also come from the environment, as for `serve <role>`.
        if instance.database == nil, let url = ProcessInfo.processInfo.environment[RoleLauncher.databaseVariable], !url.isEmpty {
            instance.database = url
        }
        try deployment.prepare(instance)
        try await RoleServer.run(instance, handleSignals: true) { ServiceRunner.announce($0) }
    }
}
