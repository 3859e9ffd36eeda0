import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchFNN
import MedSearchSEI
@testable import MedSearchServer
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

/// A schema of the test PostgreSQL server for one test, dropped afterwards.
struct ReplicaDatabase {
    let schema = TestPostgres.uniqueSchema("replica")

    /// The URL every replica gets (through `MEDSEARCH_DATABASE_URL`, so the password stays out of `ps`).
    var url: String { TestPostgres.url(schema: schema) ?? "" }

    func drop() async {
        guard case let .postgres(location)? = try? StoreLocation(parsing: url),
              let database = try? await PostgresStoreDatabase.open(location, schema: StoreSchema(name: schema, migrations: [], tables: []))
        else { return }
        let name = schema
        _ = try? await database.write { tx in try tx.execute("DROP SCHEMA \(name) CASCADE") }
        await database.close()
    }

    /// Runs `body` with a new schema, then drops the schema whether `body` returned or threw.
    static func with<T>(_ body: (ReplicaDatabase) async throws -> T) async throws -> T {
        let database = ReplicaDatabase()
        return try await withCleanup { try await body(database) } cleanup: { await database.drop() }
    }
}

/// Two processes of the same role on one PostgreSQL serve the same data: real `medsearch serve ...` processes.
@Suite("Replicas on one PostgreSQL", .serialized,
       .enabled(if: TestPostgres.isConfigured, Comment(rawValue: TestPostgres.skipReason)), .needsMedsearchExecutable)
