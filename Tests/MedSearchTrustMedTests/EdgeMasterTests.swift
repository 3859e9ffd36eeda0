import MedSearchCore
@testable import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

/// A whole TrustMedSearch deployment in one process: real BFV (small insecure test parameters), real sharing
/// and sealing, in-memory stores, and a transport that can take nodes down, slow them or corrupt shares.
struct Deployment {
    let client: TrustMedClient
    let master: EdgeMaster
    let transport: FaultyNodeTransport
    let metadata: InMemoryMetadataStore
    let images: [TrustMedClient.Image]

    static let bits = 64

    static func make(records: Int, n: Int = 5, m: Int = 3, seed: UInt64 = 11,
                     nodeTimeout: Duration = .milliseconds(500),
                     sharing: (any TrustMedShareScheme)? = nil) async throws -> Deployment {
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: TrustMedDefaults.testParameterSet)
        let client = try TrustMedDefaults.client(keys: keys)
        let transport = FaultyNodeTransport(nodes: (0..<n).map { _ in StorageNode(store: InMemoryShareStore()) })
        let metadata = InMemoryMetadataStore()
        let master = try EdgeMaster(configuration: .init(threshold: m, nodeTimeout: nodeTimeout), metadata: metadata,
                                    nodes: transport,
                                    sharing: try sharing ?? TrustMedDefaults.sharingScheme(signingKey: TrustMedDefaults.newManifestSigningKey()),
                                    evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        try await master.register(client.registration)
        var rng = seededGenerator(seed)
        let images = (0..<records).map { i in
            TrustMedClient.Image(recordID: String(format: "img-%04d", i),
                                 bytes: SecureRandom.bytes(200 + Int.random(in: 0..<400, using: &rng), using: &rng),
                                 hashcode: (0..<bits).map { _ in UInt8.random(in: 0...1, using: &rng) })
        }
        return Deployment(client: client, master: master, transport: transport, metadata: metadata, images: images)
    }

    func uploadAll() async throws {
        for request in try client.uploadRequests(for: images) {
            let response = try await master.upload(request)
            #expect(response.allStored)
        }
    }

    func plaintextTopK(_ query: [UInt8], k: Int, among ids: Set<String>? = nil) -> [TrustMedClient.Ranked] {
        let candidates = images.filter { ids?.contains($0.recordID) ?? true }.map { image in
            TrustMedClient.Ranked(recordID: image.recordID,
                                  distance: zip(query, image.hashcode).filter { $0 != $1 }.count)
        }
        return TrustMedClient.topK(candidates, k: k)
    }

    func query(_ hashcode: [UInt8], k: Int) async throws -> ([TrustMedClient.Ranked], [TrustMedClient.Retrieved]) {
        let ranked = try client.rank(try await master.search(try client.searchRequest(hashcode: hashcode)), k: k)
        let fetched = try await master.fetch(FetchRequest(recordIDs: ranked.map(\.recordID)))
        return (ranked, client.open(fetched))
    }

    /// The unlinkable flow: search without record ids, choose slots, fetch with the query handle.
    func queryUnlinkable(_ hashcode: [UInt8], k: Int) async throws -> ([TrustMedClient.Ranked], [TrustMedClient.Retrieved]) {
        let response = try await master.search(try client.searchRequest(hashcode: hashcode, unlinkable: true))
        #expect(response.blocks.allSatisfy { $0.entries.isEmpty })
        let selection = try client.select(response, k: k)
        guard let request = selection.fetch else { return ([], []) }
        let fetched = try await master.fetch(request)
        return (try client.ranked(selection, fetched: fetched), client.open(fetched))
    }

    func bytes(of id: String) -> [UInt8]? { images.first { $0.recordID == id }?.bytes }
}

@Suite("TrustMedSearch edge master", .serialized)
struct EdgeMasterTests {
    @Test func encryptedTopKEqualsPlaintextAndImagesComeBackIntact() async throws {
        let deployment = try await Deployment.make(records: 40)
        try await deployment.uploadAll()
        var rng = seededGenerator(5)
        var queries = deployment.images.prefix(3).map(\.hashcode)
        queries.append((0..<Deployment.bits).map { _ in UInt8.random(in: 0...1, using: &rng) })
        for query in queries {
            let (ranked, retrieved) = try await deployment.query(query, k: 10)
            #expect(ranked == deployment.plaintextTopK(query, k: 10))
            for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
        }
    }

