import MedSearchBigInt
import MedSearchCore

extension PaillierPublicKey {
    /// The tag of a serialised public key.
    public static let magic = FormatMagic("PAPK")
    /// The current public key format version.
    public static let formatVersion: UInt16 = 1

    /// The key as `"PAPK"`, version, then `N` as a length-prefixed big-endian byte string.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + n.byteCount)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        writer.writeBytes(n.magnitudeBytes())
        return writer.bytes
    }

    /// Decodes a key written by ``serialized()``.
    ///
    /// - Throws: ``PaillierError/wire(_:)`` for malformed bytes, ``PaillierError/invalidKey(_:)`` for a bad modulus.
    public init(serialized bytes: [UInt8]) throws(PaillierError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.formatVersion)
            let modulus = try reader.readBytes(maxLength: Self.maximumDecodableBits / 8)
            try reader.expectEnd()
            try self.init(n: BigInt(magnitudeBytes: modulus))
        } catch let error as WireError {
            throw .wire(error)
        } catch let error as PaillierError {
            throw error
        } catch {
            throw .invalidKey("\(error)")
        }
    }
}

extension PaillierCiphertext {
    /// The tag of one serialised ciphertext.
    public static let magic = FormatMagic("PACT")
    /// The tag of a serialised ciphertext vector.
    public static let vectorMagic = FormatMagic("PACV")
    /// The current ciphertext format version.
    public static let formatVersion: UInt16 = 1

    /// The ciphertext as `"PACT"`, version, then the value as exactly ``PaillierPublicKey/ciphertextByteCount``
    /// big-endian bytes (fixed width: the length reveals nothing about the value).
    public func serialized(for publicKey: PaillierPublicKey) -> [UInt8] {
        var writer = ByteWriter(capacity: 6 + publicKey.ciphertextByteCount)
        writer.writeHeader(magic: Self.magic, version: Self.formatVersion)
        writer.write(self, publicKey: publicKey)
        return writer.bytes
    }

    /// Decodes a ciphertext written by ``serialized(for:)`` and checks it lies in `1..<N^2`.
    public init(serialized bytes: [UInt8], publicKey: PaillierPublicKey) throws(PaillierError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.formatVersion)
            let value = try reader.readCiphertext(publicKey: publicKey)
            try reader.expectEnd()
            self = value
        } catch let error as WireError {
            throw .wire(error)
        } catch let error as PaillierError {
            throw error
        } catch {
            throw .invalidCiphertext("\(error)")
        }
    }

    /// A vector of ciphertexts as `"PACV"`, version, a `UInt32` count, then each value at fixed width.
    public static func serialize(_ ciphertexts: [PaillierCiphertext], for publicKey: PaillierPublicKey) -> [UInt8] {
        var writer = ByteWriter(capacity: 10 + ciphertexts.count * publicKey.ciphertextByteCount)
        writer.writeHeader(magic: vectorMagic, version: formatVersion)
        writer.write(UInt32(ciphertexts.count))
        for c in ciphertexts { writer.write(c, publicKey: publicKey) }
        return writer.bytes
    }

    /// Decodes a vector written by ``serialize(_:for:)``, refusing more than `maxCount` ciphertexts.
    public static func deserializeVector(_ bytes: [UInt8], publicKey: PaillierPublicKey,
                                         maxCount: Int = 1 << 20) throws(PaillierError) -> [PaillierCiphertext] {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: vectorMagic, supportedVersions: 1...formatVersion)
            let start = reader.offset
            let count = Int(try reader.read(UInt32.self))
            guard count <= maxCount else { throw WireError.lengthTooLarge(offset: start, length: count, limit: maxCount) }
            guard reader.remaining == count * publicKey.ciphertextByteCount else {
                throw WireError.truncated(offset: reader.offset, needed: count * publicKey.ciphertextByteCount,
                                          available: reader.remaining)
            }
            var out = [PaillierCiphertext]()
            out.reserveCapacity(count)
            for _ in 0..<count { out.append(try reader.readCiphertext(publicKey: publicKey)) }
            try reader.expectEnd()
            return out
        } catch let error as WireError {
            throw .wire(error)
        } catch let error as PaillierError {
            throw error
        } catch {
            throw .invalidCiphertext("\(error)")
        }
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
    public mutating func readCiphertext(publicKey: PaillierPublicKey) throws(PaillierError) -> PaillierCiphertext {
        let value: BigInt
        do {
            value = try readBigInt(fixedWidth: publicKey.ciphertextByteCount)
        } catch {
            throw .wire(error)
        }
        return try publicKey.ciphertext(value)
    }
}
