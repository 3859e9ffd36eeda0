import MedSearchCore

/// How the search walks the tree.
public enum TreeSearchStrategy: String, Sendable, Equatable, CaseIterable {
    /// The paper's walk: at each node descend into the child with the best score; when the leaves reached
    /// do not satisfy the stopping rule, backtrack to the parent and take the next best child.
    case depthFirst
    /// Best-first: always expand the frontier node with the best score, across levels.
    case bestFirst
}

/// When a tree search may stop visiting leaves.
@MemberwiseInit(.public)
public struct TreeSearchLimits: Sendable, Equatable {
    /// Stop only after at least this many items were scored (at least k).
    public var minCandidates: Int
    /// Stop only after at least this many non-empty leaves were visited.
    public var minLeaves: Int = 1
}

extension IndexTree {
    /// Visits leaf clusters in the order the strategy dictates until `limits` are met.
    ///
    /// - Parameters:
    ///   - nodeScore: the score of a node's vector (smaller = closer), e.g. an encrypted score.
    ///   - clusterSize: the number of items in a cluster (empty clusters are skipped without counting).
    ///   - visit: called with each visited cluster.
    /// - Returns: the number of nodes scored (for statistics).
    @discardableResult
    public func visitLeaves(strategy: TreeSearchStrategy = .depthFirst, limits: TreeSearchLimits,
                            nodeScore: (Int) -> Float, clusterSize: (Int) -> Int,
                            visit: (Int) -> Void) -> Int {
        var candidates = 0, leaves = 0, scored = 0
        func satisfied() -> Bool { candidates >= limits.minCandidates && leaves >= limits.minLeaves }
        func enter(_ node: Int) {
            guard let cluster = nodes[node].cluster else { return }
            let size = clusterSize(cluster)
            guard size > 0 else { return }
            visit(cluster)
            candidates += size
            leaves += 1
        }
        if nodes[root].cluster != nil {
            enter(root)
            return 0
        }
        switch strategy {
        case .depthFirst:
            // Explicit stack of (node, its children sorted by score, next position).
            var stack: [(children: [Int], next: Int)] = []
            func push(_ node: Int) {
                let children = nodes[node].children
                let scores = children.map { child -> Float in scored += 1; return nodeScore(child) }
                let order = children.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && children[$0] < children[$1]) }
                stack.append((order.map { children[$0] }, 0))
            }
            push(root)
            while !stack.isEmpty, !satisfied() {
                let top = stack.count - 1
                guard stack[top].next < stack[top].children.count else { stack.removeLast(); continue }
                let child = stack[top].children[stack[top].next]
                stack[top].next += 1
                if nodes[child].cluster != nil { enter(child) } else { push(child) }
            }
        case .bestFirst:
            var heap = MinHeap()
            for child in nodes[root].children {
                scored += 1
                heap.push(score: nodeScore(child), node: child)
            }
            while !satisfied(), let (_, node) = heap.pop() {
                if nodes[node].cluster != nil {
                    enter(node)
                } else {
                    for child in nodes[node].children {
                        scored += 1
                        heap.push(score: nodeScore(child), node: child)
                    }
                }
            }
        }
        return scored
    }
}

/// A binary min-heap of (score, node), ties by node index.
struct MinHeap {
    private var items: [(Float, Int)] = []

    private static func less(_ a: (Float, Int), _ b: (Float, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }

    mutating func push(score: Float, node: Int) {
        items.append((score, node))
        items.heapSiftUp(from: items.count - 1, by: Self.less)
    }

    mutating func pop() -> (Float, Int)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            items.heapSiftDown(from: 0, by: Self.less)
        }
        return first
    }
}

/// Keeps the k best (smallest score, ties by smaller id) of a stream of scored ids.
public struct TopKSelector<ID: Comparable & Sendable>: Sendable {
    /// The number of results kept.
    public let k: Int
    /// The kept results, best first.
    public var results: [(id: ID, score: Float)] { storage }
    @usableFromInline var storage: [(id: ID, score: Float)] = []

    /// Creates a selector for `k` results.
    public init(k: Int) {
        precondition(k >= 0, "k must be non-negative")
        self.k = k
        storage.reserveCapacity(k + 1)
    }

    /// The worst kept score once k results are held (infinity before).
    @inlinable
    public var threshold: Float { storage.count < k ? .infinity : storage[storage.count - 1].score }

    /// Offers one result.
    @inlinable
    public mutating func offer(id: ID, score: Float) {
        guard k > 0 else { return }
        if storage.count == k {
            let worst = storage[k - 1]
            guard score < worst.score || (score == worst.score && id < worst.id) else { return }
            storage.removeLast()
        }
        var position = storage.count
        while position > 0 {
            let previous = storage[position - 1]
            if previous.score < score || (previous.score == score && previous.id < id) { break }
            position -= 1
        }
        storage.insert((id, score), at: position)
    }
}
