import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import Testing
import _MedSearchTestSupport

@Suite("Exact plaintext search")
struct ExactSearchTests {
    /// Slow reference: score every record, sort by (score, id), keep k.
    static func reference<S: Comparable>(_ scores: [(id: Int, score: S)], k: Int) -> [(Int, S)] {
        Array(scores.sorted { $0.score < $1.score || ($0.score == $1.score && $0.id < $1.id) }.prefix(k)).map { ($0.id, $0.score) }
    }

    @Test("float top-k equals a full sort, ties broken by id", arguments: [1, 5, 10, 37, 200])
    func floatMatchesReference(k: Int) throws {
        var generator = seededGenerator(UInt64(100 + k))
        let n = 150, d = 19
        // Small integer values make many exact ties.
        let vectors = (0..<n).map { _ in (0..<d).map { _ in Float(Int.random(in: 0...2, using: &generator)) } }
        let ids = (0..<n).map { _ in Int.random(in: 0..<1_000_000, using: &generator) }
        let database = try ExactSearch.FloatDatabase(ids: ids, vectors: vectors)
        for _ in 0..<10 {
            let query = (0..<d).map { _ in Float(Int.random(in: 0...2, using: &generator)) }
            let squared = vectors.enumerated().map { (id: ids[$0.offset], score: zip($0.element, query).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)) }
            let got = database.search(query, k: k, metric: .squaredEuclidean)
            let want = Self.reference(squared, k: k)
            #expect(got.map(\.id) == want.map(\.0))
            #expect(got.map(\.score) == want.map(\.1))
            let products = vectors.enumerated().map { (id: ids[$0.offset], score: -zip($0.element, query).map { $0 * $1 }.reduce(0, +)) }
            let gotIP = database.search(query, k: k, metric: .innerProduct)
            #expect(gotIP.map(\.id) == Self.reference(products, k: k).map(\.0))
            #expect(gotIP.map(\.score) == Self.reference(products, k: k).map { -$0.1 })
        }
    }

    @Test("blocked batch search equals one search per query, exclusions included")
    func batch() throws {
        var generator = seededGenerator(5)
        let n = 700, d = 90   // several database blocks
        let vectors = (0..<n).map { _ in (0..<d).map { _ in Float(Int.random(in: 0...3, using: &generator)) } }
        let database = try ExactSearch.FloatDatabase(ids: Array(0..<n), vectors: vectors)
        let queries = Array(vectors.prefix(9))
        for metric in [ExactSearch.Metric.squaredEuclidean, .innerProduct] {
            let batched = database.search(batch: queries, k: 12, metric: metric, excluding: { $0 == $1 })
            for q in queries.indices {
                #expect(batched[q] == database.search(queries[q], k: 12, metric: metric, excluding: { $0 == q }))
            }
        }
    }

    @Test("SIMD distance kernels equal scalar loops for every length")
    func kernels() {
        var generator = seededGenerator(3)
        for n in 0..<70 {
            let a = (0..<n).map { _ in Float(Int.random(in: -8...8, using: &generator)) }
            let b = (0..<n).map { _ in Float(Int.random(in: -8...8, using: &generator)) }
            let squared = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in ExactSearch.squaredDistance(pa, pb) } }
            let dot = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in ExactSearch.dot(pa, pb) } }
            #expect(squared == zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +))
            #expect(dot == zip(a, b).map { $0 * $1 }.reduce(0, +))
        }
    }

    @Test("exclusion, k larger than the database, k = 0, empty database")
    func edges() throws {
        let database = try ExactSearch.FloatDatabase(ids: [3, 1, 2], vectors: [[0], [0], [5]])
        #expect(database.search([0], k: 10).map(\.id) == [1, 3, 2])
        #expect(database.search([0], k: 10, excluding: { $0 == 1 }).map(\.id) == [3, 2])
        #expect(database.search([0], k: 0).isEmpty)
        let empty = try ExactSearch.FloatDatabase<Int>(ids: [], vectors: [])
        #expect(empty.search([], k: 3).isEmpty)
        #expect(throws: ExactSearchError.countMismatch(ids: 1, vectors: 2)) {
            try ExactSearch.FloatDatabase(ids: [1], vectors: [[0], [1]])
        }
        #expect(throws: ExactSearchError.dimensionMismatch(expected: 1, actual: 2, index: 1)) {
            try ExactSearch.FloatDatabase(ids: [1, 2], vectors: [[0], [1, 2]])
        }
    }

    @Test("integer (fixed-point) search is exact and refuses values that could overflow")
    func integer() throws {
        var generator = seededGenerator(4)
        let n = 120, d = 33
        let vectors = (0..<n).map { _ in (0..<d).map { _ in Int64.random(in: -1_000_000...1_000_000, using: &generator) } }
        let database = try ExactSearch.IntegerDatabase(ids: Array(0..<n), vectors: vectors)
        let query = (0..<d).map { _ in Int64.random(in: -1_000_000...1_000_000, using: &generator) }
        func squared(_ v: [Int64]) -> Int64 {
            var sum: Int64 = 0
            for j in 0..<d { sum += (v[j] - query[j]) * (v[j] - query[j]) }
            return sum
        }
        func product(_ v: [Int64]) -> Int64 {
            var sum: Int64 = 0
            for j in 0..<d { sum += v[j] * query[j] }
            return sum
        }
        let scores: [(id: Int, score: Int64)] = vectors.enumerated().map { (id: $0.offset, score: squared($0.element)) }
        let got = try database.search(query, k: 15)
        #expect(got.map(\.id) == Self.reference(scores, k: 15).map(\.0))
        #expect(got.map(\.score) == Self.reference(scores, k: 15).map(\.1))
        let products: [(id: Int, score: Int64)] = vectors.enumerated().map { (id: $0.offset, score: -product($0.element)) }
        #expect(try database.search(query, k: 15, metric: .innerProduct).map(\.id) == Self.reference(products, k: 15).map(\.0))
        #expect(throws: ExactSearchError.self) {
            try ExactSearch.IntegerDatabase(ids: [0], vectors: [[Int64.max / 2]])
        }
        #expect(throws: ExactSearchError.self) { try database.search([1], k: 1) }
    }

    @Test("Hamming top-k equals a full sort, ties broken by id", arguments: [16, 64, 100, 256])
    func hamming(bits: Int) throws {
        var generator = seededGenerator(UInt64(bits))
        let n = 300
        let codes = (0..<n).map { _ in Hashcode(bits: (0..<bits).map { _ in Bool.random(using: &generator) }) }
        let ids = Array((0..<n).reversed())
        let database = try ExactSearch.HammingDatabase(ids: ids, codes: codes)
        for _ in 0..<5 {
            let query = Hashcode(bits: (0..<bits).map { _ in Bool.random(using: &generator) })
            let scores = codes.enumerated().map { (id: ids[$0.offset], score: $0.element.hammingDistance(to: query)) }
            let got = database.search(query, k: 25)
            #expect(got.map(\.id) == Self.reference(scores, k: 25).map(\.0))
            #expect(got.map(\.score) == Self.reference(scores, k: 25).map(\.1))
        }
        #expect(throws: ExactSearchError.self) {
            try ExactSearch.HammingDatabase(ids: [0, 1], codes: [Hashcode(bitCount: 16), Hashcode(bitCount: 32)])
        }
    }
}
