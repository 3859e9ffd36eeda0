import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchIndex

extension RetrievalReport: BenchmarkBody {
    public static let suite = "eval"
}

/// `medsearch eval`: plaintext retrieval quality of a feature (P@k, R@k, F1, mAP@k with chance levels, computed
/// by `RetrievalMetrics` through `RetrievalEvaluator`), as in the TrustMedSearch paper's Table III and Fig. 5.
@MemberwiseInit(.public)
public struct RetrievalEvaluation: Sendable {
    /// What to evaluate (the options of `medsearch eval`).
    public struct Configuration: Sendable {
        /// A directory with images/ and labels.csv, or a MedMNIST .npz file.
        public var data: String
        /// Feature name.
        public var features = "pixels"
        /// The classes (default: the four paper findings when present, or every label).
        public var classes: [String]?
        /// The cut-offs.
        public var ks = [5, 10, 20, 50, 100]
        /// labels.csv filters (`COLUMN=VALUE` or `COLUMN!=VALUE`).
        public var filters: [String] = []
        /// The feature's options.
        public var options = FeatureOptions()
        /// .npz: the query split.
        public var split = "test"
        /// .npz: the database split.
        public var databaseSplit = "train"
        /// .npz: the names of the label indices.
        public var labelNames: [String]?
        /// A feature model saved earlier, used instead of building one.
        public var model: FeatureModel?
        /// Show progress on standard error.
        public var progress = true

        /// An evaluation of `data` with the defaults of `medsearch eval`.
        public init(data: String) {
            self.data = data
        }
    }

    /// The outcome: the report and the feature model it used (trained on the database images when needed).
    public struct Outcome: Sendable {
        public var report: BenchmarkReport<RetrievalReport>
        public var model: FeatureModel
    }

    /// The four findings of the paper, the default classes of a directory that has them all.
    public static let paperClasses = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion"]

    let configuration: Configuration
    var console: BenchConsole = .standard

    /// Reads the data, builds (or uses) the feature model, encodes every image, ranks and scores.
    public func run() throws -> Outcome {
        let ks = configuration.ks
        guard !ks.isEmpty, ks.allSatisfy({ $0 > 0 }) else {
            throw BenchmarkError.invalidArgument("--k needs positive integers, e.g. 10,50")
        }
        let environment = BenchEnvironment.current()
        let url = URL(fileURLWithPath: configuration.data)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw BenchmarkError.missingInput("no such file or directory: \(configuration.data)")
        }
        let watch = Stopwatch(BenchHarness(rounds: 1, cpuScope: .process))
        let start = watch.read()
        let quiet = !configuration.progress

        // 1. Data.
        let database: LabelledDataset
        var queries: LabelledDataset? = nil
        let chosenClasses: [String]
        var notes: [String: String] = [:]
        if isDirectory.boolValue {
            let filters = try configuration.filters.map { try DatasetFilter(parsing: $0) }
            if let wanted = configuration.classes {
                chosenClasses = wanted
            } else {
                let all = try LabelledDataset.loadDirectory(url, classes: nil, filters: filters, progress: nil,
                                                            loadImages: false)
                chosenClasses = Self.paperClasses.allSatisfy(all.allLabels.contains) ? Self.paperClasses : all.allLabels
            }
            let total = try LabelledDataset.loadDirectory(url, classes: chosenClasses, filters: filters,
                                                          progress: nil, loadImages: false).count
            let reporter = ProgressReporter(label: "reading images", total: total, enabled: !quiet)
            database = try LabelledDataset.loadDirectory(url, classes: chosenClasses, filters: filters, progress: reporter)
            if !filters.isEmpty { notes["filters"] = filters.map(\.description).joined(separator: " ") }
        } else {
            database = try LabelledDataset.loadMedMNIST(url, split: configuration.databaseSplit,
                                                       labelNames: configuration.labelNames)
            let querySet = try LabelledDataset.loadMedMNIST(url, split: configuration.split,
                                                           labelNames: configuration.labelNames)
            let classes = configuration.classes ?? database.allLabels
            chosenClasses = classes
            queries = querySet.filtered { $0.labels.contains(where: classes.contains) }
        }
        let databaseSet = queries == nil ? database : database.filtered { $0.labels.contains(where: chosenClasses.contains) }
        guard databaseSet.count > 1 else { throw BenchmarkError.invalidArgument("the database has fewer than two images") }
        let loaded = watch.read()

