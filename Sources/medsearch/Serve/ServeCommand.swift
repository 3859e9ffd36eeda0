import ArgumentParser
import Foundation
import MedSearchDeployment
import MedSearchServer
import MedSearchTransport
import MedSearchWeb

/// `medsearch serve <role>`: runs one server role as its own process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run one MedSearch server role (each role is a separate process).",
        discussion: ClusterCommands.serveDiscussion,
        subcommands: [ServeFNNC1Command.self, ServeRoleCommand<FNNC2>.self, ServeRoleCommand<SEICloud>.self, ServeEdgeMasterCommand.self,
                      ServeRoleCommand<StorageNode>.self, ServeSearchWorkerCommand.self, ServeWebCommand.self]
    )

    @Option(help: "A deployment file (YAML): start the role named by --name from it.") var config: String?
    @Option(help: "The role's name in the deployment file.") var name: String?

    func run() async throws {
        guard let config, let name else { throw ValidationError("give a role (serve <role> ...) or --config FILE --name NAME") }
        try await WebLaunch.serve(config: URL(fileURLWithPath: config), name: name) { ServiceRunner.announce($0) }
    }
}

/// `medsearch serve fnn-c2|sei|storage-node`: a role with the shared options only.
struct ServeRoleCommand<Role: PlainRole>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { .init(commandName: Role.role.rawValue, abstract: Role.role.abstract, discussion: Role.role.discussion) }
    @OptionGroup var serve: ServeOptions
    func run() async throws { try await serve.serve(serve.instance(Role.role)) }
}

/// A role `medsearch serve` runs with the shared options only.
protocol PlainRole { static var role: ServerRole { get } }
enum FNNC2: PlainRole { static let role = ServerRole.fnnC2 }
enum SEICloud: PlainRole { static let role = ServerRole.sei }
enum StorageNode: PlainRole { static let role = ServerRole.storageNode }
