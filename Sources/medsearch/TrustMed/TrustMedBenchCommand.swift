import ArgumentParser
import MedSearchBenchmarks
import MedSearchTrustMed

/// `medsearch trustmed bench`: retrieval quality (P@k, R@k, F1 per finding, encrypted and plaintext), upload
/// and query latency, node storage and node-failure behaviour of TrustMedSearch on real processes.
struct TrustMedBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("bench", documentation: TrustMedBenchmark.self)

    @Option(help: "Write every figure to this JSON file.") var json: String?
    @Option(help: "Dataset folder (images/ + labels.csv); default ../shared/data/cxr-public.") var data: String?
    @Option(help: "Storage nodes, n.") var nodes: Int = 5
    @Option(help: "Shares needed, m.") var threshold: Int = 3
    @Option(help: "Hashcode bits.") var bits: Int = 64
    @Option(name: .customLong("hash-base"), help: "Feature the hashcode is computed from.")
    var hashBase: String = TrustMedBenchmark.Configuration().hashBase
    @Option(help: "Findings (comma-separated).") var classes: String = "Atelectasis,Infiltration,Cardiomegaly,Effusion"
    @Option(name: [.customLong("latency-images"), .customLong("images")], help: "Images stored when timing queries (synthetic past the real ones).") var latencyImages: Int = 1000
    @Option(help: "Timed rounds (after one warm-up round).") var rounds: Int = 5
    @Option(name: .customLong("max-queries"), help: "Use at most this many leave-one-out queries (evenly spread).") var maxQueries: Int?
    @Flag(name: .customLong("quality-only"), help: "Measure retrieval quality only (skip latency, failures, re-sharing, deletion).")
    var qualityOnly = false
    @Option(name: .customLong("params"), help: "BFV parameter set.") var parameterSet: String = TrustMedDefaults.defaultParameterSet

    func validate() throws {
        guard threshold >= 2, threshold <= nodes, nodes <= 32 else { throw ValidationError("need 2 <= m <= n <= 32") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be >= 1") }
    }

    func run() async throws {
        var configuration = TrustMedBenchmark.Configuration()
        (configuration.data, configuration.nodes, configuration.threshold) = (data, nodes, threshold)
        (configuration.bits, configuration.hashBase, configuration.classes) = (bits, hashBase, classes)
        (configuration.latencyImages, configuration.rounds) = (latencyImages, rounds)
        (configuration.maxQueries, configuration.qualityOnly) = (maxQueries, qualityOnly)
        configuration.parameterSet = parameterSet
        let report = try await TrustMedBenchmark(configuration: configuration).run().json()
        if let json { try BenchOutput.write(report, to: json) }
        print(String(decoding: report, as: UTF8.self))
    }
}
