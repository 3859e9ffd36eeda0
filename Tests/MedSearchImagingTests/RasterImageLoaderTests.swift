import Foundation
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("Image loader")
struct RasterImageLoaderTests {
    @Test("formats are recognised by content")
    func detection() throws {
        #expect(ImageLoader.detectFormat(try RasterFixtures.bytes("gray8.png")) == .png)
        #expect(ImageLoader.detectFormat([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
        #expect(ImageLoader.detectFormat([UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + [2, 0]) == .dicom)
        #expect(ImageLoader.detectFormat(try RasterFixtures.bytes("stored.npz")) == .npz)
        #expect(ImageLoader.detectFormat(Array("hello, world".utf8)) == nil)
        #expect(throws: RasterError.unrecognisedFormat) { try ImageLoader.decode(Array("hello, world".utf8)) }
    }

    @Test("a PNG through the loader equals the PNG decoder")
    func png() throws {
        let bytes = try RasterFixtures.bytes("rgb16.png")
        #expect(try ImageLoader.decode(bytes) == PNGDecoder.decode(bytes))
        let gray = try ImageLoader.loadGrayImage(RasterFixtures.directory.appendingPathComponent("rgb16.png"))
        #expect(gray.rows == 6 && gray.columns == 7 && gray.values.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("a DICOM file through the loader equals the DICOM reader, and its analysis form is in 0...1", .enabled(if: TestData.hasShared("dicom/CT_small.dcm"), "needs ../shared/data/dicom/CT_small.dcm"))
    func dicom() throws {
        let url = try #require(TestData.sharedFile("dicom/CT_small.dcm"))
        let buffer = try ImageLoader.load(url)
        #expect(buffer == (try DICOMFile(bytes: Array(try Data(contentsOf: url))).decodePixels()))
        #expect(buffer.rows == 128 && buffer.columns == 128)
        let gray = try ImageLoader.loadGrayImage(url)
        #expect(gray.values.allSatisfy { $0 >= 0 && $0 <= 1 } && gray.values.max()! > 0.5)
    }

    @Test("a missing file gives a typed error")
    func missing() {
        #expect(throws: RasterError.self) { try ImageLoader.load(URL(fileURLWithPath: "/nonexistent/x.png")) }
    }
}
