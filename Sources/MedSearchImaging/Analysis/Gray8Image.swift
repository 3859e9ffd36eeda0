/// An 8-bit grey raster: the form image-cipher statistics (entropy, NPCR, UACI, correlation) are computed on.
///
/// It is the analysis form (``GrayImage``, see ``PixelBuffer/grayImage(frame:rescale:scaling:)``) quantised to
/// 0...255, so it reads images exactly as the features do: colour becomes Rec. 601 luma, `MONOCHROME1` is
/// inverted, data of up to 8 stored bits keeps its values, deeper data is stretched over its min...max range.
/// Only the first frame is read. An 8-bit grey image therefore comes back with its pixels unchanged.
public struct Gray8Image: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Row-major pixels.
    public var pixels: [UInt8]

    /// Creates an image; `pixels.count` must equal `width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "pixel count mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The analysis form quantised: each value in 0...1 becomes the nearest of 0...255.
    public init(_ image: GrayImage) {
        self.init(width: image.columns, height: image.rows,
                  pixels: image.values.map { UInt8((Swift.min(Swift.max($0, 0), 1) * 255).rounded()) })
    }

    /// The first frame of `buffer` in the analysis form, quantised.
    public init(_ buffer: PixelBuffer) {
        self.init(buffer.grayImage())
    }

    /// These pixels in the analysis form (value / 255).
    public var grayImage: GrayImage {
        GrayImage(rows: height, columns: width, values: pixels.map { Float($0) / 255 })
    }

    /// Decodes PNG, JPEG or DICOM (through ``ImageLoader``) or a binary PGM (P5) and converts it.
    public static func decode(_ bytes: [UInt8]) throws -> Gray8Image {
        Gray8Image(bytes.starts(with: [0x50, 0x35]) ? try parsePGM(bytes) : try ImageLoader.decode(bytes))
    }

    /// Reads a binary PGM (P5) with a maximum value of at most 255 as an 8-bit grey pixel buffer.
    public static func parsePGM(_ bytes: [UInt8]) throws(RasterError) -> PixelBuffer {
        var position = 2
        func token() throws(RasterError) -> Int {
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
            guard digits > 0 else { throw .malformed(format: "PGM", reason: "malformed header") }
            return value
        }
        let width = try token(), height = try token(), maximum = try token()
        position += 1
        guard width > 0, height > 0, width <= 65536, height <= 65536, (1...255).contains(maximum) else {
            throw .unsupported(format: "PGM", feature: "image: only 8-bit binary PGM (P5) images are supported")
        }
        let available = Swift.max(0, bytes.count - position)
        guard available >= width * height else {
            throw .truncated(format: "PGM", offset: Swift.min(position, bytes.count), needed: width * height - available)
        }
        return PixelBuffer(rows: height, columns: width, samplesPerPixel: 1, bitsAllocated: 8, photometric: .monochrome2,
                           samples: bytes[position..<position + width * height].map { Int32($0) })
    }

    /// Resampled to `newWidth` x `newHeight` by ``GrayImage/resized(rows:columns:filter:)`` (area averaging when
    /// shrinking, Lanczos-3 when enlarging), then quantised again.
    public func resized(width newWidth: Int, height newHeight: Int) -> Gray8Image {
        if newWidth == width && newHeight == height { return self }
        return Gray8Image(grayImage.resized(rows: newHeight, columns: newWidth))
    }
}
