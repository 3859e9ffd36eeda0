import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchTransport
import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

/// The sharded search on real processes: an edge master fanning every unlinkable search out to 1, 2 or 3
/// `medsearch serve search-worker` processes (each one thread, reading the master's SQLite store).
extension TrustMedClusterTests {
    /// One unlinkable query as the CLI makes it: search, select, fetch; the ranking and the records not searched.
    static func unlinkableQuery(_ cluster: TrustMedCluster, client: TrustMedClient, hashcode: [UInt8],
                                k: Int) async throws -> (ranked: [TrustMedClient.Ranked], unsearched: [String]) {
        let service = cluster.masterClient(role: .user, timeout: .seconds(120))
        let response = try SearchResponse(serialized: try await service.call(
            Routes.EdgeMaster.search, body: try client.searchRequest(hashcode: hashcode, unlinkable: true).serialized()))
        let selection = try client.select(response, k: k)
        guard let request = selection.fetch else { return ([], response.unsearched) }
        let fetched = try FetchResponse(serialized: try await service.call(Routes.EdgeMaster.fetch, body: request.serialized()))
        return (try client.ranked(selection, fetched: fetched), response.unsearched)
    }

    @Test(arguments: [1, 2, 3])
    func shardedSearchOnWorkersEqualsPlaintextRanking(workers: Int) async throws {
        let executable = try #require(TestData.medsearchExecutable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trustmed-workers-\(UUID().uuidString)")
        let cluster = try await TrustMedCluster.launch(executable: executable, directory: directory, nodeCount: 3,
                                                      threshold: 2, nodeTimeout: .seconds(15),
                                                      searchWorkers: workers, workerThreads: 1)
        do {
            let keys = try TrustMedDefaults.generateClientKeys(hashBits: 32, parameterSet: TrustMedDefaults.testParameterSet)
            let client = try TrustMedDefaults.client(keys: keys)
            // The same keys sending queries in NTT form (what a master with search workers is best sent).
            let nttClient = try TrustMedDefaults.client(keys: keys, queryForm: .ntt)
            #expect(nttClient.keyFingerprint == client.keyFingerprint)
            var rng = seededGenerator(1616)
            var images = (0..<12).map { i in
                TrustMedClient.Image(recordID: "rec-\(i)", bytes: SecureRandom.bytes(200 + i, using: &rng),
                                     hashcode: (0..<32).map { _ in UInt8.random(in: 0...1, using: &rng) })
            }
            func plaintext(_ query: [UInt8], k: Int, among ids: Set<String>? = nil) -> [TrustMedClient.Ranked] {
                TrustMedClient.topK(images.filter { ids?.contains($0.recordID) ?? true }.map { image in
                    .init(recordID: image.recordID, distance: zip(query, image.hashcode).filter { $0 != $1 }.count)
                }, k: k)
            }
            let owner = cluster.masterClient(role: .owner)
            _ = try await owner.call(Routes.EdgeMaster.keys, body: client.registration.serialized())
            // Six blocks of two records, uploaded in order: block b (sequence number b, 1...6) is in shard b mod n.
            for start in stride(from: 0, to: images.count, by: 2) {
                for request in try client.uploadRequests(for: Array(images[start..<start + 2])) {
                    let response = try UploadResponse(serialized: try await owner.call(Routes.EdgeMaster.upload, body: request.serialized()))
                    #expect(response.allStored)
                }
            }
            let queries = [images[3].hashcode, images[10].hashcode, (0..<32).map { _ in UInt8.random(in: 0...1, using: &rng) }]
            for query in queries.prefix(2) {
                for k in [1, 12] {
                    let (ranked, unsearched) = try await Self.unlinkableQuery(cluster, client: client, hashcode: query, k: k)
                    #expect(ranked == plaintext(query, k: k) && unsearched.isEmpty, "\(workers) workers, k = \(k)")
                }
                let (ntt, nttUnsearched) = try await Self.unlinkableQuery(cluster, client: nttClient, hashcode: query, k: 12)
                #expect(ntt == plaintext(query, k: 12) && nttUnsearched.isEmpty, "\(workers) workers, NTT-form query")
            }
            // A record added and one deleted: the workers follow the store (incremental reads).
            let added = TrustMedClient.Image(recordID: "rec-added", bytes: SecureRandom.bytes(300, using: &rng),
                                             hashcode: queries[2])
            for request in try client.uploadRequests(for: [added]) {
                _ = try await owner.call(Routes.EdgeMaster.upload, body: request.serialized())
            }
            images.append(added)
            _ = try await owner.call(Routes.EdgeMaster.delete, body: DeleteRequest(recordIDs: ["rec-4"]).serialized())
            images.removeAll { $0.recordID == "rec-4" }
            let (afterChange, _) = try await Self.unlinkableQuery(cluster, client: client, hashcode: queries[2], k: 12)
            #expect(afterChange == plaintext(queries[2], k: 12) && afterChange.first?.recordID == "rec-added")
            guard workers > 1 else {
                await cluster.stop()
                try? FileManager.default.removeItem(at: directory)
                return
            }
            // Worker 1 down: the master answers from the others and names the records it did not search (blocks
            // 1 and 4, or 1, 3 and 5 with two workers; block 7 holds the added record).
            await cluster.killWorker(1)
            let downBlocks = (1...7).filter { $0 % workers == 1 }
            let blockRecords: [Int: [String]] = [1: ["rec-0", "rec-1"], 2: ["rec-2", "rec-3"], 3: ["rec-5"],
                                                 4: ["rec-6", "rec-7"], 5: ["rec-8", "rec-9"], 6: ["rec-10", "rec-11"],
                                                 7: ["rec-added"]]
            let expectedUnsearched = downBlocks.flatMap { blockRecords[$0] ?? [] }.sorted()
            let searched = Set(images.map(\.recordID)).subtracting(expectedUnsearched)
            for query in queries.suffix(2) {
                let (ranked, unsearched) = try await Self.unlinkableQuery(cluster, client: client, hashcode: query, k: 5)
                #expect(unsearched == expectedUnsearched)
                #expect(ranked == plaintext(query, k: 5, among: searched))
            }
            // Back up: every record is searched again.
            try await cluster.restartWorker(1)
            var recovered: (ranked: [TrustMedClient.Ranked], unsearched: [String]) = ([], ["none yet"])
            for _ in 0..<10 {
                recovered = try await Self.unlinkableQuery(cluster, client: client, hashcode: queries[0], k: 12)
                if recovered.unsearched.isEmpty { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(recovered.unsearched.isEmpty && recovered.ranked == plaintext(queries[0], k: 12))
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
