import MedSearchCore
import MedSearchImaging

/// The `pca` feature: a base feature projected on its top principal components (``PCA``, fitted on training
/// images; SEI uses 128 dimensions of the CNN feature).
public struct PCAFeature: FeatureExtractor {
    public static let kind = "pca"
    /// The feature that is reduced.
    public let base: FeatureModel
    /// The fitted projection.
    public let pca: PCA

    /// Creates the feature.
    /// - Throws: ``FeaturesError/dimensionMismatch(expected:actual:)`` when the PCA input is not the base dimension.
    public init(base: FeatureModel, pca: PCA) throws(FeaturesError) {
        guard pca.inputDimension == base.dimension else {
            throw .dimensionMismatch(expected: base.dimension, actual: pca.inputDimension)
        }
        self.base = base
        self.pca = pca
    }

    /// Fits the projection on the base features of `images`.
    public static func train(base: FeatureModel, images: [GrayImage], dimensions: Int,
                             seed: UInt64 = 0x9CA) throws -> PCAFeature {
        guard !images.isEmpty else { throw FeaturesError.insufficientTrainingData(reason: "pca needs training images") }
        let vectors = Parallel.map(count: images.count) { base.extract(images[$0]) }
        return try PCAFeature(base: base, pca: try PCA.fit(vectors, outputDimension: dimensions, seed: seed))
    }

    public var dimension: Int { pca.outputDimension }
    public var metric: FeatureMetric { base.metric == .innerProduct ? .innerProduct : .squaredEuclidean }
    public var summary: String { "pca \(pca.outputDimension) of \(base.summary)" }

    public func extract(_ image: GrayImage) -> [Float] {
        // The base vector has the PCA's input dimension by construction; features are finite.
        ((try? pca.transform(base.extract(image))) ?? [Double](repeating: 0, count: dimension)).map(Float.init)
    }

    public func encodeParameters(to writer: inout ByteWriter) {
        writer.writeBytes(base.serialized())
        writer.writeBytes(pca.serialized())
    }

    public static func decodeParameters(from reader: inout ByteReader) throws -> PCAFeature {
        let base = try FeatureModel(serialized: try reader.readBytes(maxLength: 64 << 20))
        return try PCAFeature(base: base, pca: try PCA(serialized: try reader.readBytes(maxLength: 1 << 31)))
    }
}
