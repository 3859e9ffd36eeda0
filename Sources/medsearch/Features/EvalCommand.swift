import ArgumentParser
import Foundation
import MedSearchBenchmarks
import MedSearchFeatures

/// `medsearch eval`: retrieval quality of a feature (P@k, R@k, F1, mAP@k with chance levels), as in the
/// TrustMedSearch paper's Table III and Fig. 5.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration("eval", documentation: RetrievalEvaluation.self)

    @Option(help: "A directory with images/ and labels.csv, or a MedMNIST .npz file.") var data: String
    @Option(help: "Feature name (\(FeatureRegistry.names.joined(separator: ", "))).") var features: String = "pixels"
    @Option(help: "Comma-separated classes (default: the four paper findings, or every label of an .npz).")
    var classes: String?
    @Option(help: "Comma-separated cut-offs k.") var k: String = "5,10,20,50,100"
    @Option(help: "Write every number as JSON to this file.") var json: String?
    @Option(help: "Write an SVG plot of precision and recall against k to this file.") var plot: String?
    @Option(parsing: .singleValue, help: "Keep only labels.csv rows with COLUMN=VALUE or COLUMN!=VALUE (repeatable), e.g. native_width!=64.")
    var filter: [String] = []
    @Option(help: "Side of the resized image (default: pixels/stats 32, lbp 128, hog 64).") var side: Int?
    @Flag(help: "pixels: z-normalise each vector.") var zNormalize = false
    @Option(help: "hash: code length in bits (16...256).") var bits: Int = 64
    @Option(help: "hash: the base feature the code is learnt from.") var hashBase: String = "lbp"
    @Option(help: "pca: output dimensions.") var pcaDimensions: Int = 128
    @Option(help: "pca: the base feature.") var pcaBase: String = "pixels"
    @Option(help: "lbp: cells per side.") var lbpGrid: Int = 4
    @Option(help: "lbp: comma-separated radii.") var lbpRadii: String = "1"
    @Flag(help: "lbp: rotation-invariant uniform patterns (10 bins) instead of uniform (59).")
    var lbpRotationInvariant = false
    @Option(help: "hog: cell size in pixels.") var hogCell: Int = 8
    @Option(help: "hog: orientation bins.") var hogBins: Int = 9
    @Option(help: "cnn: the bundled network (default cnn-cxr-v1 when bundled).") var cnnModel: String?
    @Option(help: ".npz: the query split.") var split: String = "test"
    @Option(help: ".npz: the database split.") var databaseSplit: String = "train"
    @Option(help: ".npz: comma-separated names of the label indices (e.g. normal,pneumonia).") var labelNames: String?
    @Option(help: "Write the (trained) feature model to this file.") var saveModel: String?
    @Option(help: "Use a feature model saved with --save-model instead of building one.") var loadModel: String?
    @Flag(help: "Do not show progress.") var quiet = false

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
        (configuration.features, configuration.classes, configuration.ks) = (features, list(classes), parsedKs())
        (configuration.filters, configuration.split, configuration.databaseSplit) = (filter, split, databaseSplit)
        (configuration.labelNames, configuration.progress) = (list(labelNames), !quiet)
        (configuration.options.side, configuration.options.zNormalize) = (side, zNormalize)
        (configuration.options.bits, configuration.options.hashBase) = (bits, hashBase)
        (configuration.options.pcaDimensions, configuration.options.pcaBase) = (pcaDimensions, pcaBase)
        configuration.options.lbpGrid = lbpGrid
        configuration.options.lbpRadii = lbpRadii.split(separator: ",").compactMap { Int($0) }
        (configuration.options.lbpRotationInvariant, configuration.options.hogCell) = (lbpRotationInvariant, hogCell)
        (configuration.options.hogBins, configuration.options.cnnModel) = (hogBins, cnnModel)
        if let loadModel {
            configuration.model = try FeatureModel(serialized: Array(try Data(contentsOf: URL(fileURLWithPath: loadModel))))
        }
        let outcome = try RetrievalEvaluation(configuration: configuration).run()
        if let saveModel { try Data(outcome.model.serialized()).write(to: URL(fileURLWithPath: saveModel)) }
        print(outcome.report.body.table())
        if let json { try outcome.report.json().write(to: URL(fileURLWithPath: json)) }
        if let plot { try Data(RetrievalPlot.svg(outcome.report.body).utf8).write(to: URL(fileURLWithPath: plot)) }
    }
}
