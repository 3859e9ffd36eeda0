import Crypto
import MedSearchCore

/// Client -> master: the public and evaluation keys the master computes with (never the secret key).
@MemberwiseInit(.public)
public struct KeyRegistration: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMKR")
    /// Hashcode length in bits.
    public var hashBits: Int
    /// Hashcodes per encrypted block.
    public var recordsPerBlock: Int
    /// Serialised public and evaluation keys.
    public var evaluationKeys: [UInt8]

    /// SHA-256 of the evaluation keys: every upload and query names the keys it was made under.
    public var fingerprint: [UInt8] { Self.fingerprint(of: evaluationKeys) }

    /// SHA-256 of serialised evaluation keys.
    public static func fingerprint(of keys: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: keys)) }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(hashBits))
        writer.write(UInt32(recordsPerBlock))
        writer.writeBytes(evaluationKeys)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        hashBits = Int(try reader.read(UInt32.self))
        recordsPerBlock = Int(try reader.read(UInt32.self))
        guard (1...4096).contains(hashBits), (1...1_048_576).contains(recordsPerBlock) else {
            throw .invalidValue(offset: start, reason: "hash bits or records per block out of range")
        }
        evaluationKeys = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
    }
}
