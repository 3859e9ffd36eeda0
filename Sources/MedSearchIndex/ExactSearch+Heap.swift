extension ExactSearch {
    /// Keeps the k best (smallest key, then smallest id) of a stream of candidates in a bounded max-heap.
    struct TopK<ID: Comparable, Key: Comparable> {
        let k: Int
        private(set) var heap: [(Key, ID)] = []

        init(k: Int) {
            self.k = max(0, k)
            heap.reserveCapacity(self.k)
        }

        /// The worst kept key, when k candidates are held (a candidate must beat it to enter).
        @inline(__always) var threshold: (Key, ID)? { heap.count == k ? heap.first : nil }

        @inline(__always) static func worse(_ a: (Key, ID), _ b: (Key, ID)) -> Bool {
            a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
        }

        @inline(__always)
        mutating func offer(_ key: Key, _ id: ID) {
            guard k > 0 else { return }
            if heap.count < k {
                heap.append((key, id))
                heap.heapSiftUp(from: heap.count - 1, by: Self.worse)
                return
            }
            guard Self.worse(heap[0], (key, id)) else { return }
            heap[0] = (key, id)
            heap.heapSiftDown(from: 0, by: Self.worse)
        }

        /// The kept candidates, best first.
        func sorted() -> [(Key, ID)] { heap.sorted { ExactSearch.ascendingBefore($0, $1) } }
    }
}
