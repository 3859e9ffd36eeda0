import ArgumentParser
import Foundation
import MedSearchBenchmarks
import MedSearchFeatures

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
        var configuration = RetrievalEvaluation.Configuration(data: data)
        configuration.features = features
        configuration.classes = list(classes)
        configuration.ks = parsedKs()
        configuration.filters = filter
        configuration.split = split
        configuration.databaseSplit = databaseSplit
        configuration.labelNames = list(labelNames)
        configuration.progress = !quiet
        configuration.options.side = side
        configuration.options.zNormalize = zNormalize
        configuration.options.bits = bits
        configuration.options.hashBase = hashBase
        configuration.options.pcaDimensions = pcaDimensions
        configuration.options.pcaBase = pcaBase
        configuration.options.lbpGrid = lbpGrid
        configuration.options.lbpRadii = lbpRadii.split(separator: ",").compactMap { Int($0) }
        configuration.options.lbpRotationInvariant = lbpRotationInvariant
        configuration.options.hogCell = hogCell
        configuration.options.hogBins = hogBins
        configuration.options.cnnModel = cnnModel
        if let loadModel {
            configuration.model = try FeatureModel(serialized: Array(try Data(contentsOf: URL(fileURLWithPath: loadModel))))
        }
        let outcome = try RetrievalEvaluation(configuration).run()
        if let saveModel { try Data(outcome.model.serialized()).write(to: URL(fileURLWithPath: saveModel)) }
        print(outcome.report.body.table())
        if let json { try outcome.report.json().write(to: URL(fileURLWithPath: json)) }
        if let plot { try Data(RetrievalPlot.svg(outcome.report.body).utf8).write(to: URL(fileURLWithPath: plot)) }
    }
}
