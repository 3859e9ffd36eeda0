@testable import MedSearchHESearch
import Testing

/// The coordinator's merge locates shelves instead of decoding them; its duplicate check has a bitmap path (dense
/// identifiers, TrustMedSearch's `handle << 16 | slot`) and a hash-set path (sparse ones). Both must refuse a repeat.
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
}