struct StoreReplicaTests {
    @Test func twoSEIServersServeOneIndex() async throws {
        let database = ReplicaDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-replicas-\(UUID().uuidString)")
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)),
                                    security: try .localTLS(in: directory))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (table, tokens) = AccessTokens.issue(roles: [.owner, .user])
        let tokenFile = directory.appendingPathComponent("tokens.json")
        try table.write(to: tokenFile)
        var replicas: [RunningRole] = []
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            for name in ["a", "b"] {
                replicas.append(try await launcher.start(RoleInstance(
                    role: .sei, name: name, dataDirectory: directory.appendingPathComponent(name).path,
                    tokenFile: tokenFile.path, database: database.url)))
            }
            var world = try SEIServiceTests.World()
            let timeout = ClientConfiguration.standard.timeout(.seconds(60))
            let owner = replicas.map { $0.client(token: tokens[.owner]!, role: .owner, configuration: timeout) }
            let user = replicas.map { $0.client(token: tokens[.user]!, role: .user, configuration: timeout) }
            func status(_ replica: Int) async throws -> SEIServerStatus {
                try await user[replica].call(Routes.SEI.status, as: SEIServerStatus.self)
            }
            func linearSearch(_ replica: Int, _ feature: [Float], k: Int) async throws -> [String] {
                let (request, pending) = try world.user.makeSearch(feature, options: .init(k: k, mode: .linear))
                let response = try SEISearchResponse(serialized: try await user[replica].call(Routes.SEI.search, body: request.serialized()))
                return try world.user.results(from: response, for: pending).map(\.id)
            }
            // The index uploaded through A is searched through B with the engine's own answer.
            _ = try await owner[0].call(Routes.SEI.index, body: world.upload.serialized())
            let query = world.features[10]
            let local = try SEICloudIndex(upload: world.upload)
            let (request, pending) = try world.user.makeSearch(query, options: .init(k: 5))
            let throughB = try SEISearchResponse(serialized: try await user[1].call(Routes.SEI.search, body: request.serialized()))
            #expect(try world.user.results(from: throughB, for: pending).map(\.id)
                    == world.user.results(from: local.search(request), for: pending).map(\.id))
            // An image added through A is found through B, with its sealed image.
            let near = query.map { $0 + 0.01 }
            _ = try await owner[0].call(Routes.SEI.add, body: try world.owner.addImages(ids: ["extra"], features: [near]).serialized())
            let sealed = try world.owner.sealImage([1, 2, 3], id: "extra")
            _ = try await owner[0].call(Routes.SEI.images, body: SEISealedImages(images: [.init(id: "extra", sealed: sealed)]).serialized())
            #expect(try await linearSearch(1, query, k: 3).contains("extra"))
            let fetched = try SEISealedImages(serialized: try await user[1].call(Routes.SEI.fetch, body: SEIImageRequest(ids: ["extra"]).serialized()))
            #expect(try fetched.images.map { try world.user.openImage($0.sealed, id: $0.id) } == [[1, 2, 3]])
            // A delete through B is gone through A.
            #expect(try await linearSearch(0, world.features[11], k: 1) == ["img-11"])
            _ = try await owner[1].call(Routes.SEI.delete, body: try world.owner.deleteImages(ids: ["img-11"]).serialized())
            #expect(try await !linearSearch(0, world.features[11], k: 5).contains("img-11"))
            let afterDelete = (try await status(0).indexed, try await status(1).indexed)
            #expect(afterDelete == (90, 90))
            // The same add sent to both at once (a retried upload) leaves one record; two different entries
            // under one id: exactly one is accepted.
            let same = try world.owner.addImages(ids: ["dup"], features: [world.features[3]]).serialized()
            let first = try world.owner.addImages(ids: ["clash"], features: [world.features[4]]).serialized()
            // Another vector under the same id (the owner's library refuses to build it, a faulty client might not).
            let other = try world.owner.addImages(ids: ["other"], features: [world.features[5]]).entries[0]
            let second = SEIAddImages(entries: [try SEIIndexEntry(id: "clash", cluster: other.cluster,
                                                                  vectorBytes: other.vectorBytes)]).serialized()
            let accepted = await withTaskGroup(of: Bool.self) { group in
                for (replica, body) in [(0, same), (1, same), (0, first), (1, second)] {
                    group.addTask { (try? await owner[replica].call(Routes.SEI.add, body: body)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(accepted.filter { $0 }.count == 3)
            let afterAdds = (try await status(0).indexed, try await status(1).indexed)
            #expect(afterAdds == (92, 92))
            #expect(try await linearSearch(1, world.features[3], k: 2).filter { $0 == "dup" }.count == 1)
        } catch {
            for replica in replicas { await replica.stop() }
            await database.drop()
            throw error
        }
        for replica in replicas { await replica.stop() }
        await database.drop()
    }

    @Test func twoEdgeMastersServeOneRepository() async throws {
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)))
        let database = ReplicaDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("master-replicas-\(UUID().uuidString)")
        let cluster = try await TrustMedCluster.launch(launcher, directory: directory, nodeCount: 3, threshold: 2,
                                                      nodeTimeout: .seconds(15), masterDatabase: database.url)
        var second: RunningRole?
        do {
            // The second master shares the first's manifest-signing key (a deployment copies it to every replica).
            let secondDirectory = directory.appendingPathComponent("master-b")
            try FileManager.default.createDirectory(at: secondDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try FileManager.default.copyItem(at: directory.appendingPathComponent("master/trustmed-manifest-signing.key"),
                                             to: secondDirectory.appendingPathComponent("trustmed-manifest-signing.key"))
            second = try await launcher.with(security: cluster.security).start(RoleInstance(
                role: .edgeMaster, name: "master-b", dataDirectory: secondDirectory.path, tokenFile: cluster.tokenTable.path,
                database: database.url, engine: .init(nodeTimeoutMilliseconds: 15000),
                peers: .init(nodeList: directory.appendingPathComponent("nodes.json").path)))
            let masters = [cluster.master.url, try #require(second).url]
            func remote(_ index: Int, _ role: ServiceRole) -> TrustMedRemote {
                TrustMedRemote(service: ServiceClient(baseURL: masters[index], token: cluster.tokens[role]!,
                                                      configuration: cluster.clientConfiguration(role, timeout: .seconds(120))))
            }
            let client = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
                hashBits: 32, parameterSet: TrustMedDefaults.testParameterSet))
            var rng = seededGenerator(77)
            let images = (0..<6).map { i in
                TrustMedClient.Image(recordID: "rec-\(i)", bytes: SecureRandom.bytes(500 + 13 * i, using: &rng),
                                     hashcode: (0..<32).map { _ in UInt8.random(in: 0...1, using: &rng) })
            }
            try await remote(0, .owner).register(client.registration)
            for request in try client.uploadRequests(for: Array(images.prefix(5))) {
                #expect(try await remote(0, .owner).upload(request).allStored)
            }
            // Uploaded through the first master, found and rebuilt through the second.
            let (ranked, opened) = try await remote(1, .user).query(client: client, hashcode: images[2].hashcode, k: 1)
            #expect(ranked.map(\.recordID) == ["rec-2"])
            #expect(try opened.map { try $0.result.get() } == [images[2].bytes])
            // Deleted through the second, gone through the first.
            let report = try await remote(1, .owner).delete(recordIDs: ["rec-2"])
            #expect(report.outcomes.count == 1)
            let after = try await remote(0, .user).query(client: client, hashcode: images[2].hashcode, k: 5)
            #expect(!after.ranked.map(\.recordID).contains("rec-2"))
            #expect(try await remote(0, .admin).status().records == 4)
            // The same new record uploaded through both masters at once: exactly one record, no stray shares.
            let requests = try [client.uploadRequests(for: [images[5]]), client.uploadRequests(for: [images[5]])].map { try #require($0.first) }
            let outcomes = try await withThrowingTaskGroup(of: UploadResponse.self) { group in
                for (index, request) in requests.enumerated() { group.addTask { try await remote(index, .owner).upload(request) } }
                return try await group.reduce(into: [UploadResponse.Outcome]()) { $0 += $1.outcomes }
            }
            #expect(outcomes.map(\.status).sorted { "\($0)" < "\($1)" } == [.alreadyStored, .stored])
            #expect(try await remote(0, .admin).status().records == 5)
            #expect(try await remote(1, .admin).status().records == 5)
            for node in 0..<3 { #expect(try await cluster.nodeUsage(node).shares == 5) }
        } catch {
            await second?.stop()
            await cluster.stop()
            await database.drop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        await second?.stop()
        await cluster.stop()
        await database.drop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// C1 reaching C2 in process.
    struct DirectPeer: FNNC1Service.PeerTransport {
        let node: FNNC2Service.Node
        func exchange(_ body: [UInt8]) async throws -> [UInt8] { try await FNNC2Service.exchange(body: body, node: node) }
    }

    /// Two C1 nodes on one PostgreSQL: records added or deleted through either are searched through the other,
    /// and concurrent searches consume distinct correlation entries.
    @Test func twoFNNC1NodesShareRecordsAndTheCorrelationPool() async throws {
        let database = ReplicaDatabase()
        do {
            var generator = SeededRandomNumberGenerator(seed: 31)
            let parameters = try FNNParameters(backend: .shared, dimension: 8, maxAbsCoordinate: 255)
            let owner = try FNNOwner.generateInsecure(parameters: parameters, paillierBits: 512, using: &generator)
            let user = try FNNUser(credentials: owner.userCredentials)
            var data = (0..<25).map { index in
                FNNRecordInput(id: UInt64(index + 1), vector: (0..<8).map { _ in Int64.random(in: 0...255, using: &generator) },
                               label: "image-\(index + 1).png")
            }
            let location = try StoreLocation(parsing: database.url)
            let c2 = try await FNNC2Service.Node(dataDirectory: nil)
            let replicas = [try await FNNC1Service.Node(dataDirectory: nil, database: location, batchSize: 2, order: .lowerBound),
                            try await FNNC1Service.Node(dataDirectory: nil, database: location, batchSize: 2, order: .lowerBound)]
            try await c2.setup(owner.c2Setup.serialized())
            try await replicas[0].setup(owner.c1Setup.serialized())
            _ = try await replicas[0].addRecords(FNNRecordBatch(try owner.encode(Array(data[..<20]))).serialized(context: nil))
            _ = try await replicas[1].addRecords(FNNRecordBatch(try owner.encode(Array(data[20...]))).serialized(context: nil))
            _ = try await c2.addPool((try owner.poolForC2(entries: 0..<4, records: data)).serialized())
            _ = try await replicas[1].addPool(FNNPoolSeeds(try owner.poolSeedsForC1(entries: 0..<4)).serialized())
            func search(_ replica: Int, _ vector: [Int64]) async throws -> [FNNSearchHit] {
                let prepared = try user.prepareQuery(vector, k: 3, recoverVectors: false)
                try await c2.putShare(prepared.forC2!.serialized())
                let result = try await FNNC1Service.runSearch(body: prepared.forC1.serialized(context: nil),
                                                              node: replicas[replica], peer: DirectPeer(node: c2))
                let handover = try FNNC2Handover(serialized: try await c2.handover(prepared.forC1.queryID.description))
                return try user.open(result: result, handover: handover)
            }
            func plaintext(_ vector: [Int64]) -> [FNNNeighbor] {
                FNNPlaintextSearch.topK(query: vector, records: data.map { ($0.id, $0.vector) }, k: 3)
            }
            // Records added through B, searched through A.
            #expect(try await search(0, data[22].vector).map(\.neighbor) == plaintext(data[22].vector))
            // A record deleted through B is gone through A.
            _ = try await replicas[1].deleteRecords(FNNRecordIDs([data[22].id]).serialized())
            data.remove(at: 22)
            #expect(try await search(0, data[5].vector).map(\.neighbor) == plaintext(data[5].vector))
            #expect(await replicas[0].status().records == 24)
            // The pool had 4 entries; A used 2. B's next search skips them (refused by the store), the last one is
            // A's, then the pool is exhausted on both.
            #expect(try await search(1, data[7].vector).map(\.neighbor) == plaintext(data[7].vector))
            #expect(try await search(0, data[8].vector).map(\.neighbor) == plaintext(data[8].vector))
            await #expect(throws: (any Error).self) { _ = try await search(1, data[9].vector) }
            #expect(await replicas[0].status().unusedEntries.isEmpty)
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }
}
