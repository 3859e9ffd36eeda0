import MedSearchCore

/// The client side's key file (`trustmed keygen`): the homomorphic secret key, the evaluation keys the master
/// receives, the image sealing key and the content-tag key. It never leaves the owner and the clinicians it
/// authorises; the CLI writes it readable by its owner only.
///
/// Format: `"TMCK"` version 1, the parameter set's name, the code length, then the secret key, the evaluation keys,
/// the sealing key and the tag key as length-prefixed byte strings.
public struct TrustMedClientKeys: Sendable {

    /// The homomorphic parameter set's name.
    public var parameterSet: String
    /// The hashcode length in bits.
    public var hashBits: Int
    /// The serialised homomorphic secret key.
    public var secretKey: SecretBytes
    /// The serialised public and evaluation keys (sent to the master).
    public var evaluationKeys: [UInt8]
    /// The 32-byte AES-256-GCM image sealing key.
    public var sealingKey: SecretBytes
    /// The 32-byte content-tag (HMAC) key.
    public var tagKey: SecretBytes

    /// Creates a key set.
    public init(parameterSet: String, hashBits: Int, secretKey: SecretBytes, evaluationKeys: [UInt8],
                sealingKey: SecretBytes, tagKey: SecretBytes) {
        self.parameterSet = parameterSet
        self.hashBits = hashBits
        self.secretKey = secretKey
        self.evaluationKeys = evaluationKeys
        self.sealingKey = sealingKey
        self.tagKey = tagKey
    }
}

extension TrustMedClientKeys: WireMessage {
    public static let magic = FormatMagic("TMCK")
    public static let version: UInt16 = 1

    /// Writes the key file's body (the caller wipes the serialised bytes after writing them).
    public func encode(to writer: inout ByteWriter) {
        writer.writeString(parameterSet)
        writer.write(UInt32(hashBits))
        secretKey.withUnsafeBytes { writer.writeBytes($0) }
        writer.writeBytes(evaluationKeys)
        sealingKey.withUnsafeBytes { writer.writeBytes($0) }
        tagKey.withUnsafeBytes { writer.writeBytes($0) }
    }

    /// Reads a key file.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        parameterSet = try reader.readString(maxLength: 64)
        let start = reader.offset
        hashBits = Int(try reader.read(UInt32.self))
        guard (1...4096).contains(hashBits) else { throw .invalidValue(offset: start, reason: "hash bits") }
        var secret = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
        secretKey = SecretBytes(secret)
        constantTimeWipe(&secret)
        evaluationKeys = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
        let keysOffset = reader.offset
        var sealing = try reader.readBytes(maxLength: 32)
        var tag = try reader.readBytes(maxLength: 32)
        defer { constantTimeWipe(&sealing); constantTimeWipe(&tag) }
        guard sealing.count == 32, tag.count == 32 else {
            throw .invalidValue(offset: keysOffset, reason: "symmetric keys have 32 bytes")
        }
        sealingKey = SecretBytes(sealing)
        tagKey = SecretBytes(tag)
    }
}
