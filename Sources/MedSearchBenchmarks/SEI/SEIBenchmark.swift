import Foundation
import MedSearchClient
import MedSearchCore

/// `medsearch sei bench`: accuracy (the paper's Table 5), timings as n grows (Figs. 8-11), tree recall, the
/// n = 4000 and n = 1,000,000 speed targets, and the plaintext reference scan.
public struct SEIBenchmark {
    /// What to run (the options of `medsearch sei bench`).
    public struct Configuration: Sendable {
        /// Labelled image folder for the accuracy table (images/ + labels.csv); default ../shared/data/cxr-public.
        public var data: String?
        /// Feature extractors for the accuracy table, comma-separated (default: cnn and lbp when cnn is available).
        public var feature: String?
        /// Timing rounds (median reported; one extra warm-up round first).
        public var rounds = 5
        /// Size of the large-scale run (0 skips it).
        public var scaleN = 0
        /// Smaller run (fewer sizes, no large-scale run).
        public var quick = false

        /// The defaults of `medsearch sei bench`.
        public init() {}
    }

    /// The description of the suite shown by `medsearch sei bench --help`.
    public static let discussion = """
        Accuracy uses a labelled image folder (default ../shared/data/cxr-public; a result is relevant when it \
        shares a finding label with the query, leave-one-out over every image). Speed uses synthetic \
        Gaussian-mixture features (d = 128). Every time is the median of --rounds rounds after one warm-up \
        round, on one core (search times also give the minimum). The n = 1,000,000 run takes several \
        minutes and about 4 GB of memory: enable it with --scale-n 1000000. Run from a release build.
        """

    let configuration: Configuration
    var data: String? { configuration.data }
    var feature: String? { configuration.feature }
    var rounds: Int { configuration.rounds }
    var scaleN: Int { configuration.scaleN }
    var quick: Bool { configuration.quick }

    /// Prepares a run.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs every figure; returns the report as JSON.
    public func run() async throws -> Data {
        guard rounds >= 5 || quick else { throw BenchmarkError.invalidArgument("--rounds must be at least 5 (or pass --quick)") }
        guard scaleN >= 0 else { throw BenchmarkError.invalidArgument("--scale-n must be >= 0") }
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
        return try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    }
}
