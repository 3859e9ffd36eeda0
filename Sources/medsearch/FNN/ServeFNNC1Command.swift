import ArgumentParser
import MedSearchFNN
import MedSearchServer
import MedSearchTransport

/// `medsearch serve fnn-c1`: FNN cloud C1 (stores the encrypted database, drives searches with C2).
struct ServeFNNC1Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnn-c1", abstract: ServerRole.fnnC1.abstract, discussion: ServerRole.fnnC1.discussion)

    @OptionGroup var serve: ServeOptions
    @Option(help: "C2's base URL.") var c2: String
    @Option(name: .customLong("peer-tokens"), help: "Token file holding C1's own token (role fnn-c1); default --tokens.")
    var peerTokens: String?
    @Option(name: .customLong("batch-size"), help: "Candidates per C1-C2 round (1 prunes most).") var batchSize: Int = 1
    @Option(help: "C2's visiting order: lowerBound (ascending bound) or sequential (Algorithm 3's scan).")
    var order: FNNScanOrder = .lowerBound

    func run() async throws {
        try await serve.serve(serve.instance(.fnnC1, engine: .init(batchSize: batchSize, scanOrder: order.rawValue),
                                             peers: .init(c2: c2, peerTokenFile: peerTokens)))
    }
}
