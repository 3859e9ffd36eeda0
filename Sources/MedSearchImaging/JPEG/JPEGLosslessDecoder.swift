/// A pure-Swift decoder for lossless JPEG (ITU-T T.81 process 14: Huffman coding, predictors 1-7, point
/// transform, restart intervals), 2 to 16 bits per sample, one or more components with 1x1 sampling.
///
/// This is the coding of the DICOM transfer syntaxes 1.2.840.10008.1.2.4.57 and .70, which libjpeg-turbo 2.1
/// does not decode.
public enum JPEGLosslessDecoder {
    /// A decoded lossless image: samples interleaved per pixel.
    public struct Image: Sendable, Equatable {
        /// Width.
        public var width: Int
        /// Height.
        public var height: Int
        /// Components per pixel.
        public var components: Int
        /// Sample precision in bits.
        public var precision: Int
        /// Samples, row-major, interleaved per pixel.
        public var samples: [Int32]
    }

    private struct HuffmanTable {
        // Canonical decoding: for each length l, the maximum code and the index of its first value.
        var maxCode = [Int32](repeating: -1, count: 18)
        var valueOffset = [Int32](repeating: 0, count: 18)
        var values = [UInt8]()
        // 8-bit fast lookup: (length << 8 | value), 0 when the code is longer.
        var fast = [UInt16](repeating: 0, count: 256)

        /// Builds the canonical code (T.81 Annex C).
        /// - Throws: ``JPEGError/malformedStream(reason:)`` when the counts need more codes of a length than
        ///   that length has (a table no encoder can write; it would index past the lookup table).
        init(counts: [Int], values: [UInt8]) throws {
            self.values = values
            var code: Int32 = 0
            var k: Int32 = 0
            for length in 1...16 {
                let n = Int32(counts[length - 1])
                guard code + n <= Int32(1) << length else {
                    throw JPEGError.malformedStream(reason: "Huffman table has more codes of length \(length) than fit")
                }
                valueOffset[length] = k - code
                if n > 0 {
                    if length <= 8 {
                        for c in code..<(code + n) {
                            let first = Int(c) << (8 - length)
                            let value = UInt16(values[Int(k + c - code)])
                            for j in 0..<(1 << (8 - length)) { fast[first + j] = UInt16(length) << 8 | value }
                        }
                    }
                    code += n
                    k += n
                    maxCode[length] = code - 1
                }
                code <<= 1
            }
            maxCode[17] = Int32.max
        }
    }

    private struct BitReader {
        let data: UnsafeBufferPointer<UInt8>
        var position: Int
        var buffer: UInt64 = 0
        var bits = 0
        var hitMarker = false

        init(data: UnsafeBufferPointer<UInt8>, position: Int) {
            self.data = data
            self.position = position
        }

        mutating func fill() {
            while bits <= 56 {
                var byte: UInt8 = 0
                if !hitMarker && position < data.count {
                    byte = data[position]
                    if byte == 0xFF {
                        let next = position + 1 < data.count ? data[position + 1] : 0xD9
                        if next == 0x00 {
                            position += 2
                        } else {
                            hitMarker = true  // a marker: feed zeros from here on
                            byte = 0
                        }
                    } else {
                        position += 1
                    }
                }
                buffer |= UInt64(byte) << UInt64(56 - bits)
                bits += 8
            }
        }

        mutating func peek8() -> Int {
            if bits < 8 { fill() }
            return Int(buffer >> 56)
        }

        mutating func read(_ count: Int) -> Int {
            if count == 0 { return 0 }
            if bits < count { fill() }
            let value = Int(buffer >> UInt64(64 - count))
            buffer <<= UInt64(count)
            bits -= count
            return value
        }

        /// Skips to the next RSTn marker after a restart interval.
        mutating func restart() throws {
            buffer = 0
            bits = 0
            hitMarker = false
            while position + 1 < data.count {
                if data[position] == 0xFF, (0xD0...0xD7).contains(data[position + 1]) {
                    position += 2
                    return
                }
                position += 1
            }
            throw JPEGError.malformedStream(reason: "restart marker missing")
        }
    }

