import Foundation
import MedSearchCore
import MedSearchImaging

/// Errors of the crypto commands.
enum CryptoCommandError: Error, CustomStringConvertible {
    case invalidArgument(String)
    case unreadableImage(String)

    var description: String {
        switch self {
        case let .invalidArgument(reason): reason
        case let .unreadableImage(reason): "cannot read the image: \(reason)"
        }
    }
}

/// An 8-bit grayscale raster for the cipher statistics.
struct Gray8Image {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    /// Reads PNG/JPEG/DICOM through the imaging layer's `ImageLoader`, or a binary PGM (P5) parsed here. Colour is
    /// reduced to luma (integer BT.601), deeper samples are scaled to 8 bits by their min..max range, first frame only.
    static func load(path: String) throws -> Gray8Image {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CryptoCommandError.unreadableImage("\(path) does not exist or is unreadable")
        }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0x50, 0x35]) { return try parsePGM(bytes) }
        let buffer: PixelBuffer
        do {
            buffer = try ImageLoader.decode(bytes)
        } catch {
            throw CryptoCommandError.unreadableImage("\(error)")
        }
        let count = buffer.rows * buffer.columns
        let spp = buffer.samplesPerPixel
        var values = [Int32](repeating: 0, count: count)
        for index in 0..<count {
            if spp >= 3 {
                let r = buffer.samples[index * spp], g = buffer.samples[index * spp + 1], b = buffer.samples[index * spp + 2]
                values[index] = (299 * r + 587 * g + 114 * b) / 1000
            } else {
                values[index] = buffer.samples[index * spp]
            }
        }
        if buffer.photometric == .monochrome1 {
            let maximum = values.max() ?? 0
            values = values.map { maximum - $0 }
        }
        let pixels: [UInt8]
        if buffer.bitsStored <= 8 && !buffer.isSigned {
            pixels = values.map { UInt8(clamping: $0) }
        } else {
            let low = values.min() ?? 0, high = values.max() ?? 0
            let range = max(1, Int64(high) - Int64(low))
            pixels = values.map { UInt8((Int64($0) - Int64(low)) * 255 / range) }
        }
        return Gray8Image(width: buffer.columns, height: buffer.rows, pixels: pixels)
    }

    static func parsePGM(_ bytes: [UInt8]) throws -> Gray8Image {
        var position = 2
        func token() throws -> Int {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 10 { position += 1 }
                } else if [9, 10, 13, 32].contains(bytes[position]) {
                    position += 1
                } else { break }
            }
            var value = 0, digits = 0
            while position < bytes.count, (48...57).contains(bytes[position]), digits < 9 {
                value = value * 10 + Int(bytes[position] - 48)
                position += 1
                digits += 1
            }
            guard digits > 0 else { throw CryptoCommandError.unreadableImage("malformed PGM header") }
            return value
        }
        let width = try token(), height = try token(), maximum = try token()
        position += 1
        guard width > 0, height > 0, width <= 65536, height <= 65536, (1...255).contains(maximum) else {
            throw CryptoCommandError.unreadableImage("only 8-bit binary PGM (P5) images are supported")
        }
        guard bytes.count - position >= width * height else {
            throw CryptoCommandError.unreadableImage("PGM pixel data is truncated")
        }
        return Gray8Image(width: width, height: height, pixels: Array(bytes[position..<position + width * height]))
    }

    /// Bilinear resampling to `width x height`.
    func resized(width newWidth: Int, height newHeight: Int) -> Gray8Image {
        if newWidth == width && newHeight == height { return self }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        let sx = Double(width) / Double(newWidth), sy = Double(height) / Double(newHeight)
        for y in 0..<newHeight {
            let fy = max(0, (Double(y) + 0.5) * sy - 0.5)
            let y0 = min(Int(fy), height - 1), y1 = min(y0 + 1, height - 1), wy = fy - Double(y0)
            for x in 0..<newWidth {
                let fx = max(0, (Double(x) + 0.5) * sx - 0.5)
                let x0 = min(Int(fx), width - 1), x1 = min(x0 + 1, width - 1), wx = fx - Double(x0)
                let top = Double(pixels[y0 * width + x0]) * (1 - wx) + Double(pixels[y0 * width + x1]) * wx
                let bottom = Double(pixels[y1 * width + x0]) * (1 - wx) + Double(pixels[y1 * width + x1]) * wx
                out[y * newWidth + x] = UInt8(max(0, min(255, (top * (1 - wy) + bottom * wy).rounded())))
            }
        }
        return Gray8Image(width: newWidth, height: newHeight, pixels: out)
    }
}
