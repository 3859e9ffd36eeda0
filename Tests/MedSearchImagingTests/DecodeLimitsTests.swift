import Foundation
@testable import MedSearchImaging
import Testing
import _MedSearchTestSupport

/// Decompression bombs and forged headers (issue 14, item 1): every decoder refuses a declared size beyond its
/// ``DecodeLimits`` with a typed error naming the limit and the declared size, before allocating it. The memory
/// ceilings of whole commands on the same bombs are asserted in the CLI suite (peak RSS of a child process).
@Suite struct DecodeLimitsTests {
    static let defaultLimit = DecodeLimits.default

    // MARK: PNG

    @Test func theIssuesPNGBombsAreRefusedBeforeAllocating() throws {
        let rgba = DecompressionBombs.png16kRGBA16()
        #expect(rgba.count > 1_900_000 && rgba.count < 2_200_000, "the 2 MB bomb is \(rgba.count) bytes")
        let pixelsError = RasterError.limitExceeded(DecodeLimitExceeded(
            format: "PNG", limit: .pixels, what: "a 16384x16384 image", declared: 268_435_456,
            maximum: DecodeLimits.defaultMaxPixels))
        #expect(throws: pixelsError) { try PNGDecoder.decode(rgba) }
        let gray = DecompressionBombs.png16kGray8()
        #expect(gray.count > 240_000 && gray.count < 280_000, "the 261 KB bomb is \(gray.count) bytes")
        #expect(throws: pixelsError) { try PNGDecoder.decode(gray) }
        // Through every entry point that reads images.
        #expect(throws: pixelsError) { try ImageLoader.decode(rgba) }
        #expect(throws: ImageInspector.Failure.raster(pixelsError)) { try ImageInspector.inspect(bytes: gray) }
        do {
            _ = try ImageLoader.decode(rgba)
        } catch {
            let found = try #require(DecodeLimitExceeded.find(in: error))
            #expect(found.limit == .pixels && found.declared == 268_435_456)
            #expect("\(error)".contains("268435456") && "\(error)".contains("DecodeLimits.maxPixels"))
        }
        // A caller that allows the pixels still meets the byte budget: 3 GiB of RGB samples.
        let manyPixels = DecodeLimits(maxPixels: 1 << 28)
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "PNG", limit: .bytes, what: "the samples of a 16384x16384x3 image", declared: 3 << 30,
            maximum: DecodeLimits.defaultMaxBytes))) {
            try PNGDecoder.decode(rgba, limits: manyPixels)
        }
        // The scanlines are checked too: 16-bit gray + alpha has more scanline bytes (4 per pixel and a filter
        // byte per row) than Int32 samples (alpha is dropped).
        let grayAlpha = DecompressionBombs.png(width: 16384, height: 16384, bitDepth: 16, colorType: .grayAlpha)
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "PNG", limit: .bytes, what: "the inflated scanlines", declared: 16384 * (1 + 16384 * 4),
            maximum: 1 << 30))) {
            try PNGDecoder.decode(grayAlpha, limits: DecodeLimits(maxPixels: 1 << 28, maxBytes: 1 << 30))
        }
    }

    @Test func smallVersionsOfTheBombsDecode() throws {
        // The generator writes valid files: a reader without limits would inflate the big ones in full.
        let rgba = try PNGDecoder.decode(DecompressionBombs.png(width: 300, height: 70, bitDepth: 16, colorType: .rgba))
        #expect(rgba.rows == 70 && rgba.columns == 300 && rgba.samplesPerPixel == 3 && rgba.bitsAllocated == 16)
        #expect(rgba.samples.count == 300 * 70 * 3 && rgba.samples.allSatisfy { $0 == 0 })
        let gray = try PNGDecoder.decode(DecompressionBombs.png(width: 1000, height: 3, bitDepth: 8, colorType: .gray))
        #expect(gray.samples.count == 3000 && gray.samples.allSatisfy { $0 == 0 })
        let zeros = DecompressionBombs.zlibZeros(1_000_000)
        #expect(zeros.count < 1_100, "1 MB of zeros deflates to \(zeros.count) bytes (about 1032:1 plus the header)")
        let npz = try NPZArchive(bytes: DecompressionBombs.npzMedMNIST(images: 50))
        let images = try npz.array(named: "train_images")
        #expect(images.shape == [50, 28, 28] && images.data.count == 50 * 784 && images.data.allSatisfy { $0 == 0 })
        #expect(try npz.array(named: "train_labels").shape == [50, 1])
    }

    @Test func idatTooShortForTheDeclaredScanlinesIsRefusedBeforeAllocating() throws {
        // 8000 x 8000 gray (64 MB of scanlines, within every limit) with the IDAT of a 64 x 64 image.
        var png = DecompressionBombs.png(width: 64, height: 64, bitDepth: 8, colorType: .gray)
        png.replaceSubrange(16..<24, with: [0x00, 0x00, 0x1F, 0x40, 0x00, 0x00, 0x1F, 0x40])
        png = RasterFixtures.fixingCRCs(png)
        #expect(throws: RasterError.self) { try PNGDecoder.decode(png) }
        do {
            _ = try PNGDecoder.decode(png)
        } catch {
            guard case .malformed(_, let reason) = error, reason.contains("cannot inflate") else {
                Issue.record("expected the inflate-ratio check, got \(error)")
                return
            }
        }
    }

    // MARK: NPZ / NPY

    @Test func theIssuesNPZBombIsRefusedBeforeInflating() throws {
        let bomb = DecompressionBombs.npzMedMNIST()
        #expect(bomb.count > 1_400_000 && bomb.count < 1_700_000, "the 1.5 MB bomb is \(bomb.count) bytes")
        let archive = try NPZArchive(bytes: bomb)
        #expect(archive.names == ["train_images", "train_labels", "test_images", "test_labels"])
        let declared = DecompressionBombs.npyHeader(shape: [2_000_000, 28, 28], descr: "|u1").count + 1_568_000_000
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "NPZ", limit: .bytes, what: "the entry \"train_images.npy\"", declared: declared,
            maximum: DecodeLimits.defaultMaxBytes))) {
            try archive.array(named: "train_images")
        }
        // The small arrays of the same archive still read.
        #expect(try archive.array(named: "test_images").shape == [1, 28, 28])
    }

    @Test func anNPYShapeBeyondTheBudgetIsRefusedAfterOnlyItsHeaderInflates() throws {
        // 300 MB entry (within maxBytes) whose 300 M uint8 elements would be 1.2 GB as Int32.
        let header = DecompressionBombs.npyHeader(shape: [300_000_000], descr: "|u1")
        let archive = try NPZArchive(bytes: DecompressionBombs.npz([("big.npy", header, 300_000_000)]))
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "NPY", limit: .bytes, what: "an array of shape [300000000] of <u1", declared: 1_200_000_000,
            maximum: DecodeLimits.defaultMaxBytes))) {
            try archive.array(named: "big")
        }
        // In memory: a header declaring 2^40 float64 elements, no data.
        let huge = DecompressionBombs.npyHeader(shape: [1 << 20, 1 << 20], descr: "<f8")
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "NPY", limit: .bytes, what: "an array of shape [1048576, 1048576] of <f8", declared: 1 << 43,
            maximum: DecodeLimits.defaultMaxBytes))) {
            try NPYArray(npy: huge)
        }
        // An overflowing shape is reported as Int.max, not a trap.
        let overflow = DecompressionBombs.npyHeader(shape: [1 << 40, 1 << 40], descr: "|u1")
        #expect(throws: RasterError.self) { try NPYArray(npy: overflow) }
        // A stack of many tiny images costs its per-image overhead too.
        let tiny = NPYArray(shape: [10_000, 1, 1], dtype: .init(kind: "u", size: 1, littleEndian: true),
                            data: [UInt8](repeating: 7, count: 10_000))
        #expect(throws: RasterError.limitExceeded(DecodeLimitExceeded(
            format: "NPY", limit: .bytes, what: "10000 images of 1x1x1", declared: 10_000 * 260, maximum: 1 << 20))) {
            try tiny.imageBuffers(limits: DecodeLimits(maxBytes: 1 << 20))
        }
        #expect(try tiny.imageBuffers().count == 10_000)
    }

    @Test func anEntryThatInflatesPastItsDeclaredSizeGivesNoMore() throws {
        // Declared 1,000 bytes of NPY; the deflate stream holds far more zeros: reading stops at the declared size
        // and the CRC (of the declared bytes) decides.
        let header = DecompressionBombs.npyHeader(shape: [872], descr: "|u1")
        #expect(header.count == 128)
        var zip = DecompressionBombs.npz([("a.npy", header, 1000 - header.count)])
        let good = try NPZArchive(bytes: zip).array(named: "a")
        #expect(good.data.count == 872)
        // Swap in a stream of 100 MB of zeros after the same header (sizes in the headers unchanged).
        let long = DecompressionBombs.deflatedZeros(100_000_000, after: header)
        let original = DecompressionBombs.deflatedZeros(1000 - header.count, after: header)
        let start = try #require(zip.firstRange(of: original))
        zip.replaceSubrange(start, with: long)
        // Offsets after the entry moved: patch the compressed sizes and the directory offset.
        let delta = long.count - original.count
        func patch32(_ at: Int, _ value: Int) {
            for k in 0..<4 { zip[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
        }
        patch32(18, long.count)  // local header compressed size
        let directory = zip.count - 22 - 46 - 5
        patch32(directory + 20, long.count)
        patch32(zip.count - 6, Int(NPZArchive.le32(zip, zip.count - 6)) + delta)
        let archive = try NPZArchive(bytes: zip)
        #expect(try archive.array(named: "a").data.count == 872)
    }

    // MARK: JPEG

    /// The baseline JPEG stream inside SC_rgb_jpeg_dcmtk.dcm.
    static func baselineJPEG() throws -> [UInt8] {
        let file = try DICOMFixtures.file("SC_rgb_jpeg_dcmtk.dcm")
        guard case .fragments(_, let fragments)? = file.dataset[.pixelData]?.value else {
            throw DICOMError.noPixelData
        }
        return Array(fragments.joined())
    }

    /// `jpeg` with the frame header (SOFn) claiming `width` x `height`.
    static func withSize(_ jpeg: [UInt8], marker: UInt8, width: Int, height: Int) throws -> [UInt8] {
        var bytes = jpeg
        let at = try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == marker })
        bytes[at + 5] = UInt8(height >> 8); bytes[at + 6] = UInt8(height & 0xFF)
        bytes[at + 7] = UInt8(width >> 8); bytes[at + 8] = UInt8(width & 0xFF)
        return bytes
    }

    @Test func jpegHeadersBeyondTheLimitsAreRefused() throws {
        let jpeg = try Self.baselineJPEG()
        #expect(try JPEGDecoder.decode(jpeg).samplesPerPixel == 3)
        let forged = try Self.withSize(jpeg, marker: 0xC0, width: 60_000, height: 60_000)
        #expect(throws: JPEGError.limitExceeded(DecodeLimitExceeded(
            format: "JPEG", limit: .pixels, what: "a 60000x60000 image", declared: 3_600_000_000,
            maximum: DecodeLimits.defaultMaxPixels))) {
            try JPEGDecoder.decode(forged)
        }
        #expect(throws: JPEGError.limitExceeded(DecodeLimitExceeded(
            format: "JPEG", limit: .bytes, what: "the samples of a 60000x60000x3 image", declared: 43_200_000_000,
            maximum: DecodeLimits.defaultMaxBytes))) {
            try JPEGDecoder.decode(forged, limits: DecodeLimits(maxPixels: 1 << 32))
        }
        // Lossless (process 14): the stream inside JPEG-LL.dcm with a forged SOF3.
        let file = try DICOMFixtures.file("JPEG-LL.dcm")
        guard case .fragments(_, let fragments)? = file.dataset[.pixelData]?.value else {
            throw DICOMError.noPixelData
        }
        let lossless = Array(fragments.joined())
        #expect(try JPEGLosslessDecoder.decode(lossless[...]).width == 256)
        let forgedLossless = try Self.withSize(lossless, marker: 0xC3, width: 50_000, height: 50_000)
        #expect(throws: JPEGError.limitExceeded(DecodeLimitExceeded(
            format: "JPEG", limit: .pixels, what: "a 50000x50000 image", declared: 2_500_000_000,
            maximum: DecodeLimits.defaultMaxPixels))) {
            try JPEGLosslessDecoder.decode(forgedLossless[...])
        }
    }

    // MARK: DICOM

    /// An explicit VR little endian data set with the given image attributes and `pixels` bytes of pixel data.
    static func dicom(rows: Int, columns: Int, frames: Int? = nil, bitsAllocated: Int = 16, samples: Int = 1,
                      pixels: Int) -> [UInt8] {
        var b = DICOMStreamBuilder()
        func us(_ element: UInt16, _ value: Int) {
            b.explicit(0x0028, element, "US", [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)])
        }
        b.explicit(0x0008, 0x0060, "CS", DICOMStreamBuilder.text("OT"))
        us(0x0002, samples)
        b.explicit(0x0028, 0x0004, "CS", DICOMStreamBuilder.text(samples == 3 ? "RGB" : "MONOCHROME2"))
        if let frames { b.explicit(0x0028, 0x0008, "IS", DICOMStreamBuilder.text(String(frames))) }
        us(0x0010, rows)
        us(0x0011, columns)
        us(0x0100, bitsAllocated)
        us(0x0101, bitsAllocated)
        b.explicit(0x7FE0, 0x0010, bitsAllocated > 8 ? "OW" : "OB", [UInt8](repeating: 0, count: pixels))
        return b.bytes
    }

    @Test func dicomPixelSizesAreCheckedBeforeDecoding() throws {
        let huge = try DICOMFile(bytes: Self.dicom(rows: 65535, columns: 65535, pixels: 16))
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .pixels, what: "a 65535x65535 image", declared: 65535 * 65535,
            maximum: DecodeLimits.defaultMaxPixels))) {
            try huge.decodePixels()
        }
        #expect(throws: ImageInspector.Failure.self) { try ImageInspector.inspect(bytes: Self.dicom(rows: 65535, columns: 65535, pixels: 16)) }
        let frames = try DICOMFile(bytes: Self.dicom(rows: 512, columns: 512, frames: 1_000_000, pixels: 16))
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .frames, what: "the declared frames", declared: 1_000_000,
            maximum: DecodeLimits.defaultMaxFrames))) {
            try frames.decodeFrame(0)
        }
        // 1-bit data: 128 KiB of pixel data is 1 Mi samples, 4 MiB as Int32.
        var oneBit = try DICOMFile(bytes: Self.dicom(rows: 1024, columns: 1024, bitsAllocated: 1, pixels: 131_072),
                                   limits: DecodeLimits(maxBytes: 1 << 20))
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .bytes, what: "the samples of a 1024x1024x1 image", declared: 4 << 20,
            maximum: 1 << 20))) {
            try oneBit.decodePixels()
        }
        oneBit.limits = .default
        #expect(try oneBit.decodePixels().samples.count == 1 << 20)
        // All frames at once against one at a time: 40 frames of 512 x 512 x 3 is 120 MiB as Int32.
        let cine = try DICOMFile(bytes: Self.dicom(rows: 512, columns: 512, frames: 40, bitsAllocated: 8, samples: 3,
                                                   pixels: 512 * 512 * 3 * 40),
                                 limits: DecodeLimits(maxBytes: 64 << 20))
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .bytes, what: "the samples of 40 frames of 512x512x3", declared: 120 << 20,
            maximum: 64 << 20))) {
            try cine.decodePixels()
        }
        #expect(try cine.decodeFrame(39).samples.count == 512 * 512 * 3)
    }

    @Test func aDeflatedDataSetStopsInflatingAtTheLimit() throws {
        // Meta group naming the deflated syntax, then 64 MiB of zeros deflated to 64 KB.
        var meta = DICOMStreamBuilder()
        meta.explicit(0x0002, 0x0010, "UI", DICOMStreamBuilder.text("1.2.840.10008.1.2.1.99", pad: 0))
        let bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + meta.bytes
            + DecompressionBombs.deflatedZeros(64 << 20)
        #expect(bytes.count < 80_000)
        #expect(throws: DICOMError.limitExceeded(DecodeLimitExceeded(
            format: "DICOM", limit: .bytes, what: "the inflated data set (inflation stopped at the limit)",
            declared: (4 << 20) + 1, maximum: 4 << 20))) {
            try DICOMFile(bytes: bytes, limits: DecodeLimits(maxBytes: 4 << 20))
        }
    }

    @Test func theLimitErrorNamesTheLimitAndTheDeclaredSize() {
        let error = DecodeLimitExceeded(format: "PNG", limit: .pixels, what: "a 16384x16384 image",
                                        declared: 268_435_456, maximum: 67_108_864)
        #expect(error.description == "PNG: a 16384x16384 image would need 268435456 pixels, over the decode limit "
            + "of 67108864 pixels (DecodeLimits.maxPixels)")
        #expect(DecodeLimits.product(1 << 40, 1 << 40) == Int.max)
        #expect(DecodeLimits.product(3, -1) == Int.max)
        #expect(DecodeLimitExceeded.find(in: DICOMError.limitExceeded(error)) == error)
        #expect(DecodeLimitExceeded.find(in: JPEGError.limitExceeded(error)) == error)
        #expect(DecodeLimitExceeded.find(in: DICOMError.noPixelData) == nil)
    }
}
