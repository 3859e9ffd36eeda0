import Foundation
import MedSearchBFV
import MedSearchCore
@testable import MedSearchHESearch
import Testing
import _MedSearchTestSupport

/// Issue 18 item 5: correctness under the noise of the largest database and the longest code, at the default set
/// (expanded one-ciphertext query, master-encrypted blocks, re-randomised and flooded responses).
@Suite struct HammingScaleTests {
    /// `MEDSEARCH_BFV_SCALE=records[,bits]` (for example `1000000,64` or `1000000,256`: minutes, best in a release test
    /// run); by default two full shelves (8,192 records) at `l = 256`, the most the debug suite affords.
    static var scale: (records: Int, bits: Int) {
        let parts = (ProcessInfo.processInfo.environment["MEDSEARCH_BFV_SCALE"] ?? "").split(separator: ",").compactMap { Int($0) }
        return (parts.first ?? 8_192, parts.count > 1 ? parts[1] : 256)
    }

    /// Every distance decrypts exactly, the top-10 equals the plaintext top-10 in identifier mode and through the
    /// unlinkable path (slots, then the master's resolution), for a query with exact and complementary records
    /// (distances 0 and `l`) and a random query; the flooded response keeps at least 1 bit of budget.
    @Test func largestDatabaseAndLongestCodeDecryptTheExactTopK() async throws {
        let (count, bits) = Self.scale
        var rng = seededGenerator(UInt64(count) &* 257 &+ UInt64(bits))
        let config = try HammingSearchConfiguration(codeLength: bits)
        #expect(config.expandsQueries)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let evaluationKey = try client.evaluationKeyBytes()
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: evaluationKey)
        let base = try randomCode(bits: bits, using: &rng)
        var records = try (0..<count - 2).map { HammingRecord(id: UInt64($0), code: try randomCode(bits: bits, using: &rng)) }
        records.append(HammingRecord(id: UInt64(count - 2), code: base))
        records.append(HammingRecord(id: UInt64(count - 1), code: try HammingCode(bits: (0..<bits).map { !base[bit: $0] })))
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: evaluationKey)
        let prepared = try await server.prepare(try await encoder.encryptConcurrently(records))
        #expect(prepared.shelfCount == (count + config.recordsPerBlock - 1) / config.recordsPerBlock)
        for query in [base, try randomCode(bits: bits, using: &rng)] {
            let queryBytes = try client.encryptQuery(query, using: &rng)
            let response = try await server.evaluate(queryBytes: queryBytes, prepared: prepared)
            let all = try await client.distancesConcurrently(responseBytes: response)
            #expect(all.count == count)
            #expect(all.allSatisfy { records[Int($0.id)].code.distance(to: query) == $0.distance })
            let top = plaintextHammingTopK(query: query, records: records, k: 10)
            #expect(try await client.topKConcurrently(responseBytes: response, k: 10) == top)
            #expect(try client.noiseBudget(responseBytes: response) >= 1)
            let unlinkable = try await server.evaluateUnlinkable(queryBytes: queryBytes, prepared: prepared)
            let ranked = try client.nearestSlots(responseBytes: unlinkable.response, k: 10)
            let resolved = try unlinkable.mapping.resolve(requestBytes: HammingSlotRequest(ranked).serialized(), k: 10)
            #expect(resolved.map(\.id) == top.map(\.id))
        }
    }
}