    /// Decodes a lossless JPEG stream.
    ///
    /// The frame header's size is checked against `limits` (width x height against ``DecodeLimits/maxPixels``,
    /// the `Int32` samples against ``DecodeLimits/maxBytes``) and against the input (every sample costs at least
    /// one bit) before the samples are allocated.
    /// - Throws: ``JPEGError``, ``JPEGError/limitExceeded(_:)`` beyond `limits`.
    public static func decode(_ bytes: ArraySlice<UInt8>, limits: DecodeLimits = .default) throws -> Image {
        try bytes.withUnsafeBufferPointer { try decode(buffer: $0, limits: limits) }
    }

    private static func decode(buffer data: UnsafeBufferPointer<UInt8>, limits: DecodeLimits) throws -> Image {
        func u16(_ o: Int) throws -> Int {
            guard o + 1 < data.count else { throw JPEGError.malformedStream(reason: "truncated segment") }
            return Int(data[o]) << 8 | Int(data[o + 1])
        }
        guard data.count >= 4, data[0] == 0xFF, data[1] == 0xD8 else {
            throw JPEGError.malformedStream(reason: "no SOI marker")
        }
        var tables = [Int: HuffmanTable]()
        var position = 2
        var width = 0, height = 0, precision = 0
        var componentIDs = [Int]()
        var restartInterval = 0
        while true {
            // Find the next marker (skipping fill bytes).
            guard position + 1 < data.count else { throw JPEGError.malformedStream(reason: "no scan") }
            guard data[position] == 0xFF else { throw JPEGError.malformedStream(reason: "expected a marker") }
            let marker = data[position + 1]
            if marker == 0xFF { position += 1; continue }
            position += 2
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { continue }
            if marker == 0xD9 { throw JPEGError.malformedStream(reason: "EOI before any scan") }
            let length = try u16(position)
            guard length >= 2, position + length <= data.count else {
                throw JPEGError.malformedStream(reason: "segment length beyond the data")
            }
            let body = position + 2, end = position + length
            switch marker {
            case 0xC3:
                guard length >= 8 else { throw JPEGError.malformedStream(reason: "short SOF3") }
                precision = Int(data[body])
                height = try u16(body + 1)
                width = try u16(body + 3)
                let count = Int(data[body + 5])
                guard count >= 1, count <= 4, length == 8 + 3 * count else {
                    throw JPEGError.malformedStream(reason: "bad SOF3 component count")
                }
                for c in 0..<count {
                    componentIDs.append(Int(data[body + 6 + 3 * c]))
                    guard data[body + 7 + 3 * c] == 0x11 else {
                        throw JPEGError.unsupportedProcess(reason: "lossless JPEG with subsampling")
                    }
                }
                guard (2...16).contains(precision), width > 0, height > 0 else {
                    throw JPEGError.malformedStream(reason: "bad SOF3 dimensions or precision")
                }
            case 0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
                throw JPEGError.unsupportedProcess(reason: "SOF marker 0x\(String(marker, radix: 16)) is not lossless Huffman")
            case 0xC4:
                var o = body
                while o < end {
                    let id = Int(data[o])
                    guard o + 17 <= end else { throw JPEGError.malformedStream(reason: "short DHT") }
                    let counts = (0..<16).map { Int(data[o + 1 + $0]) }
                    let total = counts.reduce(0, +)
                    guard o + 17 + total <= end, total <= 256 else { throw JPEGError.malformedStream(reason: "short DHT") }
                    tables[id & 0x1F] = try HuffmanTable(counts: counts, values: Array(data[(o + 17)..<(o + 17 + total)]))
                    o += 17 + total
                }
            case 0xDD:
                restartInterval = try u16(body)
            case 0xDA:
                guard width > 0 else { throw JPEGError.malformedStream(reason: "scan before SOF3") }
                let count = Int(data[body])
                guard count == componentIDs.count, length == 6 + 2 * count else {
                    throw JPEGError.unsupportedProcess(reason: "lossless scans that do not interleave every component")
                }
                var scanTables = [HuffmanTable]()
                for c in 0..<count {
                    guard data[body + 1 + 2 * c] == componentIDs[c] else {
                        throw JPEGError.malformedStream(reason: "scan component order")
                    }
                    guard let table = tables[Int(data[body + 2 + 2 * c] >> 4)] else {
                        throw JPEGError.malformedStream(reason: "missing Huffman table")
                    }
                    scanTables.append(table)
                }
                let predictor = Int(data[body + 1 + 2 * count])
                let pointTransform = Int(data[body + 3 + 2 * count] & 0x0F)
                guard (1...7).contains(predictor), pointTransform < precision else {
                    throw JPEGError.malformedStream(reason: "bad predictor or point transform")
                }
                do {
                    try limits.checkPixels(format: "JPEG", width: width, height: height)
                    try limits.checkSamples(format: "JPEG", width: width, height: height, samplesPerPixel: count)
                } catch {
                    throw JPEGError.limitExceeded(error)
                }
                // Every sample costs at least one bit: bound the output by the input.
                let sampleCount = width * height * count
                guard sampleCount <= (data.count - end) * 8 + 64 else {
                    throw JPEGError.imageTooLarge(width: width, height: height)
                }
                let samples = try decodeScan(data: data, start: end, width: width, height: height, tables: scanTables,
                                             predictor: predictor, precision: precision,
                                             pointTransform: pointTransform, restartInterval: restartInterval)
                return Image(width: width, height: height, components: count, precision: precision, samples: samples)
            default:
                break  // APPn, COM, DQT, DNL... skipped by length
            }
            position = end
        }
    }

