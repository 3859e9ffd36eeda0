import CZlib
import MedSearchImaging

/// Encodes 8-bit grayscale images as PNG (for thumbnails and full-size views sent to the browser).
enum PNGWriter {
    static func encode(_ image: GrayImage) -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity(image.rows * (image.columns + 1))
        for row in 0..<image.rows {
            raw.append(0)  // filter: none
            for column in 0..<image.columns {
                let value = image.values[row * image.columns + column]
                raw.append(UInt8(max(0, min(255, (value * 255).rounded()))))
            }
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        _ = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 6)
        compressed.removeSubrange(Int(compressedLength)...)

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        header += bigEndian(UInt32(image.columns)) + bigEndian(UInt32(image.rows))
        header += [8, 0, 0, 0, 0]  // 8-bit, grayscale, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", compressed, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        png += typeBytes + data
        let checksum = (typeBytes + data).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(checksum))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
}
