import MedSearchCore
import MedSearchFeatures
@testable import MedSearchIndex
@testable import MedSearchSEI
import MedSearchSecureKNN
import Testing
import _MedSearchTestSupport

/// Fixed values of every SEI format (d = 2, encrypted dimension 4), pinned by golden bytes.
enum SEIGolden {
    static let tree = try! IndexTree(nodes: [
        IndexTree.Node(level: 0, children: [], cluster: 0),
        IndexTree.Node(level: 0, children: [], cluster: 1),
        IndexTree.Node(level: 1, children: [0, 1], cluster: nil),
    ], root: 2)
    static let entries = [
        SEIIndexEntry(id: "img-1", cluster: 0, vector: [0.5, -1.25, 2, 0.125]),
        SEIIndexEntry(id: "img-2", cluster: 1, vector: [-3.5, 4, 0.75, -0.0625]),
    ]
    static let ownerKey = try! SecureKNNOwnerKey(
        m: Matrix(rows: [[17, 1, 26, 38, 8, 26], [33, 38, 5, 12, 1, 5], [18, 43, 9, 13, 22, 32],
                         [36, 28, 6, 41, 23, 14], [25, 44, 21, 13, 5, 16], [22, 24, 6, 28, 27, 28]]),
        r: [1, 3, 1], s: [2, 12, 3], permutation: [0, 2, 1], theta: 3, x: [6, 1, 2])
    static let grant = try! SecureKNNUserGrant(
        abar: Matrix(rows: [[22.909, -12.545], [-14.455, 90.273], [27.545, 24.273], [12.818, 46.909],
                            [-1.636, 71.182], [32.455, 2.727]]),
        u: [288, 301, 401, 378, 411, 330])
    static let pca = try! PCA(mean: [0.5, 0.25, 0.125], components: [1, 0, 0, 0, 0.6, 0.8],
                              explainedVariances: [2, 1], totalVariance: 3.5)
    static let model = SEIFeatureModel(extractorKind: "pixels", extractor: Array("pixels-8".utf8), pca: pca, scale: 16)
    static let imageKey = (0..<32).map { UInt8($0 * 7 & 0xFF) }
    static let ownerIndex = SEIOwnerIndex(leafCentres: [[1, 2], [-3, 4]], tree: tree,
                                          nodeVectors: [[1, 2], [-3, 4], [-1, 3]], clusterOf: ["img-1": 0, "img-2": 1])

    static var samples: [GoldenSample] {
        let keysOnly = SEIOwner(configuration: SEIConfiguration(dimension: 2, treeThreshold: 0.5, affinitySampleSize: 100,
                                                                kMeansSampleSize: 50),
                                key: ownerKey, imageKey: SecretBytes(imageKey), model: nil, index: nil)
        let indexed = SEIOwner(configuration: keysOnly.configuration, key: ownerKey, imageKey: SecretBytes(imageKey),
                               model: model, index: ownerIndex)
        return [
            GoldenSample(SEIIndexUpload(encryptedDimension: 4, tree: tree,
                                      nodeVectors: [[1, 0, 0, 1], [0, 1, 1, 0], [0.5, 0.5, 0.5, 0.5]], entries: entries)),
            GoldenSample(SEIAddImages(entries: entries)),
            GoldenSample(SEIDeleteImages(ids: ["img-1", "img-2"])),
            GoldenSample(SEISearchRequest(options: SEISearchOptions(k: 5, mode: .tree, strategy: .bestFirst,
                                                                  minCandidates: 10, minLeaves: 2),
                                        trapdoors: [[1.5, -2, 0.25, 4], [0, 1, -1, 0.5]])),
            GoldenSample(SEISearchResponse(results: [[SEIHit(id: "img-2", score: 0.5), SEIHit(id: "img-1", score: 2.25)],
                                                   [SEIHit(id: "img-1", score: -1)]],
                                         scoredImages: 2, scoredNodes: 3)),
            GoldenSample(SEIUserCredentials(grant: grant, imageKey: imageKey, model: model)),
            GoldenSample(SEISealedImages(images: [SEISealedImages.SealedImage(id: "img-1", sealed: [1, 2, 3, 4, 5]),
                                                SEISealedImages.SealedImage(id: "img-2", sealed: Array(repeating: 9, count: 40))])),
            GoldenSample(SEIImageRequest(ids: ["img-2"])),
            GoldenSample(keysOnly, variant: "keys"),
            GoldenSample(indexed, variant: "indexed"),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct SEIGoldenTests {
    @Test(arguments: SEIGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(SEIGolden.samples) }
}
