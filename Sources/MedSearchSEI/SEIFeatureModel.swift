import MedSearchFeatures

/// The feature pipeline owner and users share: an opaque extractor description (for example a serialized
/// `FeatureModel`), the PCA fitted at GenIndex and a global scale.
///
/// Reduced features are `scale * PCA(raw)`; the scale makes the mean squared norm equal `d` so encrypted
/// scores stay in a range where `Float` storage ranks exactly (it multiplies every distance by one constant).
public struct SEIFeatureModel: Sendable, Equatable {
    /// A short name of the extractor (`"cnn"`, `"lbp"`, ...).
    public var extractorKind: String
    /// The extractor's serialized description (opaque to SEI).
    public var extractor: [UInt8]
    /// The PCA model.
    public var pca: PCA
    /// The global scale applied after PCA.
    public var scale: Double

    /// The raw feature length.
    public var inputDimension: Int { pca.inputDimension }
    /// The reduced dimension `d`.
    public var dimension: Int { pca.outputDimension }

    /// Reduces a raw feature to the `d` numbers SEI encrypts.
    /// - Throws: ``SEIError/featureDimensionMismatch(expected:actual:)`` or ``SEIError/pca(_:)``.
    public func reduce(_ raw: [Float]) throws(SEIError) -> [Double] {
        guard raw.count == pca.inputDimension else {
            throw .featureDimensionMismatch(expected: pca.inputDimension, actual: raw.count)
        }
        do {
            return try pca.transform(raw).map { $0 * scale }
        } catch {
            throw .pca(error)
        }
    }
}
