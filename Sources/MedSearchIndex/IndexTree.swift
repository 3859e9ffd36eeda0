/// SEI's hierarchical index tree over cluster centres (sei.md section 3.2 and 5.3.3).
///
/// Leaves are the K clusters of CAK-means. The tree is built bottom-up: repeatedly the two active nodes with
/// the closest vectors are merged. Nodes at the same level become children of a new parent one level up.
/// Nodes at different levels are compared with the DM rule,
/// `DM = |D(a, b) - max(IND_a, IND_b)| / max(IND_a, IND_b)`: above the threshold (0.5) they get a new parent,
/// otherwise the lower node joins the higher node as one more child. A node's vector is the mean of the leaf
/// centres beneath it and its IND is the largest distance between its children's vectors.
///
/// The tree itself holds only structure; the node vectors are returned separately by
/// ``build(leafCentres:threshold:)`` so the owner can encrypt them. Search is generic over how a node is
/// scored (see `IndexTree+Search.swift`), so the cloud descends using encrypted scores.
public struct IndexTree: Sendable, Equatable {
    /// One node.
    public struct Node: Sendable, Equatable {
        /// The level (0 for leaves).
        public var level: Int
        /// Child node indices (empty for leaves).
        public var children: [Int]
        /// For a leaf, the index of its cluster; nil for internal nodes.
        public var cluster: Int?
    }

    /// The nodes; leaves `0..<leafCount` are clusters `0..<leafCount` in order.
    public private(set) var nodes: [Node]
    /// The root node's index.
    public let root: Int

    /// The number of leaves (clusters).
    public var leafCount: Int { nodes.count(where: { $0.cluster != nil }) }

    /// The tree's height (the root's level).
    public var height: Int { nodes[root].level }

    /// Creates a tree from explicit nodes (decoding); validates that it is a tree rooted at `root` that
    /// reaches every node exactly once and whose leaves are clusters `0..<leafCount`.
    public init(nodes: [Node], root: Int) throws(IndexTreeError) {
        guard !nodes.isEmpty, root >= 0, root < nodes.count else { throw .malformedData("root out of range") }
        var seen = [Bool](repeating: false, count: nodes.count)
        var stack = [root]
        var leaves = Set<Int>()
        while let node = stack.popLast() {
            guard !seen[node] else { throw .malformedData("node \(node) reached twice") }
            seen[node] = true
            let entry = nodes[node]
            if let cluster = entry.cluster {
                guard entry.children.isEmpty, cluster >= 0 else { throw .malformedData("leaf \(node) has children") }
                leaves.insert(cluster)
            } else {
                guard !entry.children.isEmpty else { throw .malformedData("internal node \(node) has no children") }
                for child in entry.children {
                    guard child >= 0, child < nodes.count else { throw .malformedData("child index out of range") }
                    stack.append(child)
                }
            }
        }
        guard seen.allSatisfy({ $0 }) else { throw .malformedData("unreachable nodes") }
        guard leaves == Set(0..<leaves.count) else { throw .malformedData("leaf clusters are not 0..<K") }
        self.nodes = nodes
        self.root = root
    }

    /// The outcome of ``build(leafCentres:threshold:)``.
    public struct Build: Sendable, Equatable {
        /// The tree.
        public var tree: IndexTree
        /// The vector of each node (the mean of the leaf centres beneath it).
        public var nodeVectors: [[Double]]
        /// IND of each node: the largest distance between its children's vectors (0 for leaves).
        public var spreads: [Double]
        /// The merges in order, for inspection: (kept or new node, absorbed nodes, DM or nil when same-level).
        public var mergeCount: Int
    }

    /// Builds the tree bottom-up over `leafCentres` with the DM threshold rule.
    /// - Throws: ``IndexTreeError`` for empty or bad input.
    /// - Complexity: O(K^2 d + K^3) for K leaves.
    public static func build(leafCentres: [[Double]], threshold: Double = 0.5) throws(IndexTreeError) -> Build {
        let d = try validatePoints(leafCentres)
        guard threshold >= 0, threshold.isFinite else { throw .invalidParameter("threshold must be non-negative") }
        let k = leafCentres.count
        var nodes = (0..<k).map { Node(level: 0, children: [], cluster: $0) }
        var vectors = leafCentres
        var spreads = [Double](repeating: 0, count: k)
        var leavesUnder = (0..<k).map { [$0] }
        var active = Array(0..<k)
        func distance(_ a: Int, _ b: Int) -> Double {
            var s = 0.0
            for j in 0..<d { let x = vectors[a][j] - vectors[b][j]; s += x * x }
            return s.squareRoot()
        }
        func refresh(_ node: Int) {
            var mean = [Double](repeating: 0, count: d)
            for leaf in leavesUnder[node] { for j in 0..<d { mean[j] += leafCentres[leaf][j] } }
            let count = Double(leavesUnder[node].count)
            vectors[node] = mean.map { $0 / count }
            var spread = 0.0
            let children = nodes[node].children
            for x in 0..<children.count {
                for y in (x + 1)..<max(x + 1, children.count) { spread = max(spread, distance(children[x], children[y])) }
            }
            spreads[node] = spread
        }
        // Pairwise distances among active nodes, keyed by node index (grown as nodes are created).
        var cache = [Int: [Int: Double]]()
        func cached(_ a: Int, _ b: Int) -> Double {
            let (x, y) = a < b ? (a, b) : (b, a)
            if let value = cache[x]?[y] { return value }
            let value = distance(x, y)
            cache[x, default: [:]][y] = value
            return value
        }
        func invalidate(_ node: Int) {
            cache[node] = nil
            for key in cache.keys { cache[key]?[node] = nil }
        }
        var merges = 0
        while active.count > 1 {
            var bestA = active[0], bestB = active[1], best = Double.infinity
            for x in 0..<active.count {
                for y in (x + 1)..<active.count {
                    let value = cached(active[x], active[y])
                    if value < best { best = value; bestA = active[x]; bestB = active[y] }
                }
            }
            merges += 1
            let levelA = nodes[bestA].level, levelB = nodes[bestB].level
            var makeParent = levelA == levelB
            if !makeParent {
                let reference = max(spreads[bestA], spreads[bestB])
                let dm = reference > 0 ? abs(best - reference) / reference : Double.infinity
                makeParent = dm > threshold
            }
            if makeParent {
                let parent = nodes.count
                nodes.append(Node(level: max(levelA, levelB) + 1, children: [bestA, bestB], cluster: nil))
                leavesUnder.append(leavesUnder[bestA] + leavesUnder[bestB])
                vectors.append([])
                spreads.append(0)
                refresh(parent)
                active.removeAll { $0 == bestA || $0 == bestB }
                active.append(parent)
            } else {
                let (high, low) = levelA > levelB ? (bestA, bestB) : (bestB, bestA)
                nodes[high].children.append(low)
                leavesUnder[high] += leavesUnder[low]
                refresh(high)
                invalidate(high)
                active.removeAll { $0 == low }
            }
        }
        let tree = try IndexTree(nodes: nodes, root: active[0])
        return Build(tree: tree, nodeVectors: vectors, spreads: spreads, mergeCount: merges)
    }
}
