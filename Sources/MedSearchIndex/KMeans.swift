/// Lloyd's k-means from given initial centres (CAK-means passes affinity propagation's exemplars).
///
/// Deterministic for given inputs: ties in assignment go to the lower centre index; a centre that loses all
/// its points moves to the point farthest from its current centre.
///
/// ```swift
/// let result = try KMeans.fit(points, initialCentres: exemplars)
/// result.centres       // K refined centres
/// result.assignments   // the cluster of each point
/// ```
public enum KMeans {
    /// The outcome of a k-means run.
    public struct Result: Sendable, Equatable {
        /// The final centres.
        public var centres: [[Double]]
        /// The centre index of each point.
        public var assignments: [Int]
        /// The sum of squared distances of points to their centres.
        public var inertia: Double
        /// Iterations run (assignment + update rounds).
        public var iterations: Int
        /// Whether assignments stopped changing before the iteration limit.
        public var converged: Bool
    }

    /// Runs k-means.
    /// - Parameters:
    ///   - points: the points (all of one length, finite).
    ///   - initialCentres: the starting centres (K of them, same length).
    ///   - maxIterations: the iteration limit.
    /// - Throws: ``IndexTreeError`` for empty, ragged or non-finite input.
    /// - Complexity: O(iterations * n * K * d).
    public static func fit(_ points: [[Double]], initialCentres: [[Double]], maxIterations: Int = 50) throws(IndexTreeError) -> Result {
        let d = try validatePoints(points)
        guard !initialCentres.isEmpty else { throw .invalidParameter("k-means needs at least one initial centre") }
        for (index, centre) in initialCentres.enumerated() {
            guard centre.count == d else { throw .dimensionMismatch(expected: d, actual: centre.count, index: index) }
            guard centre.allSatisfy(\.isFinite) else { throw .nonFiniteValue(index: index) }
        }
        guard maxIterations >= 0 else { throw .invalidParameter("maxIterations must be non-negative") }
        let n = points.count, k = initialCentres.count
        let flat = points.flatMap { $0 }
        var centres = initialCentres.flatMap { $0 }
        var assignments = [Int](repeating: -1, count: n)
        var distances = [Double](repeating: 0, count: n)
        var iterations = 0
        var converged = false
        while true {
            let changed = assign(flat, n: n, d: d, centres: centres, k: k, assignments: &assignments, distances: &distances)
            if !changed && iterations > 0 { converged = true; break }
            if iterations >= maxIterations { break }
            iterations += 1
            // Update step.
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = assignments[i]
                counts[c] += 1
                for j in 0..<d { sums[c * d + j] += flat[i * d + j] }
            }
            var taken = Set<Int>()
            for c in 0..<k {
                if counts[c] > 0 {
                    for j in 0..<d { centres[c * d + j] = sums[c * d + j] / Double(counts[c]) }
                } else {
                    // Empty cluster: move it to the farthest point not yet used for this purpose.
                    var far = -1
                    for i in 0..<n where !taken.contains(i) && (far < 0 || distances[i] > distances[far]) { far = i }
                    if far >= 0 {
                        taken.insert(far)
                        distances[far] = 0
                        for j in 0..<d { centres[c * d + j] = flat[far * d + j] }
                    }
                }
            }
        }
        let inertia = distances.reduce(0, +)
        let result = (0..<k).map { Array(centres[$0 * d..<($0 + 1) * d]) }
        return Result(centres: result, assignments: assignments, inertia: inertia, iterations: iterations, converged: converged)
    }

    /// Assigns each point to its nearest centre; returns whether any assignment changed.
    static func assign(_ flat: [Double], n: Int, d: Int, centres: [Double], k: Int,
                       assignments: inout [Int], distances: inout [Double]) -> Bool {
        var changed = false
        flat.withUnsafeBufferPointer { fp in
            centres.withUnsafeBufferPointer { cp in
                for i in 0..<n {
                    let point = fp.baseAddress! + i * d
                    var best = 0
                    var bestDistance = Double.infinity
                    for c in 0..<k {
                        let distance = squaredDistance(point, cp.baseAddress! + c * d, d)
                        if distance < bestDistance { bestDistance = distance; best = c }
                    }
                    if assignments[i] != best { changed = true; assignments[i] = best }
                    distances[i] = bestDistance
                }
            }
        }
        return changed
    }

    /// The nearest centre of `point` (ties go to the lower index).
    public static func nearestCentre(of point: [Double], in centres: [[Double]]) -> Int {
        var best = 0, bestDistance = Double.infinity
        for (c, centre) in centres.enumerated() {
            var s = 0.0
            for j in 0..<min(point.count, centre.count) { let x = point[j] - centre[j]; s += x * x }
            if s < bestDistance { bestDistance = s; best = c }
        }
        return best
    }
}
