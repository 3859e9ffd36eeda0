import Foundation
import MedSearchFeatures
import Testing
import _MedSearchTestSupport

@Suite("Retrieval metrics")
struct RetrievalMetricsTests {
    @Test("hand-computed P@k, R@k, F1 and AP@k")
    func handComputed() {
        // Database of 6; class A on 0, 1, 3, 5. Query 0 (leave-one-out) ranks 1, 2, 3, 4, 5.
        let labels = [["A"], ["A"], ["B"], ["A", "B"], ["B"], ["A"]]
        let (classes, mean) = RetrievalMetrics.evaluate(
            rankings: [[1, 2, 3, 4, 5]], queryLabels: [["A"]], databaseLabels: labels, selfIndex: [0],
            classes: ["A"], ks: [2, 4])
        let a = classes[0]
        #expect(a.queries == 1 && a.databaseImages == 4)
        // k=2: hits 1 (index 1): P 1/2, R 1/3, AP = (1/1) / min(2, 3) = 0.5.
        #expect(a.figures[0].precision == 0.5)
        #expect(abs(a.figures[0].recall - 1.0 / 3) < 1e-12)
        #expect(a.figures[0].meanAveragePrecision == 0.5)
        #expect(abs(a.figures[0].f1 - 2 * 0.5 * (1.0 / 3) / (0.5 + 1.0 / 3)) < 1e-12)
        // k=4: hits 2 (indices 1 and 3 at ranks 1 and 3): P 2/4, R 2/3, AP = (1 + 2/3) / 3.
        #expect(a.figures[1].precision == 0.5)
        #expect(abs(a.figures[1].recall - 2.0 / 3) < 1e-12)
        #expect(abs(a.figures[1].meanAveragePrecision - (1 + 2.0 / 3) / 3) < 1e-12)
        #expect(a.figures[0].chancePrecision == 4.0 / 6)
        #expect(a.figures[0].chanceRecall == 2.0 / 5)
        #expect(mean.figures[1].precision == a.figures[1].precision)
    }

    @Test("chance AP of a random ranking matches simulation")
    func chanceAP() {
        var generator = seededGenerator(13)
        let n = 2000, relevant = 600, k = 10
        var total = 0.0
        let rounds = 3000
        for _ in 0..<rounds {
            var hits = 0, sum = 0.0
            var pool = Array(repeating: true, count: relevant) + Array(repeating: false, count: n - relevant)
            pool.shuffle(using: &generator)
            for i in 0..<k where pool[i] { hits += 1; sum += Double(hits) / Double(i + 1) }
            total += sum / Double(k)
        }
        #expect(abs(total / Double(rounds) - RetrievalMetrics.chanceAveragePrecision(share: 0.3, k: k)) < 0.01)
    }

    @Test("report table and SVG carry every class and the chance levels")
    func rendering() throws {
        let labels = [["A"], ["B"], ["A"], ["B"]]
        let (classes, mean) = RetrievalMetrics.evaluate(rankings: [[2, 1], [3, 0], [0, 1], [1, 0]], queryLabels: labels,
                                                        databaseLabels: labels, selfIndex: [0, 1, 2, 3],
                                                        classes: ["A", "B"], ks: [1, 2])
        let report = RetrievalReport(feature: "test", dataset: "toy", evaluationProtocol: "leave-one-out",
                                     metric: "squared Euclidean", databaseSize: 4, queryCount: 4, ks: [1, 2],
                                     classes: classes, mean: mean)
        #expect(mean.figures[0].precision == 1)
        let table = report.table()
        #expect(table.contains("P@1 (chance)") && table.contains("1.000 (0.500)"))
        let svg = RetrievalPlot.svg(report)
        #expect(svg.hasPrefix("<svg") && svg.contains("Precision@k") && svg.contains(">mean<"))
        let decoded = try JSONDecoder().decode(RetrievalReport.self, from: try report.json())
        #expect(decoded == report)
    }

    @Test func meanPrecisionWithAnyRelevance() {
        // Query 0: relevant items are even; query 1: relevant items are below 2.
        let rankings = [[0, 1, 2, 3], [3, 2, 1, 0]]
        let means = RetrievalMetrics.meanPrecision(rankings: rankings, ks: [1, 2, 4]) { q, i in
            q == 0 ? i % 2 == 0 : i < 2
        }
        // k=1: (1 + 0) / 2; k=2: (1/2 + 0) / 2; k=4: (2/4 + 2/4) / 2.
        #expect(means == [0.5, 0.25, 0.5])
        #expect(RetrievalMetrics.meanPrecision(rankings: [], ks: [5]) { _, _ in true } == [0])
        #expect(RetrievalMetrics.meanPrecision(rankings: [[1]], ks: [2]) { _, _ in true } == [0.5],
                "a ranking shorter than k counts the missing places as misses")
    }
}
