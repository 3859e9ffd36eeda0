import MedSearchCore
import MedSearchImaging

/// Options for building a feature by name; each feature reads the ones it needs.
public struct FeatureOptions: Sendable, Equatable {
    /// Side of the resized image (default per feature: pixels/stats 32, lbp 128, hog 64).
    public var side: Int?
    /// `pixels`: z-normalise each vector.
    public var zNormalize: Bool = false
    /// `lbp`: cells per side.
    public var lbpGrid: Int = 4
    /// `lbp`: circle radii.
    public var lbpRadii: [Int] = [1]
    /// `lbp`: rotation-invariant uniform mapping instead of uniform.
    public var lbpRotationInvariant: Bool = false
    /// `hog`: cell size in pixels.
    public var hogCell: Int = 8
    /// `hog`: orientation bins.
    public var hogBins: Int = 9
    /// `hash`: code length in bits (16...256).
    public var bits: Int = 64
    /// `hash`: name of the base feature.
    public var hashBase: String = "lbp"
    /// `hash`: ITQ iterations.
    public var itqIterations: Int = 50
    /// `pca`: output dimensions.
    public var pcaDimensions: Int = 128
    /// `pca`: name of the base feature.
    public var pcaBase: String = "pixels"
    /// `cnn`: name of the bundled network (default ``FeatureRegistry/defaultCNNModelName``).
    public var cnnModel: String? = nil
    /// Seed of any training randomness (training is then reproducible).
    public var seed: UInt64 = 0x1710_2011

    /// Default options.
    public init() {}
}

/// Builds features by name (`pixels`, `stats`, `lbp`, `hog`, `hash`, ...) and decodes serialised models.
public enum FeatureRegistry {
    /// The names ``make(_:options:training:)`` accepts.
    public static var names: [String] { ["pixels", "stats", "lbp", "hog", "hash"] + extraNames }

    /// Whether the feature needs training images.
    public static func needsTraining(_ name: String) -> Bool { name == "hash" || name == "pca" }

    /// Builds the feature `name`.
    ///
    /// - Parameters:
    ///   - training: images to learn from (needed by `hash` and `pca`; ignored by the others).
    /// - Throws: ``FeaturesError`` for an unknown name, bad options or missing training data.
    public static func make(_ name: String, options: FeatureOptions = FeatureOptions(),
                            training: [GrayImage] = []) throws -> FeatureModel {
        switch name {
        case PixelsFeature.kind:
            return FeatureModel(try PixelsFeature(side: options.side ?? 32, zNormalize: options.zNormalize))
        case StatsFeature.kind:
            return FeatureModel(try StatsFeature(side: options.side ?? 32))
        case LBPFeature.kind:
            return FeatureModel(try LBPFeature(side: options.side ?? 128, grid: options.lbpGrid, radii: options.lbpRadii,
                                               mapping: options.lbpRotationInvariant ? .rotationInvariantUniform : .uniform))
        case HOGFeature.kind:
            return FeatureModel(try HOGFeature(side: options.side ?? 64, cell: options.hogCell, bins: options.hogBins))
        case HashFeature.kind:
            guard options.hashBase != HashFeature.kind else {
                throw FeaturesError.invalidParameter(name: "hash base", reason: "a hash cannot be built on a hash")
            }
            var baseOptions = options
            if options.hashBase != "pixels" && options.hashBase != "stats" { baseOptions.side = nil }
            if options.hashBase == PCAFeature.kind { baseOptions.pcaDimensions = max(options.pcaDimensions, options.bits) }
            let base = try make(options.hashBase, options: baseOptions, training: training)
            guard !training.isEmpty else { throw FeaturesError.insufficientTrainingData(reason: "hash needs training images") }
            return FeatureModel(try HashFeature.train(base: base, images: training, bits: options.bits,
                                                      iterations: options.itqIterations, seed: options.seed))
        default:
            if let model = try makeExtra(name, options: options, training: training) { return model }
            throw FeaturesError.unknownFeature(name: name, known: names)
        }
    }

    /// Decodes the parameters of an extractor of `kind` (used by ``FeatureModel/init(serialized:)``).
    static func decode(kind: String, from reader: inout ByteReader) throws -> any FeatureExtractor {
        switch kind {
        case PixelsFeature.kind: return try PixelsFeature.decodeParameters(from: &reader)
        case StatsFeature.kind: return try StatsFeature.decodeParameters(from: &reader)
        case LBPFeature.kind: return try LBPFeature.decodeParameters(from: &reader)
        case HOGFeature.kind: return try HOGFeature.decodeParameters(from: &reader)
        case HashFeature.kind: return try HashFeature.decodeParameters(from: &reader)
        default:
            if let extractor = try decodeExtra(kind: kind, from: &reader) { return extractor }
            throw FeaturesError.unknownFeature(name: kind, known: names)
        }
    }
}
