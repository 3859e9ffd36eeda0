import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve edge-master`: the trusted TrustMedSearch master edge server.
struct ServeEdgeMasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-master", abstract: ServerRole.edgeMaster.abstract, discussion: ServerRole.edgeMaster.discussion)

    @OptionGroup var serve: ServeOptions
    @Option(help: "Storage-node list (JSON: threshold, token, nodes).") var nodes: String?
    @Option(name: .customLong("search-workers"), help: "Search-worker list (JSON: token, workers); default: search here.")
    var searchWorkers: String?
    @Option(name: .customLong("node-timeout-ms"), help: "Skip a storage node that does not answer within this time.")
    var nodeTimeoutMilliseconds: Int = 2000

    func run() async throws {
        try await serve.serve(serve.instance(.edgeMaster, engine: .init(nodeTimeoutMilliseconds: nodeTimeoutMilliseconds),
                                             peers: .init(nodeList: nodes, searchWorkers: searchWorkers)))
    }
}
