import MedSearchCore
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

@Suite("FNN plaintext building blocks")
struct FNNPlaintextTests {
    @Test("integer statistics match their definitions")
    func statistics() {
        let stats = FNNVectorStatistics([1, 2, 3, 4])
        #expect(stats.sum == 10)
        #expect(stats.sumOfSquares == 30)
        // V = 4 * 30 - 100 = 20, floor(sqrt(20)) = 4
        #expect(stats.deviationRoot == 4)
        #expect(FNNVectorStatistics.integerSquareRoot(UInt128(1) << 100) == UInt128(1) << 50)
        #expect(FNNVectorStatistics.integerSquareRoot((UInt128(1) << 100) - 1) == (UInt128(1) << 50) - 1)
    }

    @Test("the integer lower bound never exceeds d |x - q|^2")
    func lowerBoundIsSound() throws {
        var generator = seededGenerator(11)
        for dimension in [1, 2, 7, 64] {
            let parameters = try FNNParameters(backend: .shared, dimension: dimension, maxAbsCoordinate: 255)
            for _ in 0..<300 {
                let x = (0..<dimension).map { _ in Int64.random(in: -255...255, using: &generator) }
                let q = (0..<dimension).map { _ in Int64.random(in: -255...255, using: &generator) }
                let bound = FNNPlaintextSearch.lowerBound(FNNVectorStatistics(x), FNNVectorStatistics(q),
                                                          slack: parameters.slack)
                #expect(bound <= Int64(dimension) * FNNPlaintextSearch.squaredDistance(x, q))
            }
        }
    }

    @Test("the pruned plaintext scan equals the exact top-k and prunes something")
    func prunedScan() throws {
        var generator = seededGenerator(12)
        let records = randomRecords(count: 200, dimension: 32, using: &generator)
        let parameters = try FNNParameters(backend: .shared, dimension: 32, maxAbsCoordinate: 255)
        var totalRejected = 0
        for k in [1, 3, 10] {
            for order in FNNScanOrder.allCases {
                let query = records[Int.random(in: 0..<records.count, using: &generator)].vector.map { min(255, $0 + 3) }
                let pairs = records.map { ($0.id, $0.vector) }
                let (neighbors, rejected) = FNNPlaintextSearch.prunedTopK(query: query, records: pairs, k: k,
                                                                          parameters: parameters, order: order)
                #expect(neighbors == FNNPlaintextSearch.topK(query: query, records: pairs, k: k))
                totalRejected += rejected
            }
        }
        #expect(totalRejected > 0)
    }

    @Test("parameters refuse overflowing sizes and bad vectors")
    func parameterChecks() throws {
        #expect(throws: FNNError.self) { try FNNParameters(backend: .shared, dimension: 0, maxAbsCoordinate: 255) }
        #expect(throws: FNNError.self) {
            try FNNParameters(backend: .shared, dimension: 1 << 22, maxAbsCoordinate: 1 << 24)
        }
        let parameters = try FNNParameters(backend: .paillier, dimension: 3, maxAbsCoordinate: 10)
        #expect(throws: FNNError.dimensionMismatch(expected: 3, found: 2)) { try parameters.validate([1, 2]) }
        #expect(throws: FNNError.valueOutOfRange(index: 1, limit: 10)) { try parameters.validate([1, 11, 2]) }
        #expect(throws: Never.self) { try parameters.validate([-10, 10, 0]) }
    }

    @Test("the scheduler keeps the k smallest keys and rejects by bound")
    func scheduler() throws {
        // Bounds are 0, 10, 20, ... and distance keys bound + 5: after the first two, bounds above 15 are pruned.
        let bounds = (0..<10).map { UInt128($0 * 10) }
        var scheduler = try FNNCandidateScheduler(lowerBounds: bounds, k: 2, batchSize: 1, order: .lowerBound)
        var visited: [Int] = []
        while true {
            let batch = scheduler.nextBatch()
            if batch.isEmpty { break }
            visited += batch
            try scheduler.record(slots: batch, keys: batch.map { bounds[$0] + 5 })
        }
        #expect(visited == [0, 1])
        #expect(scheduler.winners == [0, 1])
        #expect(scheduler.rejected == 8)
        #expect(throws: FNNError.self) { try scheduler.record(slots: [3], keys: [1]) }
        #expect(throws: FNNError.self) { try FNNCandidateScheduler(lowerBounds: [], k: 1, batchSize: 1, order: .sequential) }
    }
}
