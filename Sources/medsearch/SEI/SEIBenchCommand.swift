import ArgumentParser
import Foundation
import MedSearchClient
import MedSearchCore

/// `medsearch sei bench`: accuracy (the paper's Table 5), timings as n grows (Figs. 8-11), tree recall, the
/// n = 4000 and n = 1,000,000 speed targets, and the plaintext reference scan, written as JSON.
struct SEIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark SEI: P@k for d = 32...256, wrong key, tree vs linear, timings as n grows, 1M-scale search.",
        discussion: """
            Accuracy uses a labelled image folder (default ../shared/data/cxr-public; a result is relevant when it \
            shares a finding label with the query, leave-one-out over every image). Speed uses synthetic \
            Gaussian-mixture features (d = 128). Every time is the median of --rounds rounds after one warm-up \
            round, on one core (search times also give the minimum). The n = 1,000,000 run takes several \
            minutes and about 4 GB of memory: enable it with --scale-n 1000000. Run from a release build.
            """)

    @Option(help: "Write every figure to this JSON file.")
    var json: String?
    @Option(help: "Labelled image folder for the accuracy table (images/ + labels.csv).")
    var data: String?
    @Option(help: "Feature extractors for the accuracy table, comma-separated (default: cnn and lbp when cnn is available, else lbp; cnn-cxr-v1 embeds in 64 dimensions, so d = 128 and 256 need a wider feature such as lbp).")
    var feature: String?
    @Option(help: "Timing rounds (median reported; one extra warm-up round first).")
    var rounds: Int = 5
    @Option(help: "Size of the large-scale run, e.g. 1000000 (0, the default, skips it).")
    var scaleN: Int = 0
    @Flag(help: "Smaller run (fewer sizes, no large-scale run) for a quick check.")
    var quick = false

    func validate() throws {
        guard rounds >= 5 || quick else { throw ValidationError("--rounds must be at least 5 (or pass --quick)") }
        guard scaleN >= 0 else { throw ValidationError("--scale-n must be >= 0") }
    }

    func run() async throws {
        var bench = SEIBench(rounds: max(1, rounds), quick: quick)
        bench.note("load average at start: \(SEIBench.loadAverage().map { String($0) }.joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let dataURL = data.map { URL(fileURLWithPath: $0) } ?? DataLocator.sharedData()?.appendingPathComponent("cxr-public")
        if let dataURL, FileManager.default.fileExists(atPath: dataURL.path) {
            let features = feature.map { $0.split(separator: ",").map(String.init) }
                ?? (SEIClientFlows.defaultFeature == "cnn" ? ["cnn", "lbp"] : ["lbp"])
            for name in features { try bench.accuracy(folder: dataURL, feature: name) }
        } else {
            bench.note("accuracy skipped: no labelled data folder (pass --data)")
        }
        try bench.keyAndTrapdoorTimings()
        try bench.scaling(sizes: quick ? [1000, 2000, 4000] : [1000, 2000, 4000, 8000, 16000])
        try bench.targetAt4000()
        if scaleN > 0 && !quick { try bench.largeScale(n: scaleN) }
        let report = bench.report()
        if let json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }
}
