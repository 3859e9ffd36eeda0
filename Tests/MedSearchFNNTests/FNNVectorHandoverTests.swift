import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

/// Signed feature-like records (negative coordinates exercise the `x + M` offset of the Paillier packing).
private func signedRecords(count: Int, dimension: Int, maxAbs: Int64,
                           using generator: inout SeededRandomNumberGenerator) -> [FNNRecordInput] {
    let centre = (0..<dimension).map { _ in Int64.random(in: -maxAbs / 2...maxAbs / 2, using: &generator) }
    return (0..<count).map { index in
        let vector = centre.map { value in
            min(maxAbs, max(-maxAbs, value + Int64.random(in: -maxAbs / 3...maxAbs / 3, using: &generator)))
        }
        // Extremes appear in every record so both ends of the range are handed over.
        var withExtremes = vector
        withExtremes[index % dimension] = index % 2 == 0 ? maxAbs : -maxAbs
        return FNNRecordInput(id: UInt64(100 + index * 7), vector: withExtremes, label: "signed-\(index)")
    }
}

@Suite("FNN masked hand-over of the winners' vectors (in process)")
struct FNNVectorHandoverTests {
    @Test("the user recovers the stored vectors of the plaintext top-k", arguments: FNNBackend.allCases)
    func recoversVectors(backend: FNNBackend) throws {
        var generator = seededGenerator(61)
        // d = 23 with a 512-bit key: several packed groups and a partial last one for Paillier.
        let records = signedRecords(count: 18, dimension: 23, maxAbs: 1000, using: &generator)
        var deployment = try FNNTestDeployment(backend: backend, records: records, dimension: 23, maxAbs: 1000, poolSize: 6)
        for (index, k) in [1, 3, 5].enumerated() {
            let query = records[index * 4].vector.map { max(-1000, $0 - Int64(index)) }
            let report = try deployment.search(query, k: k, batchSize: index + 1, seed: UInt64(index + 1),
                                               recoverVectors: true)
            let expected = deployment.expected(query, k: k)
            #expect(report.hits.map(\.neighbor) == expected)
            for (hit, neighbor) in zip(report.hits, expected) {
                #expect(hit.vector != nil)
                #expect(hit.vector == deployment.vector(of: neighbor.id))
            }
        }
    }

    @Test("without the request no vector is handed over", arguments: FNNBackend.allCases)
    func optional(backend: FNNBackend) throws {
        var generator = seededGenerator(62)
        let records = randomRecords(count: 10, dimension: 7, using: &generator)
        var deployment = try FNNTestDeployment(backend: backend, records: records, dimension: 7, poolSize: 2)
        let report = try deployment.search(records[2].vector, k: 2)
        #expect(report.hits.map(\.neighbor) == deployment.expected(records[2].vector, k: 2))
        #expect(report.hits.allSatisfy { $0.vector == nil })
        #expect(report.result.entries.allSatisfy { $0.vectorMaskSeed.isEmpty })
    }

