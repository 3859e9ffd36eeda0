/// Computes P@k, R@k, F1, mAP@k and their chance levels from rankings (the definitions of the
/// TrustMedSearch paper's Table III, with relevance per class).
///
/// For a class c and a query q labelled c, with its ranking r_1, r_2, ... (the query itself excluded under
/// leave-one-out): hits(k) = number of r_i, i <= k, labelled c; P@k = hits(k) / k;
/// R@k = hits(k) / (database images labelled c, other than q); AP@k = sum over relevant r_i, i <= k, of
/// hits(i)/i, divided by min(k, relevant images available) (chance: ``chanceAveragePrecision(share:k:)``). Class figures are means over its queries; the
/// `mean` row is the macro mean over classes; F1 = 2PR/(P+R) of the mean P and R.
public enum RetrievalMetrics {
    /// Evaluates rankings.
    ///
    /// - Parameters:
    ///   - rankings: per query, database indices best first (at least max(ks) of them when available).
    ///   - queryLabels: per query, its labels.
    ///   - databaseLabels: per database image, its labels.
    ///   - selfIndex: per query, its own database index under leave-one-out (excluded from the candidates), else nil.
    ///   - classes: the classes to report.
    ///   - ks: the cut-offs.
    /// - Returns: one result per class and the macro mean.
    public static func evaluate(rankings: [[Int]], queryLabels: [[String]], databaseLabels: [[String]],
                                selfIndex: [Int?], classes: [String],
                                ks: [Int]) -> (classes: [ClassRetrievalResult], mean: ClassRetrievalResult) {
        precondition(rankings.count == queryLabels.count && rankings.count == selfIndex.count, "one ranking per query")
        let ks = ks.sorted()
        let n = databaseLabels.count
        var results: [ClassRetrievalResult] = []
        for c in classes {
            let inDatabase = databaseLabels.map { $0.contains(c) }
            let total = inDatabase.filter { $0 }.count
            var sumP = [Double](repeating: 0, count: ks.count)
            var sumR = [Double](repeating: 0, count: ks.count)
            var sumAP = [Double](repeating: 0, count: ks.count)
            var queries = 0
            var sumCandidates = 0.0
            for (q, ranking) in rankings.enumerated() where queryLabels[q].contains(c) {
                queries += 1
                let own = selfIndex[q].map { inDatabase[$0] ? 1 : 0 } ?? 0
                let relevant = total - own
                sumCandidates += Double(n - (selfIndex[q] == nil ? 0 : 1))
                var hits = 0
                var precisionSum = 0.0
                var kIndex = 0
                for (rank, index) in ranking.enumerated() {
                    if rank >= ks.last! { break }
                    if inDatabase[index] {
                        hits += 1
                        precisionSum += Double(hits) / Double(rank + 1)
                    }
                    while kIndex < ks.count && rank + 1 == ks[kIndex] {
                        record(kIndex, hits, precisionSum, relevant)
                        kIndex += 1
                    }
                }
                // Rankings shorter than k (tiny databases): remaining cut-offs see no more hits.
                while kIndex < ks.count {
                    record(kIndex, hits, precisionSum, relevant)
                    kIndex += 1
                }
                func record(_ i: Int, _ hits: Int, _ precisionSum: Double, _ relevant: Int) {
                    sumP[i] += Double(hits) / Double(ks[i])
                    sumR[i] += relevant > 0 ? Double(hits) / Double(relevant) : 0
                    let denominator = min(ks[i], relevant)
                    sumAP[i] += denominator > 0 ? precisionSum / Double(denominator) : 0
                }
            }
            let share = n > 0 ? Double(total) / Double(n) : 0
            let candidates = queries > 0 ? sumCandidates / Double(queries) : Double(n)
            let figures = ks.indices.map { i -> RetrievalFigures in
                let p = queries > 0 ? sumP[i] / Double(queries) : 0
                let r = queries > 0 ? sumR[i] / Double(queries) : 0
                let chanceR = candidates > 0 ? min(1, Double(ks[i]) / candidates) : 0
                return RetrievalFigures(k: ks[i], precision: p, recall: r, f1: f1(p, r),
                                        meanAveragePrecision: queries > 0 ? sumAP[i] / Double(queries) : 0,
                                        chancePrecision: share, chanceRecall: chanceR, chanceF1: f1(share, chanceR),
                                        chanceMeanAveragePrecision: chanceAveragePrecision(share: share, k: ks[i]))
            }
            results.append(ClassRetrievalResult(name: c, queries: queries, databaseImages: total, figures: figures))
        }
        let meanFigures = ks.indices.map { i -> RetrievalFigures in
            func average(_ value: (RetrievalFigures) -> Double) -> Double {
                results.isEmpty ? 0 : results.map { value($0.figures[i]) }.reduce(0, +) / Double(results.count)
            }
            let p = average(\.precision), r = average(\.recall)
            let cp = average(\.chancePrecision), cr = average(\.chanceRecall)
            return RetrievalFigures(k: ks[i], precision: p, recall: r, f1: f1(p, r),
                                    meanAveragePrecision: average(\.meanAveragePrecision),
                                    chancePrecision: cp, chanceRecall: cr, chanceF1: f1(cp, cr),
                                    chanceMeanAveragePrecision: average(\.chanceMeanAveragePrecision))
        }
        let mean = ClassRetrievalResult(name: "mean", queries: rankings.count,
                                        databaseImages: n, figures: meanFigures)
        return (results, mean)
    }

    /// Mean precision@k over queries for a relevance that is not per class (SEI's "shares a label with the
    /// query"): for each k in `ks`, the mean over queries q of |{i in the first k of rankings[q] : relevant(q, i)}| / k.
    ///
    /// - Parameters:
    ///   - rankings: per query, database indices best first (the query itself already excluded).
    ///   - ks: the cut-offs.
    ///   - relevant: whether database index `i` is relevant to query `q`.
    /// - Returns: one mean per k, in the order of `ks` (zeros without queries).
    public static func meanPrecision(rankings: [[Int]], ks: [Int], relevant: (_ q: Int, _ i: Int) -> Bool) -> [Double] {
        guard !rankings.isEmpty else { return ks.map { _ in 0 } }
        return ks.map { k in
            guard k > 0 else { return 0 }
            let sum = rankings.enumerated().reduce(0.0) { total, entry in
                total + Double(entry.element.prefix(k).filter { relevant(entry.offset, $0) }.count) / Double(k)
            }
            return sum / Double(rankings.count)
        }
    }

    /// Expected AP@k of a random ranking when a share `p` of the candidates is relevant (large database):
    /// the sum over i <= k of P(relevant at i) * E[precision@i | relevant at i] = p (1 + (i - 1) p) / i, over k.
    public static func chanceAveragePrecision(share p: Double, k: Int) -> Double {
        guard k > 0 else { return 0 }
        var sum = 0.0
        for i in 1...k { sum += p * (1 + Double(i - 1) * p) / Double(i) }
        return sum / Double(k)
    }

    /// Harmonic mean of precision and recall (0 when both are 0).
    public static func f1(_ precision: Double, _ recall: Double) -> Double {
        precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }
}
