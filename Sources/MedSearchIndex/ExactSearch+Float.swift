extension ExactSearch {
    /// A database of float vectors stored contiguously.
    public struct FloatDatabase<ID: Comparable & Sendable>: Sendable {
        /// Record ids, in storage order.
        public let ids: [ID]
        /// Vector length.
        public let dimension: Int
        /// Row-major vectors (`ids.count * dimension` values).
        public let storage: [Float]

        /// Builds a database.
        /// - Throws: ``ExactSearchError`` when counts or lengths disagree.
        public init(ids: [ID], vectors: [[Float]]) throws(ExactSearchError) {
            guard ids.count == vectors.count else { throw .countMismatch(ids: ids.count, vectors: vectors.count) }
            let dimension = vectors.first?.count ?? 0
            var storage = [Float]()
            storage.reserveCapacity(vectors.count * dimension)
            for (index, vector) in vectors.enumerated() {
                guard vector.count == dimension else {
                    throw .dimensionMismatch(expected: dimension, actual: vector.count, index: index)
                }
                storage.append(contentsOf: vector)
            }
            self.ids = ids
            self.dimension = dimension
            self.storage = storage
        }

        /// Number of records.
        public var count: Int { ids.count }

        /// The exact top `k` for `query`.
        ///
        /// - Parameters:
        ///   - excluding: an optional predicate on the storage index; records it accepts are skipped
        ///     (for example the query itself in leave-one-out evaluation).
        /// - Returns: at most `k` hits, best first, ties by increasing id. Scores are squared distances or
        ///   inner products, accumulated in `Float`.
        /// - Precondition: `query.count == dimension`.
        public func search(_ query: [Float], k: Int, metric: Metric = .squaredEuclidean,
                           excluding: ((Int) -> Bool)? = nil) -> [SearchHit<ID, Float>] {
            precondition(query.count == dimension, "query length differs from the database dimension")
            var top = TopK<ID, Float>(k: k)
            let d = dimension
            query.withUnsafeBufferPointer { q in
                storage.withUnsafeBufferPointer { s in
                    for index in 0..<ids.count {
                        if let excluding, excluding(index) { continue }
                        let row = d == 0 ? UnsafeBufferPointer<Float>(start: nil, count: 0)
                            : UnsafeBufferPointer(start: s.baseAddress! + index * d, count: d)
                        let score: Float
                        switch metric {
                        case .squaredEuclidean: score = ExactSearch.squaredDistance(q, row)
                        case .innerProduct: score = -ExactSearch.dot(q, row)
                        }
                        top.offer(score, ids[index])
                    }
                }
            }
            return top.sorted().map { SearchHit(id: $0.1, score: metric == .innerProduct ? -$0.0 : $0.0) }
        }

        /// The exact top `k` of every query in `queries`, computed block by block so that each block of database
        /// rows is read from memory once for the whole batch (same results as ``search(_:k:metric:excluding:)``).
        ///
        /// - Parameters:
        ///   - excluding: an optional predicate on (query position in the batch, storage index).
        /// - Precondition: every query has `dimension` values.
        public func search(batch queries: [[Float]], k: Int, metric: Metric = .squaredEuclidean,
                           excluding: ((Int, Int) -> Bool)? = nil) -> [[SearchHit<ID, Float>]] {
            precondition(queries.allSatisfy { $0.count == dimension }, "query length differs from the database dimension")
            var tops = queries.map { _ in TopK<ID, Float>(k: k) }
            let d = dimension
            let blockRows = max(1, 32_768 / max(d, 1))
            storage.withUnsafeBufferPointer { s in
                var blockStart = 0
                while blockStart < ids.count {
                    let blockEnd = min(ids.count, blockStart + blockRows)
                    for (q, query) in queries.enumerated() {
                        query.withUnsafeBufferPointer { qp in
                            for index in blockStart..<blockEnd {
                                if let excluding, excluding(q, index) { continue }
                                let row = d == 0 ? UnsafeBufferPointer<Float>(start: nil, count: 0)
                                    : UnsafeBufferPointer(start: s.baseAddress! + index * d, count: d)
                                let score: Float
                                switch metric {
                                case .squaredEuclidean: score = ExactSearch.squaredDistance(qp, row)
                                case .innerProduct: score = -ExactSearch.dot(qp, row)
                                }
                                tops[q].offer(score, ids[index])
                            }
                        }
                    }
                    blockStart = blockEnd
                }
            }
            return tops.map { top in
                top.sorted().map { SearchHit(id: $0.1, score: metric == .innerProduct ? -$0.0 : $0.0) }
            }
        }
    }

    /// Squared Euclidean distance with 16 lanes of independent accumulators (vectorised).
    @inlinable
    public static func squaredDistance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let n = min(a.count, b.count)
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            let d0 = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            i &+= 16
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            let diff = pa[i] - pb[i]
            sum += diff * diff
            i &+= 1
        }
        return sum
    }

    /// Inner product with 16 lanes of independent accumulators (vectorised).
    @inlinable
    public static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let n = min(a.count, b.count)
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            i &+= 16
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            sum += pa[i] * pb[i]
            i &+= 1
        }
        return sum
    }
}
