import MedSearchCore
import MedSearchFeatures

/// Encoded images ready for exact search.
public enum EncodedSet: Sendable {
    /// Float vectors compared by squared Euclidean distance or inner product.
    case vectors([[Float]], ExactSearch.Metric)
    /// Binary hashcodes compared by Hamming distance.
    case codes([Hashcode])

    /// Number of encoded images.
    public var count: Int {
        switch self {
        case let .vectors(v, _): v.count
        case let .codes(c): c.count
        }
    }
}

/// Runs the retrieval protocols of the evaluation: leave-one-out over one set, or queries of one split against
/// the database of another, with exact plaintext search, and scores them with ``RetrievalMetrics``.
public enum RetrievalEvaluator {
    /// Ranks the database for every query (ties by database index) and returns the top `k` indices of each.
    ///
    /// - Parameters:
    ///   - queries: same kind of encoding as `database`; under leave-one-out pass the database itself.
    ///   - leaveOneOut: when true, query i skips database index i.
    public static func rankings(database: EncodedSet, queries: EncodedSet, k: Int, leaveOneOut: Bool,
                                progress: ProgressReporter? = nil) throws -> [[Int]] {
        let ids = Array(0..<database.count)
        switch (database, queries) {
        case let (.vectors(db, metric), .vectors(qs, _)):
            let index = try ExactSearch.FloatDatabase(ids: ids, vectors: db)
            // Batches of queries share each cached block of the database (the scan is memory-bound otherwise).
            let batch = 32
            let batches = Parallel.map(count: (qs.count + batch - 1) / batch) { b in
                let first = b * batch
                let chunk = Array(qs[first..<min(qs.count, first + batch)])
                defer { progress?.advance(by: chunk.count) }
                let hits = index.search(batch: chunk, k: k, metric: metric,
                                        excluding: leaveOneOut ? { $1 == first + $0 } : nil)
                return hits.map { $0.map(\.id) }
            }
            return batches.flatMap { $0 }
        case let (.codes(db), .codes(qs)):
            let index = try ExactSearch.HammingDatabase(ids: ids, codes: db)
            return Parallel.map(count: qs.count) { q in
                defer { progress?.advance() }
                let hits = leaveOneOut ? index.search(qs[q], k: k, excluding: { $0 == q }) : index.search(qs[q], k: k)
                return hits.map(\.id)
            }
        default:
            throw FeaturesError.invalidParameter(name: "queries", reason: "queries and database are encoded differently")
        }
    }

    /// Evaluates one feature.
    ///
    /// - Parameters:
    ///   - database: encoded database images.
    ///   - databaseLabels: their labels.
    ///   - queries: encoded queries, or nil for leave-one-out over the database.
    ///   - queryLabels: labels of the queries (ignored under leave-one-out).
    ///   - classes: classes to report.
    ///   - ks: cut-offs.
    /// - Returns: the report (feature and dataset fields are left for the caller to fill in).
    public static func evaluate(database: EncodedSet, databaseLabels: [[String]], queries: EncodedSet? = nil,
                                queryLabels: [[String]] = [], classes: [String], ks: [Int],
                                progress: ProgressReporter? = nil) throws -> RetrievalReport {
        let leaveOneOut = queries == nil
        let querySet = queries ?? database
        let labels = leaveOneOut ? databaseLabels : queryLabels
        guard labels.count == querySet.count, databaseLabels.count == database.count else {
            throw FeaturesError.invalidParameter(name: "labels", reason: "one label list per image is needed")
        }
        let kMax = ks.max() ?? 10
        let ranked = try rankings(database: database, queries: querySet, k: kMax, leaveOneOut: leaveOneOut,
                                  progress: progress)
        let selfIndex: [Int?] = leaveOneOut ? Array(0..<database.count) : Array(repeating: nil, count: querySet.count)
        let (perClass, mean) = RetrievalMetrics.evaluate(rankings: ranked, queryLabels: labels,
                                                         databaseLabels: databaseLabels, selfIndex: selfIndex,
                                                         classes: classes, ks: ks)
        let metric: String = switch database {
        case let .vectors(_, m): m == .squaredEuclidean ? "squared Euclidean" : "inner product"
        case .codes: "Hamming"
        }
        return RetrievalReport(feature: "", dataset: "", evaluationProtocol: leaveOneOut ? "leave-one-out" : "query split",
                               metric: metric, databaseSize: database.count, queryCount: querySet.count,
                               ks: ks.sorted(), classes: perClass, mean: mean)
    }
}
