extension ExactSearch {
    /// A database of integer (fixed-point) vectors; distances are exact 64-bit integers, which is what an
    /// encrypted engine computing on integers must reproduce bit for bit.
    public struct IntegerDatabase<ID: Comparable & Sendable>: Sendable {
        /// Record ids, in storage order.
        public let ids: [ID]
        /// Vector length.
        public let dimension: Int
        /// Row-major vectors.
        public let storage: [Int64]
        /// The largest absolute value accepted for this dimension (no distance or inner product overflows).
        public let valueLimit: Int64

        /// Builds a database.
        /// - Throws: ``ExactSearchError`` when counts or lengths disagree or a value exceeds ``valueLimit``.
        public init(ids: [ID], vectors: [[Int64]]) throws(ExactSearchError) {
            guard ids.count == vectors.count else { throw .countMismatch(ids: ids.count, vectors: vectors.count) }
            let dimension = vectors.first?.count ?? 0
            let limit = Self.limit(dimension: dimension)
            var storage = [Int64]()
            storage.reserveCapacity(vectors.count * dimension)
            for (index, vector) in vectors.enumerated() {
                guard vector.count == dimension else {
                    throw .dimensionMismatch(expected: dimension, actual: vector.count, index: index)
                }
                guard vector.allSatisfy({ $0 >= -limit && $0 <= limit }) else { throw .valueOutOfRange(limit: limit) }
                storage.append(contentsOf: vector)
            }
            self.ids = ids
            self.dimension = dimension
            self.storage = storage
            valueLimit = limit
        }

        /// Largest |value| with d * (2 * value)^2 < 2^63.
        static func limit(dimension: Int) -> Int64 {
            let bound = (Double(Int64.max) / Double(max(dimension, 1))).squareRoot() / 2
            return Int64(bound.rounded(.down)) - 1
        }

        /// Number of records.
        public var count: Int { ids.count }

        /// The exact top `k` for `query` (see ``FloatDatabase/search(_:k:metric:excluding:)``).
        ///
        /// - Throws: ``ExactSearchError`` when the query's length or values are out of range.
        public func search(_ query: [Int64], k: Int, metric: Metric = .squaredEuclidean,
                           excluding: ((Int) -> Bool)? = nil) throws(ExactSearchError) -> [SearchHit<ID, Int64>] {
            guard query.count == dimension else { throw .dimensionMismatch(expected: dimension, actual: query.count, index: -1) }
            guard query.allSatisfy({ $0 >= -valueLimit && $0 <= valueLimit }) else { throw .valueOutOfRange(limit: valueLimit) }
            var top = TopK<ID, Int64>(k: k)
            let d = dimension
            storage.withUnsafeBufferPointer { s in
                for index in 0..<ids.count {
                    if let excluding, excluding(index) { continue }
                    var score: Int64 = 0
                    let base = index * d
                    switch metric {
                    case .squaredEuclidean:
                        for j in 0..<d {
                            let diff = query[j] &- s[base + j]
                            score &+= diff &* diff
                        }
                    case .innerProduct:
                        for j in 0..<d { score &+= query[j] &* s[base + j] }
                        score = -score
                    }
                    top.offer(score, ids[index])
                }
            }
            return top.sorted().map { SearchHit(id: $0.1, score: metric == .innerProduct ? -$0.0 : $0.0) }
        }
    }
}
