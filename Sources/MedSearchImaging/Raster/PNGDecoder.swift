/// The header (IHDR) of a PNG image.
public struct PNGHeader: Sendable, Equatable {
    /// PNG colour types.
    public enum ColorType: UInt8, Sendable {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        /// Samples per pixel in the stored data (palette: one index).
        public var channels: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Bits per sample (1, 2, 4, 8 or 16).
    public var bitDepth: Int
    /// The colour type.
    public var colorType: ColorType
    /// Whether the image is Adam7-interlaced.
    public var interlaced: Bool
}

/// A PNG decoder written in Swift over zlib's inflate.
///
/// Reads every colour type (gray, gray+alpha, RGB, RGBA, palette), bit depths 1, 2, 4, 8 and 16, all five
/// filter types and Adam7 interlacing. Chunk CRCs are checked. The result is a ``PixelBuffer``:
/// gray becomes `MONOCHROME2` with one sample per pixel and the stored bit depth; RGB becomes `RGB`;
/// alpha channels are dropped (medical images are opaque); palette images are expanded to 8-bit RGB, or to
/// 8-bit `MONOCHROME2` when every palette entry is gray. 16-bit samples are kept exactly (no gamma applied).
///
/// ```swift
/// let pixels = try PNGDecoder.decode(Array(try Data(contentsOf: url)))
/// let gray = pixels.grayImage()
/// ```
public enum PNGDecoder {
    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `bytes` start with the PNG signature.
    public static func isPNG<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.starts(with: signature)
    }

    /// Reads and validates only the IHDR chunk.
    ///
    /// - Throws: ``RasterError`` when the signature or header is invalid.
    public static func readHeader(_ bytes: [UInt8]) throws(RasterError) -> PNGHeader {
        var reader = ChunkReader(bytes: bytes)
        try reader.readSignature()
        let chunk = try reader.nextChunk()
        guard chunk.type == "IHDR" else { throw .malformed(format: "PNG", reason: "first chunk is not IHDR") }
        return try parseHeader(bytes, chunk)
    }

