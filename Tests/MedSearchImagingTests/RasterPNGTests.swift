import Foundation
import MedSearchCore
@testable import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("PNG decoder")
struct RasterPNGTests {
    @Test("every fixture decodes to the pixels the generating script encoded")
    func fixturesMatchExpectedPixels() throws {
        let expected = try RasterFixtures.expectedPNGs()
        #expect(expected.count >= 20)
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            let buffer = try PNGDecoder.decode(try RasterFixtures.bytes(name + ".png"))
            #expect(buffer.rows == want.rows, "\(name)")
            #expect(buffer.columns == want.columns, "\(name)")
            #expect(buffer.samplesPerPixel == want.samplesPerPixel, "\(name)")
            #expect(buffer.bitsAllocated == want.bitsAllocated, "\(name)")
            #expect(buffer.photometric.rawValue == want.photometric, "\(name)")
            #expect(buffer.samples == want.samples, "\(name)")
        }
    }

    @Test("header of a 16-bit interlaced gray image")
    func header() throws {
        let header = try PNGDecoder.readHeader(try RasterFixtures.bytes("gray16_interlaced.png"))
        #expect(header == PNGHeader(width: 9, height: 10, bitDepth: 16, colorType: .gray, interlaced: true))
    }

    @Test("16-bit samples keep their full range")
    func sixteenBit() throws {
        let buffer = try PNGDecoder.decode(try RasterFixtures.bytes("gray16.png"))
        #expect(buffer.bitsStored == 16)
        #expect(buffer.samples.max()! > 255)
    }

    @Test("a forged huge IHDR is refused without allocating")
    func hugeHeader() throws {
        var png = try RasterFixtures.bytes("gray8.png")
        // IHDR data starts at offset 16: width then height, big-endian.
        png.replaceSubrange(16..<24, with: [0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        png = RasterFixtures.fixingCRCs(png)
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "PNG", limit: .pixels, what: "a 65536x65536 image", declared: 1 << 32, maximum: 1 << 26))) {
            try PNGDecoder.decode(png)
        }
    }

    @Test("a flipped byte in a chunk gives a checksum error")
    func crcMismatch() throws {
        var png = try RasterFixtures.bytes("rgb8.png")
        png[png.count - 20] ^= 0x40
        #expect(throws: RasterError.self) { try PNGDecoder.decode(png) }
        do {
            _ = try PNGDecoder.decode(png)
        } catch {
            if case .checksumMismatch = error {} else { Issue.record("expected a checksum error, got \(error)") }
        }
    }

    @Test("non-PNG input is not recognised")
    func notPNG() {
        #expect(throws: RasterError.unrecognisedFormat) { try PNGDecoder.decode(Array("GIF89a and more bytes".utf8)) }
    }

    @Test("every truncation of every fixture throws a typed error")
    func truncations() throws {
        for name in ["gray1_interlaced", "rgb16", "palette4", "rgba16_interlaced"] {
            let png = try RasterFixtures.bytes(name + ".png")
            for length in 0..<png.count {
                #expect(throws: RasterError.self) { try PNGDecoder.decode(Array(png.prefix(length))) }
            }
        }
    }

    @Test("thousands of mutations (with CRCs repaired) never crash")
    func mutationsWithRepairedCRCs() throws {
        var generator = seededGenerator(0xF022_0001)
        let sources = try ["gray8_interlaced", "rgb8", "palette8", "gray16", "gray2", "rgba8"].map {
            try RasterFixtures.bytes($0 + ".png")
        }
        var decoded = 0, rejected = 0
        for round in 0..<3000 {
            var png = sources[round % sources.count]
            let flips = Int.random(in: 1...4, using: &generator)
            for _ in 0..<flips {
                let position = Int.random(in: 8..<png.count, using: &generator)
                png[position] = UInt8.random(in: 0...255, using: &generator)
            }
            if round % 3 != 0 { png = RasterFixtures.fixingCRCs(png) }
            do {
                let buffer = try PNGDecoder.decode(png)
                #expect(buffer.samples.count == buffer.rows * buffer.columns * buffer.samplesPerPixel)
                decoded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(decoded + rejected == 3000)
        #expect(rejected > 0)
    }

    @Test("real chest X-rays of the shared corpus decode as 128x128 8-bit gray", .enabled(if: TestData.hasShared("cxr-public/images"), "needs ../shared/data/cxr-public/images"))
    func sharedCorpus() throws {
        let directory = try #require(TestData.sharedFile("cxr-public/images"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".png") }.sorted()
        #expect(names.count == 1132)
        for name in names.prefix(40) {
            let buffer = try ImageLoader.load(directory.appendingPathComponent(name))
            #expect(buffer.rows == 128 && buffer.columns == 128 && buffer.samplesPerPixel == 1)
            #expect(buffer.bitsAllocated == 8 && buffer.photometric == .monochrome2)
            #expect(buffer.samples.min()! >= 0 && buffer.samples.max()! <= 255 && buffer.samples.max()! > 100)
        }
    }
}
