import MedSearchCore

/// The client side's key file (`trustmed keygen`): the homomorphic secret key, the evaluation keys the master
/// receives, the image sealing key and the content-tag key. It never leaves the owner and the clinicians it
/// authorises; the CLI writes it readable by its owner only.
public struct TrustMedClientKeys: Sendable {
    static let magic = FormatMagic("TMCK")

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

    /// The key file's bytes (the caller wipes them after writing).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.magic, version: 1)
        writer.writeString(parameterSet)
        writer.write(UInt32(hashBits))
        secretKey.withUnsafeBytes { writer.writeBytes($0) }
        writer.writeBytes(evaluationKeys)
        sealingKey.withUnsafeBytes { writer.writeBytes($0) }
        tagKey.withUnsafeBytes { writer.writeBytes($0) }
        return writer.bytes
    }

    /// Reads a key file.
    public init(serialized bytes: [UInt8]) throws(TrustMedError) {
        do {
            var reader = ByteReader(bytes)
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...1)
            parameterSet = try reader.readString(maxLength: 64)
            let start = reader.offset
            hashBits = Int(try reader.read(UInt32.self))
            guard (1...4096).contains(hashBits) else { throw WireError.invalidValue(offset: start, reason: "hash bits") }
            var secret = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
            secretKey = SecretBytes(secret)
            constantTimeWipe(&secret)
            evaluationKeys = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
            var sealing = try reader.readBytes(maxLength: 32)
            var tag = try reader.readBytes(maxLength: 32)
            defer { constantTimeWipe(&sealing); constantTimeWipe(&tag) }
            guard sealing.count == 32, tag.count == 32 else {
                throw WireError.invalidValue(offset: reader.offset, reason: "symmetric keys have 32 bytes")
            }
            sealingKey = SecretBytes(sealing)
            tagKey = SecretBytes(tag)
            try reader.expectEnd()
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .invalidParameter("key file")
        }
    }
}
