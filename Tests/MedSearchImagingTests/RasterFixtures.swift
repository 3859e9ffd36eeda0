import Foundation
import MedSearchImaging

/// Access to Fixtures/raster (PNG/NPZ files and the expected values written by
/// scripts/fixtures/make_raster_fixtures.py).
enum RasterFixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/raster")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    struct ExpectedBuffer: Decodable {
        var rows: Int
        var columns: Int
        var samplesPerPixel: Int
        var bitsAllocated: Int
        var photometric: String
        var samples: [Int32]
    }

    struct ExpectedNPZ: Decodable {
        var train_images: [Int32]
        var train_labels: [Int32]
        var floats: [Double]
        var big_endian: [Int32]
    }

    static func expectedPNGs() throws -> [String: ExpectedBuffer] {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        var all = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        all.removeValue(forKey: "npz")
        let pngOnly = try JSONSerialization.data(withJSONObject: all)
        return try JSONDecoder().decode([String: ExpectedBuffer].self, from: pngOnly)
    }

    static func expectedNPZ() throws -> ExpectedNPZ {
        struct Wrapper: Decodable { var npz: ExpectedNPZ }
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(Wrapper.self, from: data).npz
    }

    /// Rewrites every chunk CRC of a PNG so a mutation inside chunk data reaches the decoder's later stages.
    static func fixingCRCs(_ png: [UInt8]) -> [UInt8] {
        var bytes = png
        var offset = 8
        while bytes.count - offset >= 12 {
            let length = Int(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 |
                             UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
            guard length <= bytes.count - offset - 12 else { break }
            let crc = crc32(Array(bytes[offset + 4..<offset + 8 + length]))
            for i in 0..<4 { bytes[offset + 8 + length + i] = UInt8((crc >> (24 - 8 * UInt32(i))) & 0xFF) }
            offset += 12 + length
        }
        return bytes
    }

    /// Bitwise CRC-32 (the slow reference, independent of zlib).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
