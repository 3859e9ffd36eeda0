import MedSearchCore
import MedSearchIndex

/// Parameters of an SEI deployment, fixed at key generation.
@MemberwiseInit(.public)
public struct SEIConfiguration: Sendable, Equatable {
    /// The PCA output dimension `d` (the paper found 128 best); encrypted vectors have `2d + 2` entries.
    public var dimension: Int = 128
    /// The DM threshold of the index tree (0.5 in the paper).
    public var treeThreshold: Double = 0.5
    /// Points affinity propagation sees (a deterministic sample above this).
    public var affinitySampleSize: Int = 1000
    /// Points k-means iterates on (a sample above this; all points are assigned at the end).
    public var kMeansSampleSize: Int = 50_000

    /// Checks ranges.
    public func validate() throws(SEIError) {
        guard dimension >= 1, dimension <= 4096 else { throw .invalidParameter("dimension must be in 1...4096") }
        guard treeThreshold >= 0, treeThreshold.isFinite else { throw .invalidParameter("tree threshold must be >= 0") }
        guard affinitySampleSize >= 2, affinitySampleSize <= 20_000 else {
            throw .invalidParameter("affinity sample size must be in 2...20000")
        }
        guard kMeansSampleSize >= 2 else { throw .invalidParameter("k-means sample size must be >= 2") }
    }
}

/// How the cloud searches.
public enum SEISearchMode: UInt8, Sendable, Equatable, CaseIterable {
    /// Descend the index tree and backtrack (the scheme's search).
    case tree = 0
    /// Score every encrypted vector (kNN-CBIR, the paper's baseline).
    case linear = 1
}

/// Options of one search.
@MemberwiseInit(.public)
public struct SEISearchOptions: Sendable, Equatable {
    /// The number of results per trapdoor.
    public var k: Int = 10
    /// Tree or linear scan.
    public var mode: SEISearchMode = .tree
    /// How the tree is walked.
    public var strategy: TreeSearchStrategy = .bestFirst
    /// The tree search keeps visiting leaves until at least this many images were scored (at least `k`).
    /// Zero means the default, ``defaultMinCandidates(k:count:)``.
    public var minCandidates: Int = 0
    /// ... and at least this many non-empty leaves were visited.
    public var minLeaves: Int = 1

    /// The default candidate budget: `max(8k, n/32)` images, capped at `n`. Chosen so the tree's recall@10
    /// against the encrypted linear scan stays at or above 0.95 on the benchmark sets (see docs/sei.md).
    public static func defaultMinCandidates(k: Int, count: Int) -> Int {
        min(count, max(8 * k, count / 32))
    }

    /// Checks ranges.
    public func validate() throws(SEIError) {
        guard k >= 1, k <= 10_000 else { throw .invalidParameter("k must be in 1...10000") }
        guard minCandidates >= 0, minLeaves >= 0 else { throw .invalidParameter("search limits must be >= 0") }
    }
}
