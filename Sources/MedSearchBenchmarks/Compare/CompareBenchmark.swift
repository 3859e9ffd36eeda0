import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFeatures
import MedSearchImaging
import MedSearchTrustMed

/// `medsearch compare`: the engines side by side on the same images and queries (quality through one evaluation
/// path, latency, bytes on the wire, storage), growth with n on synthetic data, and what each server learns.
@MemberwiseInit(.public)
public struct CompareBenchmark {
    /// What to run (the options of `medsearch compare`).
    public struct Configuration: Sendable {
        /// Labelled image folder (images/ + labels.csv); default ../shared/data/cxr-public.
        public var data: String?
        /// Engines, in report order.
        public var engines = CompareBenchmark.engineNames
        /// Leave-one-out queries drawn (seeded) from the database.
        public var queries = 100
        /// Synthetic database sizes of the growth series.
        public var sizes = [1000, 2000, 4000]
        /// Cut-offs k.
        public var ks = [5, 10, 20, 30, 40, 50]
        /// Findings; a database image carries at least one of them.
        public var classes = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion"]
        /// The base feature every engine starts from.
        public var feature = "hog"
        /// Side the base feature resizes images to (nil: the feature's default).
        public var featureSide: Int?
        /// Use at most this many database images (the first in id order).
        public var databaseLimit: Int?
        /// SEI's PCA dimension.
        public var seiDimension = 64
        /// FNN's fixed-point scale.
        public var fnnScale = 1000.0
        /// TrustMedSearch's BFV parameter set.
        public var trustMedParameterSet = TrustMedDefaults.defaultParameterSet
        /// TrustMedSearch storage nodes n and threshold m.
        public var nodes = 5
        public var threshold = 3
        /// TrustMedSearch hashcode bits.
        public var bits = 64
        /// ITQ iterations of TrustMedSearch's hash model (TrustMedHashing's default: 50).
        public var itqIterations = 50
        /// Queries per size in the growth series.
        public var growthQueries = 5
        /// Dimension of the synthetic vectors in the growth series.
        public var growthDimension = 128
        /// Seed of the query choice and the synthetic data.
        public var seed: UInt64 = 1
        /// Show progress on standard error.
        public var progress = true
        /// The command line recorded in the report.
        public var command = "medsearch compare"
        /// The `medsearch` executable the server roles of the CPU-per-role run start from (nil: this process when
        /// it is `medsearch`; otherwise that run is skipped and the report says so).
        public var executable: URL?
        /// Run each engine's queries a second time with every server role its own process (CPU per role).
        public var roleProcesses = true

        /// The defaults of `medsearch compare`.
        public init() {}

        /// The `--quick` run: 80 images, 4 queries, small growth sizes, TrustMedSearch on its test parameters with
        /// 3 storage nodes (m = 2).
        public static func quick() -> Configuration {
            var configuration = Configuration()
            configuration.databaseLimit = 80
            configuration.featureSide = 32
            configuration.itqIterations = 5
            configuration.queries = 4
            configuration.sizes = [64, 128]
            configuration.ks = [5, 10]
            configuration.seiDimension = 32
            configuration.trustMedParameterSet = TrustMedDefaults.testParameterSet
            configuration.nodes = 3
            configuration.threshold = 2
            configuration.growthQueries = 2
            configuration.growthDimension = 32
            return configuration
        }
    }

    /// The engines `compare` knows.
    public static let engineNames = ["plaintext", "fnn", "sei", "trustmed", "trustmed-identifier"]

    /// The command's one-line help.
    public static let abstract = "Compare the engines on the same images: quality, latency, bytes, storage, leakage."
    /// The description shown by `medsearch compare --help`.
    public static let discussion = """
        Every engine indexes the same images of --data (those carrying one of the four paper findings) and runs the \
        same --queries leave-one-out queries (seeded); quality is P@k, R@k, F1 and mAP per finding through \
        RetrievalMetrics, and every engine's top-k is checked against its plaintext reference. Owner, user and \
        servers run in one process with every message serialised (bytes counted, latency includes it); then the \
        same queries run again with every server role its own `medsearch serve` process on loopback, and each \
        role's CPU time per query is read from /proc (the client's from getrusage). TrustMedSearch runs in its \
        default unlinkable mode (trustmed) and in identifier mode (trustmed-identifier). FNN uses its shared \
        back end (Paillier: `medsearch fnn bench`). Growth uses synthetic vectors (--sizes). Writes the JSON \
        report, docs/RESULTS.md (--report, with the papers' own figures beside ours) and SVG plots (--plots).
        """

