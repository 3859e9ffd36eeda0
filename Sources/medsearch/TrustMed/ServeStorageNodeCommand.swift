import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve storage-node`: one untrusted TrustMedSearch storage node (run n of them, each with its own
/// data directory). It stores opaque shares by share id for the edge master and nothing else.
struct ServeStorageNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-node",
        abstract: "Run a TrustMedSearch storage node (stores image shares for the edge master).",
        discussion: """
            A storage node keeps opaque shares by random share id in SQLite under --data-dir and answers only \
            callers whose token maps to role `edge-master` (and `admin` for usage figures). A share alone \
            reveals nothing about an image; any m of the n nodes' shares rebuild it.
            """)

    @OptionGroup var serve: ServeOptions

    func run() async throws {
        try await serve.serve(serve.instance(.storageNode))
    }
}
