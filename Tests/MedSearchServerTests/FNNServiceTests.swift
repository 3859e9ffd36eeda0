import Foundation
import Hummingbird
import Logging
import MedSearchCore
import MedSearchFNN
@testable import MedSearchServer
import MedSearchStore
import MedSearchTransport
import Testing
import _MedSearchTestSupport

/// C1 reaching C2 in process (router-level test of C1, no socket between the servers).
private struct InProcessPeer: FNNC1Service.PeerTransport {
    let node: FNNC2Service.Node
    func exchange(_ body: [UInt8]) async throws -> [UInt8] { try await FNNC2Service.exchange(body: body, node: node) }
}

/// An owner with an insecure 512-bit Paillier key generated from `seed` (fast; tests only).
private func insecureOwner(_ backend: FNNBackend, dimension: Int, seed: UInt64) throws -> FNNOwner {
    var generator = SeededRandomNumberGenerator(seed: seed)
    let parameters = try FNNParameters(backend: backend, dimension: dimension, maxAbsCoordinate: 255)
    return try FNNOwner.generateInsecure(parameters: parameters, paillierBits: 512, using: &generator)
}

private func records(count: Int, dimension: Int, seed: UInt64) -> [FNNRecordInput] {
    var generator = SeededRandomNumberGenerator(seed: seed)
    let centre = (0..<dimension).map { _ in Int64.random(in: 40...200, using: &generator) }
    return (0..<count).map { index in
        FNNRecordInput(id: UInt64(index + 1),
                       vector: centre.map { $0 + Int64.random(in: -40...40, using: &generator) },
                       label: "image-\(index + 1).png")
    }
}

