import Foundation
import MedSearchImaging
import Testing
import _MedSearchFuzzHarness
import _MedSearchTestSupport

/// Replays, through the same harnesses libFuzzer runs (Fuzz/Harness), every reproducer the fuzzers found
/// (Fixtures/fuzz/<target>/, one file per finding, named after the bug) and the committed seed corpus
/// (Fuzz/Corpus/<target>/). Before its fix each reproducer crashed, hung or blew up the process.
@Suite struct FuzzRegressionTests {
    static func files(in directory: URL) -> [(target: String, url: URL)] {
        FuzzHarness.targets.keys.sorted().flatMap { target -> [(target: String, url: URL)] in
            let folder = directory.appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.sorted().map { (target, folder.appendingPathComponent($0)) }
        }
    }

    @Test func everyReproducerGivesAValueOrATypedError() throws {
        let reproducers = Self.files(in: DICOMFixtures.url("fuzz"))
        #expect(!reproducers.isEmpty)
        for (target, url) in reproducers {
            let harness = try #require(FuzzHarness.targets[target])
            #expect(throws: Never.self, "\(target)/\(url.lastPathComponent)") { try harness(DICOMFile.readBytes(url)) }
        }
    }

    @Test func theSeedCorpusRunsThroughTheHarnesses() throws {
        let seeds = Self.files(in: TestData.root.appendingPathComponent("Fuzz/Corpus"))
        #expect(seeds.count >= 50)
        for (target, url) in seeds {
            let harness = try #require(FuzzHarness.targets[target])
            #expect(throws: Never.self, "\(target)/\(url.lastPathComponent)") { try harness(DICOMFile.readBytes(url)) }
        }
    }

    @Test func anOverfullLosslessHuffmanTableIsATypedError() throws {
        // 17 codes of length 3 (only 8 exist): indexed past the 8-bit lookup table before the fix.
        let bytes = try DICOMFile.readBytes(DICOMFixtures.url("fuzz/jpeg/lossless-huffman-code-overflow.jpg"))
        #expect(throws: JPEGError.malformedStream(reason: "Huffman table has more codes of length 3 than fit")) {
            try JPEGLosslessDecoder.decode(bytes[...])
        }
    }
}
