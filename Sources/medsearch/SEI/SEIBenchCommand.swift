import ArgumentParser
import MedSearchBenchmarks

/// `medsearch sei bench`: accuracy (the paper's Table 5), timings as n grows (Figs. 8-11), tree recall, the
/// n = 4000 and n = 1,000,000 speed targets, and the plaintext reference scan, written as JSON.
struct SEIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("bench", documentation: SEIBenchmark.self)

    @Option(help: "Write every figure to this JSON file.") var json: String?
    @Option(help: "Labelled image folder for the accuracy table (images/ + labels.csv).") var data: String?
    @Option(help: "Feature extractors for the accuracy table, comma-separated (default: cnn and lbp when cnn is available, else lbp; cnn-cxr-v1 embeds in 64 dimensions, so d = 128 and 256 need a wider feature such as lbp).")
    var feature: String?
    @Option(help: "Timing rounds (median reported; one extra warm-up round first).") var rounds: Int = 5
    @Option(help: "Size of the large-scale run, e.g. 1000000 (0, the default, skips it).") var scaleN: Int = 0
    @Flag(help: "Smaller run (fewer sizes, no large-scale run) for a quick check.") var quick = false

    func validate() throws {
        guard rounds >= 5 || quick else { throw ValidationError("--rounds must be at least 5 (or pass --quick)") }
        guard scaleN >= 0 else { throw ValidationError("--scale-n must be >= 0") }
    }

    func run() async throws {
        var configuration = SEIBenchmark.Configuration()
        (configuration.data, configuration.feature, configuration.rounds) = (data, feature, rounds)
        (configuration.scaleN, configuration.quick) = (scaleN, quick)
        try BenchOutput.write(try await SEIBenchmark(configuration: configuration).run().json(), to: json)
    }
}
