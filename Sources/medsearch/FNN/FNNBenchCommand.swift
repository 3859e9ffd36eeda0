import ArgumentParser
import MedSearchBenchmarks

/// `medsearch fnn bench`: reproduces the paper's Tables I/II (lower-bound time, reject ratio, search time per n)
/// on real images for both back ends, checking every answer against plaintext exact search.
struct FNNBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("bench", documentation: FNNBenchmark.self)

    @Option(help: "Database sizes for the shared back end (comma-separated).") var n: String = "100,200,300,400,500"
    @Option(help: "Image side (the paper: 256).") var side: Int = 256
    @Option(help: "Back ends to run (comma-separated: shared, paillier).") var backends: String = "shared,paillier"
    @Option(name: .customLong("paillier-n"), help: "Database sizes for the Paillier back end.")
    var paillierN: String = "20"
    @Option(name: .customLong("paillier-side"),
            help: "Image side for the Paillier back end (its cost is linear in d; per-record time is also given at 256x256).")
    var paillierSide: Int = 64
    @Option(name: .customLong("paillier-bits"), help: "Paillier modulus size.") var paillierBits: Int = 2048
    @Option(help: "Query images per n.") var queries: Int = 3
    @Option(help: "Timed rounds per query after one warm-up (shared back end).") var rounds: Int = 5
    @Option(name: .customLong("paillier-rounds"), help: "Timed rounds per query for Paillier (no warm-up).")
    var paillierRounds: Int = 1
    @Option(help: "k (the paper: 1).") var k: Int = 1
    @Option(name: .customLong("batch-size"), help: "Candidates per round for the shared back end.")
    var batchSize: Int = 8
    @Option(name: .customLong("features-n"), help: "Records for the features run (0 skips it).")
    var featuresN: Int = 10_000
    @Option(name: .customLong("features-dimension"), help: "Dimension of the features run.")
    var featuresDimension: Int = 128
    @Option(name: .customLong("features-paillier-n"), help: "Records for the Paillier features run (per-record figure).")
    var featuresPaillierN: Int = 200
    @Option(help: "Image directory.") var images: String?
    @Flag(name: .customLong("no-vectors"),
          help: "Do not recover the winners' vectors through the masked hand-over (by default every search does, and each recovered vector is compared with the stored one).")
    var noVectors = false
    @Option(help: "Write every figure to this JSON file.") var json: String?

    func run() async throws {
        var configuration = FNNBenchmark.Configuration()
        (configuration.n, configuration.side, configuration.backends) = (n, side, backends)
        (configuration.paillierN, configuration.paillierSide) = (paillierN, paillierSide)
        (configuration.paillierBits, configuration.queries, configuration.rounds) = (paillierBits, queries, rounds)
        (configuration.paillierRounds, configuration.k, configuration.batchSize) = (paillierRounds, k, batchSize)
        (configuration.featuresN, configuration.featuresDimension) = (featuresN, featuresDimension)
        (configuration.featuresPaillierN, configuration.images) = (featuresPaillierN, images)
        configuration.recoverVectors = !noVectors
        do {
            try BenchOutput.write(try await FNNBenchmark(configuration: configuration).run().json(), to: json)
        } catch let failure as FNNBenchmarkFailure {
            try BenchOutput.write(try failure.report.json(), to: json)
            throw ValidationError(failure.reason)
        }
    }
}
