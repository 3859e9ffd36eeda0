/// Affinity propagation clustering (Frey and Dueck, Science 2007): chooses the number of clusters and an
/// exemplar (an actual data point) for each, by passing responsibility and availability messages.
///
/// Similarity is the negative squared Euclidean distance; the preference (each point's self-similarity)
/// controls how many clusters emerge: the median similarity (the default) gives a moderate number, the
/// minimum gives few. Messages are damped (0.9 by default: 0.5 oscillates on well-separated data). Deterministic: ties are broken by a fixed, seeded perturbation of
/// the similarities far below their resolution.
///
/// - Complexity: O(iterations * n^2) time, O(n^2) memory; CAK-means runs it on a sample of at most a few
///   thousand points (see ``CAKMeans``).
public enum AffinityPropagation {
    /// How to set the preference `s(k, k)`.
    public enum Preference: Sendable, Equatable {
        /// The median of the off-diagonal similarities.
        case median
        /// The minimum off-diagonal similarity (fewer clusters).
        case minimum
        /// An explicit value (a negative number on the similarity scale).
        case value(Double)
    }

    /// The outcome of a run.
    public struct Result: Sendable, Equatable {
        /// Indices of the exemplar points, ascending.
        public var exemplars: [Int]
        /// For each point, the index into ``exemplars`` of its cluster.
        public var assignments: [Int]
        /// Iterations run.
        public var iterations: Int
        /// Whether the exemplar set was stable for `convergenceIterations` rounds.
        public var converged: Bool
    }

    /// Clusters `points`.
    /// - Parameters:
    ///   - preference: the self-similarity rule.
    ///   - damping: message damping in `[0.5, 1)`.
    ///   - maxIterations: the iteration limit.
    ///   - convergenceIterations: stop once the exemplars are unchanged for this many rounds.
    /// - Throws: ``IndexTreeError`` for bad input or parameters (at most 20,000 points).
    public static func fit(_ points: [[Double]], preference: Preference = .median, damping: Double = 0.9,
                           maxIterations: Int = 400, convergenceIterations: Int = 15) throws(IndexTreeError) -> Result {
        let d = try validatePoints(points)
        let n = points.count
        guard n <= 20_000 else { throw .invalidParameter("affinity propagation on \(n) points needs too much memory; sample first") }
        guard damping >= 0.5, damping < 1 else { throw .invalidParameter("damping must be in [0.5, 1)") }
        guard maxIterations >= 1, convergenceIterations >= 1 else { throw .invalidParameter("iteration counts must be positive") }
        if n == 1 { return Result(exemplars: [0], assignments: [0], iterations: 0, converged: true) }
        let flat = points.flatMap { $0 }
        var s = [Double](repeating: 0, count: n * n)
        var offDiagonal = [Double]()
        offDiagonal.reserveCapacity(n * (n - 1))
        flat.withUnsafeBufferPointer { fp in
            for i in 0..<n {
                for k in 0..<n where k != i {
                    let value = -squaredDistance(fp.baseAddress! + i * d, fp.baseAddress! + k * d, d)
                    s[i * n + k] = value
                    offDiagonal.append(value)
                }
            }
        }
        let pref: Double
        switch preference {
        case .median:
            offDiagonal.sort()
            let m = offDiagonal.count
            pref = m % 2 == 1 ? offDiagonal[m / 2] : (offDiagonal[m / 2 - 1] + offDiagonal[m / 2]) / 2
        case .minimum:
            pref = offDiagonal.min() ?? 0
        case let .value(value):
            guard value.isFinite else { throw .invalidParameter("preference must be finite") }
            pref = value
        }
        offDiagonal = []
        for i in 0..<n { s[i * n + i] = pref }
        // Deterministic tie-breaking noise (as scikit-learn does with a random one).
        var state: UInt64 = 0x243F_6A88_85A3_08D3
        let scale = (s.map(abs).max() ?? 1) * 1e-12 + 1e-300
        for index in 0..<(n * n) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            s[index] += scale * Double(state >> 11) / Double(1 << 53)
        }

        var r = [Double](repeating: 0, count: n * n)
        var a = [Double](repeating: 0, count: n * n)
        var columnSums = [Double](repeating: 0, count: n)
        var lastExemplars = [Int]()
        var stable = 0
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            // Responsibilities: r(i,k) = s(i,k) - max_{k' != k} (a(i,k') + s(i,k')).
            for i in 0..<n {
                var first = -Double.infinity, second = -Double.infinity, firstIndex = -1
                for k in 0..<n {
                    let v = a[i * n + k] + s[i * n + k]
                    if v > first { second = first; first = v; firstIndex = k } else if v > second { second = v }
                }
                for k in 0..<n {
                    let target = s[i * n + k] - (k == firstIndex ? second : first)
                    r[i * n + k] = damping * r[i * n + k] + (1 - damping) * target
                }
            }
            // Availabilities: a(i,k) = min(0, r(k,k) + sum_{i' not in {i,k}} max(0, r(i',k))), a(k,k) = sum_{i' != k} max(0, r(i',k)).
            for k in 0..<n { columnSums[k] = 0 }
            for i in 0..<n {
                for k in 0..<n where i != k { columnSums[k] += max(0, r[i * n + k]) }
            }
            for i in 0..<n {
                for k in 0..<n {
                    let target: Double
                    if i == k {
                        target = columnSums[k]
                    } else {
                        target = min(0, r[k * n + k] + columnSums[k] - max(0, r[i * n + k]))
                    }
                    a[i * n + k] = damping * a[i * n + k] + (1 - damping) * target
                }
            }
            let exemplars = (0..<n).filter { r[$0 * n + $0] + a[$0 * n + $0] > 0 }
            if exemplars == lastExemplars && !exemplars.isEmpty {
                stable += 1
                if stable >= convergenceIterations { converged = true; break }
            } else {
                stable = 0
                lastExemplars = exemplars
            }
        }
        var exemplars = lastExemplars
        if exemplars.isEmpty {
            // No exemplar emerged: fall back to the medoid (the point with the largest total similarity).
            var best = 0, bestSum = -Double.infinity
            for k in 0..<n {
                var sum = 0.0
                for i in 0..<n where i != k { sum += s[i * n + k] }
                if sum > bestSum { bestSum = sum; best = k }
            }
            exemplars = [best]
        }
        // Assign each point to its most similar exemplar; exemplars to themselves.
        var assignments = [Int](repeating: 0, count: n)
        for i in 0..<n {
            if let own = exemplars.firstIndex(of: i) { assignments[i] = own; continue }
            var best = 0, bestValue = -Double.infinity
            for (e, k) in exemplars.enumerated() where s[i * n + k] > bestValue {
                bestValue = s[i * n + k]
                best = e
            }
            assignments[i] = best
        }
        return Result(exemplars: exemplars, assignments: assignments, iterations: iterations, converged: converged)
    }
}