    let configuration: Configuration
    let created = Date()

    var log: (String) -> Void {
        let enabled = configuration.progress, start = created
        return { text in
            guard enabled else { return }
            let cpu = Double(clock()) / Double(CLOCKS_PER_SEC)
            let line = String(format: "[%.1f s, CPU %.1f s] ", Date().timeIntervalSince(start), cpu) + text + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Runs every engine on the real data, then the growth series; returns the report.
    public func run() async throws -> CompareReport {
        let c = configuration
        for engine in c.engines where !Self.engineNames.contains(engine) {
            throw BenchmarkError.invalidArgument("unknown engine \(engine) (known: \(Self.engineNames.joined(separator: ", ")))")
        }
        guard c.queries >= 1, !c.ks.isEmpty, c.ks.allSatisfy({ $0 >= 1 }), c.sizes.allSatisfy({ $0 >= 20 }) else {
            throw BenchmarkError.invalidArgument("need --queries >= 1, k >= 1 and sizes >= 20")
        }
        let started = Date()
        let environment = BenchEnvironment.current()
        let input = try loadInput()
        log("compare: read \(input.count) images")
        var notes: [String] = []
        var engines: [CompareEngineResult] = []
        let harness = try roleHarness()
        defer { if let harness { try? FileManager.default.removeItem(at: harness.directory) } }
        for engine in c.engines {
            log("compare: \(engine) on \(input.count) images, \(input.queries.count) queries")
            let m = try await measure(engine, input, roles: harness)
            engines.append(try result(engine, m, input))
        }
        if harness != nil {
            notes.append("CPU per role: after the in-process run, each engine's server roles ran as separate `medsearch serve` "
                + "processes on loopback (the build of this run), the owner uploaded the same data over HTTP and the same "
                + "queries ran again; each role's user + system CPU time over the query phase (/proc/PID/stat; the "
                + "client's from getrusage, including its HTTP client) divided by the queries.")
        } else {
            notes.append("CPU per role was not measured: no `medsearch` executable to start the server roles from.")
        }
        var growth: [CompareGrowthSeries] = []
        for engine in c.engines {
            growth.append(try await growthSeries(engine))
        }
        if c.engines.contains("fnn") {
            notes.append("FNN runs its shared back end (additive shares, two clouds) on every image; the Paillier back end "
                + "(linear in n, seconds per record) is measured by `medsearch fnn bench`.")
        }
        if c.engines.contains(where: { $0.hasPrefix("trustmed") }) && !TrustMedDefaults.isSecure(parameterSet: c.trustMedParameterSet) {
            notes.append("TrustMedSearch ran on the insecure test parameter set \(c.trustMedParameterSet) (quick run).")
        }
        notes.append("Latency is wall time with owner, user and servers in one process and every message serialised; "
            + "no network. Bytes are the serialised messages of the search (no images, no HTTP headers).")
        log("compare: done")
        return CompareReport(
            environment: environment.finished(), wallSeconds: Date().timeIntervalSince(started),
            command: c.command, seed: c.seed,
            dataset: CompareDataset(source: dataURL().path, classes: c.classes, databaseSize: input.count,
                                    queryIDs: input.queries.map { input.ids[$0] },
                                    baseFeature: "\(c.feature)" + (c.featureSide.map { " at side \($0)" } ?? " (FeatureRegistry defaults)")),
            ks: c.ks.sorted(), engines: engines, growth: growth,
            leakage: CompareLeakage.rows.filter { c.engines.contains($0.engine) }, papers: ComparePapers.figures, notes: notes)
    }

    func dataURL() -> URL {
        configuration.data.map { URL(fileURLWithPath: $0) }
            ?? DataLocator.sharedData()?.appendingPathComponent("cxr-public") ?? URL(fileURLWithPath: "cxr-public")
    }

    /// Reads the labelled images, extracts the base feature and the hashcodes, and draws the queries.
    func loadInput() throws -> CompareInput {
        let c = configuration
        let folder = dataURL()
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw BenchmarkError.missingInput("no data folder \(folder.path) (pass --data)")
        }
        var entries = try TrustMedDataset.load(folder).entries.filter { !$0.labels.isDisjoint(with: c.classes) }
        if let limit = c.databaseLimit { entries = Array(entries.prefix(limit)) }
        let needed = max(c.seiDimension, c.bits) + 2
        guard entries.count >= needed, entries.count > c.queries else {
            throw BenchmarkError.invalidArgument("\(entries.count) images carry \(c.classes.joined(separator: ", ")); need at least \(needed) and more than --queries")
        }
        let reading = ProgressReporter(label: "reading images", total: entries.count, enabled: c.progress)
        let images = try entries.map { entry -> [UInt8] in
            defer { reading.advance() }
            return Array(try Data(contentsOf: entry.url))
        }
        let grays = try images.map { try TrustMedDataset.grayImage($0) }
        log("compare: decoded \(grays.count) images")
        var options = FeatureOptions()
        options.side = c.featureSide
        let model = try FeatureRegistry.make(c.feature, options: options,
                                             training: FeatureRegistry.needsTraining(c.feature) ? grays : [])
        let features = Parallel.map(count: grays.count) { model.extract(grays[$0]) }
        // TrustMedSearch's hash model (ITQ, as TrustMedHashing.train builds it) over the same base feature and side.
        var codes: [[UInt8]] = [], hashModelBytes = 0
        if c.engines.contains(where: { $0.hasPrefix("trustmed") }) {
            let hashModel = FeatureModel(try HashFeature.train(base: model, images: grays, bits: c.bits,
                                                               iterations: c.itqIterations, seed: options.seed))
            codes = try grays.map { try TrustMedHashing.bits(of: $0, model: hashModel) }
            hashModelBytes = hashModel.serialized().count
        }
        log("compare: features and hashcodes of \(grays.count) images")
        var generator = SeededRandomNumberGenerator(seed: c.seed)
        let queries = Array(Array(0..<entries.count).shuffled(using: &generator).prefix(c.queries)).sorted()
        return CompareInput(ids: entries.map(\.id), features: features, images: images, codes: codes,
                            hashModelBytes: hashModelBytes, queries: queries,
                            k: c.ks.max() ?? 10, progress: c.progress)
    }

    var engineOptions: CompareEngineOptions {
        CompareEngineOptions(fnnScale: configuration.fnnScale, seiDimension: configuration.seiDimension,
                             trustMedParameterSet: configuration.trustMedParameterSet, nodes: configuration.nodes,
                             threshold: configuration.threshold)
    }

    /// The launcher of the CPU-per-role run, or nil when it is off or there is no `medsearch` executable.
    func roleHarness() throws -> CompareRoleHarness? {
        guard configuration.roleProcesses,
              let executable = configuration.executable ?? (try? MedSearchExecutable.current()) else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medsearch-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return CompareRoleHarness(launcher: RoleLauncher(mode: .childProcess(executable: executable)), directory: directory)
    }

    func measure(_ engine: String, _ input: CompareInput, seiDimension: Int? = nil,
                 roles: CompareRoleHarness? = nil) async throws -> EngineMeasurement {
        let options = engineOptions
        switch engine {
        case "plaintext": return try CompareEngines.plaintext(input)
        case "fnn": return try await CompareEngines.fnn(input, scale: options.fnnScale, roles: roles)
        case "sei":
            return try await CompareEngines.sei(input, dimension: seiDimension ?? options.seiDimension,
                                                featureName: configuration.feature, roles: roles)
        default:
            return try await CompareEngines.trustMed(input, options: options, unlinkable: engine == "trustmed", roles: roles)
        }
    }

    /// Scores an engine's rankings with ``RetrievalMetrics`` (the evaluation path of `medsearch eval`).
    func result(_ engine: String, _ m: EngineMeasurement, _ input: CompareInput) throws -> CompareEngineResult {
        let databaseLabels = try databaseLabelLists(input)
        let (classes, mean) = RetrievalMetrics.evaluate(
            rankings: m.rankings, queryLabels: input.queries.map { databaseLabels[$0] }, databaseLabels: databaseLabels,
            selfIndex: input.queries.map { Optional($0) }, classes: configuration.classes, ks: configuration.ks)
        let n = Double(max(1, input.count))
        return CompareEngineResult(
            engine: engine, searches: m.searches, databaseSize: input.count, queries: input.queries.count,
            classes: classes, mean: mean, reference: m.reference, referenceMismatches: m.mismatches,
            latencyP50Milliseconds: 1000 * Self.percentile(m.latencies, 0.5),
            latencyP95Milliseconds: 1000 * Self.percentile(m.latencies, 0.95),
            uploadMillisecondsPerImage: 1000 * m.uploadSeconds / n,
            bytesUpPerQuery: m.mean(m.bytesUp), bytesDownPerQuery: m.mean(m.bytesDown),
            bytesBetweenServersPerQuery: m.mean(m.bytesBetween), bytesPreprocessingPerQuery: m.preprocessingBytesPerQuery,
            indexBytesPerImage: m.indexBytes / n, imageBytesPerImage: m.imageBytes / n, clientBytes: m.clientBytes,
            parameters: m.parameters, roles: m.roles)
    }

    /// Labels of the database images (kept beside the input so the engines never see them).
    func databaseLabelLists(_ input: CompareInput) throws -> [[String]] {
        let labels = try LabelledImageFolder.labels(in: dataURL())
        return input.ids.map { Array(labels[$0] ?? []).sorted() }
    }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    /// Least-squares slope of log y against log n over the positive points.
    static func exponent(_ points: [(n: Int, y: Double)]) -> Double? {
        let xs: [Double] = points.filter { $0.y > 0 && $0.n > 0 }.map { Foundation.log(Double($0.n)) }
        let ys: [Double] = points.filter { $0.y > 0 && $0.n > 0 }.map { Foundation.log($0.y) }
        guard xs.count >= 2 else { return nil }
        let mx = xs.reduce(0, +) / Double(xs.count)
        let my = ys.reduce(0, +) / Double(ys.count)
        var sxx = 0.0, sxy = 0.0
        for i in xs.indices {
            sxx += (xs[i] - mx) * (xs[i] - mx)
            sxy += (xs[i] - mx) * (ys[i] - my)
        }
        return sxx > 0 ? sxy / sxx : nil
    }

    /// Latency, bytes and storage of one engine as n grows, on a synthetic Gaussian mixture (and random
    /// hashcodes for TrustMedSearch); every answer is still checked against the plaintext reference.
    func growthSeries(_ engine: String) async throws -> CompareGrowthSeries {
        let c = configuration
        var points: [CompareGrowthPoint] = []
        for n in c.sizes.sorted() {
            log("compare: growth \(engine) n = \(n)")
            let seed = c.seed &+ UInt64(n)
            let vectors = SEIBench.mixture(n: n, d: c.growthDimension, components: max(8, n / 100), seed: seed)
            var generator = SeededRandomNumberGenerator(seed: seed ^ 0xC0DE)
            let codes = (0..<n).map { _ in (0..<c.bits).map { _ in UInt8.random(in: 0...1, using: &generator) } }
            let images = (0..<n).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) } }
            let queries = Array(Array(0..<n).shuffled(using: &generator).prefix(c.growthQueries)).sorted()
            let input = CompareInput(ids: (0..<n).map { String(format: "s%07d", $0) },
                                     features: vectors.map { $0.map(Float.init) }, images: images, codes: codes,
                                     hashModelBytes: 0, queries: queries, k: 10, progress: false)
            let m = try await measure(engine, input, seiDimension: c.growthDimension)
            points.append(CompareGrowthPoint(n: n, latencyMilliseconds: 1000 * Self.percentile(m.latencies, 0.5),
                                             bytesPerQuery: m.bytesPerQuery, serverBytes: m.indexBytes,
                                             matchesReference: m.mismatches == 0))
        }
        let data = engine.hasPrefix("trustmed") ? "\(c.bits)-bit random hashcodes, 32-byte images"
            : "Gaussian mixture, d = \(c.growthDimension)" + (engine == "sei" ? ", PCA to \(c.growthDimension)" : "")
        return CompareGrowthSeries(engine: engine, data: data, points: points,
                                   latencyExponent: Self.exponent(points.map { ($0.n, $0.latencyMilliseconds) }),
                                   bytesExponent: Self.exponent(points.map { ($0.n, $0.bytesPerQuery) }),
                                   storageExponent: Self.exponent(points.map { ($0.n, $0.serverBytes) }))
    }
}

