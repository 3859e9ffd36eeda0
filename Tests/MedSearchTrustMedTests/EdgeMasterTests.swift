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
                     nodeTimeout: Duration = .milliseconds(500)) async throws -> Deployment {
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: TrustMedDefaults.testParameterSet)
        let client = try TrustMedDefaults.client(keys: keys)
        let transport = FaultyNodeTransport(nodes: (0..<n).map { _ in StorageNode(store: InMemoryShareStore()) })
        let metadata = InMemoryMetadataStore()
        let master = try EdgeMaster(configuration: .init(threshold: m, nodeTimeout: nodeTimeout), metadata: metadata,
                                    nodes: transport,
                                    sharing: try TrustMedDefaults.sharingScheme(signingKey: TrustMedDefaults.newManifestSigningKey()),
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
        deployment.transport.set(.slow(.seconds(5)), for: 1)
        deployment.transport.set(.corrupt, for: 2)
        let start = ContinuousClock.now
        let (_, degraded) = try await deployment.query(query, k: 5)
        #expect(ContinuousClock.now - start < .seconds(4))
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

    @Test func reshareRebuildsAReplacedNode() async throws {
        let deployment = try await Deployment.make(records: 8)
        try await deployment.uploadAll()
        // Node 2 dies and is replaced by an empty node.
        deployment.transport.replace(2, with: StorageNode(store: InMemoryShareStore()))
        let report = try await deployment.master.reshare(nodeIndex: 2)
        #expect(report.rebuilt == 8 && report.failed.isEmpty)
        #expect(try await deployment.transport.node(2).usage().shares == 8)
        // Old shares are gone from the other nodes (8 new shares each, not 16).
        #expect(try await deployment.transport.node(0).usage().shares == 8)
        // Now lose two other nodes: the replaced node's shares are needed and valid.
        deployment.transport.set(.down, for: 0)
        deployment.transport.set(.down, for: 4)
        for image in deployment.images {
            #expect(try await deployment.master.rebuild(recordID: image.recordID).isEmpty == false)
        }
        let (_, retrieved) = try await deployment.query(deployment.images[5].hashcode, k: 8)
        for item in retrieved { #expect(try item.result.get() == deployment.bytes(of: item.recordID)) }
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
