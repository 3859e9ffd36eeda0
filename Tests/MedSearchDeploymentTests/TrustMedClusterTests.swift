import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchTransport
import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

/// TrustMedSearch on real processes: an edge master and five storage nodes (`medsearch serve ...`) on loopback.
@Suite("TrustMedSearch on real processes", .serialized, .needsMedsearchExecutable)
struct TrustMedClusterTests {
    struct Setup {
        let cluster: TrustMedCluster
        let client: TrustMedClient
        let images: [TrustMedClient.Image]

        func plaintextTopK(_ query: [UInt8], k: Int) -> [TrustMedClient.Ranked] {
            TrustMedClient.topK(images.map { image in
                .init(recordID: image.recordID, distance: zip(query, image.hashcode).filter { $0 != $1 }.count)
            }, k: k)
        }

        func query(_ hashcode: [UInt8], k: Int, role: ServiceRole = .user) async throws
            -> ([TrustMedClient.Ranked], [TrustMedClient.Retrieved]) {
            let service = cluster.masterClient(role: role, timeout: .seconds(120))
            let search = try SearchResponse(serialized: try await service.call(Routes.EdgeMaster.search, body: try client.searchRequest(hashcode: hashcode).serialized()))
            let ranked = try client.rank(search, k: k)
            let fetched = try FetchResponse(serialized: try await service.call(Routes.EdgeMaster.fetch, body: FetchRequest(recordIDs: ranked.map(\.recordID)).serialized()))
            return (ranked, client.open(fetched))
        }

        func bytes(of id: String) -> [UInt8]? { images.first { $0.recordID == id }?.bytes }
    }