    @Test func unlinkableQueriesReturnThePlaintextTopKWithoutRecordIDs() async throws {
        // Three upload blocks (64 records each with the test parameters) packed into response ciphertexts.
        let deployment = try await Deployment.make(records: 150)
        try await deployment.uploadAll()
        var rng = seededGenerator(8)
        _ = try await deployment.master.delete(DeleteRequest(recordIDs: ["img-0004", "img-0100"]))
        let remaining = Set(deployment.images.map(\.recordID)).subtracting(["img-0004", "img-0100"])
        var queries = [deployment.images[4].hashcode, deployment.images[7].hashcode]
        queries.append((0..<Deployment.bits).map { _ in UInt8.random(in: 0...1, using: &rng) })
        for query in queries {
            for k in [1, 10] {
                let (ranked, retrieved) = try await deployment.queryUnlinkable(query, k: k)
                #expect(ranked == deployment.plaintextTopK(query, k: k, among: remaining))
                #expect(retrieved.map(\.recordID) == ranked.map(\.recordID))
                for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
            }
        }
        // A handle works once; an unknown one is refused.
        let response = try await deployment.master.search(try deployment.client.searchRequest(hashcode: queries[0], unlinkable: true))
        let selection = try deployment.client.select(response, k: 3)
        let request = try #require(selection.fetch)
        #expect(try await deployment.master.fetch(request).items.count == 3)
        await #expect(throws: TrustMedError.self) { _ = try await deployment.master.fetch(request) }
        let bogus = FetchRequest(queryHandle: [UInt8](repeating: 1, count: 16), slotRequest: request.slotRequest, k: 3)
        await #expect(throws: TrustMedError.self) { _ = try await deployment.master.fetch(bogus) }
        // Another key holder cannot choose from the response.
        let strangerKeys = try TrustMedDefaults.generateClientKeys(hashBits: Deployment.bits, parameterSet: TrustMedDefaults.testParameterSet)
        let stranger = try TrustMedDefaults.client(keys: strangerKeys)
        #expect(throws: TrustMedError.self) { try stranger.select(response, k: 3) }
    }

    /// A master started on a store that already holds records packs them before the first query (its warm-up):
    /// every live record is prepared, and the first query then equals the plaintext ranking.
    /// Its evaluator here decodes new blocks one at a time (production: 128), as a large store is packed in
    /// batches.
    @Test func aRestartedMasterPreparesItsRecordsBeforeTheFirstQuery() async throws {
        let deployment = try await Deployment.make(records: 150)
        func restarted() throws -> EdgeMaster {
            try EdgeMaster(configuration: .init(threshold: 3), metadata: deployment.metadata, nodes: deployment.transport,
                           sharing: deployment.master.sharing) { registration throws(TrustMedError) in
                try BFVHammingEvaluator(registration: registration, maxConcurrency: nil, decodeBatch: 1)
            }
        }
        #expect(try await restarted().warmUp() == 0)  // no keys registered yet
        try await deployment.uploadAll()
        _ = try await deployment.master.delete(DeleteRequest(recordIDs: ["img-0003"]))
        let master = try restarted()
        #expect(try await master.warmUp() == 149)
        let query = deployment.images[5].hashcode
        let response = try await master.search(try deployment.client.searchRequest(hashcode: query, unlinkable: true))
        let selection = try deployment.client.select(response, k: 5)
        let fetched = try await master.fetch(try #require(selection.fetch))
        let remaining = Set(deployment.images.map(\.recordID)).subtracting(["img-0003"])
        #expect(try deployment.client.ranked(selection, fetched: fetched)
            == deployment.plaintextTopK(query, k: 5, among: remaining))
    }