extension CompareReport {
    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Engines whose top-k differed from their plaintext reference on some query (real data or growth).
    public var enginesDifferingFromReference: [String] {
        engines.filter { $0.referenceMismatches > 0 }.map(\.engine)
            + growth.filter { $0.points.contains { !$0.matchesReference } }.map { "\($0.engine) (growth)" }
    }
}

extension CompareBenchmark {
    /// Writes the report's JSON, RESULTS.md and plots where asked (each optional); returns the paths written.
    @discardableResult
    public static func write(_ report: CompareReport, json: String?, markdown: String?, plots: String?) throws -> [String] {
        var written: [String] = []
        if let json {
            try report.json().write(to: URL(fileURLWithPath: json))
            written.append(json)
        }
        if let plots {
            try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
            for (name, svg) in ComparePlots.all(report).sorted(by: { $0.key < $1.key }) {
                let path = URL(fileURLWithPath: plots).appendingPathComponent(name).path
                try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
                written.append(path)
            }
        }
        if let markdown {
            let base = URL(fileURLWithPath: markdown).deletingLastPathComponent().standardizedFileURL.path + "/"
            let plotsPath = plots.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let relative = plotsPath.map { $0.hasPrefix(base) ? String($0.dropFirst(base.count)) : $0 }
            try Data(CompareMarkdown.render(report, plots: relative).utf8).write(to: URL(fileURLWithPath: markdown))
            written.append(markdown)
        }
        return written
    }
}

