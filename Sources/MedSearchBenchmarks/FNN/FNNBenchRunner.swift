import Foundation
import MedSearchCore
import MedSearchFNN

/// One row of the reproduced tables.
public struct FNNBenchRow: Codable, Equatable, Sendable {
    public var backend: String
    public var n: Int
    public var dimension: Int
    public var side: Int
    public var k: Int
    public var queries: Int
    public var roundsPerQuery: Int
    public var warmup: Bool
    /// Owner encoding / encryption of the database, seconds.
    public var uploadSeconds: Double
    /// Owner's correlation pool for this run (shared back end), seconds.
    public var poolSeconds: Double
    /// User's query preparation (median), seconds.
    public var queryPreparationSeconds: Double
    /// Lower-bound pass (median), milliseconds — the paper's "LB time".
    public var lowerBoundMilliseconds: Double
    /// Records rejected by the bound / n, mean over queries.
    public var rejectRatio: Double
    /// Search time (median over rounds, mean over queries), seconds.
    public var searchSeconds: Double
    /// searchSeconds / n.
    public var searchSecondsPerRecord: Double
    /// C1-C2 messages per search (mean).
    public var rounds: Double
    /// Every answer equalled plaintext exact top-k.
    public var exact: Bool
    /// Plaintext exact search time in the same run (median), seconds.
    public var plaintextSeconds: Double
    /// The paper's search time for this n on 256x256 CT images (Table II), seconds, when n is in the table.
    public var paperSearchSeconds: Double?
    /// The paper's time per record (53.8 s at 256x256) scaled to this run's dimension, seconds.
    public var paperSecondsPerRecord: Double?
    /// paperSecondsPerRecord / searchSecondsPerRecord.
    public var speedupVersusPaper: Double?
    /// searchSecondsPerRecord scaled linearly to d = 65,536 (256x256), for runs at another side.
    public var secondsPerRecordAt256: Double?
    /// The paper's reject ratio for this n (Table II), when n is in the table.
    public var paperRejectRatio: Double?
    /// Whether the winners' vectors were recovered through the masked hand-over (and included in searchSeconds).
    public var vectorsRequested: Bool = false
    /// Every recovered vector equalled the stored vector of its record (nil when not requested).
    public var vectorsEqualStored: Bool?
    /// The final hand-over step (C1 masking, C2 decrypting the masked winners), median, seconds.
    public var handoverSeconds: Double = 0

    /// One console line.
    public var summary: String {
        "\(backend) n=\(n) d=\(dimension): " + String(format: "LB %.1f ms, reject %.1f %%, search %.3f s (%.4f s/record)",
            lowerBoundMilliseconds, 100 * rejectRatio, searchSeconds, searchSecondsPerRecord)
            + (speedupVersusPaper.map { String(format: ", %.1fx the paper", $0) } ?? "") + ", exact \(exact ? "yes" : "NO")"
            + (vectorsEqualStored.map { String(format: ", hand-over %.3f s, vectors ", handoverSeconds) + ($0 ? "equal stored" : "DIFFER") } ?? "")
    }
}

/// Builds in-process deployments and times searches.
enum FNNBenchRunner {
    static let featureMaxAbs: Int64 = 1 << 16
    /// Table II of the paper (256x256): n -> (search hours, reject ratio).
    static let paperTable: [Int: (hours: Double, reject: Double)] = [
        100: (1.78, 0.31), 200: (3.54, 0.31), 300: (4.95, 0.357), 400: (6.33, 0.383), 500: (7.47, 0.424),
    ]

    static func median(_ values: [Double]) -> Double { SampleSummary.median(values) }

    /// Synthetic clustered feature vectors (fixed seed) in fixed point.
    static func syntheticFeatures(count: Int, dimension: Int) -> [FNNRecordInput] {
        var generator = SeededRandomNumberGenerator(seed: 0xFEA7)
        let centres = (0..<32).map { _ in (0..<dimension).map { _ in Int64.random(in: -20_000...20_000, using: &generator) } }
        return (0..<count).map { index in
            let centre = centres[Int.random(in: 0..<centres.count, using: &generator)]
            let vector = centre.map { max(-featureMaxAbs, min(featureMaxAbs, $0 + Int64.random(in: -8_000...8_000, using: &generator))) }
            return FNNRecordInput(id: UInt64(index + 1), vector: vector, label: "synthetic-\(index + 1)")
        }
    }

