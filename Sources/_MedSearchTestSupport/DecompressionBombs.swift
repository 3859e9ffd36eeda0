import CZlib

/// Decompression bombs built in memory: small, valid files that declare (and really inflate to) gigabytes.
///
/// The DEFLATE data is written by hand at the format's largest ratio, 1032:1: one dynamic Huffman block whose
/// literal/length code gives length 258 a 1-bit code and whose distance code gives distance 1 a 1-bit code, so
/// each 258 zero bytes cost two zero bits. Building a 2 GiB bomb therefore costs writing its 2 MB, not
/// compressing 2 GiB. Checksums (Adler-32, CRC-32) are exact, so a reader without limits would decode the
/// files in full: `smallVersionsDecode` tests in the imaging suite check that on small instances.
public enum DecompressionBombs {
    /// PNG colour types used here.
    public enum ColorType: UInt8, Sendable {
        case gray = 0, rgb = 2, grayAlpha = 4, rgba = 6

        var channels: Int {
            switch self {
            case .gray: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    /// The 2 MB bomb: 16384 x 16384 16-bit RGBA, 2 GiB of scanlines.
    public static func png16kRGBA16() -> [UInt8] { png(width: 16384, height: 16384, bitDepth: 16, colorType: .rgba) }

    /// The 261 KB bomb: 16384 x 16384 8-bit gray, 256 MiB of scanlines.
    public static func png16kGray8() -> [UInt8] { png(width: 16384, height: 16384, bitDepth: 8, colorType: .gray) }

    /// A black PNG (every scanline filter 0, every sample 0) of the given size.
    public static func png(width: Int, height: Int, bitDepth: Int, colorType: ColorType) -> [UInt8] {
        let rowBytes = (width * colorType.channels * bitDepth + 7) / 8
        let raw = height * (1 + rowBytes)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
        header += [UInt8(bitDepth), colorType.rawValue, 0, 0, 0]
        appendChunk("IHDR", header, to: &out)
        appendChunk("IDAT", zlibZeros(raw), to: &out)
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// The 1.5 MB `.npz`: `train_images` of shape (2,000,000, 28, 28) `uint8` (1.57 GB inflated, 6.3 GB as
    /// `Int32`), plus small `train_labels`, `test_images` and `test_labels` arrays.
    public static func npzMedMNIST(images: Int = 2_000_000) -> [UInt8] {
        npz([
            ("train_images.npy", npyHeader(shape: [images, 28, 28], descr: "|u1"), images * 28 * 28),
            ("train_labels.npy", npyHeader(shape: [images, 1], descr: "|u1"), images),
            ("test_images.npy", npy(shape: [1, 28, 28], descr: "|u1", data: [UInt8](repeating: 0, count: 784)), 0),
            ("test_labels.npy", npy(shape: [1, 1], descr: "|u1", data: [0]), 0),
        ])
    }

    /// A ZIP archive of deflated entries, each `prefix` followed by `zeros` zero bytes.
    public static func npz(_ entries: [(name: String, prefix: [UInt8], zeros: Int)]) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let data = deflatedZeros(entry.zeros, after: entry.prefix)
            let size = entry.prefix.count + entry.zeros
            precondition(size < 1 << 32 && data.count < 1 << 32, "ZIP64 is not needed here")
            var crc = crc32(entry.prefix)
            crc = UInt32(crc32_combine(uLong(crc), uLong(crc32OfZeros(entry.zeros)), off_t(entry.zeros)))
            let name = Array(entry.name.utf8)
            let common: [UInt8] = littleEndian16(20) + littleEndian16(0) + littleEndian16(8) + littleEndian16(0)
                + littleEndian16(0) + littleEndian32(crc) + littleEndian32(UInt32(data.count))
                + littleEndian32(UInt32(size)) + littleEndian16(UInt16(name.count)) + littleEndian16(0)
            let offset = out.count
            out += littleEndian32(0x0403_4B50) + common + name + data
            directory += littleEndian32(0x0201_4B50) + littleEndian16(20) + common + littleEndian16(0)
                + littleEndian16(0) + littleEndian16(0) + littleEndian32(0) + littleEndian32(UInt32(offset)) + name
        }
        let directoryOffset = out.count
        out += directory
        out += littleEndian32(0x0605_4B50) + littleEndian16(0) + littleEndian16(0)
            + littleEndian16(UInt16(entries.count)) + littleEndian16(UInt16(entries.count))
            + littleEndian32(UInt32(directory.count)) + littleEndian32(UInt32(directoryOffset)) + littleEndian16(0)
        return out
    }

    /// The header of a version 1.0 `.npy` file (magic, version, padded dict) for a C-ordered array.
    public static func npyHeader(shape: [Int], descr: String) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0] + littleEndian16(UInt16(dict.utf8.count)) + Array(dict.utf8)
    }

    /// A whole `.npy` file.
    public static func npy(shape: [Int], descr: String, data: [UInt8]) -> [UInt8] {
        npyHeader(shape: shape, descr: descr) + data
    }

