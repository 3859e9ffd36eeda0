import MedSearchFeatures

extension ExactSearch {
    /// A database of binary hashcodes of one length, stored as contiguous 64-bit words.
    public struct HammingDatabase<ID: Comparable & Sendable>: Sendable {
        /// Record ids, in storage order.
        public let ids: [ID]
        /// Bits per code.
        public let bitCount: Int
        /// Words per code.
        public let wordsPerCode: Int
        /// The packed codes, `wordsPerCode` words each.
        public let storage: [UInt64]

        /// Builds a database.
        /// - Throws: ``ExactSearchError`` when counts or code lengths disagree.
        public init(ids: [ID], codes: [Hashcode]) throws(ExactSearchError) {
            guard ids.count == codes.count else { throw .countMismatch(ids: ids.count, vectors: codes.count) }
            let bits = codes.first?.bitCount ?? 0
            let words = (bits + 63) / 64
            var storage = [UInt64]()
            storage.reserveCapacity(codes.count * words)
            for (index, code) in codes.enumerated() {
                guard code.bitCount == bits else { throw .dimensionMismatch(expected: bits, actual: code.bitCount, index: index) }
                storage.append(contentsOf: code.words)
            }
            self.ids = ids
            bitCount = bits
            wordsPerCode = words
            self.storage = storage
        }

        /// Number of records.
        public var count: Int { ids.count }

        /// The exact top `k` by Hamming distance, smallest first, ties by increasing id.
        /// - Precondition: `query.bitCount == bitCount`.
        public func search(_ query: Hashcode, k: Int, excluding: ((Int) -> Bool)? = nil) -> [SearchHit<ID, Int>] {
            precondition(query.bitCount == bitCount, "query code length differs from the database")
            var top = TopK<ID, Int>(k: k)
            let w = wordsPerCode
            let q = query.words
            storage.withUnsafeBufferPointer { s in
                for index in 0..<ids.count {
                    if let excluding, excluding(index) { continue }
                    var distance = 0
                    for j in 0..<w { distance &+= (s[index * w + j] ^ q[j]).nonzeroBitCount }
                    top.offer(distance, ids[index])
                }
            }
            return top.sorted().map { SearchHit(id: $0.1, score: $0.0) }
        }
    }
}