    static func run(backend: FNNBackend, records: [FNNRecordInput], queries: [[Int64]], k: Int, side: Int, rounds: Int,
                    warmup: Bool, batchSize: Int, paillierBits: Int, maxAbs: Int64,
                    recoverVectors: Bool = true, clock: any BenchClock = SystemBenchClock()) throws -> FNNBenchRow {
        func now() -> Double { Double(clock.wallNanoseconds()) / 1e9 }
        let dimension = records[0].vector.count
        let parameters = try FNNParameters(backend: backend, dimension: dimension, maxAbsCoordinate: maxAbs)
        let owner: FNNOwner
        if backend == .paillier && paillierBits < 2048 {
            var generator = SecureRandomGenerator()
            owner = try FNNOwner.generateInsecure(parameters: parameters, paillierBits: paillierBits, using: &generator)
        } else {
            owner = try FNNOwner.generate(parameters: parameters, paillierBits: paillierBits)
        }
        let user = try FNNUser(credentials: owner.userCredentials)
        var c1 = FNNC1Database(setup: owner.c1Setup)
        var c2 = try FNNC2Database(setup: owner.c2Setup)
        let label = "\(backend) n=\(records.count) upload"
        let progress = ProgressReporter(label: label, total: records.count)
        var start = now()
        try c1.add(owner.encode(records) { _ in progress.advance() })
        let uploadSeconds = (now() - start)
        let perQuery = rounds + (warmup ? 1 : 0)
        var poolSeconds = 0.0
        if backend == .shared {
            start = now()
            let entries = UInt64(queries.count * perQuery)
            try c1.addPool(owner.poolSeedsForC1(entries: 0..<entries))
            try c2.addPool(owner.poolForC2(entries: 0..<entries, records: records))
            poolSeconds = (now() - start)
        }
        let pairs = records.map { ($0.id, $0.vector) }
        var exact = true
        var vectorsEqual = true
        let storedVectors = Dictionary(uniqueKeysWithValues: pairs)
        var handovers: [Double] = []
        var lowerBounds: [Double] = [], searches: [Double] = [], prepares: [Double] = [], plains: [Double] = []
        var rejects: [Double] = [], messageCounts: [Double] = []
        let searchProgress = ProgressReporter(label: "\(backend) n=\(records.count) search", total: queries.count * perQuery)
        for query in queries {
            var plainTimes: [Double] = []
            var expected: [FNNNeighbor] = []
            for _ in 0..<max(rounds, 1) {
                start = now()
                expected = FNNPlaintextSearch.topK(query: query, records: pairs, k: k)
                plainTimes.append((now() - start))
            }
            plains.append(median(plainTimes))
            var queryLB: [Double] = [], querySearch: [Double] = [], queryPrepare: [Double] = []
            for round in 0..<perQuery {
                start = now()
                let prepared = try user.prepareQuery(query, k: k, recoverVectors: recoverVectors)
                let prepareSeconds = (now() - start)
                let report = try FNNInProcess.search(prepared, user: user, c1: &c1, c2: &c2, batchSize: batchSize)
                searchProgress.advance()
                if report.hits.map(\.neighbor) != expected { exact = false }
                if recoverVectors, !report.hits.allSatisfy({ $0.vector != nil && $0.vector == storedVectors[$0.id] }) {
                    vectorsEqual = false
                }
                if warmup && round == 0 { continue }
                queryLB.append(report.lowerBoundSeconds)
                querySearch.append(report.searchSeconds)
                handovers.append(report.handoverSeconds)
                queryPrepare.append(prepareSeconds)
                rejects.append(report.result.rejectRatio)
                messageCounts.append(Double(report.rounds))
            }
            lowerBounds.append(median(queryLB))
            searches.append(median(querySearch))
            prepares.append(median(queryPrepare))
        }
        let mean = { (values: [Double]) in values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        let n = records.count
        let searchSeconds = mean(searches)
        let perRecord = searchSeconds / Double(n)
        var paperPerRecord: Double?
        if side > 0 {
            // 7.47 h / 500 records at d = 65,536, linear in d.
            paperPerRecord = 7.47 * 3600 / 500 * Double(dimension) / 65_536
        }
        return FNNBenchRow(backend: backend.rawValue, n: n, dimension: dimension, side: side, k: k, queries: queries.count,
                           roundsPerQuery: rounds, warmup: warmup, uploadSeconds: uploadSeconds, poolSeconds: poolSeconds,
                           queryPreparationSeconds: mean(prepares), lowerBoundMilliseconds: 1000 * mean(lowerBounds),
                           rejectRatio: mean(rejects), searchSeconds: searchSeconds, searchSecondsPerRecord: perRecord,
                           rounds: mean(messageCounts), exact: exact, plaintextSeconds: mean(plains),
                           paperSearchSeconds: side == 256 ? paperTable[n].map { $0.hours * 3600 } : nil,
                           paperSecondsPerRecord: paperPerRecord,
                           speedupVersusPaper: paperPerRecord.map { $0 / max(perRecord, 1e-12) },
                           secondsPerRecordAt256: side > 0 ? perRecord * 65_536 / Double(dimension) : nil,
                           paperRejectRatio: side == 256 ? paperTable[n]?.reject : nil,
                           vectorsRequested: recoverVectors, vectorsEqualStored: recoverVectors ? vectorsEqual : nil,
                           handoverSeconds: median(handovers))
    }
}
