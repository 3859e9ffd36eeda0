import MedSearchCore
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

@Suite("FNN shared back end (in process)")
struct FNNSharedBackendTests {
    @Test("top-k equals plaintext exact search for k, order and batch size", arguments: [1, 3, 8])
    func matchesPlaintext(k: Int) throws {
        var generator = seededGenerator(21)
        let records = randomRecords(count: 60, dimension: 24, using: &generator)
        var deployment = try FNNTestDeployment(backend: .shared, records: records, dimension: 24, poolSize: 12)
        var queryIndex = 0
        for order in FNNScanOrder.allCases {
            for batchSize in [1, 5] {
                // Queries: a stored vector (distance 0, duplicates tie by id) and perturbed ones.
                let base = records[(queryIndex * 13) % records.count].vector
                let query = queryIndex % 2 == 0 ? base : base.map { min(255, max(0, $0 + Int64(queryIndex) - 2)) }
                queryIndex += 1
                let report = try deployment.search(query, k: k, batchSize: batchSize, order: order, seed: UInt64(queryIndex))
                #expect(report.hits.map(\.neighbor) == deployment.expected(query, k: k))
                #expect(report.hits.allSatisfy { $0.label.hasSuffix("\($0.id)") })
                #expect(report.result.rejected >= 0 && report.result.rejected < records.count)
            }
        }
    }

    /// Searches record `queryIndex` of `count` random records from `seededGenerator(seed)` and expects the
    /// plaintext answer.
    func searchRecord(_ queryIndex: Int, of count: Int, dimension: Int, poolSize: UInt64, k: Int,
                      seed: UInt64) throws -> FNNInProcess.Report {
        var generator = seededGenerator(seed)
        var deployment = try FNNTestDeployment(backend: .shared, randomRecords: count, dimension: dimension,
                                               poolSize: poolSize, using: &generator)
        let query = deployment.records[queryIndex].vector
        let report = try deployment.search(query, k: k)
        #expect(report.hits.map(\.neighbor) == deployment.expected(query, k: k))
        return report
    }

    @Test("the lower bound rejects candidates on clustered data")
    func rejects() throws {
        let report = try searchRecord(3, of: 80, dimension: 16, poolSize: 2, k: 1, seed: 22)
        #expect(report.result.rejected > 0)
    }

    @Test("records are added and deleted without rebuilding")
    func addAndDelete() throws {
        var generator = seededGenerator(23)
        let all = randomRecords(count: 40, dimension: 12, using: &generator)
        let initial = Array(all.prefix(30)), later = Array(all.suffix(10))
        var deployment = try FNNTestDeployment(backend: .shared, records: initial, dimension: 12, poolSize: 6)
        // Add: C1 gets the new encrypted records, C2 the rows of the still-unused entries for them.
        try deployment.c1.add(deployment.owner.encode(later))
        let unused = deployment.c1.unusedEntries
        try deployment.c2.addPool(deployment.owner.poolForC2(entries: unused.first!..<(unused.last! + 1), records: later))
        deployment.records = all
        let query = later[2].vector
        #expect(try deployment.search(query, k: 4).hits.map(\.neighbor) == deployment.expected(query, k: 4))
        // Delete: the deleted record never comes back.
        let victim = deployment.expected(query, k: 1)[0].id
        try deployment.c1.delete([victim])
        deployment.c2.deleteRecords([victim])
        deployment.records.removeAll { $0.id == victim }
        let after = try deployment.search(query, k: 4)
        #expect(after.hits.map(\.neighbor) == deployment.expected(query, k: 4))
        #expect(!after.hits.contains { $0.id == victim })
        #expect(throws: FNNError.unknownRecord(victim)) { try deployment.c1.delete([victim]) }
        #expect(throws: FNNError.duplicateRecord(later[0].id)) { try deployment.c1.add(deployment.owner.encode([later[0]])) }
    }

    @Test("each query consumes one correlation entry; an exhausted pool is an error")
    func poolExhaustion() throws {
        var generator = seededGenerator(24)
        let records = randomRecords(count: 10, dimension: 4, using: &generator)
        var deployment = try FNNTestDeployment(backend: .shared, records: records, dimension: 4, poolSize: 2)
        _ = try deployment.search(records[0].vector, k: 2)
        _ = try deployment.search(records[1].vector, k: 2)
        #expect(throws: FNNError.correlationPoolExhausted) { try deployment.search(records[2].vector, k: 2) }
    }

    @Test("k larger than the database returns every record in order")
    func kAboveCount() throws {
        let report = try searchRecord(4, of: 5, dimension: 6, poolSize: 1, k: 9, seed: 25)
        #expect(report.hits.count == 5)
    }

    @Test("negative fixed-point coordinates work (features)")
    func negativeValues() throws {
        var generator = seededGenerator(26)
        let records = (0..<30).map { index in
            FNNRecordInput(id: UInt64(index), vector: (0..<10).map { _ in Int64.random(in: -4096...4096, using: &generator) },
                           label: "f\(index)")
        }
        var deployment = try FNNTestDeployment(backend: .shared, records: records, dimension: 10, maxAbs: 4096, poolSize: 3)
        for k in [1, 5] {
            let query = (0..<10).map { _ in Int64.random(in: -4096...4096, using: &generator) }
            #expect(try deployment.search(query, k: k, batchSize: 3).hits.map(\.neighbor) == deployment.expected(query, k: k))
        }
    }
}
