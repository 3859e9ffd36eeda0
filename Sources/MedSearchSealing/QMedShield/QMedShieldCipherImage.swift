import MedSearchCore

/// A QMedShield-encrypted image: dimensions, sample width, nonce and cipher samples.
///
/// Format, version 1: `"QMSI"`, version (UInt16), width (UInt32), height (UInt32), bits per sample (UInt8: 8 or
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

    /// The tag of a serialised cipher image.
    public static let magic = FormatMagic("QMSI")
    /// The current format version.
    public static let formatVersion: UInt16 = 1

    /// The serialised cipher image.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 31 + payload.count)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        writer.write(UInt32(width))
        writer.write(UInt32(height))
        writer.write(UInt8(bitsPerSample))
        writer.writeRaw(nonce)
        writer.writeRaw(payload)
        return writer.bytes
    }

    /// Decodes a cipher image written by ``serialized()``, checking every length.
    public init(serialized bytes: [UInt8]) throws(SealingError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.formatVersion)
            let width = Int(try reader.read(UInt32.self)), height = Int(try reader.read(UInt32.self))
            let bitsOffset = reader.offset
            let bits = Int(try reader.read(UInt8.self))
            guard bits == 8 || bits == 16 else {
                throw WireError.invalidValue(offset: bitsOffset, reason: "bits per sample \(bits) is not 8 or 16")
            }
            let nonce = try reader.readRaw(count: QMedShield.nonceByteCount)
            guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16,
                  width * height <= QMedShield.maximumPixelCount else {
                throw SealingError.invalidImage("dimensions \(width)x\(height) are not supported")
            }
            let payload = try reader.readRaw(count: width * height * bits / 8)
            try reader.expectEnd()
            self.init(width: width, height: height, bitsPerSample: bits, nonce: nonce, payload: payload)
        } catch let error as WireError {
            throw .wire(error)
        } catch let error as SealingError {
            throw error
        } catch {
            throw .invalidImage("\(error)")
        }
    }
}
