import MedSearchClient
import Foundation
import MedSearchCore
import MedSearchFNN

/// `medsearch fnn bench`: reproduces the paper's Tables I/II (lower-bound time, reject ratio, search time per n)
/// on real images for both back ends, checking every answer against plaintext exact search.
@MemberwiseInit(.public)
public struct FNNBenchmark: Sendable {
    /// What to run (the options of `medsearch fnn bench`).
    public struct Configuration: Sendable {
        /// Database sizes for the shared back end (comma-separated).
        public var n = "100,200,300,400,500"
        /// Image side (the paper: 256).
        public var side = 256
        /// Back ends to run (comma-separated: shared, paillier).
        public var backends = "shared,paillier"
        /// Database sizes for the Paillier back end.
        public var paillierN = "20"
        /// Image side for the Paillier back end.
        public var paillierSide = 64
        /// Paillier modulus size.
        public var paillierBits = 2048
        /// Query images per n.
        public var queries = 3
        /// Timed rounds per query after one warm-up (shared back end).
        public var rounds = 5
        /// Timed rounds per query for Paillier (no warm-up).
        public var paillierRounds = 1
        /// k (the paper: 1).
        public var k = 1
        /// Candidates per round for the shared back end.
        public var batchSize = 8
        /// Records for the features run (0 skips it).
        public var featuresN = 10_000
        /// Dimension of the features run.
        public var featuresDimension = 128
        /// Records for the Paillier features run.
        public var featuresPaillierN = 200
        /// Image directory (default ../shared/data/cxr-public/images).
        public var images: String?
        /// Recover the winners' vectors through the masked hand-over and compare them with the stored ones.
        public var recoverVectors = true

        /// The defaults of `medsearch fnn bench`.
        public init() {}
    }

    /// The report's suite-specific part (field names as in earlier reports: camelCase).
    public struct Body: BenchmarkBody {
        public static let suite = "fnn"
        public var k: Int
        public var side: Int
        public var queries: Int
        public var rounds: Int
        /// The paper's Tables I/II rows, per back end and n.
        public var tables: [FNNBenchRow] = []
        /// The features run (synthetic vectors), per back end.
        public var features: [FNNBenchRow] = []
        public var paper = "Guo et al. (FNN), i7-7700, C: Table II 256x256: n=100..500 search 1.78/3.54/4.95/6.33/7.47 h, "
            + "LB 554.9..2745.1 ms, reject 31-42 %"
    }

    /// The command's one-line help.
    public static let abstract = "Benchmark FNN search (paper Tables I/II) on real images for both back ends."
    /// The description of the suite shown by `medsearch fnn bench --help`.
    public static let discussion = """
        Runs owner, user, C1 and C2 in one process (messages passed in memory, the same state machines the \
        servers run). Images come from --images (default ../shared/data/cxr-public/images), resized to --side. \
        Each timing is the median of --rounds runs after one warm-up, over --queries query images that are not \
        in the database; every answer is compared with plaintext exact top-k. The Paillier back end is measured \
        at --paillier-n (its cost is linear in n) and reported per record. Features: synthetic clustered vectors \
        at d = --features-dimension (real features of 10,000 images are not available), n = --features-n.
        """

    let configuration: Configuration
    var console: BenchConsole = .standard
    var n: String { configuration.n }
    var side: Int { configuration.side }
    var backends: String { configuration.backends }
    var paillierN: String { configuration.paillierN }
    var paillierSide: Int { configuration.paillierSide }
    var paillierBits: Int { configuration.paillierBits }
    var queries: Int { configuration.queries }
    var rounds: Int { configuration.rounds }
    var paillierRounds: Int { configuration.paillierRounds }
    var k: Int { configuration.k }
    var batchSize: Int { configuration.batchSize }
    var featuresN: Int { configuration.featuresN }
    var featuresDimension: Int { configuration.featuresDimension }
    var featuresPaillierN: Int { configuration.featuresPaillierN }
    var images: String? { configuration.images }
    var noVectors: Bool { !configuration.recoverVectors }

