import MedSearchCore
@testable import MedSearchIndex
import Testing
import _MedSearchTestSupport

/// Fixed values of every index format, pinned by golden bytes.
enum IndexGolden {
    /// Two leaves (clusters 0 and 1) under one root.
    static let tree = try! IndexTree(nodes: [
        IndexTree.Node(level: 0, children: [], cluster: 0),
        IndexTree.Node(level: 0, children: [], cluster: 1),
        IndexTree.Node(level: 1, children: [0, 1], cluster: nil),
    ], root: 2)

    static var samples: [GoldenSample] {
        [GoldenSample(tree)]
    }
}

@Suite struct IndexGoldenTests {
    static let directory = GoldenDirectory()

    @Test(arguments: IndexGolden.samples) func fixture(_ sample: GoldenSample) throws {
        try Self.directory.check(sample)
    }

    @Test(arguments: IndexGolden.samples.filter(\.isCurrent)) func refusesDamagedCopies(_ sample: GoldenSample) throws {
        try Self.directory.checkCorruption(sample)
    }

    @Test func manifestListsEverySample() throws {
        try Self.directory.checkManifest(IndexGolden.samples)
    }
}
