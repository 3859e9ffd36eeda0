import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

extension ByteWriter {
    /// Writes an optional Paillier public key and randomizer base: a presence byte, then `N` and the base.
    mutating func writeOptionalKey(_ pk: PaillierPublicKey?, base: BigInt?) {
        if let pk, let base {
            write(UInt8(1)); write(pk.n); write(base)
        } else {
            write(UInt8(0))
        }
    }

    /// Writes an optional Paillier secret key (embedded `"PASK"`) and randomizer base after a presence byte.
    mutating func writeOptionalSecretKey(_ sk: PaillierPrivateKey?, base: BigInt?) {
        if let sk, let base {
            write(UInt8(1)); writeEmbedded(sk); write(base)
        } else {
            write(UInt8(0))
        }
    }
}

extension ByteReader {
    mutating func readOptionalKey() throws(WireError) -> (PaillierPublicKey, BigInt)? {
        guard try readForm(below: 2, "key presence") == 1 else { return nil }
        let start = offset
        let n = try readBigInt(maxBytes: 1024)
        let base = try readBigInt(maxBytes: 2048)
        let pk = try WireError.validating(at: start) { try PaillierPublicKey(n: n) }
        guard base.signum > 0, base < pk.nSquared else { throw .invalidValue(offset: start, reason: "randomizer base out of range") }
        return (pk, base)
    }

    mutating func readOptionalSecretKey() throws(WireError) -> (PaillierPrivateKey, BigInt)? {
        guard try readForm(below: 2, "key presence") == 1 else { return nil }
        let secretKey = try readEmbedded(PaillierPrivateKey.self, maxLength: 1 << 20)
        let start = offset
        let base = try readBigInt(maxBytes: 2048)
        guard base.signum > 0, base < secretKey.publicKey.nSquared else {
            throw .invalidValue(offset: start, reason: "randomizer base out of range")
        }
        return (secretKey, base)
    }

    /// Reads an optional 32-byte key written as a byte string (empty: absent).
    mutating func readOptionalKey32(_ what: String) throws(WireError) -> [UInt8]? {
        let start = offset
        let bytes = try readBytes(maxLength: 32)
        guard bytes.isEmpty || bytes.count == 32 else { throw .invalidValue(offset: start, reason: "\(what) must be 32 bytes") }
        return bytes.isEmpty ? nil : bytes
    }

    /// Reads a 32-byte key written as a byte string.
    mutating func readKey32(_ what: String) throws(WireError) -> [UInt8] {
        let start = offset
        guard let key = try readOptionalKey32(what) else { throw .invalidValue(offset: start, reason: "\(what) must be 32 bytes") }
        return key
    }
}

/// C1's set-up: `"FNS1"` v2, the parameters, then the Paillier public key and randomizer base (Paillier back end).
extension FNNC1Setup: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNS1")
    public static let legacyKind: UInt8 = 10

    public func encode(to writer: inout ByteWriter) {
        parameters.write(to: &writer)
        writer.writeOptionalKey(publicKey, base: randomizerBase)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let parameters = try FNNParameters.read(from: &reader)
        let key = try reader.readOptionalKey()
        guard (parameters.backend == .paillier) == (key != nil) else {
            throw .invalidValue(offset: start, reason: "key presence does not match the back end")
        }
        self.init(parameters: parameters, publicKey: key?.0, randomizerBase: key?.1)
    }
}

/// C2's set-up (secret): `"FNS2"` v2, the parameters, the Paillier secret key and randomizer base (Paillier back
/// end), then the row-mask key (empty for the Paillier back end). Wipe the bytes after use.
extension FNNC2Setup: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNS2")
    public static let legacyKind: UInt8 = 11

    public func encode(to writer: inout ByteWriter) {
        parameters.write(to: &writer)
        writer.writeOptionalSecretKey(secretKey, base: randomizerBase)
        writer.writeBytes(rowMaskKey ?? [])
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let parameters = try FNNParameters.read(from: &reader)
        let key = try reader.readOptionalSecretKey()
        let rowKey = try reader.readBytes(maxLength: 1 << 20)
        self.init(parameters: parameters, secretKey: key?.0, randomizerBase: key?.1, rowMaskKey: rowKey.isEmpty ? nil : rowKey)
    }
}

/// A user's credentials (secret: the label key): `"FNUC"` v2, the parameters, the 32-byte label key, then the
/// Paillier public key and randomizer base (Paillier back end).
extension FNNUserCredentials: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNUC")
    public static let legacyKind: UInt8 = 12

    public func encode(to writer: inout ByteWriter) {
        parameters.write(to: &writer)
        writer.writeBytes(labelKey)
        writer.writeOptionalKey(publicKey, base: randomizerBase)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let parameters = try FNNParameters.read(from: &reader)
        let labelKey = try reader.readKey32("the label key")
        let key = try reader.readOptionalKey()
        self.init(parameters: parameters, labelKey: labelKey, publicKey: key?.0, randomizerBase: key?.1)
    }
}

/// The owner's keys (secret: write with mode 0600, wipe after use): `"FNOK"` v2, the parameters, the 32-byte label
/// key, the 32-byte shared master (empty for the Paillier back end), then the Paillier secret key and randomizer
/// base (Paillier back end).
extension FNNOwnerKeys: WireMessage, FNNFormat {
    public static let magic = FormatMagic("FNOK")
    public static let legacyKind: UInt8 = 13

    public func encode(to writer: inout ByteWriter) {
        parameters.write(to: &writer)
        writer.writeBytes(labelKey)
        writer.writeBytes(sharedMaster ?? [])
        writer.writeOptionalSecretKey(paillierSecretKey, base: randomizerBase)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let parameters = try FNNParameters.read(from: &reader)
        let labelKey = try reader.readKey32("the label key")
        let master = try reader.readOptionalKey32("the shared master key")
        let key = try reader.readOptionalSecretKey()
        self.init(parameters: parameters, labelKey: labelKey, sharedMaster: master, paillierSecretKey: key?.0,
                  randomizerBase: key?.1)
    }
}