        // 2. Feature model (trained on database images only; labels are never used).
        let model: FeatureModel
        if let given = configuration.model {
            model = given
        } else {
            let training = FeatureRegistry.needsTraining(configuration.features)
            if training && !quiet {
                console.status("training \(configuration.features) on \(databaseSet.count) database images")
            }
            model = try FeatureRegistry.make(configuration.features, options: configuration.options,
                                             training: training ? databaseSet.images : [])
        }
        let trained = watch.read()

        // 3. Encode.
        let encoding = ProgressReporter(label: "extracting \(model.kind)",
                                        total: databaseSet.count + (queries?.count ?? 0), enabled: !quiet)
        func encode(_ set: LabelledDataset) -> EncodedSet {
            let images = set.images
            if let hash = model.extractor as? HashFeature {
                return .codes(Parallel.map(count: images.count) { i in
                    defer { encoding.advance() }
                    return hash.hashcode(images[i])
                })
            }
            let vectors = Parallel.map(count: images.count) { i in
                defer { encoding.advance() }
                return model.extract(images[i])
            }
            return .vectors(vectors, model.metric == .innerProduct ? .innerProduct : .squaredEuclidean)
        }
        let encodedDatabase = encode(databaseSet)
        let encodedQueries = queries.map(encode)
        let encoded = watch.read()

        // 4. Search and score.
        let searching = ProgressReporter(label: "searching", total: queries?.count ?? databaseSet.count, enabled: !quiet)
        var report = try RetrievalEvaluator.evaluate(
            database: encodedDatabase, databaseLabels: databaseSet.items.map(\.labels),
            queries: encodedQueries, queryLabels: queries?.items.map(\.labels) ?? [],
            classes: chosenClasses, ks: ks, progress: searching)
        let searched = watch.read()
        report.feature = model.summary
        if let queries {
            report.dataset = "\(queries.source) against \(databaseSet.source)"
            report.evaluationProtocol = "queries \(configuration.split) against database \(configuration.databaseSplit)"
        } else {
            report.dataset = databaseSet.source
        }
        notes["model fingerprint"] = model.fingerprint
        report.notes = notes
        func seconds(_ a: BenchHarness.Instant, _ b: BenchHarness.Instant) -> Double { Double(b.wall &- a.wall) / 1e9 }
        report.timings = [
            "read": seconds(start, loaded), "train": seconds(loaded, trained), "extract": seconds(trained, encoded),
            "search": seconds(encoded, searched), "total": seconds(start, searched),
        ]
        return Outcome(report: BenchmarkReport(method: "one run; timings in seconds of wall-clock time",
                                               environment: environment.finished(), body: report),
                       model: model)
    }
}

extension RetrievalEvaluation {
    /// The command's one-line help.
    public static let abstract = "Measure plaintext retrieval quality of a feature (P@k, R@k, F1, mAP@k, with chance levels)."
    /// The description shown by `medsearch eval --help`.
    public static let discussion = """
        DATA is a directory with images/ and labels.csv (columns id and labels, labels separated by |), or a \
        MedMNIST .npz archive. For a directory the database is every image carrying at least one of --classes \
        (default Atelectasis, Infiltration, Cardiomegaly, Effusion when present) and every database image is a \
        query against the others (leave-one-out). For an .npz the queries are --split (default test) and the \
        database is --database-split (default train).
        Relevance is per class: a retrieved image counts for class c when it carries c. Figures are means over \
        the queries carrying c; the mean row is the macro mean over classes; chance (in parentheses) is the \
        share of database images carrying c for P and mAP, and k over the number of candidates for R.
        Features: pixels, stats, lbp, hog, hash (ITQ over --hash-base, trained on the database images, no labels \
        used), and cnn / pca when built in. Nothing here is encrypted: this is the plaintext reference.
        """
}

extension RetrievalEvaluation: CommandDocumentation {}
