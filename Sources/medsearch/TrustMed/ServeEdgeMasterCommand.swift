import ArgumentParser
import MedSearchServer

/// `medsearch serve edge-master`: the trusted TrustMedSearch master edge server.
struct ServeEdgeMasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-master",
        abstract: "Run the TrustMedSearch master edge server (encrypted hashcode search, m-of-n image shares).",
        discussion: """
            The master keeps BFV-encrypted hashcodes in SQLite under --data-dir, evaluates encrypted Hamming \
            distances for clients' encrypted queries (it holds public and evaluation keys only, never the secret \
            key), splits each sealed image into n verifiable shares on the storage nodes listed in --nodes, and \
            rebuilds requested images from any m of them. It learns which records a client fetches.
            --nodes is a JSON file: {"threshold": 3, "token": "<token for the nodes>", "nodes": ["http://...", ...]}; \
            without it the list saved in --data-dir from an earlier start is used.
            --search-workers is a JSON file {"token": "<token for the workers>", "workers": ["http://...", ...]}: the \
            master then sends each query to every `medsearch serve search-worker` (each evaluates one shard of the \
            encrypted database) and merges their partial results; records of a worker that does not answer are \
            named in the response as not searched.
            """)

    @OptionGroup var serve: ServeOptions
    @Option(help: "Storage-node list (JSON: threshold, token, nodes).") var nodes: String?
    @Option(name: .customLong("search-workers"), help: "Search-worker list (JSON: token, workers); default: search here.")
    var searchWorkers: String?
    @Option(name: .customLong("node-timeout-ms"), help: "Skip a storage node that does not answer within this time.")
    var nodeTimeoutMilliseconds: Int = 2000

    func validate() throws {
        guard (10...600_000).contains(nodeTimeoutMilliseconds) else {
            throw ValidationError("--node-timeout-ms must be 10...600000")
        }
    }

    func run() async throws {
        try await serve.serve(serve.instance(.edgeMaster, engine: .init(nodeTimeoutMilliseconds: nodeTimeoutMilliseconds),
                                             peers: .init(nodeList: nodes, searchWorkers: searchWorkers)))
    }
}
