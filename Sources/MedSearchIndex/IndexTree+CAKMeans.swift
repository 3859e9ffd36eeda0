import MedSearchCore

/// CAK-means (Zhu et al., via sei.md section 3.1): affinity propagation picks the number of clusters K and
/// the initial centres, then k-means refines them.
///
/// Affinity propagation is quadratic in time and memory, so it runs on a deterministic random sample of at
/// most ``Options/affinitySampleSize`` points; k-means then runs on at most ``Options/kMeansSampleSize``
/// points and every point is finally assigned to its nearest centre.
public enum CAKMeans {
    /// Tuning knobs.
    @MemberwiseInit(.public)
    public struct Options: Sendable, Equatable {
        /// Points given to affinity propagation (a sample when there are more).
        public var affinitySampleSize: Int = 1000
        /// The preference rule of affinity propagation.
        public var preference: AffinityPropagation.Preference = .median
        /// Points k-means iterates on (a sample when there are more; all points are assigned at the end).
        public var kMeansSampleSize: Int = 50_000
        /// The k-means iteration limit.
        public var kMeansIterations: Int = 50
        /// Seed of the sampling (the clustering is deterministic for a given seed).
        public var seed: UInt64 = 0xCA4
    }

    /// The clustering.
    public struct Result: Sendable, Equatable {
        /// The K cluster centres.
        public var centres: [[Double]]
        /// The cluster of each input point.
        public var assignments: [Int]
        /// The exemplars affinity propagation chose (indices into the input).
        public var exemplars: [Int]
    }

    /// Clusters `points`.
    /// - Throws: ``IndexTreeError`` for bad input or options.
    public static func fit(_ points: [[Double]], options: Options = Options()) throws(IndexTreeError) -> Result {
        _ = try validatePoints(points)
        guard options.affinitySampleSize >= 1, options.kMeansSampleSize >= 1 else {
            throw .invalidParameter("sample sizes must be positive")
        }
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let n = points.count
        let apIndices = sample(n: n, size: options.affinitySampleSize, using: &generator)
        let ap = try AffinityPropagation.fit(apIndices.map { points[$0] }, preference: options.preference)
        let exemplars = ap.exemplars.map { apIndices[$0] }
        let kmIndices = sample(n: n, size: options.kMeansSampleSize, using: &generator)
        let kmPoints = kmIndices.count == n ? points : kmIndices.map { points[$0] }
        let km = try KMeans.fit(kmPoints, initialCentres: exemplars.map { points[$0] },
                                maxIterations: options.kMeansIterations)
        var assignments = km.assignments
        if kmIndices.count != n {
            let d = points[0].count, k = km.centres.count
            var distances = [Double](repeating: 0, count: n)
            assignments = [Int](repeating: -1, count: n)
            _ = KMeans.assign(points.flatMap { $0 }, n: n, d: d, centres: km.centres.flatMap { $0 }, k: k,
                              assignments: &assignments, distances: &distances)
        }
        return Result(centres: km.centres, assignments: assignments, exemplars: exemplars)
    }

    /// `size` distinct indices of `0..<n` in increasing order (all of them when `size >= n`).
    static func sample(n: Int, size: Int, using generator: inout SeededRandomNumberGenerator) -> [Int] {
        guard size < n else { return Array(0..<n) }
        var indices = Array(0..<n)
        for i in 0..<size {
            let j = Int.random(in: i..<n, using: &generator)
            indices.swapAt(i, j)
        }
        return indices.prefix(size).sorted()
    }
}
