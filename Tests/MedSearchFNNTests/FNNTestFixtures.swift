import MedSearchCore
@testable import MedSearchFNN

/// A small deployment (owner, user, C1 and C2 state) built in process for the protocol tests.
struct FNNTestDeployment {
    var owner: FNNOwner
    var user: FNNUser
    var c1: FNNC1Database
    var c2: FNNC2Database
    var records: [FNNRecordInput]

    /// Builds a deployment; Paillier uses an insecure 512-bit key, the shared back end `poolSize` entries.
    init(backend: FNNBackend, records: [FNNRecordInput], dimension: Int, maxAbs: Int64 = 255, poolSize: UInt64 = 8,
         seed: UInt64 = 7) throws {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let parameters = try FNNParameters(backend: backend, dimension: dimension, maxAbsCoordinate: maxAbs)
        owner = try FNNOwner.generateInsecure(parameters: parameters, paillierBits: 512, using: &generator)
        user = try FNNUser(credentials: owner.userCredentials)
        c1 = FNNC1Database(setup: owner.c1Setup)
        c2 = try FNNC2Database(setup: owner.c2Setup)
        self.records = records
        try c1.add(owner.encode(records))
        if backend == .shared {
            try c1.addPool(owner.poolSeedsForC1(entries: 0..<poolSize))
            try c2.addPool(owner.poolForC2(entries: 0..<poolSize, records: records))
        }
    }

    /// Builds a deployment over `count` records from ``randomRecords(count:dimension:maxValue:using:)`` drawn
    /// from `generator` (which the test then goes on using).
    init(backend: FNNBackend, randomRecords count: Int, dimension: Int, poolSize: UInt64 = 8,
         using generator: inout SeededRandomNumberGenerator) throws {
        let records = MedSearchFNNTests.randomRecords(count: count, dimension: dimension, using: &generator)
        try self.init(backend: backend, records: records, dimension: dimension, poolSize: poolSize)
    }

    /// Runs one query in process.
    mutating func search(_ query: [Int64], k: Int, batchSize: Int = 1, order: FNNScanOrder = .lowerBound,
                         seed: UInt64 = 99, recoverVectors: Bool = false) throws -> FNNInProcess.Report {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let prepared = try user.prepareQuery(query, k: k, recoverVectors: recoverVectors, using: &generator)
        return try FNNInProcess.search(prepared, user: user, c1: &c1, c2: &c2, batchSize: batchSize, order: order)
    }

    /// The stored vector of a record.
    func vector(of id: UInt64) -> [Int64]? { records.first { $0.id == id }?.vector }

    /// The plaintext answer.
    func expected(_ query: [Int64], k: Int) -> [FNNNeighbor] {
        FNNPlaintextSearch.topK(query: query, records: records.map { ($0.id, $0.vector) }, k: k)
    }
}

/// Random records with clusters and exact duplicates (so ties by id occur).
func randomRecords(count: Int, dimension: Int, maxValue: Int64 = 255,
                   using generator: inout SeededRandomNumberGenerator) -> [FNNRecordInput] {
    var records = [FNNRecordInput]()
    var centres: [[Int64]] = (0..<3).map { _ in (0..<dimension).map { _ in Int64.random(in: 0...maxValue, using: &generator) } }
    centres.append([Int64](repeating: maxValue / 2, count: dimension))
    for index in 0..<count {
        let id = UInt64(index * 3 + 5)
        if index > 0, index % 7 == 0 {
            // An exact duplicate of the previous record under a different id.
            records.append(FNNRecordInput(id: id, vector: records[index - 1].vector, label: "dup-\(id)"))
            continue
        }
        let centre = centres[index % centres.count]
        let vector = centre.map { value in
            min(maxValue, max(0, value + Int64.random(in: -40...40, using: &generator)))
        }
        records.append(FNNRecordInput(id: id, vector: vector, label: "record-\(id)"))
    }
    return records
}
