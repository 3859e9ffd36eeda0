import MedSearchCore
@testable import MedSearchFeatures
import Testing
import _MedSearchTestSupport

/// Fixed values of every features format: a model of each registered kind, a PCA and a CNN weights file,
/// pinned by golden bytes.
enum FeaturesGolden {
    static let cnn = try! CNNModel(
        name: "cnn-golden", inputSide: 6, inputMean: 0.5, inputStandardDeviation: 0.25,
        layers: [
            .convolution(CNNConvolution(inputChannels: 1, outputChannels: 2, kernel: 3, stride: 1, padding: 1,
                                        weights: (0..<18).map { Float($0 - 9) / 8 }, bias: [0.125, -0.25])),
            .relu,
            .maxPool(kernel: 2, stride: 2),
            .averagePool(kernel: 1, stride: 1),
            .globalAveragePool,
            .linear(CNNLinear(inputFeatures: 2, outputFeatures: 3, weights: [1, -1, 0.5, 0.25, -0.75, 2],
                              bias: [0, 0.5, -0.5])),
        ])
    static let pca = try! PCA(mean: [0.5, 0.25, 0.125, 1], components: [1, 0, 0, 0, 0, 0.6, 0.8, 0],
                              explainedVariances: [2, 1], totalVariance: 3.5)

    static var models: [(variant: String, model: FeatureModel)] {
        let pixels = FeatureModel(try! PixelsFeature(side: 4, zNormalize: true))
        let itq = try! ITQ(mean: (0..<16).map { Float($0) / 16 }, projection: (0..<256).map { Float($0 % 17) / 8 - 1 }, bits: 16)
        let pca16 = try! PCA(mean: (0..<16).map { Double($0) / 32 }, components: (0..<32).map { $0 == 0 || $0 == 17 ? 1 : 0 },
                             explainedVariances: [2, 1], totalVariance: 3.5)
        return [
            ("pixels", pixels),
            ("stats", FeatureModel(try! StatsFeature(side: 8))),
            ("lbp", FeatureModel(try! LBPFeature(side: 16, grid: 2, radii: [1, 2], mapping: .rotationInvariantUniform))),
            ("hog", FeatureModel(try! HOGFeature(side: 16, cell: 8, block: 2, bins: 9))),
            ("hash", FeatureModel(try! HashFeature(base: pixels, itq: itq))),
            ("pca", FeatureModel(try! PCAFeature(base: pixels, pca: pca16))),
            ("cnn", FeatureModel(CNNFeature(model: cnn))),
        ]
    }

    static var samples: [GoldenSample] {
        models.map { variant, model in
            GoldenSample(model, variant: variant)
        } + [
            GoldenSample(pca),
            GoldenSample(cnn),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct FeaturesGoldenTests {
    @Test(arguments: FeaturesGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(FeaturesGolden.samples) }
}
