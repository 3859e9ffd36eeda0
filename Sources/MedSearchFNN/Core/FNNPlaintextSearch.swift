/// One ranked answer: a record id and its squared Euclidean distance to the query.
public struct FNNNeighbor: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The record id.
    public var id: UInt64
    /// The exact squared Euclidean distance `|x - q|^2`.
    public var squaredDistance: Int64

    public var description: String { "#\(id) (d^2 = \(squaredDistance))" }
}

/// Plaintext reference searches: the answers every encrypted search must reproduce exactly.
public enum FNNPlaintextSearch {
    /// Exact top-k by squared distance, ties broken by ascending id.
    ///
    /// - Complexity: O(n d + n log n).
    public static func topK(query: [Int64], records: [(id: UInt64, vector: [Int64])], k: Int) -> [FNNNeighbor] {
        var all = records.map { record in
            FNNNeighbor(id: record.id, squaredDistance: squaredDistance(record.vector, query))
        }
        all.sort { ($0.squaredDistance, $0.id) < ($1.squaredDistance, $1.id) }
        return Array(all.prefix(max(k, 0)))
    }

    /// `|x - y|^2`.
    public static func squaredDistance(_ x: [Int64], _ y: [Int64]) -> Int64 {
        precondition(x.count == y.count, "dimension mismatch")
        var sum: Int64 = 0
        for index in x.indices {
            let diff = x[index] - y[index]
            sum += diff * diff
        }
        return sum
    }

    /// The integer lower bound `L - slack` of ``FNNParameters`` on `d |x - q|^2`.
    public static func lowerBound(_ x: FNNVectorStatistics, _ q: FNNVectorStatistics, slack: Int64) -> Int64 {
        let ds = x.sum - q.sum, df = x.deviationRoot - q.deviationRoot
        return ds * ds + df * df - slack
    }

    /// The lower-bound pruned scan (Ahn et al.'s algorithm in plaintext, same rules as the encrypted search):
    /// returns the exact top-k and how many records the bound rejected.
    public static func prunedTopK(query: [Int64], records: [(id: UInt64, vector: [Int64])], k: Int,
                                  parameters: FNNParameters, order: FNNScanOrder = .lowerBound)
        -> (neighbors: [FNNNeighbor], rejected: Int) {
        let d = Int64(parameters.dimension)
        let qs = FNNVectorStatistics(query)
        let bounds = records.map { lowerBound(FNNVectorStatistics($0.vector), qs, slack: parameters.slack) }
        var visit = Array(records.indices)
        if order == .lowerBound { visit.sort { (bounds[$0], $0) < (bounds[$1], $1) } }
        var best: [FNNNeighbor] = []
        var rejected = 0
        for index in visit {
            if best.count >= k, let worst = best.last, bounds[index] > d * worst.squaredDistance {
                rejected += 1
                continue
            }
            let candidate = FNNNeighbor(id: records[index].id,
                                        squaredDistance: squaredDistance(records[index].vector, query))
            best.append(candidate)
            best.sort { ($0.squaredDistance, $0.id) < ($1.squaredDistance, $1.id) }
            if best.count > k { best.removeLast() }
        }
        return (best, rejected)
    }
}
