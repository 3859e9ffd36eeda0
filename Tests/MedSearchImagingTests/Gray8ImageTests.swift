import Foundation
import Testing
@testable import MedSearchImaging

/// The 8-bit grey form of `cipher-stats` is the imaging layer's analysis form, quantised.
@Suite struct Gray8ImageTests {
    static func fixture(_ path: String) throws -> [UInt8] {
        guard let root = Bundle.module.resourceURL else { throw RasterError.unrecognisedFormat }
        return Array(try Data(contentsOf: root.appendingPathComponent("Fixtures/\(path)")))
    }

    /// A binary PGM with a comment in its header.
    static let pgm: [UInt8] = Array("P5\n# a comment\n4 3\n255\n".utf8) + (0..<12).map { UInt8($0 * 20) }

    @Test func eightBitGreyKeepsItsPixels() throws {
        let bytes = try Self.fixture("raster/gray8.png")
        let buffer = try ImageLoader.decode(bytes)
        let image = try Gray8Image.decode(bytes)
        #expect(image.width == buffer.columns && image.height == buffer.rows)
        #expect(image.pixels == buffer.samples.prefix(buffer.rows * buffer.columns).map { UInt8($0) })
        #expect(Gray8Image(image.grayImage) == image, "quantising the analysis form of 8-bit pixels is exact")
    }

    @Test func pgmIsReadWithItsComment() throws {
        let image = try Gray8Image.decode(Self.pgm)
        #expect(image.width == 4 && image.height == 3)
        #expect(image.pixels == (0..<12).map { UInt8($0 * 20) })
    }

    @Test(arguments: ["CT_small.dcm", "raster/rgb8.png", "raster/gray16.png", "MR_small_RLE.dcm"])
    func otherImagesAreTheQuantisedAnalysisForm(path: String) throws {
        let bytes = try Self.fixture(path)
        let analysis = try ImageLoader.decode(bytes).grayImage()
        let image = try Gray8Image.decode(bytes)
        #expect(image.width == analysis.columns && image.height == analysis.rows)
        for (pixel, value) in zip(image.pixels, analysis.values) {
            #expect(abs(Float(pixel) - value * 255) <= 0.5 + 1e-3)
        }
        #expect(Set(image.pixels).count > 2, "\(path) is not flattened")
    }

    @Test func monochrome1IsInverted() {
        let buffer = PixelBuffer(rows: 1, columns: 3, samplesPerPixel: 1, bitsAllocated: 8, photometric: .monochrome1,
                                 samples: [0, 100, 255])
        #expect(Gray8Image(buffer).pixels == [255, 155, 0])
        let deep = PixelBuffer(rows: 1, columns: 3, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12,
                               photometric: .monochrome2, samples: [100, 600, 1100])
        #expect(Gray8Image(deep).pixels == [0, 128, 255], "deeper data is stretched over its range")
    }

    @Test func resizingUsesTheImagingResampler() {
        let constant = Gray8Image(width: 9, height: 7, pixels: [UInt8](repeating: 77, count: 63))
        #expect(constant.resized(width: 4, height: 3) == Gray8Image(width: 4, height: 3,
                                                                    pixels: [UInt8](repeating: 77, count: 12)))
        let ramp = Gray8Image(width: 8, height: 2, pixels: (0..<16).map { UInt8(($0 % 8) * 30) })
        let half = ramp.resized(width: 4, height: 2)
        #expect(half == Gray8Image(ramp.grayImage.resized(rows: 2, columns: 4)))
        #expect(half.pixels.prefix(4).elementsEqual([15, 75, 135, 195]), "area averaging of pairs")
        #expect(ramp.resized(width: 8, height: 2) == ramp)
    }

    @Test func malformedPGMsAreTypedErrors() {
        #expect(throws: RasterError.self) { try Gray8Image.parsePGM(Array("P5\n4".utf8)) }
        #expect(throws: RasterError.self) { try Gray8Image.parsePGM(Array("P5 4 3 65535\n".utf8) + [0, 0]) }
        #expect(throws: RasterError.self) { try Gray8Image.parsePGM(Array("P5 4 3 255\n".utf8) + [1, 2, 3]) }
        #expect(throws: RasterError.self) { try Gray8Image.parsePGM(Array("P5 999999999 3 255\n".utf8)) }
    }
}