    /// A zlib stream (RFC 1950) of `count` zero bytes.
    public static func zlibZeros(_ count: Int) -> [UInt8] {
        // Adler-32 of n zeros: a = 1, b = n mod 65521.
        let adler = UInt32(count % 65521) << 16 | 1
        return [0x78, 0x01] + deflatedZeros(count) + bigEndian32(adler)
    }

    /// Raw DEFLATE (RFC 1951) of `prefix` (stored blocks) followed by `count` zero bytes at 1032:1.
    public static func deflatedZeros(_ count: Int, after prefix: [UInt8] = []) -> [UInt8] {
        var bits = BitWriter()
        var rest = prefix[...]
        while !rest.isEmpty {
            let piece = rest.prefix(65535)
            rest = rest.dropFirst(piece.count)
            bits.write(0, count: 1)  // BFINAL 0
            bits.write(0, count: 2)  // stored
            bits.alignToByte()
            bits.bytes += littleEndian16(UInt16(piece.count)) + littleEndian16(~UInt16(piece.count)) + Array(piece)
        }
        bits.write(1, count: 1)  // BFINAL
        bits.write(2, count: 2)  // dynamic Huffman
        bits.write(29, count: 5)  // HLIT: 286 literal/length codes
        bits.write(0, count: 5)  // HDIST: 1 distance code
        bits.write(14, count: 4)  // HCLEN: 18 code length codes
        // Code length code lengths in the RFC's order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1:
        // symbol 18 (zero run) gets 1 bit, symbols 1 and 2 get 2 bits.
        for length: UInt32 in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] { bits.write(length, count: 3) }
        // Codes of that alphabet (canonical): 18 -> 0, 1 -> 10, 2 -> 11.
        func codeLength(_ value: Int) {
            switch value {
            case 1: bits.writeCode(0b10, length: 2)
            case 2: bits.writeCode(0b11, length: 2)
            default: preconditionFailure("only lengths 1 and 2 are used")
            }
        }
        func zeroRun(_ run: Int) {
            var left = run
            while left > 0 {
                let piece = min(left, 138)
                precondition(piece >= 11, "zero runs here are at least 11 long")
                bits.writeCode(0, length: 1)
                bits.write(UInt32(piece - 11), count: 7)
                left -= piece
            }
        }
        // Literal/length lengths: 0 -> 2, 256 (end of block) -> 2, 285 (length 258) -> 1; distance 0 -> 1.
        codeLength(2); zeroRun(255); codeLength(2); zeroRun(28); codeLength(1)
        codeLength(1)
        // Codes (canonical): 285 -> 0, literal 0 -> 10, end of block -> 11; distance 1 -> 0.
        guard count > 0 else {
            bits.writeCode(0b11, length: 2)
            return bits.finish()
        }
        bits.writeCode(0b10, length: 2)  // the first zero as a literal
        let matches = (count - 1) / 258
        bits.writeZeros(2 * matches)  // each match: length code 0, distance code 0
        for _ in 0..<(count - 1) % 258 { bits.writeCode(0b10, length: 2) }
        bits.writeCode(0b11, length: 2)
        return bits.finish()
    }

    /// CRC-32 (ISO 3309) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// CRC-32 of `count` zero bytes, by doubling with zlib's `crc32_combine`.
    public static func crc32OfZeros(_ count: Int) -> UInt32 {
        var result: uLong = 0  // CRC of the empty string
        var resultLength = 0
        var power = UInt32(CZlib.crc32(0, [0], 1))  // CRC of 2^k zeros
        var powerLength = 1
        while resultLength < count {
            if (count - resultLength) & powerLength != 0 {
                result = crc32_combine(result, uLong(power), off_t(powerLength))
                resultLength += powerLength
            }
            power = UInt32(crc32_combine(uLong(power), uLong(power), off_t(powerLength)))
            powerLength *= 2
        }
        return UInt32(result)
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        let typed = Array(type.utf8) + data
        out += bigEndian32(UInt32(data.count)) + typed + bigEndian32(crc32(typed))
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func littleEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    static func littleEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }

    /// DEFLATE's bit order: fields least significant bit first, Huffman codes most significant bit first.
    struct BitWriter {
        var bytes: [UInt8] = []
        private var current: UInt32 = 0
        private var used = 0

        mutating func write(_ value: UInt32, count: Int) {
            for bit in 0..<count { push(value >> UInt32(bit) & 1) }
        }

        mutating func writeCode(_ code: UInt32, length: Int) {
            for bit in stride(from: length - 1, through: 0, by: -1) { push(code >> UInt32(bit) & 1) }
        }

        mutating func writeZeros(_ count: Int) {
            var left = count
            while left > 0 && used != 0 {
                push(0)
                left -= 1
            }
            bytes.append(contentsOf: repeatElement(0, count: left / 8))
            for _ in 0..<left % 8 { push(0) }
        }

        mutating func alignToByte() {
            if used > 0 {
                bytes.append(UInt8(current))
                current = 0
                used = 0
            }
        }

        mutating func finish() -> [UInt8] {
            alignToByte()
            return bytes
        }

        private mutating func push(_ bit: UInt32) {
            current |= bit << UInt32(used)
            used += 1
            if used == 8 {
                bytes.append(UInt8(current))
                current = 0
                used = 0
            }
        }
    }
}