    func parseList(_ text: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value > 0 else {
                throw BenchmarkError.invalidArgument("bad list element \(part)")
            }
            return value
        }
    }

    /// Runs every table row and returns the report; throws ``FNNBenchmarkFailure`` (which carries the report)
    /// when an encrypted answer or a recovered vector was wrong.
    public func run() async throws -> BenchmarkReport<Body> {
        let backendList = try backends.split(separator: ",").map { name -> FNNBackend in
            guard let backend = FNNBackend(rawValue: String(name)) else { throw BenchmarkError.invalidArgument("unknown back end \(name)") }
            return backend
        }
        guard let directory = images.map({ URL(fileURLWithPath: $0) })
                ?? DataLocator.sharedData()?.appendingPathComponent("cxr-public/images") else {
            throw BenchmarkError.invalidArgument("no --images and ../shared/data is absent")
        }
        let environment = BenchEnvironment.current()
        var report = Body(k: k, side: side, queries: queries, rounds: rounds)
        for backend in backendList {
            let sizes = try parseList(backend == .shared ? n : paillierN)
            let imageSide = backend == .shared ? side : paillierSide
            let maxN = sizes.max() ?? 0
            let urls = try FNNClientFlows.images(in: directory, limit: maxN + queries)
            guard urls.count >= maxN + queries else { throw BenchmarkError.invalidArgument("need \(maxN + queries) images in \(directory.path)") }
            let vectorizer = FNNVectorizer(feature: "pixels", side: imageSide, scale: 1, maxAbs: 255)
            let all = try FNNClientFlows.records(urls, firstID: 1, vectorizer: vectorizer, progress: true)
            let database = Array(all.prefix(maxN)), queryVectors = all.suffix(queries).map(\.vector)
            for size in sizes {
                let row = try FNNBenchRunner.run(backend: backend, records: Array(database.prefix(size)),
                                                 queries: queryVectors, k: k, side: imageSide,
                                                 rounds: backend == .shared ? rounds : paillierRounds,
                                                 warmup: backend == .shared, batchSize: backend == .shared ? batchSize : 1,
                                                 paillierBits: paillierBits, maxAbs: 255, recoverVectors: !noVectors)
                report.tables.append(row)
                console.line(row.summary)
            }
        }
        if featuresN > 0 {
            for backend in backendList {
                let size = backend == .shared ? featuresN : min(featuresPaillierN, featuresN)
                let records = FNNBenchRunner.syntheticFeatures(count: size + queries, dimension: featuresDimension)
                let row = try FNNBenchRunner.run(backend: backend, records: Array(records.prefix(size)),
                                                 queries: records.suffix(queries).map(\.vector), k: max(k, 10), side: 0,
                                                 rounds: backend == .shared ? rounds : paillierRounds,
                                                 warmup: backend == .shared, batchSize: backend == .shared ? 64 : 1,
                                                 paillierBits: paillierBits, maxAbs: FNNBenchRunner.featureMaxAbs,
                                                 recoverVectors: !noVectors)
                report.features.append(row)
                console.line(row.summary)
            }
        }
        let result = BenchmarkReport(method: "median of --rounds timed rounds per query after one warm-up (Paillier: "
                                         + "--paillier-rounds, no warm-up), mean over the queries; wall clock",
                                     environment: environment.finished(), body: report)
        if report.tables.contains(where: { !$0.exact }) || report.features.contains(where: { !$0.exact }) {
            throw FNNBenchmarkFailure(report: result, reason: "an encrypted answer differed from plaintext exact search")
        }
        if (report.tables + report.features).contains(where: { $0.vectorsEqualStored == false }) {
            throw FNNBenchmarkFailure(report: result,
                                      reason: "a vector recovered through the hand-over differed from the stored vector")
        }
        return result
    }
}

/// A run that finished with a wrong answer: the report is still written, then the command fails.
public struct FNNBenchmarkFailure: Error, CustomStringConvertible {
    /// The report of the whole run.
    public var report: BenchmarkReport<FNNBenchmark.Body>
    /// What was wrong.
    public var reason: String

    public var description: String { reason }
}

extension FNNBenchmark: CommandDocumentation {}