    /// A master that dies after putting an upload's shares and before inserting the record (here: abandoned while
    /// one node is still answering) leaves share intents; the master started after it queues those shares for
    /// deletion and removes them from every node, and the same upload re-run then stores each record once.
    @Test func sharesOfAnUploadCutShortAreReclaimedAfterARestart() async throws {
        let deployment = try await Deployment.make(records: 3, nodeTimeout: .seconds(3600))
        let requests = try deployment.client.uploadRequests(for: deployment.images)
        deployment.transport.set(.slow(.seconds(3600)), for: 4)
        let crashed = Task { try await deployment.master.upload(requests[0]) }
        // Wait until nodes 0...3 hold every image's share (node 4 never answers: the "crash").
        for _ in 0..<200 {
            var held = 0
            for node in 0..<4 { held += try await EdgeMasterTests.contents(of: deployment.transport.node(node)).count }
            if held == 12 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        for node in 0..<4 { #expect(try await EdgeMasterTests.contents(of: deployment.transport.node(node)).count == 3) }
        #expect(await deployment.metadata.shareIntentCount() == 15)
        #expect(await deployment.metadata.recordIDs().isEmpty)
        deployment.transport.set(.healthy, for: 4)
        // The restarted master: a young intent is left alone (it could be another replica's upload in progress)...
        let young = try EdgeMaster(configuration: .init(threshold: 3), metadata: deployment.metadata,
                                   nodes: deployment.transport, sharing: deployment.master.sharing,
                                   evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        #expect(try await young.reclaimAbandonedShares() == 0)
        // ...an old one is reclaimed: the shares go from every node.
        let restarted = try EdgeMaster(configuration: .init(threshold: 3, shareIntentLifetime: .zero),
                                       metadata: deployment.metadata, nodes: deployment.transport,
                                       sharing: deployment.master.sharing, evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        #expect(try await restarted.reclaimAbandonedShares() == 15)
        #expect(await deployment.metadata.shareIntentCount() == 0)
        #expect(await deployment.metadata.pendingShareDeletions(limit: 100).isEmpty)
        for node in 0..<5 { #expect(try await EdgeMasterTests.contents(of: deployment.transport.node(node)).isEmpty) }
        // The re-run of the same upload (new requests: new keys and ciphertexts) stores every record once.
        for request in try deployment.client.uploadRequests(for: deployment.images) {
            #expect(try await restarted.upload(request).allStored)
        }
        crashed.cancel()
        _ = await crashed.result
        #expect(await deployment.metadata.recordIDs() == deployment.images.map(\.recordID))
        for node in 0..<5 { #expect(try await EdgeMasterTests.contents(of: deployment.transport.node(node)).count == 3) }
        #expect(await deployment.metadata.shareIntentCount() == 0)
    }

    @Test func uploadIsAtomicAndRetrySafe() async throws {
        let deployment = try await Deployment.make(records: 6)
        let request = try deployment.client.uploadRequests(for: deployment.images)[0]
        // Node 4 down: nothing is stored, nothing is searchable, no share is left on the healthy nodes.
        deployment.transport.set(.down, for: 4)
        let failed = try await deployment.master.upload(request)
        #expect(failed.outcomes.allSatisfy { $0.status == .failed })
        #expect(try await deployment.metadata.recordIDs().isEmpty)
        for node in 0..<4 { #expect(try await deployment.transport.node(node).usage().shares == 0) }
        let empty = try await deployment.master.search(try deployment.client.searchRequest(hashcode: deployment.images[0].hashcode))
        #expect(empty.blocks.isEmpty)
        await #expect(throws: TrustMedError.unknownRecord("img-0000")) {
            try await deployment.master.rebuild(recordID: "img-0000")
        }
        // Node back: the same request (same idempotency key) stores everything; a second retry stores nothing twice.
        deployment.transport.healAll()
        let stored = try await deployment.master.upload(request)
        #expect(stored.outcomes.allSatisfy { $0.status == .stored })
        let again = try await deployment.master.upload(request)
        #expect(again.outcomes.allSatisfy { $0.status == .alreadyStored })
        for node in 0..<5 { #expect(try await deployment.transport.node(node).usage().shares == 6) }
        // The same key with a different request is refused.
        var forged = request
        forged.items.removeLast()
        await #expect(throws: TrustMedError.idempotencyKeyReused) { try await deployment.master.upload(forged) }
        // A re-run after a crash (new key, new ciphertexts, same images) is recognised by the content tags.
        let rerun = try deployment.client.uploadRequests(for: deployment.images)[0]
        #expect(try await deployment.master.upload(rerun).outcomes.allSatisfy { $0.status == .alreadyStored })
        // Another image under a stored id is a conflict, not an overwrite.
        var other = deployment.images[0]
        other.bytes = [1, 2, 3]
        let conflict = try await deployment.master.upload(try deployment.client.uploadRequests(for: [other])[0])
        #expect(conflict.outcomes[0].status == .failed)
        let (_, retrieved) = try await deployment.query(deployment.images[0].hashcode, k: 1)
        #expect(try retrieved[0].result.get() == deployment.images[0].bytes)
    }

    @Test func downSlowAndCorruptNodesAreSkipped() async throws {
        let deployment = try await Deployment.make(records: 12, nodeTimeout: .milliseconds(300))
        try await deployment.uploadAll()
        let query = deployment.images[3].hashcode
        let expected = deployment.plaintextTopK(query, k: 5)
        // Any n - m = 2 nodes down.
        for pair in [(0, 1), (2, 4), (1, 3)] {
            deployment.transport.healAll()
            deployment.transport.set(.down, for: pair.0)
            deployment.transport.set(.down, for: pair.1)
            let (ranked, retrieved) = try await deployment.query(query, k: 5)
            #expect(ranked == expected)
            for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
        }
        // One down, one slow beyond the deadline, one corrupt: only 2 good shares, m = 3 -> clear error.
        deployment.transport.healAll()
        deployment.transport.set(.down, for: 0)
        deployment.transport.set(.slow(.seconds(30)), for: 1)
        deployment.transport.set(.corrupt, for: 2)
        let start = ContinuousClock.now
        let (_, degraded) = try await deployment.query(query, k: 5)
        // The slow node is cut off at the 300 ms node deadline, not waited for: far below its 30 s (a wide bound,
        // so a loaded machine's slower cryptography cannot fail it; without the deadline the query takes >= 30 s).
        #expect(ContinuousClock.now - start < .seconds(20))
        for item in degraded {
            guard case let .failure(error) = item.result else {
                Issue.record("an image was returned from fewer than m valid shares")
                continue
            }
            #expect(error.description.contains("only 2 valid share(s)"))
        }
        // One corrupt and one slow, the other three healthy: the corrupt share is skipped, images intact.
        deployment.transport.healAll()
        deployment.transport.set(.corrupt, for: 0)
        deployment.transport.set(.slow(.seconds(5)), for: 4)
        let (_, skipped) = try await deployment.query(query, k: 5)
        for item in skipped { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
    }

    /// Every (share id, bytes) a node holds.
    static func contents(of node: StorageNode) async throws -> [String: [UInt8]] {
        let store = try #require(node.store as? InMemoryShareStore)
        var out = [String: [UInt8]]()
        for id in await store.shareIDs() { out[id] = await store.get(shareID: id) }
        return out
    }

    @Test func reshareRegeneratesAReplacedNodesSharesByteIdentically() async throws {
        let deployment = try await Deployment.make(records: 8)
        try await deployment.uploadAll()
        let before = try await Self.contents(of: deployment.transport.node(2))
        let manifests = try await deployment.images.asyncMap { try await deployment.metadata.record($0.recordID)!.manifest }
        #expect(before.count == 8)
        // Node 2 dies and is replaced by an empty node.
        deployment.transport.replace(2, with: StorageNode(store: InMemoryShareStore()))
        let report = try await deployment.master.reshare(nodeIndex: 2)
        #expect(report.rebuilt == 8 && report.regenerated == 8 && report.resplit == 0 && report.failed.isEmpty)
        // Same share ids, byte-identical shares, unchanged manifests; the other nodes untouched.
        #expect(try await Self.contents(of: deployment.transport.node(2)) == before)
        #expect(try await deployment.images.asyncMap { try await deployment.metadata.record($0.recordID)!.manifest } == manifests)
        #expect(try await deployment.transport.node(0).usage().shares == 8)
        // Re-sharing a node that still holds its shares changes nothing.
        let again = try await deployment.master.reshare(nodeIndex: 2)
        #expect(again.rebuilt == 8 && again.regenerated == 0 && again.resplit == 0)
        // Now lose two other nodes: the replaced node's shares are needed and valid.
        deployment.transport.set(.down, for: 0)
        deployment.transport.set(.down, for: 4)
        let (_, retrieved) = try await deployment.query(deployment.images[5].hashcode, k: 8)
        for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
        // With only m - 1 other nodes up, a replaced node cannot be repaired: reported, nothing wrong stored.
        deployment.transport.replace(1, with: StorageNode(store: InMemoryShareStore()))
        let failed = try await deployment.master.reshare(nodeIndex: 1)
        #expect(failed.failed.count == 8 && failed.rebuilt == 0)
        #expect(try await deployment.transport.node(1).usage().shares == 0)
    }

    @Test func reshareFallsBackToResplittingWhenASchemeCannotRegenerate() async throws {
        let scheme = try TrustMedDefaults.sharingScheme(signingKey: TrustMedDefaults.newManifestSigningKey())
        let deployment = try await Deployment.make(records: 6, sharing: NoRegenerationScheme(inner: scheme))
        try await deployment.uploadAll()
        deployment.transport.replace(3, with: StorageNode(store: InMemoryShareStore()))
        let report = try await deployment.master.reshare(nodeIndex: 3)
        #expect(report.rebuilt == 6 && report.resplit == 6 && report.regenerated == 0 && report.failed.isEmpty)
        // Old shares were deleted: 6 per node, not 12.
        for node in 0..<5 { #expect(try await deployment.transport.node(node).usage().shares == 6) }
        deployment.transport.set(.down, for: 0)
        deployment.transport.set(.down, for: 1)
        let (_, retrieved) = try await deployment.query(deployment.images[2].hashcode, k: 6)
        for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
    }

    @Test func deletedRecordsAreNeverReturnedAndTheirSharesLeaveEveryNode() async throws {
        let deployment = try await Deployment.make(records: 20)
        try await deployment.uploadAll()
        let doomed = ["img-0003", "img-0007", "img-0011", "img-0012", "img-0019"]
        var doomedShares = [SharePlacement](), doomedSlots = [String: Int]()
        for id in doomed {
            let record = try #require(try await deployment.metadata.record(id))
            doomedShares += record.placements
            doomedSlots[record.blockID + "/" + String(record.slot)] = record.slot
        }
        let blockIDs = Set(try await deployment.images.asyncMap { try await deployment.metadata.record($0.recordID)!.blockID })
        let report = try await deployment.master.delete(DeleteRequest(recordIDs: doomed + ["never-stored"]))
        #expect(report.outcomes.map(\.status) == Array(repeating: .deleted, count: 5) + [.notFound])
        #expect(report.sharesDeleted == 25 && report.sharesPending == 0)
        // Shares gone from every node; the others' shares stay.
        for node in 0..<5 {
            let held = try await Self.contents(of: deployment.transport.node(node))
            #expect(held.count == 15)
            for placement in doomedShares where placement.nodeIndex == node { #expect(held[placement.shareID] == nil) }
        }
        // Never returned: a query with a deleted image's own hashcode ranks only the remaining records, exactly as
        // the plaintext search over them; fetching a deleted id fails.
        let remaining = Set(deployment.images.map(\.recordID)).subtracting(doomed)
        for id in doomed {
            let query = deployment.images.first { $0.recordID == id }!.hashcode
            let (ranked, retrieved) = try await deployment.query(query, k: 20)
            #expect(ranked.count == 15 && ranked.allSatisfy { remaining.contains($0.recordID) })
            #expect(ranked == deployment.plaintextTopK(query, k: 20, among: remaining))
            for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
        }
        // The deleted slots are left out of the encrypted result itself: even the key holder cannot decrypt them.
        let response = try await deployment.master.search(try deployment.client.searchRequest(hashcode: deployment.images[3].hashcode))
        #expect(response.blocks.count == blockIDs.count)
        let perBlock = deployment.client.keyHolder.recordsPerBlock
        for block in response.blocks {
            let distances = try deployment.client.keyHolder.decryptDistances(block.encryptedDistances, count: perBlock)
            let live = Set(block.entries.map(\.slot))
            for slot in 0..<perBlock where !live.contains(slot) { #expect(distances[slot] == -1, "slot \(slot)") }
            for slot in live { #expect(distances[slot] >= 0) }
        }
        #expect(doomedSlots.count == 5)
        let fetched = try await deployment.master.fetch(FetchRequest(recordIDs: ["img-0003"]))
        guard case .failure = fetched.items[0].result else { Issue.record("a deleted record was fetched"); return }
        // Retry-safe: deleting again reports not found and changes nothing.
        let retry = try await deployment.master.delete(DeleteRequest(recordIDs: doomed))
        #expect(retry.outcomes.allSatisfy { $0.status == .notFound } && retry.sharesDeleted == 0)
        for node in 0..<5 { #expect(try await deployment.transport.node(node).usage().shares == 15) }
        // Re-sharing does not bring a deleted record back.
        deployment.transport.replace(1, with: StorageNode(store: InMemoryShareStore()))
        let reshared = try await deployment.master.reshare(nodeIndex: 1)
        #expect(reshared.rebuilt == 15 && reshared.regenerated == 15)
        #expect(try await deployment.transport.node(1).usage().shares == 15)
    }

    @Test func aDownNodesStaleShareIsDeletedLaterAndEmptyBlocksAreDropped() async throws {
        let deployment = try await Deployment.make(records: 6)
        try await deployment.uploadAll()
        let blockID = try #require(try await deployment.metadata.record("img-0000")).blockID
        deployment.transport.set(.down, for: 3)
        let report = try await deployment.master.delete(DeleteRequest(recordIDs: ["img-0000", "img-0001"]))
        #expect(report.outcomes.allSatisfy { $0.status == .deleted })
        #expect(report.sharesDeleted == 8 && report.sharesPending == 2)
        #expect(try await deployment.transport.node(3).usage().shares == 6)   // stale, but no record refers to it
        #expect(try await deployment.transport.node(2).usage().shares == 4)
        let (ranked, _) = try await deployment.query(deployment.images[0].hashcode, k: 6)
        #expect(!ranked.contains { $0.recordID == "img-0000" || $0.recordID == "img-0001" })
        // Still down: an empty delete keeps them pending; once the node is back, they are deleted.
        #expect(try await deployment.master.delete(DeleteRequest(recordIDs: [])).sharesPending == 2)
        deployment.transport.healAll()
        let purge = try await deployment.master.delete(DeleteRequest(recordIDs: []))
        #expect(purge.sharesDeleted == 2 && purge.sharesPending == 0)
        #expect(try await deployment.transport.node(3).usage().shares == 4)
        // Deleting every record of the block drops the block (its encrypted hashcodes) from the master.
        #expect(await deployment.metadata.hasBlock(blockID))
        _ = try await deployment.master.delete(DeleteRequest(recordIDs: deployment.images.map(\.recordID)))
        #expect(await !deployment.metadata.hasBlock(blockID))
        let empty = try await deployment.master.search(try deployment.client.searchRequest(hashcode: deployment.images[0].hashcode))
        #expect(empty.blocks.isEmpty)
        for node in 0..<5 { #expect(try await deployment.transport.node(node).usage().shares == 0) }
    }

    @Test func storageIsAboutNOverMTimesTheSealedImage() async throws {
        let deployment = try await Deployment.make(records: 4)
        var rng = seededGenerator(3)
        let big = TrustMedClient.Image(recordID: "big", bytes: SecureRandom.bytes(300_000, using: &rng),
                                       hashcode: deployment.images[0].hashcode)
        let response = try await deployment.master.upload(try deployment.client.uploadRequests(for: [big])[0])
        #expect(response.allStored)
        let record = try #require(try await deployment.metadata.record("big"))
        let ratio = Double(record.shareBytes) / Double(record.sealedSize)
        #expect(ratio > 5.0 / 3.0 - 0.01 && ratio < 5.0 / 3.0 + 0.05, "share bytes / sealed bytes = \(ratio)")
    }

    @Test func keysAreCheckedAndAWrongKeyNeverRanksGarbage() async throws {
        let deployment = try await Deployment.make(records: 5)
        try await deployment.uploadAll()
        var request = try deployment.client.searchRequest(hashcode: deployment.images[0].hashcode)
        request.keyFingerprint[0] ^= 1
        await #expect(throws: TrustMedError.keyMismatch) { try await deployment.master.search(request) }
        // A client with other keys cannot make sense of the distances.
        let stranger = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
            hashBits: Deployment.bits, parameterSet: TrustMedDefaults.testParameterSet))
        let response = try await deployment.master.search(try deployment.client.searchRequest(hashcode: deployment.images[0].hashcode))
        #expect(throws: TrustMedError.self) { try stranger.rank(response, k: 3) }
        // A swapped sealed image does not open under another record id.
        let fetched = try await deployment.master.fetch(FetchRequest(recordIDs: ["img-0000", "img-0001"]))
        var swapped = fetched
        swapped.items[0].result = fetched.items[1].result
        let opened = deployment.client.open(swapped)
        #expect(throws: TrustMedError.self) { try opened[0].result.get() }
    }
}

/// A sharing scheme without single-share regeneration (forces the master's re-split fallback).
struct NoRegenerationScheme: TrustMedShareScheme {
    let inner: any TrustMedShareScheme
    func split(_ secret: [UInt8], threshold: Int, shareCount: Int) throws(TrustMedError) -> (manifest: [UInt8], shares: [[UInt8]]) {
        try inner.split(secret, threshold: threshold, shareCount: shareCount)
    }
    func verifiedIndex(of share: [UInt8], manifest: [UInt8]) -> Int? { inner.verifiedIndex(of: share, manifest: manifest) }
    func combine(_ shares: [[UInt8]], manifest: [UInt8]) throws(TrustMedError) -> [UInt8] {
        try inner.combine(shares, manifest: manifest)
    }
}

extension Array {
    /// Maps with an async throwing transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out = [T]()
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
