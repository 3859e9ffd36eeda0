import ArgumentParser
import MedSearchBenchmarks

/// `medsearch compare`: every engine on the same images and queries; JSON, docs/RESULTS.md and SVG plots.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("compare", documentation: CompareBenchmark.self)

    @Option(help: "Labelled image folder (default ../shared/data/cxr-public).") var data: String?
    @Option(help: "Engines, comma-separated (plaintext,fnn,sei,trustmed).") var engines: String?
    @Option(help: "Leave-one-out queries (seeded).") var queries: Int?
    @Option(help: "Synthetic database sizes of the growth series, comma-separated.") var sizes: String?
    @Option(help: "Cut-offs k, comma-separated.") var k: String?
    @Option(help: "Seed of the query choice and the synthetic data.") var seed: UInt64 = 1
    @Option(help: "Write the JSON report here.") var json: String?
    @Option(help: "Write the generated RESULTS.md here.") var report: String?
    @Option(help: "Write the SVG plots into this directory.") var plots: String?
    @Flag(help: "Small run (80 images, 4 queries, TrustMedSearch test parameters).") var quick = false

    func run() async throws {
        var configuration = quick ? CompareBenchmark.Configuration.quick() : CompareBenchmark.Configuration()
        try configuration.apply(engines: engines, sizes: sizes, ks: k)
        configuration.data = data
        configuration.queries = queries ?? configuration.queries
        configuration.seed = seed
        configuration.command = (["medsearch"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let result = try await CompareBenchmark(configuration: configuration).run()
        print(result.summary)
        for path in try CompareBenchmark.write(result, json: json, markdown: report, plots: plots) { print("wrote \(path)") }
        let differing = result.enginesDifferingFromReference
        if !differing.isEmpty {
            print("error: top-k differed from the plaintext reference: \(differing.joined(separator: ", "))")
            throw ExitCode.failure
        }
    }
}
