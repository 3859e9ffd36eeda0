import MedSearchBigInt
import MedSearchCore

/// A Paillier public key: `"PAPK"` v1, then `N` as a length-prefixed big-endian byte string.
extension PaillierPublicKey: WireMessage {
    public static let magic = FormatMagic("PAPK")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter) { writer.writeBytes(n.magnitudeBytes()) }

    /// Reads a key, checking the modulus (odd, 256 to 16384 bits).
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let modulus = try reader.readBytes(maxLength: Self.maximumDecodableBits / 8)
        self = try WireError.validating(at: start) { try PaillierPublicKey(n: BigInt(magnitudeBytes: modulus)) }
    }
}

/// One Paillier ciphertext: `"PACT"` v1, then the value as exactly ``PaillierPublicKey/ciphertextByteCount``
/// big-endian bytes (fixed width: the length reveals nothing about the value). Decoding needs the public key
/// and checks the value lies in `1..<N^2`.
extension PaillierCiphertext: ContextualWireMessage {
    public static let magic = FormatMagic("PACT")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter, context publicKey: PaillierPublicKey) {
        writer.write(self, publicKey: publicKey)
    }

    public init(from reader: inout ByteReader, version: UInt16, context publicKey: PaillierPublicKey) throws(WireError) {
        self = try reader.readCiphertext(publicKey: publicKey)
    }

    /// The ciphertext's bytes under `publicKey` (``serialized(context:)``).
    public func serialized(for publicKey: PaillierPublicKey) -> [UInt8] { serialized(context: publicKey) }

    /// Decodes a ciphertext written by ``serialized(for:)``.
    public init(serialized bytes: [UInt8], publicKey: PaillierPublicKey) throws(WireError) {
        try self.init(serialized: bytes, context: publicKey)
    }
}

extension ByteWriter {
    /// Writes a ciphertext inside a larger message: exactly `publicKey.ciphertextByteCount` big-endian bytes.
    public mutating func write(_ ciphertext: PaillierCiphertext, publicKey: PaillierPublicKey) {
        write(ciphertext.value, fixedWidth: publicKey.ciphertextByteCount)
    }
}

extension ByteReader {
    /// Reads a ciphertext written by ``ByteWriter/write(_:publicKey:)`` and checks it lies in `1..<N^2`.
    public mutating func readCiphertext(publicKey: PaillierPublicKey) throws(WireError) -> PaillierCiphertext {
        let start = offset
        let value = try readBigInt(fixedWidth: publicKey.ciphertextByteCount)
        return try WireError.validating(at: start) { try publicKey.ciphertext(value) }
    }
}
