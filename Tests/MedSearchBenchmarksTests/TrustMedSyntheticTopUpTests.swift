import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import MedSearchTrustMed
@testable import MedSearchBenchmarks
import Testing
import _MedSearchTestSupport

/// The synthetic top-up of `trustmed bench --images N` on a small scale and in one process: an edge master with
/// in-memory stores and 5 storage nodes (m = 3), real BFV on the small test parameters, a few real-looking records
/// plus a few hundred synthetic ones through the upload path; every unlinkable top-10 equals the plaintext ranking and
/// every fetched image the one uploaded.
@Suite("trustmed bench synthetic top-up")
struct TrustMedSyntheticTopUpTests {
    @Test func recordsAreDeterministicAndNamedByIndex() {
        let records = TrustMedSyntheticRecords(bits: 64, imageBytes: 100, seed: 5)
        #expect(records.id(42) == "synthetic-00000042")
        #expect(records.index(of: "synthetic-00000042") == 42)
        #expect(records.index(of: "synthetic-42") == nil && records.index(of: "img-0001") == nil)
        let a = records.record(7), b = records.record(7), c = records.record(8)
        #expect(a.bytes == b.bytes && a.hashcode == b.hashcode)
        #expect(a.bytes.count == 100 && a.hashcode.count == 64 && a.hashcode.allSatisfy { $0 <= 1 })
        #expect(a.bytes != c.bytes && a.hashcode != c.hashcode)
        #expect(records.image(id: "synthetic-00000007") == a.bytes)
        #expect(TrustMedSyntheticRecords(bits: 64, imageBytes: 100, seed: 6).record(7).bytes != a.bytes)
        // About half the bits set over many records (uniform codes).
        let ones = (0..<200).reduce(0) { $0 + records.hashcode($1).reduce(0) { $0 + Int($1) } }
        #expect((5_600...7_200).contains(ones))
    }

    @Test func topUpThroughTheUploadPathMatchesPlaintext() async throws {
        let bits = 64
        let keys = try TrustMedDefaults.generateClientKeys(hashBits: bits, parameterSet: TrustMedDefaults.testParameterSet)
        let client = try TrustMedDefaults.client(keys: keys)
        let master = try EdgeMaster(
            configuration: .init(threshold: 3), metadata: InMemoryMetadataStore(),
            nodes: LocalNodeTransport(nodes: (0..<5).map { _ in StorageNode(store: InMemoryShareStore()) }),
            sharing: try TrustMedDefaults.sharingScheme(signingKey: TrustMedDefaults.newManifestSigningKey()),
            evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        try await master.register(client.registration)

        // Real-looking records: codes near a few centres, so queries have close neighbours.
        var rng = seededGenerator(31)
        let centres = (0..<4).map { _ in (0..<bits).map { _ in UInt8.random(in: 0...1, using: &rng) } }
        let real = (0..<40).map { i in
            TrustMedClient.Image(recordID: "real-\(i)", bytes: (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) },
                                 hashcode: centres[i % 4].map { Int.random(in: 0..<10, using: &rng) == 0 ? 1 - $0 : $0 })
        }
        for request in try client.uploadRequests(for: real) { #expect(try await master.upload(request).allStored) }
        let synthetic = TrustMedSyntheticRecords(bits: bits, imageBytes: 200, seed: 9)
        let count = 300
        let summary = try await synthetic.upload(0..<count, client: client, concurrency: 3,
                                                 upload: { try await master.upload($0) })
        #expect(summary.stored == count)
        #expect(summary.requests == (count + client.keyHolder.recordsPerBlock - 1) / client.keyHolder.recordsPerBlock)

        let codes = synthetic.codes(count: count)
        let reference = try ExactSearch.HammingDatabase(
            ids: real.map(\.recordID) + codes.map(\.id),
            codes: (real.map(\.hashcode) + codes.map(\.hashcode)).map { Hashcode(bits: $0.map { $0 == 1 }) })
        let bytes = Dictionary(uniqueKeysWithValues: real.map { ($0.recordID, $0.bytes) })
        let harness = BenchHarness(rounds: 1)
        // Queries with real codes and with synthetic ones (whose top-10 holds synthetic records).
        for query in [real[0].hashcode, real[5].hashcode, synthetic.hashcode(17), synthetic.hashcode(250)] {
            let timed = try await TrustMedTimedQuery.run(
                harness, client: client, hashcode: query, k: 10, search: { try await master.search($0) },
                fetch: { try await master.fetch($0) }, reference: reference,
                expected: { bytes[$0] ?? synthetic.image(id: $0) })
            #expect(timed.topK == TrustMedPlaintext.topK(query: query, database: reference, k: 10))
            #expect(timed.topK.count == 10 && timed.total >= timed.searchAndRank)
            #expect(timed.queryBytes > 0 && timed.searchResponseBytes > 0 && timed.fetchResponseBytes > 0)
        }
        let mine = try await TrustMedTimedQuery.run(
            harness, client: client, hashcode: synthetic.hashcode(123), k: 10, search: { try await master.search($0) },
            fetch: { try await master.fetch($0) }, reference: reference, expected: { bytes[$0] ?? synthetic.image(id: $0) })
        #expect(mine.topK.first == TrustMedClient.Ranked(recordID: synthetic.id(123), distance: 0))

        // A wrong expectation is caught: the check is not vacuous.
        await #expect(throws: BenchmarkError.self) {
            _ = try await TrustMedTimedQuery.run(
                harness, client: client, hashcode: synthetic.hashcode(3), k: 10, search: { try await master.search($0) },
                fetch: { try await master.fetch($0) }, reference: reference, expected: { _ in [1, 2, 3] })
        }
    }
}