    private static func decodeScan(data: UnsafeBufferPointer<UInt8>, start: Int, width: Int, height: Int,
                                   tables: [HuffmanTable], predictor: Int, precision: Int, pointTransform: Int,
                                   restartInterval: Int) throws -> [Int32] {
        let nc = tables.count
        let count = width * height * nc
        var out = [Int32](repeating: 0, count: count)
        var reader = BitReader(data: data, position: start)
        let initial = Int32(1 << (precision - pointTransform - 1))
        let mask = Int32((1 << 16) - 1)
        var mcusLeft = restartInterval
        var lineResetRow = 0  // the row that predicts from the left only (first row, or the row of a restart)
        try out.withUnsafeMutableBufferPointer { samples in
            for row in 0..<height {
                for column in 0..<width {
                    var restartHere = row == 0 && column == 0
                    if restartInterval > 0 {
                        if mcusLeft == 0 {
                            try reader.restart()
                            mcusLeft = restartInterval
                            restartHere = true
                        }
                        mcusLeft -= 1
                    }
                    if restartHere { lineResetRow = row }
                    for c in 0..<nc {
                        let index = (row * width + column) * nc + c
                        // Huffman-decode the difference category.
                        let table = tables[c]
                        var category: Int
                        let look = reader.peek8()
                        let entry = Int(table.fast[look])
                        if entry != 0 {
                            _ = reader.read(entry >> 8)
                            category = entry & 0xFF
                        } else {
                            var code = Int32(reader.read(8))
                            var length = 8
                            while length < 17 && code > table.maxCode[length] {
                                code = code << 1 | Int32(reader.read(1))
                                length += 1
                            }
                            guard length <= 16 else { throw JPEGError.malformedStream(reason: "bad Huffman code") }
                            let valueIndex = Int(code + table.valueOffset[length])
                            guard valueIndex >= 0, valueIndex < table.values.count else {
                                throw JPEGError.malformedStream(reason: "bad Huffman code")
                            }
                            category = Int(table.values[valueIndex])
                        }
                        guard category <= 16 else { throw JPEGError.malformedStream(reason: "bad difference category") }
                        var diff: Int32
                        if category == 0 {
                            diff = 0
                        } else if category == 16 {
                            diff = 32768
                        } else {
                            let bits = Int32(reader.read(category))
                            diff = bits < Int32(1 << (category - 1)) ? bits - Int32(1 << category) + 1 : bits
                        }
                        // Prediction.
                        let prediction: Int32
                        if restartHere {
                            prediction = initial
                        } else if row == lineResetRow {
                            prediction = samples[index - nc]
                        } else if column == 0 {
                            prediction = samples[index - width * nc]
                        } else {
                            let a = samples[index - nc], b = samples[index - width * nc]
                            let cc = samples[index - width * nc - nc]
                            switch predictor {
                            case 1: prediction = a
                            case 2: prediction = b
                            case 3: prediction = cc
                            case 4: prediction = a + b - cc
                            case 5: prediction = a + ((b - cc) >> 1)
                            case 6: prediction = b + ((a - cc) >> 1)
                            default: prediction = (a + b) >> 1
                            }
                        }
                        samples[index] = (prediction + diff) & mask
                    }
                }
            }
            if pointTransform > 0 {
                for i in samples.indices { samples[i] <<= Int32(pointTransform) }
            }
        }
        return out
    }
}