    static func launch(records: Int, nodeTimeout: Duration = .seconds(15)) async throws -> Setup {
        let executable = try #require(TestData.medsearchExecutable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trustmed-cluster-\(UUID().uuidString)")
        let cluster = try await TrustMedCluster.launch(executable: executable, directory: directory, nodeCount: 5,
                                                      threshold: 3, nodeTimeout: nodeTimeout)
        // Killed nodes refuse connections at once; the generous timeout only keeps live nodes from being
        // mistaken for slow ones when the suite's other tests load both cores (slow nodes are tested in process).
        let client = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
            hashBits: 32, parameterSet: TrustMedDefaults.testParameterSet))
        var rng = seededGenerator(21)
        let images = (0..<records).map { i in
            TrustMedClient.Image(recordID: "rec-\(i)", bytes: SecureRandom.bytes(1000 + 37 * i, using: &rng),
                                 hashcode: (0..<32).map { _ in UInt8.random(in: 0...1, using: &rng) })
        }
        let owner = cluster.masterClient(role: .owner)
        _ = try await owner.call(Routes.EdgeMaster.keys, body: client.registration.serialized())
        for request in try client.uploadRequests(for: images) {
            let response = try UploadResponse(serialized: try await owner.call(Routes.EdgeMaster.upload, body: request.serialized()))
            #expect(response.allStored)
        }
        return Setup(cluster: cluster, client: client, images: images)
    }

    @Test func killAnyTwoOfFiveNodesDuringQueriesAndReshare() async throws {
        let setup = try await Self.launch(records: 20)
        do {
            // Roles are enforced between every pair: a user cannot upload, an unknown token gets nothing, a
            // storage node refuses anyone but the master.
            let user = setup.cluster.masterClient(role: .user)
            await #expect(throws: ServiceError.self) { try await user.call(Routes.EdgeMaster.upload, body: []) }
            // Every connection is mutual TLS with certificates of the cluster's own CA.
            #expect(setup.cluster.master.url.hasPrefix("https://"))
            let anonymous = ServiceClient(baseURL: setup.cluster.master.url, token: "wrong",
                                          configuration: setup.cluster.clientConfiguration(.user, timeout: .seconds(5)))
            await #expect(throws: ServiceError.unauthenticated.asHTTP) { try await anonymous.call(Routes.EdgeMaster.status) }
            let nodeURLs = setup.cluster.nodeURLs.map { $0! }
            let ownerAtNode = ServiceClient(baseURL: nodeURLs[0], token: setup.cluster.tokens[.owner]!,
                                            configuration: setup.cluster.clientConfiguration(.owner, timeout: .seconds(5)))
            await #expect {
                try await ownerAtNode.call(Routes.StorageNode.getShare, String(repeating: "0", count: 32))
            } throws: { error in
                guard case let .http(status, message) = error as? ServiceError else { return false }
                return status == 403 && message.contains("certificate of role owner may not call storage-node.get")
            }

            let queries = setup.images.prefix(4).map(\.hashcode)
            let (first, _) = try await setup.query(queries[0], k: 5)
            #expect(first == setup.plaintextTopK(queries[0], k: 5))
            // Kill nodes 1 and 4 mid-run: every query still returns the right images.
            await setup.cluster.killNode(1)
            await setup.cluster.killNode(4)
            for query in queries {
                let (ranked, images) = try await setup.query(query, k: 5)
                #expect(ranked == setup.plaintextTopK(query, k: 5))
                for item in images { #expect(try item.result.get() == setup.bytes(of: item.recordID)) }
            }
            // A third node down: fewer than m healthy -> a clear error per record, never a wrong image.
            await setup.cluster.killNode(2)
            let (_, degraded) = try await setup.query(queries[1], k: 3)
            for item in degraded {
                guard case let .failure(error) = item.result else {
                    Issue.record("image returned with only 2 of 5 nodes alive")
                    continue
                }
                #expect(error.description.contains("valid share"))
            }
            // Node 2 restarts with its data (a crash); nodes 1 and 4 are replaced by empty nodes at the same
            // addresses. Re-sharing each replaced node regenerates its shares from m valid shares of the others.
            _ = try await setup.cluster.restartNode(2, generation: 0, port: try #require(TrustMedCluster.port(of: nodeURLs[2])))
            _ = try await setup.cluster.restartNode(1, generation: 1, port: try #require(TrustMedCluster.port(of: nodeURLs[1])))
            _ = try await setup.cluster.restartNode(4, generation: 1, port: try #require(TrustMedCluster.port(of: nodeURLs[4])))
            let admin = setup.cluster.masterClient(role: .admin)
            for replaced in [1, 4] {
                let report = try ReshareReport(serialized: try await admin.call(Routes.EdgeMaster.reshare, body: ReshareRequest(nodeIndex: replaced).serialized()))
                #expect(report.rebuilt == 20 && report.regenerated == 20 && report.failed.isEmpty, "re-share report: \(report)")
                #expect(try await setup.cluster.nodeUsage(replaced).shares == 20)
            }
            // Node 2 kept its data: nothing to regenerate there.
            let kept = try ReshareReport(serialized: try await admin.call(Routes.EdgeMaster.reshare, body: ReshareRequest(nodeIndex: 2).serialized()))
            #expect(kept.rebuilt == 20 && kept.regenerated == 0 && kept.resplit == 0)
            // Losing the two nodes that were never replaced now works, so the new nodes hold valid shares.
            await setup.cluster.killNode(0)
            await setup.cluster.killNode(3)
            let (ranked, images) = try await setup.query(queries[2], k: 5)
            #expect(ranked == setup.plaintextTopK(queries[2], k: 5))
            for item in images { #expect(try item.result.get() == setup.bytes(of: item.recordID)) }
            await setup.cluster.stop()
        } catch {
            await setup.cluster.stop()
            throw error
        }
        try? FileManager.default.removeItem(at: setup.cluster.directory)
    }

    @Test func deleteRemovesRecordsAndTheirSharesOnEveryNode() async throws {
        // A down node costs the deletion two node timeouts: keep them short here (deletes on live nodes are quick).
        let setup = try await Self.launch(records: 12, nodeTimeout: .seconds(5))
        do {
            let doomed = ["rec-2", "rec-5", "rec-11"]
            // A clinician may not delete.
            let user = setup.cluster.masterClient(role: .user)
            await #expect(throws: ServiceError.self) {
                try await user.call(Routes.EdgeMaster.delete, body: DeleteRequest(recordIDs: doomed).serialized())
            }
            // Node 3 is down during the deletion: its shares stay pending until it is back.
            let nodeURLs = setup.cluster.nodeURLs.map { $0! }
            await setup.cluster.killNode(3)
            let owner = setup.cluster.masterClient(role: .owner)
            let report = try DeleteReport(serialized: try await owner.call(Routes.EdgeMaster.delete, body: DeleteRequest(recordIDs: doomed).serialized()))
            #expect(report.outcomes.allSatisfy { $0.status == .deleted })
            #expect(report.sharesDeleted == 12 && report.sharesPending == 3)
            for node in [0, 1, 2, 4] { #expect(try await setup.cluster.nodeUsage(node).shares == 9) }
            for id in doomed {
                let query = setup.images.first { $0.recordID == id }!.hashcode
                let (ranked, images) = try await setup.query(query, k: 12)
                #expect(ranked.count == 9 && !ranked.contains { doomed.contains($0.recordID) })
                for item in images { #expect(try item.result.get() == setup.bytes(of: item.recordID)) }
            }
            // Node 3 restarts with its data: a later delete call (here with no ids) removes its stale shares.
            _ = try await setup.cluster.restartNode(3, generation: 0, port: try #require(TrustMedCluster.port(of: nodeURLs[3])))
            #expect(try await setup.cluster.nodeUsage(3).shares == 12)
            // (The HTTP client backs off reconnecting to a node that was down, so the first call may still miss it:
            // "later" means within a few calls.)
            var purged = 0, pending = 3
            for _ in 0..<6 where pending > 0 {
                let purge = try DeleteReport(serialized: try await owner.call(Routes.EdgeMaster.delete, body: DeleteRequest(recordIDs: []).serialized()))
                purged += purge.sharesDeleted
                pending = purge.sharesPending
                if pending > 0 { try await Task.sleep(for: .seconds(1)) }
            }
            #expect(purged == 3 && pending == 0)
            #expect(try await setup.cluster.nodeUsage(3).shares == 9)
            // Retry-safe.
            let again = try DeleteReport(serialized: try await owner.call(Routes.EdgeMaster.delete, body: DeleteRequest(recordIDs: doomed).serialized()))
            #expect(again.outcomes.allSatisfy { $0.status == .notFound })
            await setup.cluster.stop()
        } catch {
            await setup.cluster.stop()
            throw error
        }
        try? FileManager.default.removeItem(at: setup.cluster.directory)
    }
}

extension ServiceError {
    /// The error a client sees when a server answers with this one.
    var asHTTP: ServiceError { .http(status: status, message: description) }

    private var status: Int {
        switch self {
        case .unauthenticated: 401
        case .forbidden, .certificateRefused: 403
        default: 500
        }
    }
}