@Suite struct FNNServiceTests {
    /// Runs C2 and C1 on free loopback ports (C1 talks to C2 over HTTP) while `body` uses them.
    func withServers(dataDirectory: URL, tokens: AccessTokens, byRole: [ServiceRole: String],
                     _ body: (String, String) async throws -> Void) async throws {
        let c2Node = try await FNNC2Service.Node(dataDirectory: dataDirectory.appendingPathComponent("c2"))
        let c2Router = FNNC2Service.router(node: c2Node, tokens: tokens)
        let configuration = ServiceConfiguration(dataDirectory: dataDirectory, tokens: tokens)
        let (urls, continuation) = AsyncStream<String>.makeStream()
        let c2App = ServiceRunner.makeApplication(router: c2Router, configuration: configuration,
                                                  logger: Logger(label: "fnn-c2")) { continuation.yield("c2 " + $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await c2App.run() }
            var iterator = urls.makeAsyncIterator()
            let c2URL = String(try #require(await iterator.next()).dropFirst(3))
            let c1Node = try await FNNC1Service.Node(dataDirectory: dataDirectory.appendingPathComponent("c1"), batchSize: 2,
                                               order: .lowerBound)
            let peer = FNNHTTPPeer(client: ServiceClient(baseURL: c2URL, token: byRole[.fnnC1]!))
            let c1App = ServiceRunner.makeApplication(router: FNNC1Service.router(node: c1Node, peer: peer, tokens: tokens),
                                                      configuration: configuration,
                                                      logger: Logger(label: "fnn-c1")) { continuation.yield("c1 " + $0) }
            group.addTask { try await c1App.run() }
            let c1URL = String(try #require(await iterator.next()).dropFirst(3))
            try await body(c1URL, c2URL)
            group.cancelAll()
        }
    }

    @Test func liveSharedSearchMatchesPlaintextAndSurvivesRestart() async throws {
        try await withTemporaryDirectory("fnn-live") { directory in
            let (tokens, byRole) = AccessTokens.issue(roles: [.owner, .user, .fnnC1])
            let owner = try insecureOwner(.shared, dimension: 16, seed: 5)
            let user = try FNNUser(credentials: owner.userCredentials)
            let data = records(count: 25, dimension: 16, seed: 6)

            func query(_ c1URL: String, _ c2URL: String, _ vector: [Int64], k: Int, vectors: Bool = false) async throws -> [FNNSearchHit] {
                let c1 = ServiceClient(baseURL: c1URL, token: byRole[.user]!), c2 = ServiceClient(baseURL: c2URL, token: byRole[.user]!)
                let prepared = try user.prepareQuery(vector, k: k, recoverVectors: vectors)
                _ = try await c2.call(Routes.FNNC2.share, body: prepared.forC2!.serialized())
                let result = try FNNC1Result(serialized: try await c1.call(Routes.FNNC1.query, body: prepared.forC1.serialized(context: nil)))
                let handover = try FNNC2Handover(serialized: try await c2.call(Routes.FNNC2.handover, prepared.forC1.queryID.description))
                return try user.open(result: result, handover: handover)
            }

            try await withServers(dataDirectory: directory, tokens: tokens, byRole: byRole) { c1URL, c2URL in
                let c1 = ServiceClient(baseURL: c1URL, token: byRole[.owner]!), c2 = ServiceClient(baseURL: c2URL, token: byRole[.owner]!)
                _ = try await c1.call(Routes.FNNC1.setup, body: owner.c1Setup.serialized())
                _ = try await c2.call(Routes.FNNC2.setup, body: owner.c2Setup.serialized())
                _ = try await c1.call(Routes.FNNC1.addRecords, body: FNNRecordBatch(try owner.encode(data)).serialized(context: nil))
                _ = try await c2.call(Routes.FNNC2.pool, body: (try owner.poolForC2(entries: 0..<3, records: data)).serialized())
                _ = try await c1.call(Routes.FNNC1.pool, body: FNNPoolSeeds(try owner.poolSeedsForC1(entries: 0..<3)).serialized())
                let hits = try await query(c1URL, c2URL, data[4].vector, k: 3, vectors: true)
                #expect(hits.map(\.neighbor) == FNNPlaintextSearch.topK(query: data[4].vector, records: data.map { ($0.id, $0.vector) }, k: 3))
                #expect(hits.first?.label == "image-5.png")
                // The masked hand-over gives the user the stored vectors of the winners.
                #expect(hits.map(\.vector) == hits.map { hit in data.first { $0.id == hit.id }?.vector })
                // Roles are enforced: a user may not talk to C2 as C1, nor upload.
                let userC2 = ServiceClient(baseURL: c2URL, token: byRole[.user]!)
                await #expect(throws: ServiceError.self) { try await userC2.call(Routes.FNNC2.exchange, body: [1, 2]) }
                let userC1 = ServiceClient(baseURL: c1URL, token: byRole[.user]!)
                await #expect(throws: ServiceError.self) { try await userC1.call(Routes.FNNC1.addRecords, body: [1]) }
                // Garbage is a 400, not a crash.
                do {
                    _ = try await c1.call(Routes.FNNC1.addRecords, body: [9, 9, 9])
                    Issue.record("garbage accepted")
                } catch {
                    guard case let .http(status, _)? = error as? ServiceError else { throw error }
                    #expect(status == 400)
                }
            }
            // Restart: both servers reopen their SQLite state; consumed entries stay consumed.
            try await withServers(dataDirectory: directory, tokens: tokens, byRole: byRole) { c1URL, c2URL in
                let hits = try await query(c1URL, c2URL, data[9].vector, k: 2)
                #expect(hits.map(\.neighbor) == FNNPlaintextSearch.topK(query: data[9].vector, records: data.map { ($0.id, $0.vector) }, k: 2))
                #expect(hits.allSatisfy { $0.vector == nil })
                let c1 = ServiceClient(baseURL: c1URL, token: byRole[.owner]!)
                let status = try await c1.call(Routes.FNNC1.status, as: FNNServerStatus.self)
                #expect(status.records == 25 && status.unusedEntries == [2])
            }
        }
    }

    /// A C1 whose set-up and records were stored by a build that wrote FNN format version 1 (tag `"FNNM"`, a kind
    /// byte, the same body) restores them, and the owner re-sending the same set-up and records in version 2 is
    /// not a conflict; a different set-up still is.
    @Test func setUpAndRecordsStoredInVersion1MatchAfterAnUpgrade() async throws {
        var generator = SeededRandomNumberGenerator(seed: 12)
        let parameters = try FNNParameters(backend: .paillier, dimension: 4, maxAbsCoordinate: 255)
        let owner = try FNNOwner.generateInsecure(parameters: parameters, paillierBits: 512, using: &generator)
        let pk = owner.keys.paillierSecretKey?.publicKey
        let encoded = try owner.encode(records(count: 5, dimension: 4, seed: 13))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fnn-v1-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func version1(_ bytes: [UInt8], kind: UInt8) -> [UInt8] { Array("FNNM".utf8) + [1, 0, kind] + bytes.dropFirst(6) }
        do {
            let earlier = try await FNNC1Service.Node(dataDirectory: directory, batchSize: 1, order: .sequential)
            _ = try await earlier.store.saveSetup(version1(owner.c1Setup.serialized(), kind: 10))
            _ = try await earlier.store.insertRecords(encoded.map {
                FNNC1Store.Record(id: $0.id, payload: version1(FNNRecordBatch([$0]).serialized(context: pk), kind: 7))
            })
        }
        let node = try await FNNC1Service.Node(dataDirectory: directory, batchSize: 1, order: .sequential)
        #expect(try await node.configured().records.count == encoded.count)
        try await node.setup(owner.c1Setup.serialized())
        #expect(try await node.addRecords(FNNRecordBatch(encoded).serialized(context: pk)) == encoded.count)
        let other = try FNNOwner.generateInsecure(parameters: parameters, paillierBits: 512, using: &generator)
        await #expect(throws: StoreError.self) { try await node.setup(other.c1Setup.serialized()) }
    }

    @Test func routerLevelPaillierSearchWithDelete() async throws {
        let owner = try insecureOwner(.paillier, dimension: 6, seed: 8)
        let user = try FNNUser(credentials: owner.userCredentials)
        var data = records(count: 10, dimension: 6, seed: 9)
        let c2 = try await FNNC2Service.Node(dataDirectory: nil)
        let c1 = try await FNNC1Service.Node(dataDirectory: nil, batchSize: 1, order: .sequential)
        try await c2.setup(owner.c2Setup.serialized())
        try await c1.setup(owner.c1Setup.serialized())
        let pk = owner.keys.paillierSecretKey!.publicKey
        _ = try await c1.addRecords(FNNRecordBatch(try owner.encode(data)).serialized(context: pk))
        _ = try await c1.deleteRecords(FNNRecordIDs([data[0].id]).serialized())
        data.removeFirst()
        let prepared = try user.prepareQuery(data[2].vector, k: 2, recoverVectors: true)
        let result = try await FNNC1Service.runSearch(body: prepared.forC1.serialized(context: pk), node: c1,
                                                      peer: InProcessPeer(node: c2))
        let handover = try FNNC2Handover(serialized: try await c2.handover(prepared.forC1.queryID.description))
        let hits = try user.open(result: result, handover: handover)
        #expect(hits.map(\.neighbor) == FNNPlaintextSearch.topK(query: data[2].vector, records: data.map { ($0.id, $0.vector) }, k: 2))
        #expect(hits.map(\.vector) == hits.map { hit in data.first { $0.id == hit.id }?.vector })
        // The hand-over is delivered once.
        await #expect(throws: FNNError.self) { try await c2.handover(prepared.forC1.queryID.description) }
    }

    @Test func livePaillierSearchHandsOverVectors() async throws {
        try await withTemporaryDirectory("fnn-live-p") { directory in
            let (tokens, byRole) = AccessTokens.issue(roles: [.owner, .user, .fnnC1])
            // d = 30 with a 512-bit key: several packed groups per vector.
            let owner = try insecureOwner(.paillier, dimension: 30, seed: 11)
            let user = try FNNUser(credentials: owner.userCredentials)
            let pk = owner.keys.paillierSecretKey!.publicKey
            let data = records(count: 9, dimension: 30, seed: 12)
            try await withServers(dataDirectory: directory, tokens: tokens, byRole: byRole) { c1URL, c2URL in
                let ownerC1 = ServiceClient(baseURL: c1URL, token: byRole[.owner]!)
                let ownerC2 = ServiceClient(baseURL: c2URL, token: byRole[.owner]!)
                _ = try await ownerC1.call(Routes.FNNC1.setup, body: owner.c1Setup.serialized())
                _ = try await ownerC2.call(Routes.FNNC2.setup, body: owner.c2Setup.serialized())
                _ = try await ownerC1.call(Routes.FNNC1.addRecords, body: FNNRecordBatch(try owner.encode(data)).serialized(context: pk))
                let c1 = ServiceClient(baseURL: c1URL, token: byRole[.user]!), c2 = ServiceClient(baseURL: c2URL, token: byRole[.user]!)
                let query = data[6].vector.map { min(255, $0 + 1) }
                let prepared = try user.prepareQuery(query, k: 3, recoverVectors: true)
                let result = try FNNC1Result(serialized: try await c1.call(Routes.FNNC1.query, body: prepared.forC1.serialized(context: pk)))
                let handover = try FNNC2Handover(serialized: try await c2.call(Routes.FNNC2.handover, prepared.forC1.queryID.description))
                let hits = try user.open(result: result, handover: handover)
                #expect(hits.map(\.neighbor) == FNNPlaintextSearch.topK(query: query, records: data.map { ($0.id, $0.vector) }, k: 3))
                #expect(hits.allSatisfy { $0.vector != nil })
                #expect(hits.map(\.vector) == hits.map { hit in data.first { $0.id == hit.id }?.vector })
            }
        }
    }
}
