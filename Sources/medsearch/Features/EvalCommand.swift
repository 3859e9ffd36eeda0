import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchIndex

/// `medsearch eval`: retrieval quality of a feature (P@k, R@k, F1, mAP@k with chance levels), as in the
/// TrustMedSearch paper's Table III and Fig. 5.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure plaintext retrieval quality of a feature (P@k, R@k, F1, mAP@k, with chance levels).",
        discussion: """
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
    )

    @Option(name: .long, help: "A directory with images/ and labels.csv, or a MedMNIST .npz file.")
    var data: String

    @Option(name: .long, help: "Feature name (\(FeatureRegistry.names.joined(separator: ", "))).")
    var features: String = "pixels"

    @Option(name: .long, help: "Comma-separated classes (default: the four paper findings, or every label of an .npz).")
    var classes: String?

    @Option(name: .long, help: "Comma-separated cut-offs k.")
    var k: String = "5,10,20,50,100"

    @Option(name: .long, help: "Write every number as JSON to this file.")
    var json: String?

    @Option(name: .long, help: "Write an SVG plot of precision and recall against k to this file.")
    var plot: String?

    @Option(name: .long, parsing: .singleValue, help: "Keep only labels.csv rows with COLUMN=VALUE or COLUMN!=VALUE (repeatable), e.g. native_width!=64.")
    var filter: [String] = []

    @Option(name: .long, help: "Side of the resized image (default: pixels/stats 32, lbp 128, hog 64).")
    var side: Int?

    @Flag(name: .long, help: "pixels: z-normalise each vector.")
    var zNormalize = false

    @Option(name: .long, help: "hash: code length in bits (16...256).")
    var bits: Int = 64

    @Option(name: .long, help: "hash: the base feature the code is learnt from.")
    var hashBase: String = "lbp"

    @Option(name: .long, help: "pca: output dimensions.")
    var pcaDimensions: Int = 128

    @Option(name: .long, help: "pca: the base feature.")
    var pcaBase: String = "pixels"

    @Option(name: .long, help: "lbp: cells per side.")
    var lbpGrid: Int = 4

    @Option(name: .long, help: "lbp: comma-separated radii.")
    var lbpRadii: String = "1"

    @Flag(name: .long, help: "lbp: rotation-invariant uniform patterns (10 bins) instead of uniform (59).")
    var lbpRotationInvariant = false

    @Option(name: .long, help: "hog: cell size in pixels.")
    var hogCell: Int = 8

    @Option(name: .long, help: "hog: orientation bins.")
    var hogBins: Int = 9

    @Option(name: .long, help: "cnn: the bundled network (default cnn-cxr-v1 when bundled).")
    var cnnModel: String?

    @Option(name: .long, help: ".npz: the query split.")
    var split: String = "test"

    @Option(name: .long, help: ".npz: the database split.")
    var databaseSplit: String = "train"

    @Option(name: .long, help: ".npz: comma-separated names of the label indices (e.g. normal,pneumonia).")
    var labelNames: String?

    @Option(name: .long, help: "Write the (trained) feature model to this file.")
    var saveModel: String?

    @Option(name: .long, help: "Use a feature model saved with --save-model instead of building one.")
    var loadModel: String?

    @Flag(name: .long, help: "Do not show progress.")
    var quiet = false

    func validate() throws {
        guard !parsedKs().isEmpty, parsedKs().allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--k needs positive integers, e.g. 10,50")
        }
    }

    func parsedKs() -> [Int] { Array(Set(k.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })).sorted() }

    func list(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func run() throws {
        let start = Date()
        let url = URL(fileURLWithPath: data)
        let ks = parsedKs()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ValidationError("no such file or directory: \(data)")
        }
        // 1. Data.
        let database: LabelledDataset
        var queries: LabelledDataset? = nil
        var chosenClasses: [String]
        var notes: [String: String] = [:]
        if isDirectory.boolValue {
            let filters = try filter.map { try DatasetFilter(parsing: $0) }
            var wanted = list(classes)
            if wanted == nil {
                let paper = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion"]
                let all = try LabelledDataset.loadDirectory(url, classes: nil, filters: filters, progress: nil, loadImages: false)
                wanted = paper.allSatisfy(all.allLabels.contains) ? paper : all.allLabels
            }
            chosenClasses = wanted!
            let total = try LabelledDataset.loadDirectory(url, classes: chosenClasses, filters: filters,
                                                          progress: nil, loadImages: false).count
            let reporter = ProgressReporter(label: "reading images", total: total, enabled: !quiet)
            database = try LabelledDataset.loadDirectory(url, classes: chosenClasses, filters: filters, progress: reporter)
            if !filters.isEmpty { notes["filters"] = filters.map(\.description).joined(separator: " ") }
        } else {
            let names = list(labelNames)
            database = try LabelledDataset.loadMedMNIST(url, split: databaseSplit, labelNames: names)
            let querySet = try LabelledDataset.loadMedMNIST(url, split: split, labelNames: names)
            queries = querySet
            chosenClasses = list(classes) ?? database.allLabels
            let keep: (LabelledItem) -> Bool = { $0.labels.contains(where: chosenClasses.contains) }
            queries = querySet.filtered(keep)
        }
        let databaseSet = queries == nil ? database : database.filtered { $0.labels.contains(where: chosenClasses.contains) }
        guard databaseSet.count > 1 else { throw ValidationError("the database has fewer than two images") }
        let loaded = Date()

        // 2. Feature model (trained on database images only; labels are never used).
        let model: FeatureModel
        if let loadModel {
            model = try FeatureModel(serialized: Array(try Data(contentsOf: URL(fileURLWithPath: loadModel))))
        } else {
            var options = FeatureOptions()
            options.side = side
            options.zNormalize = zNormalize
            options.bits = bits
            options.hashBase = hashBase
            options.pcaDimensions = pcaDimensions
            options.pcaBase = pcaBase
            options.lbpGrid = lbpGrid
            options.lbpRadii = lbpRadii.split(separator: ",").compactMap { Int($0) }
            options.lbpRotationInvariant = lbpRotationInvariant
            options.hogCell = hogCell
            options.hogBins = hogBins
            options.cnnModel = cnnModel
            if FeatureRegistry.needsTraining(features) && !quiet {
                FileHandle.standardError.write(Data("training \(features) on \(databaseSet.count) database images\n".utf8))
            }
            model = try FeatureRegistry.make(features, options: options,
                                             training: FeatureRegistry.needsTraining(features) ? databaseSet.images : [])
        }
        if let saveModel {
            try Data(model.serialized()).write(to: URL(fileURLWithPath: saveModel))
        }
        let trained = Date()

        // 3. Encode.
        let encodeCount = databaseSet.count + (queries?.count ?? 0)
        let encoding = ProgressReporter(label: "extracting \(model.kind)", total: encodeCount, enabled: !quiet)
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
        let encoded = Date()

        // 4. Search and score.
        let queryCount = queries?.count ?? databaseSet.count
        let searching = ProgressReporter(label: "searching", total: queryCount, enabled: !quiet)
        var report = try RetrievalEvaluator.evaluate(
            database: encodedDatabase, databaseLabels: databaseSet.items.map(\.labels),
            queries: encodedQueries, queryLabels: queries?.items.map(\.labels) ?? [],
            classes: chosenClasses, ks: ks, progress: searching)
        let searched = Date()
        report.feature = model.summary
        report.dataset = queries == nil ? databaseSet.source : "\(queries!.source) against \(databaseSet.source)"
        if queries != nil { report.evaluationProtocol = "queries \(split) against database \(databaseSplit)" }
        notes["model fingerprint"] = model.fingerprint
        report.notes = notes
        report.timings = [
            "read": loaded.timeIntervalSince(start), "train": trained.timeIntervalSince(loaded),
            "extract": encoded.timeIntervalSince(trained), "search": searched.timeIntervalSince(encoded),
            "total": searched.timeIntervalSince(start),
        ]
        print(report.table())
        if let json {
            try report.json().write(to: URL(fileURLWithPath: json))
        }
        if let plot {
            try Data(RetrievalPlot.svg(report).utf8).write(to: URL(fileURLWithPath: plot))
        }
    }
}