extension CompareBenchmark.Configuration {
    /// Applies the comma-separated lists of the command line (nil keeps the default).
    public mutating func apply(engines: String?, sizes: String?, ks: String?) throws {
        func integers(_ text: String, _ name: String) throws -> [Int] {
            try text.split(separator: ",").map {
                guard let value = Int($0.trimmingCharacters(in: .whitespaces)), value > 0 else {
                    throw BenchmarkError.invalidArgument("--\(name): \($0) is not a positive integer")
                }
                return value
            }
        }
        if let engines { self.engines = engines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let sizes { self.sizes = try integers(sizes, "sizes") }
        if let ks { self.ks = try integers(ks, "k") }
    }
}

extension CompareReport {
    /// One line per engine for the terminal.
    public var summary: String {
        let k = CompareMarkdown.headlineK(self)
        return engines.map { e in
            let f = CompareMarkdown.figure(e.mean, k: k)
            return "\(e.engine): P@\(k) \(CompareMarkdown.fmt(f?.precision)), mAP@\(k) \(CompareMarkdown.fmt(f?.meanAveragePrecision)), "
                + "= reference on \(e.queries - e.referenceMismatches) of \(e.queries) queries, latency p50 "
                + "\(CompareMarkdown.ms(e.latencyP50Milliseconds)) ms, p95 \(CompareMarkdown.ms(e.latencyP95Milliseconds)) ms, "
                + "\(CompareMarkdown.bytes(e.bytesUpPerQuery)) up / \(CompareMarkdown.bytes(e.bytesDownPerQuery)) down per query"
        }.joined(separator: "\n")
    }
}

extension CompareBenchmark: CommandDocumentation {}
