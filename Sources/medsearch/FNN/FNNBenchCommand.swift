import MedSearchClient
import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchFNN

/// `medsearch fnn bench`: reproduces the paper's Tables I/II (lower-bound time, reject ratio, search time per n)
/// on real images for both back ends, checking every answer against plaintext exact search.
struct FNNBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark FNN search (paper Tables I/II) on real images for both back ends.",
        discussion: """
            Runs owner, user, C1 and C2 in one process (messages passed in memory, the same state machines the \
            servers run). Images come from --images (default ../shared/data/cxr-public/images), resized to --side. \
            Each timing is the median of --rounds runs after one warm-up, over --queries query images that are not \
            in the database; every answer is compared with plaintext exact top-k. The Paillier back end is measured \
            at --paillier-n (its cost is linear in n) and reported per record. Features: synthetic clustered vectors \
            at d = --features-dimension (real features of 10,000 images are not available), n = --features-n.
            """)

    @Option(help: "Database sizes for the shared back end (comma-separated).")
    var n: String = "100,200,300,400,500"

    @Option(help: "Image side (the paper: 256).")
    var side: Int = 256

    @Option(help: "Back ends to run (comma-separated: shared, paillier).")
    var backends: String = "shared,paillier"

    @Option(name: .customLong("paillier-n"), help: "Database sizes for the Paillier back end.")
    var paillierN: String = "20"

    @Option(name: .customLong("paillier-side"),
            help: "Image side for the Paillier back end (its cost is linear in d; per-record time is also given at 256x256).")
    var paillierSide: Int = 64

    @Option(name: .customLong("paillier-bits"), help: "Paillier modulus size.")
    var paillierBits: Int = 2048

    @Option(help: "Query images per n.")
    var queries: Int = 3

    @Option(help: "Timed rounds per query after one warm-up (shared back end).")
    var rounds: Int = 5

    @Option(name: .customLong("paillier-rounds"), help: "Timed rounds per query for Paillier (no warm-up).")
    var paillierRounds: Int = 1

    @Option(help: "k (the paper: 1).")
    var k: Int = 1

    @Option(name: .customLong("batch-size"), help: "Candidates per round for the shared back end.")
    var batchSize: Int = 8

    @Option(name: .customLong("features-n"), help: "Records for the features run (0 skips it).")
    var featuresN: Int = 10_000

    @Option(name: .customLong("features-dimension"), help: "Dimension of the features run.")
    var featuresDimension: Int = 128

    @Option(name: .customLong("features-paillier-n"), help: "Records for the Paillier features run (per-record figure).")
    var featuresPaillierN: Int = 200

    @Option(help: "Image directory.")
    var images: String?

    @Flag(name: .customLong("no-vectors"),
          help: "Do not recover the winners' vectors through the masked hand-over (by default every search does, and each recovered vector is compared with the stored one).")
    var noVectors = false

    @Option(help: "Write every figure to this JSON file.")
    var json: String?

    func parseList(_ text: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value > 0 else {
                throw ValidationError("bad list element \(part)")
            }
            return value
        }
    }

    func run() async throws {
        let backendList = try backends.split(separator: ",").map { name -> FNNBackend in
            guard let backend = FNNBackend(rawValue: String(name)) else { throw ValidationError("unknown back end \(name)") }
            return backend
        }
        guard let directory = images.map({ URL(fileURLWithPath: $0) })
                ?? DataLocator.sharedData()?.appendingPathComponent("cxr-public/images") else {
            throw ValidationError("no --images and ../shared/data is absent")
        }
        var report = FNNBenchReport(machine: .current(), k: k, side: side, queries: queries, rounds: rounds)
        for backend in backendList {
            let sizes = try parseList(backend == .shared ? n : paillierN)
            let imageSide = backend == .shared ? side : paillierSide
            let maxN = sizes.max() ?? 0
            let urls = try FNNClientFlows.images(in: directory, limit: maxN + queries)
            guard urls.count >= maxN + queries else { throw ValidationError("need \(maxN + queries) images in \(directory.path)") }
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
                print(row.summary)
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
                print(row.summary)
            }
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
        if report.tables.contains(where: { !$0.exact }) || report.features.contains(where: { !$0.exact }) {
            throw ValidationError("an encrypted answer differed from plaintext exact search")
        }
        if (report.tables + report.features).contains(where: { $0.vectorsEqualStored == false }) {
            throw ValidationError("a vector recovered through the hand-over differed from the stored vector")
        }
    }
}
