import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

@Suite("FNN on real chest X-rays (../shared/data/cxr-public)")
struct FNNRealDataTests {
    /// Pixel vectors (0...255) of the first `count` images at `side` x `side`, or nil when the data is absent.
    static func pixelRecords(count: Int, side: Int) throws -> [FNNRecordInput]? {
        guard let directory = TestData.sharedFile("cxr-public/images") else { return nil }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".png") }.sorted()
        var options = FeatureOptions()
        options.side = side
        let model = try FeatureRegistry.make("pixels", options: options)
        return try names.prefix(count).enumerated().map { index, name in
            let image = try ImageLoader.load(directory.appendingPathComponent(name)).grayImage()
            let vector = model.extract(image).map { min(255, max(0, Int64((Double($0) * 255).rounded()))) }
            return FNNRecordInput(id: UInt64(index + 1), vector: vector, label: name)
        }
    }

    @Test("both back ends return the plaintext exact top-k on real images",
          .enabled(if: TestData.hasShared("cxr-public/images"), "needs ../shared/data/cxr-public/images"),
          arguments: FNNBackend.allCases)
    func realImages(backend: FNNBackend) throws {
        let count = backend == .shared ? 60 : 16
        let side = backend == .shared ? 24 : 8
        let loaded = try Self.pixelRecords(count: count + 3, side: side)
        let all = try #require(loaded)
        let records = Array(all.prefix(count)), queries = all.suffix(3).map(\.vector)
        var deployment = try FNNTestDeployment(backend: backend, records: records, dimension: side * side, poolSize: 6)
        var rejected = 0
        for (index, query) in queries.enumerated() {
            let k = index == 0 ? 1 : 3
            let report = try deployment.search(query, k: k, batchSize: backend == .shared ? 4 : 1, seed: UInt64(index))
            #expect(report.hits.map(\.neighbor) == deployment.expected(query, k: k))
            rejected += report.result.rejected
        }
        print("FNN \(backend) on \(count) real images at \(side)x\(side): \(rejected) of \(3 * count) candidates rejected")
    }
}
