import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import Testing
import _MedSearchTestSupport

@Suite("Evaluation protocols")
struct EvaluationProtocolTests {
    @Test("leave-one-out never returns the query and matches a brute-force ranking")
    func leaveOneOut() throws {
        var generator = seededGenerator(31)
        let n = 60
        let vectors = (0..<n).map { _ in (0..<5).map { _ in Float.random(in: 0...1, using: &generator) } }
        let rankings = try RetrievalEvaluator.rankings(database: .vectors(vectors, .squaredEuclidean),
                                                       queries: .vectors(vectors, .squaredEuclidean), k: 7, leaveOneOut: true)
        for q in 0..<n {
            #expect(!rankings[q].contains(q))
            let brute = (0..<n).filter { $0 != q }.sorted {
                let a = zip(vectors[$0], vectors[q]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                let b = zip(vectors[$1], vectors[q]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                return a < b || (a == b && $0 < $1)
            }
            #expect(rankings[q] == Array(brute.prefix(7)))
        }
    }

    @Test("two well-separated classes give precision 1, chance 0.5")
    func separated() throws {
        let vectors: [[Float]] = (0..<20).map { i in [Float(i < 10 ? 0 : 100) + Float(i % 10) * 0.01] }
        let labels = (0..<20).map { [$0 < 10 ? "a" : "b"] }
        let report = try RetrievalEvaluator.evaluate(database: .vectors(vectors, .squaredEuclidean), databaseLabels: labels,
                                                     classes: ["a", "b"], ks: [5, 9])
        #expect(report.mean.figures.allSatisfy { $0.precision == 1 && $0.chancePrecision == 0.5 })
        #expect(report.mean.figures[1].recall == 1)   // 9 of the 9 others
        // The same with hashcodes and a query split.
        let codes = (0..<20).map { i in Hashcode(bits: (0..<16).map { _ in i >= 10 }) }
        let split = try RetrievalEvaluator.evaluate(database: .codes(codes), databaseLabels: labels,
                                                    queries: .codes([codes[0], codes[19]]), queryLabels: [["a"], ["b"]],
                                                    classes: ["a", "b"], ks: [10])
        #expect(split.mean.figures[0].precision == 1 && split.queryCount == 2)
        #expect(throws: (any Error).self) {
            try RetrievalEvaluator.evaluate(database: .codes(codes), databaseLabels: labels,
                                            queries: .vectors([[0]], .squaredEuclidean), queryLabels: [["a"]],
                                            classes: ["a"], ks: [1])
        }
    }
}
