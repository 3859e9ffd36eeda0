import Foundation
@testable import MedSearchImaging
import Testing
import _MedSearchTestSupport

/// Seeded mutation fuzzing: every mutant yields a value or a typed error, never a crash or a hang.
/// Default: a few thousand mutants; MEDSEARCH_LONG_TESTS=1 runs 100 times more.
@Suite struct FuzzTests {
    static let fixtures = ["MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm", "image_dfl.dcm", "rtplan.dcm",
                           "ExplVR_LitEndNoMeta.dcm", "SC_rgb_rle.dcm", "CT_small.dcm", "MR_small_bigendian.dcm",
                           "MR_small_implicit.dcm"]

    enum Mutation: CaseIterable { case truncate, flip, absurdLength, insert, delete, splice }

    static func mutate<G: RandomNumberGenerator>(_ input: [UInt8], using generator: inout G) -> [UInt8] {
        var bytes = input
        let kind = Mutation.allCases.randomElement(using: &generator)!
        // Mutations land mostly in the header, where the structure is.
        func position() -> Int {
            let limit = Bool.random(using: &generator) ? min(bytes.count, 2048) : bytes.count
            return Int.random(in: 0..<max(limit, 1), using: &generator)
        }
        switch kind {
        case .truncate:
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
        case .flip:
            for _ in 0..<Int.random(in: 1...8, using: &generator) where !bytes.isEmpty {
                bytes[position()] ^= UInt8.random(in: 1...255, using: &generator)
            }
        case .absurdLength:
            let values: [UInt32] = [0xFFFF_FFFF, 0xFFFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF, 0xFFFE, 0, 1,
                                    UInt32.random(in: 0...UInt32.max, using: &generator)]
            let value = values.randomElement(using: &generator)!
            let at = position()
            for k in 0..<4 where at + k < bytes.count { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
        case .insert:
            let at = position()
            let extra = (0..<Int.random(in: 1...16, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes.insert(contentsOf: extra, at: min(at, bytes.count))
        case .delete:
            guard !bytes.isEmpty else { break }
            let at = position()
            bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &generator)))
        case .splice:
            guard bytes.count > 16 else { break }
            let from = position(), to = position()
            let length = min(Int.random(in: 1...64, using: &generator), bytes.count - max(from, to))
            if length > 0 { bytes.replaceSubrange(to..<(to + length), with: input[from..<(from + length)]) }
        }
        return bytes
    }

    /// Runs everything a reader of this file would run; returns a typed-error flag or throws on anything untyped.
    static func exercise(_ bytes: [UInt8]) throws -> Bool {
        do {
            let file = try DICOMFile(bytes: bytes, limits: DecodeLimits(maxBytes: max(bytes.count * 64, 1 << 20)))
            _ = try? ImageInspector.dicomReport(file)
            if file.hasPixelData {
                let attributes = try file.pixelAttributes()
                if attributes.frames <= 16 { _ = try file.decodePixels() }
                _ = try file.grayImage(frame: 0)
            }
            let (clean, _) = try Deidentifier(secretBytes: DeidTests.insecureTestSecret).deidentify(file)
            _ = try DICOMFile(bytes: DICOMWriter.write(clean))
            return false
        } catch is DICOMError {
            return true
        } catch is DeidentificationError {
            return true
        }
    }

    @Test func mutatedFixturesNeverCrash() throws {
        var generator = seededGenerator(0xF022_D1C0)
        let perFixture = TestData.longTestsEnabled ? 40_000 : 260
        var typedErrors = 0, values = 0
        for name in Self.fixtures {
            let original = try DICOMFixtures.bytes(name)
            for _ in 0..<perFixture {
                let mutant = Self.mutate(original, using: &generator)
                do {
                    if try Self.exercise(mutant) { typedErrors += 1 } else { values += 1 }
                } catch {
                    Issue.record("\(name): untyped error \(error) (seed \(generator.seed))")
                }
            }
        }
        print("fuzz: \(values) values, \(typedErrors) typed errors over \(Self.fixtures.count * perFixture) mutants")
        #expect(typedErrors > 0 && values > 0)
    }

    /// Random bytes, random lengths, and streams that start like DICOM but are noise.
    @Test func noiseNeverCrashes() throws {
        var generator = seededGenerator(0xB0B5)
        let count = TestData.longTestsEnabled ? 100_000 : 1_000
        for i in 0..<count {
            var bytes = (0..<Int.random(in: 0...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if i % 3 == 0 && bytes.count > 140 {
                bytes.replaceSubrange(128..<132, with: Array("DICM".utf8))
                bytes.replaceSubrange(132..<136, with: [0x02, 0x00, 0x10, 0x00])
            }
            if i % 3 == 1 && bytes.count > 8 { bytes.replaceSubrange(0..<2, with: [0x08, 0x00]) }
            do { _ = try Self.exercise(bytes) } catch { Issue.record("untyped error \(error)") }
        }
    }

    /// The JPEG decoders on mutated JPEG streams: a value or a JPEGError.
    @Test func mutatedJPEGStreamsNeverCrash() throws {
        var generator = seededGenerator(0x1BE6)
        let file = try DICOMFixtures.file("SC_rgb_jpeg_dcmtk.dcm")
        guard case .fragments(_, let fragments)? = file.dataset[.pixelData]?.value else {
            Issue.record("no fragments")
            return
        }
        let jpeg = Array(fragments[0])
        let count = TestData.longTestsEnabled ? 50_000 : 600
        for _ in 0..<count {
            let mutant = Self.mutate(jpeg, using: &generator)
            do { _ = try JPEGDecoder.decode(mutant) } catch is JPEGError {} catch { Issue.record("untyped \(error)") }
            do { _ = try JPEGLosslessDecoder.decode(mutant[...]) } catch is JPEGError {} catch { Issue.record("untyped \(error)") }
        }
        // Lossless (process 14) streams: JPEG-LL's frame, mutated mostly in its headers and first scan bytes.
        guard case .fragments(_, let lossless)? = try DICOMFixtures.file("JPEG-LL.dcm").dataset[.pixelData]?.value else {
            Issue.record("no fragments")
            return
        }
        let stream = Array(lossless.joined())
        for _ in 0..<(TestData.longTestsEnabled ? 5_000 : 60) {
            let mutant = Self.mutate(stream, using: &generator)
            do { _ = try JPEGLosslessDecoder.decode(mutant[...]) } catch is JPEGError {} catch { Issue.record("untyped \(error)") }
        }
    }
}
