import Foundation
@testable import MedSearchClient
import MedSearchFNN
import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("FNN client: recovered vectors on disk")
struct FNNClientTests {
    @Test("the PNG writer's files decode to the same pixels (single and multi-block deflate)", arguments: [(7, 5), (300, 260)])
    func pngRoundTrip(width: Int, height: Int) throws {
        var generator = seededGenerator(71)
        let pixels = (0..<(width * height)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let png = try FNNPNG.encodeGray(width: width, height: height, pixels: pixels)
        let decoded = try PNGDecoder.decode(png)
        #expect(decoded.columns == width && decoded.rows == height && decoded.samplesPerPixel == 1)
        #expect(decoded.samples == pixels.map { Int32($0) })
        #expect(throws: MedSearchClientError.self) { try FNNPNG.encodeGray(width: 3, height: 3, pixels: [1, 2]) }
    }

    @Test("known answers: CRC-32 and Adler-32 of \"123456789\", the IEND chunk's CRC")
    func checksums() throws {
        let data = Array("123456789".utf8)
        #expect(FNNPNG.crc32(data) == 0xCBF4_3926)
        #expect(FNNPNG.adler32(data) == 0x091E_01DE)
        // Every PNG ends with the IEND chunk, whose CRC is AE 42 60 82.
        let png = try FNNPNG.encodeGray(width: 1, height: 1, pixels: [0])
        #expect(Array(png.suffix(4)) == [0xAE, 0x42, 0x60, 0x82])
    }

    @Test("writeVectors writes a CSV row per hit and a PNG per pixel vector")
    func writeVectors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fnn-vectors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let vectorizer = FNNVectorizer(feature: "pixels", side: 4, scale: 1, maxAbs: 255)
        let hits = [FNNSearchHit(id: 9, label: "a \"b\".png", squaredDistance: 12, vector: (0..<16).map { Int64($0 * 16) }),
                    FNNSearchHit(id: 3, label: "c.png", squaredDistance: 40, vector: [Int64](repeating: 255, count: 16))]
        let files = try FNNClientFlows.writeVectors(hits, vectorizer: vectorizer, to: directory)
        #expect(files.map(\.lastPathComponent) == ["vectors.csv", "rank1-id9.png", "rank2-id3.png"])
        let csv = try String(contentsOf: files[0], encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 3 && csv[1].hasPrefix("1,9,\"a \"\"b\"\".png\",12,0 16 32"))
        let image = try PNGDecoder.decode(Array(try Data(contentsOf: files[1])))
        #expect(image.samples == (0..<16).map { Int32($0 * 16) })
        #expect(throws: MedSearchClientError.self) {
            try FNNClientFlows.writeVectors([FNNSearchHit(id: 1, label: "", squaredDistance: 0)], vectorizer: vectorizer,
                                            to: directory)
        }
    }
}