    /// Runs a search step by step through the wire formats, returning C1's result and C2's hand-over.
    private func wireSearch(_ deployment: inout FNNTestDeployment, query: [Int64], k: Int,
                            generator: inout SeededRandomNumberGenerator) throws -> (FNNC1Result, FNNC2Handover) {
        let pk = deployment.owner.keys.paillierSecretKey?.publicKey
        let prepared = try deployment.user.prepareQuery(query, k: k, recoverVectors: true, using: &generator)
        let forC1 = try FNNQueryForC1(serialized: prepared.forC1.serialized(context: pk), context: pk)
        #expect(forC1 == prepared.forC1 && forC1.wantsVectors)
        let entry = deployment.owner.parameters.backend == .shared ? try deployment.c1.takeEntry() : nil
        var c1 = try FNNC1Search(database: deployment.c1, query: forC1, entry: entry, batchSize: 2)
        var message = try FNNC1Message(serialized: (try c1.start()).serialized(context: pk), context: pk)
        var (c2, reply) = try FNNC2Search.start(database: &deployment.c2, message: message, userShare: prepared.forC2)
        while true {
            switch try c1.handle(try FNNC2Message(serialized: reply.serialized(context: pk), context: pk)) {
            case let .send(next):
                message = try FNNC1Message(serialized: next.serialized(context: pk), context: pk)
                #expect(message == next)
                if case let .finish(_, _, vectors) = next { #expect(vectors != .none) }
                reply = try c2.handle(message)
            case let .finished(done):
                let result = try FNNC1Result(serialized: done.serialized())
                #expect(result == done)
                let handover = try FNNC2Handover(serialized: c2.handover!.serialized())
                #expect(handover == c2.handover!)
                return (result, handover)
            }
        }
    }

    @Test("the hand-over survives the wire; C2's values are fresh per query; a wrong mask is refused",
          arguments: FNNBackend.allCases)
    func wireAndMasks(backend: FNNBackend) throws {
        var generator = seededGenerator(63)
        let records = randomRecords(count: 12, dimension: 40, using: &generator)
        var deployment = try FNNTestDeployment(backend: backend, records: records, dimension: 40, poolSize: 4)
        let query = records[5].vector
        let (result1, handover1) = try wireSearch(&deployment, query: query, k: 2, generator: &generator)
        let (result2, handover2) = try wireSearch(&deployment, query: query, k: 2, generator: &generator)
        let hits1 = try deployment.user.open(result: result1, handover: handover1)
        let hits2 = try deployment.user.open(result: result2, handover: handover2)
        let expected = deployment.expected(query, k: 2)
        #expect(hits1.map(\.neighbor) == expected && hits2.map(\.neighbor) == expected)
        #expect(hits1.map(\.vector) == expected.map { deployment.vector(of: $0.id) })
        #expect(hits2.map(\.vector) == hits1.map(\.vector))
        // What C2 keeps for the user is masked afresh every time: the same winner gives unrelated values.
        #expect(handover1.vectors != handover2.vectors)
        switch handover1.vectors {
        case let .shared(rows)?:
            // Not the vector itself (a one-time pad over Z/2^64).
            #expect(rows[0] != hits1[0].vector!.map { UInt64(bitPattern: $0) })
        case let .paillier(rows)?:
            let pk = deployment.owner.keys.paillierSecretKey!.publicKey
            let layout = try FNNPaillierLayout(parameters: deployment.owner.parameters, keyBits: pk.bits)
            let packed = FNNPaillierOwnerHelpers.packedOffsetVector(hits1[0].vector!, layout: layout,
                                                                   offset: deployment.owner.parameters.maxAbsCoordinate)
            #expect(rows[0].count == packed.count && rows[0] != packed)
        case nil:
            Issue.record("no vectors handed over")
        }
        // A wrong mask seed (the other query's) or a missing vector section is a typed error, never a wrong vector.
        var swapped = result1
        swapped.entries[0].vectorMaskSeed = result2.entries[0].vectorMaskSeed
        #expect(throws: FNNError.self) { try deployment.user.open(result: swapped, handover: handover1) }
        var stripped = handover1
        stripped.vectors = nil
        #expect(throws: FNNError.self) { try deployment.user.open(result: result1, handover: stripped) }
        // Truncated hand-overs are refused.
        let bytes = handover1.serialized()
        #expect(throws: WireError.self) { try FNNC2Handover(serialized: Array(bytes.dropLast())) }
    }

    @Test("C2 refuses masked vectors of the wrong shape")
    func c2ChecksShape() throws {
        var generator = seededGenerator(64)
        let records = randomRecords(count: 6, dimension: 5, using: &generator)
        var deployment = try FNNTestDeployment(backend: .shared, records: records, dimension: 5, poolSize: 2)
        let prepared = try deployment.user.prepareQuery(records[0].vector, k: 1, recoverVectors: true, using: &generator)
        var c1 = try FNNC1Search(database: deployment.c1, query: prepared.forC1, entry: try deployment.c1.takeEntry(),
                                 batchSize: 8)
        var (c2, reply) = try FNNC2Search.start(database: &deployment.c2, message: try c1.start(), userShare: prepared.forC2)
        while true {
            guard case let .send(next) = try c1.handle(reply) else { Issue.record("finished early"); return }
            if case let .finish(id, masked, .shared(rows)) = next {
                var bad = c2
                #expect(throws: FNNError.self) {
                    try bad.handle(.finish(queryID: id, masked: masked, vectors: .shared([Array(rows[0].dropLast())])))
                }
                #expect(throws: FNNError.self) { try bad.handle(.finish(queryID: id, masked: masked, vectors: .paillier([[]]))) }
                _ = try c2.handle(next)
                #expect(c2.handover?.vectors?.count == 1)
                return
            }
            reply = try c2.handle(next)
        }
    }
}
