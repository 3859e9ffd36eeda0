import MedSearchBFV
import MedSearchCore
@testable import MedSearchHESearch
import Testing
import _MedSearchTestSupport

/// The coordinator's merge locates shelves instead of decoding them; its duplicate check has a run path (increasing
/// runs of distinct high parts, TrustMedSearch's `handle << 16 | slot`), a bitmap path (other dense identifiers) and a
/// hash-set path (sparse ones). Each must refuse a repeat.
@Suite struct HammingMergeTests {
    static func shelf(_ ids: [UInt64]) -> HammingResponse.LocatedShelf {
        HammingResponse.LocatedShelf(span: ids.count, positions: Array(ids.indices), ids: ids, bitmap: 0..<0, packed: 0..<0)
    }

    @Test(arguments: [UInt64(0), 3 << 16, 1 << 40, UInt64.max - 10])
    func aRepeatedIdentifierIsRefusedWhateverItsRange(base: UInt64) throws {
        let first = Self.shelf((0..<5).map { base + $0 })
        let second = Self.shelf((5..<9).map { base + $0 })
        try HammingResponse.checkDistinctIdentifiers([first, second])
        #expect(throws: HESearchError.duplicateIdentifier) {
            try HammingResponse.checkDistinctIdentifiers([first, second, Self.shelf([base + 7])])
        }
        #expect(throws: HESearchError.duplicateIdentifier) {
            try HammingResponse.checkDistinctIdentifiers([Self.shelf([base + 2, base + 1, base + 2])])
        }
    }

    @Test func manyDenseIdentifiersOfSeveralBlocksAreDistinct() throws {
        // 40 blocks of 4,096 slots: the bitmap covers 40 << 16 bits.
        let shelves = (0..<40).map { handle in Self.shelf((0..<4096).map { UInt64(handle) << 16 | UInt64($0) }) }
        try HammingResponse.checkDistinctIdentifiers(shelves)
        #expect(throws: HESearchError.duplicateIdentifier) {
            try HammingResponse.checkDistinctIdentifiers(shelves + [Self.shelf([39 << 16 | 4095])])
        }
    }

    /// The run check (one pass, no bitmap) proves TrustMedSearch's identifiers distinct; whatever the layout, the
    /// answer equals a hash set's: random shelves of block runs, with repeats planted inside a run, across runs of
    /// one high part and across shelves, and runs out of order.
    @Test func theRunCheckAgreesWithAHashSetOnRandomLayouts() throws {
        var rng = seededGenerator(2027)
        // TrustMedSearch's layout: blocks of 256 slots side by side, handles spread over a wide range.
        let blocks = (0..<64).map { UInt64($0 * 61 + 5) }
        let trustMed = stride(from: 0, to: blocks.count, by: 16).map { first in
            Self.shelf(blocks[first..<first + 16].flatMap { handle in (0..<256).map { handle << 16 | UInt64($0) } })
        }
        #expect(HammingResponse.increasingRunsHaveDistinctHighParts(trustMed))
        try HammingResponse.checkDistinctIdentifiers(trustMed)
        for trial in 0..<300 {
            var shelves = trustMed.map { $0.ids }
            switch trial % 5 {
            case 0: // a repeat inside one run
                let s = Int.random(in: 0..<shelves.count, using: &rng), i = Int.random(in: 1..<shelves[s].count, using: &rng)
                shelves[s][i] = shelves[s][i - 1]
            case 1: // a repeat in another shelf
                let a = Int.random(in: 0..<shelves.count, using: &rng), b = (a + 1) % shelves.count
                shelves[b].append(shelves[a][Int.random(in: 0..<shelves[a].count, using: &rng)])
            case 2: // a second run of one high part, with new slots (distinct) or old ones (a repeat)
                let handle = blocks[Int.random(in: 0..<blocks.count, using: &rng)]
                let slot = UInt64(Int.random(in: 0..<512, using: &rng))
                shelves[Int.random(in: 0..<shelves.count, using: &rng)].append(handle << 16 | slot)
            case 3: // a run out of order (distinct)
                let s = Int.random(in: 0..<shelves.count, using: &rng)
                shelves[s].swapAt(Int.random(in: 0..<shelves[s].count, using: &rng), Int.random(in: 0..<shelves[s].count, using: &rng))
            default: // sparse random identifiers, sometimes repeated
                shelves = (0..<3).map { _ in (0..<50).map { _ in UInt64.random(in: 0..<2_000, using: &rng) << UInt64.random(in: 0...40, using: &rng) } }
            }
            let all = shelves.flatMap { $0 }
            let distinct = Set(all).count == all.count
            let located = shelves.map(Self.shelf)
            if distinct {
                try HammingResponse.checkDistinctIdentifiers(located)
            } else {
                #expect(!HammingResponse.increasingRunsHaveDistinctHighParts(located))
                #expect(throws: HESearchError.duplicateIdentifier) { try HammingResponse.checkDistinctIdentifiers(located) }
            }
        }
    }

    /// A real partial response with identifiers: located shelves carry exactly its identifiers, a merge of it decrypts
    /// to the same distances, and every truncation of it is refused with a typed error (the identifier reader works
    /// on the bytes directly).
    @Test func locatingAPartialResponseKeepsItsIdentifiersAndRefusesEveryTruncation() async throws {
        var rng = seededGenerator(31)
        let config = try HammingSearchConfiguration(parameters: .insecureN256SmallT, codeLength: 16)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let records = try (0..<300).map { i in
            HammingRecord(id: UInt64(7 + i * 104_729), code: try randomCode(bits: 16, using: &rng))
        }
        let database = try encoder.encrypt(records, using: &rng)
        let server = try HammingSearchServer(configuration: config)
        let query = try randomCode(bits: 16, using: &rng)
        let queryBytes = try client.encryptQuery(query, using: &rng)
        let prepared = try await server.prepare(database)
        let part = try await server.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 0..<prepared.shelfCount)
        var reader = ByteReader(part)
        let (withholds, count) = try HammingResponse.readHeader(&reader, configuration: config)
        #expect(!withholds)
        var ids: [UInt64] = []
        for _ in 0..<count { ids += try HammingResponse.locateShelf(&reader, withholds: false, configuration: config).ids }
        #expect(reader.isAtEnd && ids.sorted() == records.map(\.id).sorted())
        let merged = try server.mergeUnlinkable([part])
        let ranked = try client.nearestSlots(responseBytes: merged.response, k: 10)
        let resolved = try merged.mapping.resolve(requestBytes: HammingSlotRequest(ranked).serialized(), k: 10)
        let distanceOf = Dictionary(uniqueKeysWithValues: ranked.map { ($0.slot, $0.distance) })
        #expect(resolved.map { HammingMatch(id: $0.id, distance: distanceOf[$0.slot] ?? -1) }
            == plaintextHammingTopK(query: query, records: records, k: 10))
        for length in stride(from: 0, to: part.count, by: max(1, part.count / 200)) {
            #expect(throws: HESearchError.self) { try server.mergeUnlinkable([Array(part.prefix(length))]) }
        }
    }
}
