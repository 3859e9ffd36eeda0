import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("CNN and PCA features through the registry")
struct FeatureModelCNNPCATests {
    @Test("pca over pixels: fitted dimension, round trip, same vectors")
    func pca() throws {
        let images = FeatureModelTests.images(30, seed: 40)
        var options = FeatureOptions()
        options.pcaBase = "pixels"
        options.side = 8
        options.pcaDimensions = 5
        let model = try FeatureRegistry.make("pca", options: options, training: images)
        #expect(model.kind == "pca" && model.dimension == 5)
        let decoded = try FeatureModel(serialized: model.serialized())
        #expect(decoded == model)
        #expect(decoded.extract(images[3]) == model.extract(images[3]))
        #expect(throws: (any Error).self) { try FeatureRegistry.make("pca", options: options, training: []) }
    }

    @Test("cnn (when weights are bundled): unit-length embeddings, stored whole in the model",
          .enabled(if: FeatureRegistry.defaultCNNModelName != nil, "no CNN weights bundled"))
    func cnn() throws {
        let model = try FeatureRegistry.make("cnn")
        let image = FeatureModelTests.images(1, seed: 41)[0]
        let vector = model.extract(image)
        #expect(vector.count == model.dimension)
        let norm = vector.map { Double($0 * $0) }.reduce(0, +).squareRoot()
        #expect(abs(norm - 1) < 1e-3)
        let decoded = try FeatureModel(serialized: model.serialized())
        #expect(decoded.fingerprint == model.fingerprint)
        #expect(decoded.extract(image) == vector)
        var options = FeatureOptions()
        options.cnnModel = "no-such-network"
        #expect(throws: FeaturesError.self) { try FeatureRegistry.make("cnn", options: options) }
    }
}
