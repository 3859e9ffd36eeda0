import ArgumentParser
import Foundation
import Logging
import MedSearchFNN
import MedSearchServer

/// `medsearch serve fnn-c1`: FNN cloud C1 (stores the encrypted database, drives searches with C2).
struct ServeFNNC1Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnn-c1",
        abstract: "Run FNN cloud C1: the encrypted database (semantically secure unless C1 and C2 collude).",
        discussion: """
            C1 stores Paillier ciphertexts or masked shares of every record in SQLite under --data-dir, drives each \
            search (FNN Algorithm 3) and talks to C2 at --c2 with the token of role fnn-c1 from --peer-tokens \
            (default: --tokens). C1 learns which records were pruned and the ids of the returned records; it never \
            sees a vector, the query or a distance.
            """)

    @OptionGroup var serve: ServeOptions

    @Option(help: "C2's base URL.")
    var c2: String

    @Option(name: .customLong("peer-tokens"), help: "Token file holding C1's own token (role fnn-c1); default --tokens.")
    var peerTokens: String?

    @Option(name: .customLong("batch-size"), help: "Candidates per C1-C2 round (1 prunes most).")
    var batchSize: Int = 1

    @Option(help: "C2's visiting order: lowerBound (ascending bound) or sequential (Algorithm 3's scan).")
    var order: FNNScanOrder = .lowerBound

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be 1...4096") }
    }

    func run() async throws {
        let configuration = try serve.configuration()
        let peerTable = try AccessTokens.load(from: URL(fileURLWithPath: peerTokens ?? serve.tokens))
        guard let token = peerTable.tokens.first(where: { $0.value == .fnnC1 })?.key else {
            throw ValidationError("no token of role fnn-c1 in the peer token file")
        }
        let node = try await FNNC1Service.Node(dataDirectory: configuration.dataDirectory, database: configuration.database, batchSize: batchSize, order: order)
        let peer = FNNHTTPPeer(client: ServiceClient(baseURL: c2, token: token, timeout: .seconds(3600)))
        var logger = Logger(label: "medsearch.fnn-c1")
        logger.logLevel = Logger.Level(rawValue: serve.logLevel) ?? .notice
        try await ServiceRunner.run(router: FNNC1Service.router(node: node, peer: peer, tokens: configuration.tokens),
                                    configuration: configuration, logger: logger)
    }
}
