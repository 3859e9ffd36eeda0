import MedSearchCore

/// A QMedShield-encrypted image: dimensions, sample width, nonce and cipher samples.
///
/// Format: `"QMSI"` version 1, version (UInt16), width (UInt32), height (UInt32), bits per sample (UInt8: 8 or
/// 16), the 16-byte nonce, then `width * height` cipher samples (one byte each, or two bytes little-endian).
/// There is no authentication tag: QMedShield is a research mode (see ``QMedShield``).
public struct QMedShieldCipherImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 8 or 16.
    public let bitsPerSample: Int
    /// The per-image nonce.
    public let nonce: [UInt8]
    /// The cipher samples: `width * height` bytes (8-bit) or `2 * width * height` bytes little-endian (16-bit).
    public let payload: [UInt8]

    init(width: Int, height: Int, bitsPerSample: Int, nonce: [UInt8], payload: [UInt8]) {
        self.width = width
        self.height = height
        self.bitsPerSample = bitsPerSample
        self.nonce = nonce
        self.payload = payload
    }

    /// The cipher samples of a 16-bit image.
    public func samples16() -> [UInt16] {
        (0..<(payload.count / 2)).map { UInt16(payload[2 * $0]) | UInt16(payload[2 * $0 + 1]) << 8 }
    }
}

extension QMedShieldCipherImage: WireMessage {
    public static let magic = FormatMagic("QMSI")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(width))
        writer.write(UInt32(height))
        writer.write(UInt8(bitsPerSample))
        writer.writeRaw(nonce)
        writer.writeRaw(payload)
    }

    /// Reads a cipher image, checking every length (at most ``QMedShield/maximumPixelCount`` pixels).
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let width = Int(try reader.read(UInt32.self)), height = Int(try reader.read(UInt32.self))
        let bitsOffset = reader.offset
        let bits = Int(try reader.read(UInt8.self))
        guard bits == 8 || bits == 16 else {
            throw .invalidValue(offset: bitsOffset, reason: "bits per sample \(bits) is not 8 or 16")
        }
        let nonce = try reader.readRaw(count: QMedShield.nonceByteCount)
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16, width * height <= QMedShield.maximumPixelCount else {
            throw .invalidValue(offset: start, reason: "dimensions \(width)x\(height) are not supported")
        }
        let payload = try reader.readRaw(count: width * height * bits / 8)
        self.init(width: width, height: height, bitsPerSample: bits, nonce: nonce, payload: payload)
    }
}
