import Foundation
@testable import MedSearchFeatures
import Testing
import _MedSearchTestSupport

@Suite("Labelled data sets")
struct LabelledDatasetTests {
    @Test("filters parse COLUMN=VALUE and COLUMN!=VALUE")
    func filters() throws {
        let item = LabelledItem(id: "x", labels: ["A"], metadata: ["native_width": "64"])
        #expect(try DatasetFilter(parsing: "native_width!=64").accepts(item) == false)
        #expect(try DatasetFilter(parsing: "native_width=64").accepts(item))
        #expect(throws: DatasetError.invalidFilter("width")) { try DatasetFilter(parsing: "width") }
    }

    @Test("a directory with labels.csv (quoted fields, CRLF) and missing images")
    func directory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medsearch-dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "id,labels,note\r\na,\"Effusion|Mass\",\"x, y\"\r\nb,No Finding,z\r\n".write(
            to: root.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let labelsOnly = try LabelledDataset.loadDirectory(root, loadImages: false)
        #expect(labelsOnly.items.map(\.id) == ["a", "b"])
        #expect(labelsOnly.items[0].labels == ["Effusion", "Mass"] && labelsOnly.items[0].metadata["note"] == "x, y")
        #expect(try LabelledDataset.loadDirectory(root, classes: ["Mass"], loadImages: false).count == 1)
        #expect(throws: DatasetError.self) { try LabelledDataset.loadDirectory(root) }   // images/a.png is missing
        #expect(throws: DatasetError.self) { try LabelledDataset.loadDirectory(root, classes: ["Hernia"]) }
    }

    @Test("cxr-public: the four paper findings select 423 images, 184 of them high-resolution", .enabled(if: TestData.hasShared("cxr-public"), "needs ../shared/data/cxr-public"))
    func cxrPublic() throws {
        let url = try #require(TestData.sharedFile("cxr-public"))
        let classes = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion"]
        let all = try LabelledDataset.loadDirectory(url, classes: classes, loadImages: false)
        #expect(all.count == 423)
        let high = try LabelledDataset.loadDirectory(url, classes: classes,
                                                     filters: [try DatasetFilter(parsing: "native_width!=64")])
        #expect(high.count == 184)
        #expect(high.images.allSatisfy { $0.rows == 128 && $0.columns == 128 })
    }

    @Test("PneumoniaMNIST splits load with named labels", .enabled(if: TestData.hasShared("pneumoniamnist/pneumoniamnist.npz"), "needs ../shared/data/pneumoniamnist/pneumoniamnist.npz"))
    func medMNIST() throws {
        let url = try #require(TestData.sharedFile("pneumoniamnist/pneumoniamnist.npz"))
        let test = try LabelledDataset.loadMedMNIST(url, split: "test", labelNames: ["normal", "pneumonia"])
        #expect(test.count == 468)
        #expect(test.items.filter { $0.labels == ["pneumonia"] }.count == 234)
        #expect(test.images[0].rows == 28 && test.images[0].values.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
