import MedSearchCore
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

@Suite("FNN wire formats")
struct FNNWireTests {
    @Test("every message of a shared search survives the wire and bad bytes are refused")
    func sharedRoundTrip() throws {
        var generator = seededGenerator(41)
        var deployment = try FNNTestDeployment(backend: .shared, randomRecords: 12, dimension: 6, poolSize: 2,
                                               using: &generator)
        let prepared = try deployment.user.prepareQuery(deployment.records[1].vector, k: 2, using: &generator)
        #expect(try FNNQueryForC1(serialized: prepared.forC1.serialized(context: nil), context: nil) == prepared.forC1)
        #expect(try FNNQueryForC2(serialized: prepared.forC2!.serialized()) == prepared.forC2!)
        // Drive the search through encode/decode at every hop.
        let entry = try deployment.c1.takeEntry()
        var c1 = try FNNC1Search(database: deployment.c1, query: prepared.forC1, entry: entry, batchSize: 2)
        var message = try FNNC1Message(serialized: (try c1.start()).serialized(context: nil), context: nil)
        var (c2, reply) = try FNNC2Search.start(database: &deployment.c2, message: message, userShare: prepared.forC2)
        var result: FNNC1Result?
        while result == nil {
            let decodedReply = try FNNC2Message(serialized: reply.serialized(context: nil), context: nil)
            #expect(decodedReply == reply)
            switch try c1.handle(decodedReply) {
            case let .send(next):
                message = try FNNC1Message(serialized: next.serialized(context: nil), context: nil)
                #expect(message == next)
                reply = try c2.handle(message)
            case let .finished(done):
                result = try FNNC1Result(serialized: done.serialized())
            }
        }
        let handover = try FNNC2Handover(serialized: c2.handover!.serialized())
        let hits = try deployment.user.open(result: result!, handover: handover)
        #expect(hits.map(\.neighbor) == deployment.expected(deployment.records[1].vector, k: 2))
        // Truncation, foreign tags and trailing bytes are typed errors.
        let bytes = result!.serialized()
        #expect(throws: WireError.self) { try FNNC1Result(serialized: Array(bytes.dropLast())) }
        #expect(throws: WireError.self) { try FNNC1Result(serialized: bytes + [0]) }
        #expect(throws: WireError.self) { try FNNC2Handover(serialized: bytes) }
        #expect(throws: WireError.self) { try FNNC1Message(serialized: [1, 2, 3], context: nil) }
    }

    @Test("records, pools, set-ups and keys round-trip for both back ends")
    func keysAndRecords() throws {
        var generator = seededGenerator(42)
        let records = randomRecords(count: 3, dimension: 4, using: &generator)
        for backend in FNNBackend.allCases {
            let deployment = try FNNTestDeployment(backend: backend, records: records, dimension: 4, poolSize: 2)
            let owner = deployment.owner
            let pk = owner.keys.paillierSecretKey?.publicKey
            let encoded = try owner.encode(records)
            let decoded = try FNNRecordBatch(serialized: FNNRecordBatch(encoded).serialized(context: pk), context: pk).records
            #expect(decoded.map(\.id) == encoded.map(\.id))
            #expect(decoded.map(\.payload) == encoded.map(\.payload))
            let c1Setup = try FNNC1Setup(serialized: owner.c1Setup.serialized())
            #expect(c1Setup.parameters == owner.parameters && c1Setup.publicKey == pk)
            let c2Setup = try FNNC2Setup(serialized: owner.c2Setup.serialized())
            #expect(c2Setup.rowMaskKey == owner.c2Setup.rowMaskKey && c2Setup.secretKey == owner.c2Setup.secretKey)
            let user = try FNNUserCredentials(serialized: owner.userCredentials.serialized())
            #expect(user.labelKey == owner.keys.labelKey && user.randomizerBase == owner.keys.randomizerBase)
            let keys = try FNNOwnerKeys(serialized: owner.keys.serialized())
            #expect(keys.sharedMaster == owner.keys.sharedMaster && keys.paillierSecretKey == owner.keys.paillierSecretKey)
            if backend == .shared {
                let seeds = try owner.poolSeedsForC1(entries: 0..<2)
                #expect(try FNNPoolSeeds(serialized: FNNPoolSeeds(seeds).serialized()).seeds == seeds)
                let pool = try owner.poolForC2(entries: 0..<2, records: records)
                #expect(try FNNSharedPoolC2(serialized: pool.serialized()) == pool)
            }
            #expect(try FNNRecordIDs(serialized: FNNRecordIDs([3, 1, 2]).serialized()).ids == [3, 1, 2])
        }
    }

    @Test("messages out of order and for other queries are refused")
    func outOfOrder() throws {
        var generator = seededGenerator(43)
        var deployment = try FNNTestDeployment(backend: .shared, randomRecords: 6, dimension: 3, poolSize: 3,
                                               using: &generator)
        let prepared = try deployment.user.prepareQuery(deployment.records[0].vector, k: 1, using: &generator)
        var c1 = try FNNC1Search(database: deployment.c1, query: prepared.forC1, entry: try deployment.c1.takeEntry())
        let start = try c1.start()
        #expect(throws: FNNError.self) { try c1.handle(.done(queryID: prepared.forC1.queryID, winners: [0])) }
        // C2 refuses a start without the user's share, and a second use of the same entry.
        var c2Database = deployment.c2
        #expect(throws: FNNError.self) { try FNNC2Search.start(database: &c2Database, message: start, userShare: nil) }
        _ = try FNNC2Search.start(database: &c2Database, message: start, userShare: prepared.forC2)
        #expect(throws: FNNError.self) {
            try FNNC2Search.start(database: &c2Database, message: start, userShare: prepared.forC2)
        }
    }
}
