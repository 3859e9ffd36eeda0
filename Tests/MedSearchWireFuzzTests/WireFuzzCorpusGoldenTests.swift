import Foundation
import MedSearchCore
import Testing
import _MedSearchTestSupport
import _MedSearchWireFuzzHarness

/// The `Wire` fuzz target's seed corpus (Fuzz/Corpus/wire) is every golden fixture of every binary format, each
/// behind the selector byte of its decoder; these tests keep it complete and replay it, and every reproducer the
/// fuzzer found (Reproducers/, named after the bug), through the harness libFuzzer runs.
///
/// The suite's name ends in `GoldenTests`, so `MEDSEARCH_REGENERATE_GOLDEN=1 swift test --filter GoldenTests`
/// (docs/formats.md) rewrites the corpus with the fixtures.
@Suite struct WireFuzzCorpusGoldenTests {
    /// Types with golden fixtures that the harness does not decode, and why.
    static let exempt: [String: String] = [
        "DICOMwebEntry": "internal to MedSearchWeb and read only after AES-GCM authentication; its parts "
            + "(strings, an EncodedDataset, an MSID IdentityRecord) are fuzzed through IdentityRecord",
    ]

    struct Fixture {
        var type: String
        var file: URL
    }

    /// Every fixture listed in a `Tests/*/Golden/manifest.json`.
    static func fixtures() throws -> [Fixture] {
        let tests = TestData.root.appendingPathComponent("Tests")
        var found: [Fixture] = []
        for target in try FileManager.default.contentsOfDirectory(atPath: tests.path).sorted() {
            let golden = tests.appendingPathComponent(target).appendingPathComponent("Golden")
            guard let data = FileManager.default.contents(atPath: golden.appendingPathComponent("manifest.json").path),
                  let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let entries = manifest["fixtures"] as? [[String: Any]] else { continue }
            for entry in entries {
                guard let type = entry["type"] as? String, let file = entry["file"] as? String else { continue }
                found.append(Fixture(type: type, file: golden.appendingPathComponent(file)))
            }
        }
        return found
    }

    static let corpus = TestData.root.appendingPathComponent("Fuzz/Corpus/wire")

    /// The seeds a fixture gives: one per decoder of its type (the FNN formats have a second, key-less decoder).
    static func seeds(of fixture: Fixture) throws -> [(name: String, bytes: [UInt8])] {
        let bytes = [UInt8](try Data(contentsOf: fixture.file))
        return WireFuzzHarness.decoders.enumerated().compactMap { index, decoder in
            guard decoder.name == fixture.type || decoder.name.hasPrefix(fixture.type + "(") else { return nil }
            let suffix = decoder.name.dropFirst(fixture.type.count).filter { $0.isLetter }
            let name = fixture.file.deletingPathExtension().lastPathComponent + (suffix.isEmpty ? "" : "-\(suffix)")
            return (name + ".bin", [UInt8(index)] + bytes)
        }
    }

    @Test func everyGoldenFixtureIsASeedOfItsDecoder() throws {
        let fixtures = try Self.fixtures()
        #expect(fixtures.count >= 140)
        if GoldenDirectory.regenerating {
            try? FileManager.default.removeItem(at: Self.corpus)
            try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
        }
        var expected = Set<String>()
        for fixture in fixtures where Self.exempt[fixture.type] == nil {
            let seeds = try Self.seeds(of: fixture)
            #expect(!seeds.isEmpty, "no decoder for \(fixture.type): add it to WireFuzzHarness.decoders")
            for (name, bytes) in seeds {
                expected.insert(name)
                let file = Self.corpus.appendingPathComponent(name)
                if GoldenDirectory.regenerating {
                    try Data(bytes).write(to: file)
                } else {
                    #expect(FileManager.default.contents(atPath: file.path).map { [UInt8]($0) } == bytes,
                            "Fuzz/Corpus/wire/\(name) is missing or stale: run MEDSEARCH_REGENERATE_GOLDEN=1 swift test --filter GoldenTests")
                }
            }
        }
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path))
        #expect(present == expected, "Fuzz/Corpus/wire has files no fixture gives: \(present.subtracting(expected).sorted())")
    }

    @Test func everyDecoderHasASeedAndTheListHasNoDuplicates() throws {
        let types = Set(try Self.fixtures().map(\.type))
        for decoder in WireFuzzHarness.decoders {
            let type = decoder.name.split(separator: "(").first.map(String.init) ?? decoder.name
            #expect(types.contains(type), "decoder \(decoder.name) has no golden fixture")
        }
        let names = WireFuzzHarness.decoders.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.count <= 256)
    }

    static func replayable(_ folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test func theSeedCorpusRunsThroughTheHarness() throws {
        let seeds = Self.replayable(Self.corpus)
        #expect(seeds.count >= 140)
        for url in seeds {
            let bytes = [UInt8](try Data(contentsOf: url))
            #expect(throws: Never.self, "\(url.lastPathComponent)") { try WireFuzzHarness.run(bytes) }
        }
    }

    @Test func everyReproducerGivesAValueOrATypedError() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reproducers")
        for url in Self.replayable(folder) {
            let bytes = [UInt8](try Data(contentsOf: url))
            #expect(throws: Never.self, "\(url.lastPathComponent)") { try WireFuzzHarness.run(bytes) }
        }
    }
}
