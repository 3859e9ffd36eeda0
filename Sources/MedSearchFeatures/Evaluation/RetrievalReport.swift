/// Retrieval quality at one cut-off k, with the chance level beside every figure.
public struct RetrievalFigures: Codable, Sendable, Equatable {
    /// The cut-off.
    public var k: Int
    /// Mean precision@k.
    public var precision: Double
    /// Mean recall@k.
    public var recall: Double
    /// F1 of `precision` and `recall` (harmonic mean of the two means).
    public var f1: Double
    /// Mean average precision@k.
    public var meanAveragePrecision: Double
    /// Expected precision@k of a random ranking (share of the database carrying the label).
    public var chancePrecision: Double
    /// Expected recall@k of a random ranking (k over the number of candidates).
    public var chanceRecall: Double
    /// F1 of the two chance levels.
    public var chanceF1: Double
    /// Expected mAP@k of a random ranking.
    public var chanceMeanAveragePrecision: Double
}

/// The figures of one class (or the macro mean over classes) at every k.
public struct ClassRetrievalResult: Codable, Sendable, Equatable {
    /// The class name, or `mean`.
    public var name: String
    /// Number of queries carrying the class.
    public var queries: Int
    /// Number of database images carrying the class.
    public var databaseImages: Int
    /// One entry per k, in increasing k.
    public var figures: [RetrievalFigures]
}

/// Every number of one evaluation run (written as JSON by `medsearch eval --json`).
public struct RetrievalReport: Codable, Sendable, Equatable {
    /// The feature's summary line.
    public var feature: String
    /// The data set (path and split).
    public var dataset: String
    /// `leave-one-out` or `query split against database split`.
    public var evaluationProtocol: String
    /// The distance used.
    public var metric: String
    /// Database size.
    public var databaseSize: Int
    /// Number of queries.
    public var queryCount: Int
    /// The cut-offs.
    public var ks: [Int]
    /// Per-class results, in the order the classes were given.
    public var classes: [ClassRetrievalResult]
    /// Macro mean over the classes.
    public var mean: ClassRetrievalResult
    /// Seconds spent extracting features, and searching (filled in by the caller).
    public var timings: [String: Double] = [:]
    /// Free-form notes (filters applied, model fingerprint).
    public var notes: [String: String] = [:]

    /// Creates a report.
    public init(feature: String, dataset: String, evaluationProtocol: String, metric: String, databaseSize: Int,
                queryCount: Int, ks: [Int], classes: [ClassRetrievalResult], mean: ClassRetrievalResult) {
        self.feature = feature
        self.dataset = dataset
        self.evaluationProtocol = evaluationProtocol
        self.metric = metric
        self.databaseSize = databaseSize
        self.queryCount = queryCount
        self.ks = ks
        self.classes = classes
        self.mean = mean
    }
}