    /// Decodes a PNG file held in memory.
    ///
    /// The header's size is checked against `limits` before anything is allocated: width x height against
    /// ``DecodeLimits/maxPixels``, the `Int32` samples of the result and the inflated scanlines against
    /// ``DecodeLimits/maxBytes``; IDAT data too short to inflate to the declared scanlines is refused too. The
    /// scanlines are then inflated one at a time, so the result is the only image-sized allocation.
    ///
    /// - Returns: the pixels as stored (see the type's discussion for the mapping of colour types).
    /// - Throws: ``RasterError/limitExceeded(_:)`` for a header beyond `limits`, and ``RasterError`` for any
    ///   malformed, truncated, corrupt or unsupported input.
    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) throws(RasterError) -> PixelBuffer {
        var reader = ChunkReader(bytes: bytes)
        try reader.readSignature()
        let first = try reader.nextChunk()
        guard first.type == "IHDR" else { throw .malformed(format: "PNG", reason: "first chunk is not IHDR") }
        let header = try parseHeader(bytes, first)
        do { try limits.checkPixels(format: "PNG", width: header.width, height: header.height) } catch {
            throw .limitExceeded(error)
        }
        var palette: [UInt8]? = nil
        var idat: [Range<Int>] = []
        var compressedCount = 0
        var idatEnded = false
        var sawEnd = false
        while !sawEnd {
            let chunk = try reader.nextChunk()
            switch chunk.type {
            case "IHDR":
                throw .malformed(format: "PNG", reason: "second IHDR chunk")
            case "PLTE":
                guard idat.isEmpty else { throw .malformed(format: "PNG", reason: "PLTE after IDAT") }
                guard palette == nil else { throw .malformed(format: "PNG", reason: "second PLTE chunk") }
                guard chunk.length % 3 == 0, chunk.length >= 3, chunk.length <= 768 else {
                    throw .malformed(format: "PNG", reason: "PLTE length \(chunk.length)")
                }
                palette = Array(bytes[chunk.dataStart..<chunk.dataStart + chunk.length])
            case "IDAT":
                guard !idatEnded else { throw .malformed(format: "PNG", reason: "IDAT chunks are not consecutive") }
                idat.append(chunk.dataStart..<chunk.dataStart + chunk.length)
                compressedCount += chunk.length
            case "IEND":
                sawEnd = true
            default:
                if !idat.isEmpty { idatEnded = true }
                // Unknown critical chunks (upper-case first letter) cannot be skipped safely.
                if let first = chunk.type.utf8.first, first >= 65, first <= 90 {
                    throw .unsupported(format: "PNG", feature: "critical chunk \(chunk.type)")
                }
            }
        }
        guard !idat.isEmpty else { throw .malformed(format: "PNG", reason: "no IDAT chunk") }
        var layout = try Layout(header: header, palette: palette)

        let passes = header.interlaced ? adam7Passes(header) : [Pass(x0: 0, y0: 0, dx: 1, dy: 1,
                                                                       width: header.width, height: header.height)]
        let bitsPerPixel = header.bitDepth * header.colorType.channels
        var rawSize = 0
        for pass in passes where pass.width > 0 && pass.height > 0 {
            rawSize = DecodeLimits.product(pass.height, 1 + (pass.width * bitsPerPixel + 7) / 8) &+ rawSize
        }
        do {
            try limits.checkSamples(format: "PNG", width: header.width, height: header.height,
                                    samplesPerPixel: layout.outputChannels)
            try limits.checkBytes(format: "PNG", what: "the inflated scanlines", rawSize)
        } catch {
            throw .limitExceeded(error)
        }
        guard rawSize <= Inflater.maximumInflatedSize(compressed: compressedCount) else {
            throw .malformed(format: "PNG", reason: "\(compressedCount) bytes of IDAT data cannot inflate to the "
                             + "\(rawSize) bytes of scanlines the header declares")
        }
        return try bytes.withUnsafeBytesTyped { (input) throws(RasterError) -> PixelBuffer in
            let stream = try InflateStream(input, pieces: idat, wrapping: .zlib, format: "PNG")
            return try assemble(header: header, layout: &layout, stream: stream, passes: passes)
        }
    }

    // MARK: - Header

    private static func parseHeader(_ bytes: [UInt8], _ chunk: Chunk) throws(RasterError) -> PNGHeader {
        guard chunk.length == 13 else { throw .malformed(format: "PNG", reason: "IHDR length \(chunk.length)") }
        let s = chunk.dataStart
        let width = Int(bigEndian32(bytes, s))
        let height = Int(bigEndian32(bytes, s + 4))
        let depth = Int(bytes[s + 8])
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw .malformed(format: "PNG", reason: "image size \(width)x\(height)")
        }
        guard let colorType = PNGHeader.ColorType(rawValue: bytes[s + 9]) else {
            throw .malformed(format: "PNG", reason: "colour type \(bytes[s + 9])")
        }
        let allowed: [Int] = switch colorType {
        case .gray: [1, 2, 4, 8, 16]
        case .palette: [1, 2, 4, 8]
        case .rgb, .grayAlpha, .rgba: [8, 16]
        }
        guard allowed.contains(depth) else {
            throw .malformed(format: "PNG", reason: "bit depth \(depth) for colour type \(colorType.rawValue)")
        }
        guard bytes[s + 10] == 0 else { throw .unsupported(format: "PNG", feature: "compression method \(bytes[s + 10])") }
        guard bytes[s + 11] == 0 else { throw .unsupported(format: "PNG", feature: "filter method \(bytes[s + 11])") }
        guard bytes[s + 12] <= 1 else { throw .malformed(format: "PNG", reason: "interlace method \(bytes[s + 12])") }
        return PNGHeader(width: width, height: height, bitDepth: depth, colorType: colorType,
                         interlaced: bytes[s + 12] == 1)
    }

    // MARK: - Chunks

    struct Chunk {
        var type: String
        var length: Int
        var dataStart: Int
    }

    struct ChunkReader {
        let bytes: [UInt8]
        var offset = 0

        mutating func readSignature() throws(RasterError) {
            guard bytes.count >= 8 else { throw .truncated(format: "PNG", offset: 0, needed: 8 - bytes.count) }
            guard bytes.starts(with: PNGDecoder.signature) else { throw .unrecognisedFormat }
            offset = 8
        }

        mutating func nextChunk() throws(RasterError) -> Chunk {
            guard bytes.count - offset >= 12 else {
                throw .truncated(format: "PNG", offset: offset, needed: 12 - (bytes.count - offset))
            }
            let length = Int(bigEndian32(bytes, offset))
            guard length <= Int(Int32.max) else { throw .malformed(format: "PNG", reason: "chunk length \(length)") }
            let typeBytes = bytes[offset + 4..<offset + 8]
            guard typeBytes.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else {
                throw .malformed(format: "PNG", reason: "invalid chunk type at offset \(offset + 4)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let available = bytes.count - offset - 12
            guard length <= available else {
                throw .truncated(format: "PNG", offset: offset, needed: length - available)
            }
            let stored = bigEndian32(bytes, offset + 8 + length)
            let computed = bytes.withUnsafeBytes { buffer in
                Inflater.crc32(UnsafeRawBufferPointer(rebasing: buffer[offset + 4..<offset + 8 + length]))
            }
            guard stored == computed else { throw .checksumMismatch(format: "PNG", what: "\(type) chunk CRC") }
            let chunk = Chunk(type: type, length: length, dataStart: offset + 8)
            offset += 12 + length
            return chunk
        }
    }

    @inline(__always)
    static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    // MARK: - Pixels

    struct Pass {
        var x0, y0, dx, dy, width, height: Int
    }

    static func adam7Passes(_ header: PNGHeader) -> [Pass] {
        let table = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        return table.map { x0, y0, dx, dy in
            Pass(x0: x0, y0: y0, dx: dx, dy: dy,
                 width: header.width > x0 ? (header.width - x0 + dx - 1) / dx : 0,
                 height: header.height > y0 ? (header.height - y0 + dy - 1) / dy : 0)
        }
    }

    /// How stored samples become output samples: alpha dropped, palette indices looked up.
    struct Layout {
        let header: PNGHeader
        /// Samples per pixel of the result.
        let outputChannels: Int
        /// The palette as RGB triples (palette images only).
        let table: [UInt8]
        /// Whether every palette entry is gray (then the result is one 8-bit gray sample per pixel).
        let grayPalette: Bool
        /// The result's samples.
        var samples: [Int32] = []

        init(header: PNGHeader, palette: [UInt8]?) throws(RasterError) {
            self.header = header
            table = palette ?? []
            if header.colorType == .palette {
                guard let palette else { throw .malformed(format: "PNG", reason: "palette image without PLTE") }
                guard palette.count / 3 <= 1 << header.bitDepth else {
                    throw .malformed(format: "PNG", reason: "palette has more entries than the bit depth allows")
                }
                var gray = true
                for entry in 0..<palette.count / 3 {
                    let red = palette[3 * entry]
                    if red != palette[3 * entry + 1] || red != palette[3 * entry + 2] { gray = false }
                }
                grayPalette = gray
            } else {
                grayPalette = false
            }
            switch header.colorType {
            case .gray, .grayAlpha: outputChannels = 1
            case .rgb, .rgba: outputChannels = 3
            case .palette: outputChannels = grayPalette ? 1 : 3
            }
        }

        /// Places one row of stored samples (`channels` per pixel) at pixels `x0, x0 + dx, ...` of row `y`.
        mutating func place(_ row: UnsafeBufferPointer<Int32>, pixels: Int, y: Int, x0: Int, dx: Int) throws(RasterError) {
            let channels = header.colorType.channels
            let out = outputChannels
            let width = header.width
            let entries = table.count / 3
            var badIndex: Int32? = nil
            samples.withUnsafeMutableBufferPointer { dst in
                table.withUnsafeBufferPointer { lut in
                    for p in 0..<pixels {
                        let target = (y * width + x0 + p * dx) * out
                        switch header.colorType {
                        case .gray, .rgb:
                            for c in 0..<channels { dst[target + c] = row[p * channels + c] }
                        case .grayAlpha, .rgba:
                            for c in 0..<out { dst[target + c] = row[p * channels + c] }
                        case .palette:
                            let index = row[p]
                            guard Int(index) < entries else {
                                badIndex = index
                                return
                            }
                            let e = 3 * Int(index)
                            if grayPalette {
                                dst[target] = Int32(lut[e])
                            } else {
                                dst[target] = Int32(lut[e])
                                dst[target + 1] = Int32(lut[e + 1])
                                dst[target + 2] = Int32(lut[e + 2])
                            }
                        }
                    }
                }
            }
            if let badIndex {
                throw .malformed(format: "PNG", reason: "palette index \(badIndex) beyond \(entries) entries")
            }
        }

        /// The finished buffer.
        func buffer() -> PixelBuffer {
            let photometric: Photometric = outputChannels == 3 ? .rgb : .monochrome2
            switch header.colorType {
            case .gray:
                return PixelBuffer(rows: header.height, columns: header.width, samplesPerPixel: 1,
                                   bitsAllocated: header.bitDepth <= 8 ? 8 : 16, bitsStored: header.bitDepth,
                                   photometric: .monochrome2, samples: samples)
            case .palette:
                return PixelBuffer(rows: header.height, columns: header.width, samplesPerPixel: outputChannels,
                                   bitsAllocated: 8, photometric: photometric, samples: samples)
            case .grayAlpha, .rgb, .rgba:
                return PixelBuffer(rows: header.height, columns: header.width, samplesPerPixel: outputChannels,
                                   bitsAllocated: header.bitDepth, photometric: photometric, samples: samples)
            }
        }
    }

    /// Inflates, unfilters and unpacks every scanline of every pass into the result, one scanline at a time.
    private static func assemble(header: PNGHeader, layout: inout Layout, stream: InflateStream,
                                 passes: [Pass]) throws(RasterError) -> PixelBuffer {
        let channels = header.colorType.channels
        let depth = header.bitDepth
        let bitsPerPixel = depth * channels
        let filterStride = max(1, bitsPerPixel / 8)
        layout.samples = [Int32](repeating: 0, count: header.width * header.height * layout.outputChannels)
        var line = [UInt8]()
        var previous = [UInt8]()
        var current = [UInt8]()
        var row = [Int32]()
        for pass in passes where pass.width > 0 && pass.height > 0 {
            let rowBytes = (pass.width * bitsPerPixel + 7) / 8
            line = [UInt8](repeating: 0, count: rowBytes + 1)
            previous = [UInt8](repeating: 0, count: rowBytes)
            current = [UInt8](repeating: 0, count: rowBytes)
            row = [Int32](repeating: 0, count: pass.width * channels)
            for passRow in 0..<pass.height {
                try line.withUnsafeMutableBytesTyped { (buffer) throws(RasterError) in try stream.read(into: buffer) }
                try line.withUnsafeBufferPointerTyped { (buffer) throws(RasterError) in
                    try unfilter(buffer[0], line: UnsafeBufferPointer(rebasing: buffer[1...]), previous: previous,
                                 into: &current, stride: filterStride)
                }
                current.withUnsafeBufferPointer { source in
                    row.withUnsafeMutableBufferPointer { out in
                        unpack(row: source, count: pass.width * channels, depth: depth) { out[$0] = $1 }
                    }
                }
                try row.withUnsafeBufferPointerTyped { (samples) throws(RasterError) in
                    try layout.place(samples, pixels: pass.width, y: pass.y0 + passRow * pass.dy, x0: pass.x0,
                                     dx: pass.dx)
                }
                swap(&previous, &current)
            }
        }
        return layout.buffer()
    }

    /// Reverses one PNG filter (None, Sub, Up, Average, Paeth) for one scanline.
    @inline(__always)
    private static func unfilter(_ filter: UInt8, line: UnsafeBufferPointer<UInt8>, previous: [UInt8],
                                 into current: inout [UInt8], stride: Int) throws(RasterError) {
        let count = line.count
        guard filter <= 4 else { throw .malformed(format: "PNG", reason: "filter type \(filter)") }
        previous.withUnsafeBufferPointer { up in
            current.withUnsafeMutableBufferPointer { out in
                switch filter {
                case 0:
                    for i in 0..<count { out[i] = line[i] }
                case 1:
                    for i in 0..<count { out[i] = line[i] &+ (i >= stride ? out[i - stride] : 0) }
                case 2:
                    for i in 0..<count { out[i] = line[i] &+ up[i] }
                case 3:
                    for i in 0..<count {
                        let left = i >= stride ? Int(out[i - stride]) : 0
                        out[i] = line[i] &+ UInt8((left + Int(up[i])) >> 1)
                    }
                case 4:
                    for i in 0..<count {
                        let a = i >= stride ? Int(out[i - stride]) : 0
                        let b = Int(up[i])
                        let c = i >= stride ? Int(up[i - stride]) : 0
                        let p = a + b - c
                        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                        let predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                        out[i] = line[i] &+ UInt8(predictor)
                    }
                default:
                    break
                }
            }
        }
    }

    /// Calls `emit(sampleIndex, value)` for the first `count` samples of a scanline.
    @inline(__always)
    private static func unpack(row: UnsafeBufferPointer<UInt8>, count: Int, depth: Int,
                               _ emit: (Int, Int32) -> Void) {
        switch depth {
        case 8:
            for i in 0..<count { emit(i, Int32(row[i])) }
        case 16:
            for i in 0..<count { emit(i, Int32(row[2 * i]) << 8 | Int32(row[2 * i + 1])) }
        default:
            let perByte = 8 / depth
            let mask = Int32((1 << depth) - 1)
            for i in 0..<count {
                let byte = Int32(row[i / perByte])
                let shift = 8 - depth * (i % perByte + 1)
                emit(i, (byte >> shift) & mask)
            }
        }
    }
}
