import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve storage-node`: one untrusted TrustMedSearch storage node (run n of them, each with its own
/// data directory). It stores opaque shares by share id for the edge master and nothing else.
struct ServeStorageNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-node",
        abstract: "Run a TrustMedSearch storage node (stores image shares for the edge master).",
        discussion: ServerRole.storageNode.discussion)

    @OptionGroup var serve: ServeOptions

    func run() async throws {
        try await serve.serve(serve.instance(.storageNode))
    }
}
