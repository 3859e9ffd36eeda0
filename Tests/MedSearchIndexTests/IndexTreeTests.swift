import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchIndex

@Suite struct IndexTreeTests {
    /// The paper's Fig. 3 walk-through in two dimensions: C01-C02 merge (IND 2); C03 is 8 from C11, so
    /// DM = (8 - 2) / 2 = 3 > 0.5 gives a new parent C21; C04-C05 merge (IND 10); C06 is 11 from C12, so
    /// DM = (11 - 10) / 10 = 0.1 < 0.5 and C06 joins C12; finally C21 and C12 get the root.
    @Test func paperFigure3() throws {
        let leaves: [[Double]] = [[0, 0], [2, 0], [9, 0], [100, 0], [110, 0], [105, 11]]
        let build = try IndexTree.build(leafCentres: leaves)
        let tree = build.tree
        #expect(tree.leafCount == 6)
        let root = tree.nodes[tree.root]
        #expect(root.level == 3)
        #expect(root.children.count == 2)
        let c21 = root.children.first { tree.nodes[$0].level == 2 }!
        let c12 = root.children.first { tree.nodes[$0].level == 1 }!
        #expect(Set(tree.nodes[c12].children) == [3, 4, 5])
        #expect(tree.nodes[c21].children.contains(2))
        let c11 = tree.nodes[c21].children.first { $0 != 2 }!
        #expect(Set(tree.nodes[c11].children) == [0, 1])
        #expect(build.spreads[c11] == 2)
        #expect(build.spreads[c21] == 8)
        #expect(abs(build.spreads[c12] - (25.0 + 121).squareRoot()) < 1e-12)
        #expect(build.nodeVectors[c12] == [105, 11.0 / 3])
        #expect(abs(build.nodeVectors[c21][0] - 11.0 / 3) < 1e-12)
    }

    static func exactTopK(_ points: [[Double]], _ q: [Double], k: Int) -> [Int] {
        let distances = points.map { zip($0, q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        return Array(points.indices.sorted { (Float(distances[$0]), $0) < (Float(distances[$1]), $1) }.prefix(k))
    }

    struct Fixture {
        var points: [[Double]]
        var clustering: CAKMeans.Result
        var build: IndexTree.Build
        var members: [[Int]]

        init(seed: UInt64) throws {
            var generator = SeededRandomNumberGenerator(seed: seed)
            let centres = (0..<8).map { _ in (0..<4).map { _ in Double.random(in: -20...20, using: &generator) } }
            points = blobs(centres, perBlob: 25, spread: 3, seed: seed + 1).points
            clustering = try CAKMeans.fit(points, options: .init(affinitySampleSize: 200))
            build = try IndexTree.build(leafCentres: clustering.centres)
            var members = [[Int]](repeating: [], count: clustering.centres.count)
            for (i, c) in clustering.assignments.enumerated() { members[c].append(i) }
            self.members = members
        }

        func search(_ q: [Double], k: Int, strategy: TreeSearchStrategy, limits: TreeSearchLimits) -> (ids: [Int], leaves: [Int]) {
            var selector = TopKSelector<Int>(k: k)
            var visited = [Int]()
            build.tree.visitLeaves(strategy: strategy, limits: limits,
                                   nodeScore: { node in Float(zip(build.nodeVectors[node], q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }) },
                                   clusterSize: { members[$0].count }) { cluster in
                visited.append(cluster)
                for i in members[cluster] {
                    selector.offer(id: i, score: Float(zip(points[i], q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }))
                }
            }
            return (selector.results.map(\.id), visited)
        }
    }

    @Test(arguments: TreeSearchStrategy.allCases)
    func visitingEverythingEqualsExactSearch(strategy: TreeSearchStrategy) throws {
        let fixture = try Fixture(seed: 10)
        var generator = seededGenerator(11)
        for _ in 0..<10 {
            let q = (0..<4).map { _ in Double.random(in: -20...20, using: &generator) }
            let result = fixture.search(q, k: 10, strategy: strategy, limits: .init(minCandidates: fixture.points.count + 1))
            #expect(result.ids == Self.exactTopK(fixture.points, q, k: 10))
            #expect(Set(result.leaves).count == fixture.members.filter { !$0.isEmpty }.count)
        }
    }

    @Test func depthFirstStartsAtGreedyLeafAndBacktracksUntilK() throws {
        let fixture = try Fixture(seed: 20)
        var generator = seededGenerator(21)
        let tree = fixture.build.tree
        for _ in 0..<10 {
            let q = (0..<4).map { _ in Double.random(in: -20...20, using: &generator) }
            func distance(_ node: Int) -> Double { zip(fixture.build.nodeVectors[node], q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            var node = tree.root
            while tree.nodes[node].cluster == nil {
                node = tree.nodes[node].children.min { (distance($0), $0) < (distance($1), $1) }!
            }
            let k = 30
            let result = fixture.search(q, k: k, strategy: .depthFirst, limits: .init(minCandidates: k))
            #expect(result.leaves.first == tree.nodes[node].cluster)
            #expect(result.ids.count == k)
            // Exact ordering inside the visited clusters.
            let visitedPoints = result.leaves.flatMap { fixture.members[$0] }
            let expected = Self.exactTopK(visitedPoints.map { fixture.points[$0] }, q, k: k).map { visitedPoints[$0] }
            #expect(result.ids == expected)
        }
    }

    @Test func separatedClustersGiveHighRecall() throws {
        let fixture = try Fixture(seed: 30)
        var generator = seededGenerator(31)
        var hits = 0
        for _ in 0..<20 {
            let base = fixture.points[Int.random(in: 0..<fixture.points.count, using: &generator)]
            let q = base.map { $0 + Double.random(in: -1...1, using: &generator) }
            let result = fixture.search(q, k: 10, strategy: .bestFirst, limits: .init(minCandidates: 40, minLeaves: 2))
            hits += Set(result.ids).intersection(Self.exactTopK(fixture.points, q, k: 10)).count
        }
        #expect(Double(hits) / 200 >= 0.95)
    }

    @Test func serializationRoundTripAndValidation() throws {
        let fixture = try Fixture(seed: 40)
        let tree = fixture.build.tree
        #expect(try IndexTree(serialized: tree.serialized()) == tree)
        #expect(throws: WireError.self) { try IndexTree(serialized: Array(tree.serialized().dropLast())) }
        // A cycle, a missing child and an unreachable node are rejected.
        let leaf = IndexTree.Node(level: 0, children: [], cluster: 0)
        #expect(throws: IndexTreeError.self) {
            try IndexTree(nodes: [leaf, IndexTree.Node(level: 1, children: [0, 1], cluster: nil)], root: 1)
        }
        #expect(throws: IndexTreeError.self) {
            try IndexTree(nodes: [leaf, IndexTree.Node(level: 1, children: [5], cluster: nil)], root: 1)
        }
        #expect(throws: IndexTreeError.self) { try IndexTree(nodes: [leaf, leaf], root: 0) }
        #expect(try IndexTree(nodes: [leaf], root: 0).leafCount == 1)
    }

    @Test func topKSelectorOrdersByScoreThenId() {
        var selector = TopKSelector<Int>(k: 3)
        for (id, score) in [(5, 1.0), (3, 1.0), (9, 0.5), (1, 2.0), (2, 1.0)] as [(Int, Float)] {
            selector.offer(id: id, score: score)
        }
        #expect(selector.results.map(\.id) == [9, 2, 3])
    }
}
