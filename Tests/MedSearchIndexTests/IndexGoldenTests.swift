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

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct IndexGoldenTests {
    @Test(arguments: IndexGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(IndexGolden.samples) }
}
