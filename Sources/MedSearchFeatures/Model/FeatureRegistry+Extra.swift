import MedSearchCore
import MedSearchImaging

// Features built on the CNN (Sources/MedSearchFeatures/CNN) and PCA (PCA.swift) of this module.
extension FeatureRegistry {
    static var extraNames: [String] { [CNNFeature.kind, PCAFeature.kind] }

    /// The CNN used when `FeatureOptions.cnnModel` is nil: `cnn-cxr-v1` when bundled, else the first bundled one.
    public static var defaultCNNModelName: String? {
        let names = CNNModel.bundledNames
        return names.contains("cnn-cxr-v1") ? "cnn-cxr-v1" : names.first
    }

    static func makeExtra(_ name: String, options: FeatureOptions, training: [GrayImage]) throws -> FeatureModel? {
        switch name {
        case CNNFeature.kind:
            guard let modelName = options.cnnModel ?? defaultCNNModelName else {
                throw FeaturesError.unavailable(name: "cnn", reason: "no CNN weights are bundled in this build")
            }
            return FeatureModel(try CNNFeature(bundled: modelName))
        case PCAFeature.kind:
            guard options.pcaBase != PCAFeature.kind, options.pcaBase != HashFeature.kind else {
                throw FeaturesError.invalidParameter(name: "pca base", reason: "\(options.pcaBase) cannot be reduced")
            }
            var baseOptions = options
            if options.pcaBase != "pixels" && options.pcaBase != "stats" { baseOptions.side = nil }
            let base = try make(options.pcaBase, options: baseOptions, training: training)
            return FeatureModel(try PCAFeature.train(base: base, images: training, dimensions: options.pcaDimensions,
                                                     seed: options.seed))
        default:
            return nil
        }
    }

    static func decodeExtra(kind: String, from reader: inout ByteReader) throws -> (any FeatureExtractor)? {
        switch kind {
        case CNNFeature.kind: try CNNFeature.decodeParameters(from: &reader)
        case PCAFeature.kind: try PCAFeature.decodeParameters(from: &reader)
        default: nil
        }
    }
}
