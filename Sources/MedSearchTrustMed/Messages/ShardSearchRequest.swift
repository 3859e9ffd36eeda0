import MedSearchCore

/// Master -> search worker: evaluate an encrypted query over one shard of the encrypted hashcode database.
///
/// Shard `shardIndex` of `shardCount` is every searchable block whose sequence number is `shardIndex` modulo
/// `shardCount`. The worker reads the blocks from the master's store at `minimumVersion` or later.
@MemberwiseInit(.public)
public struct ShardSearchRequest: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMWQ")
    /// The fingerprint of the evaluation keys the query was encrypted for.
    public var keyFingerprint: [UInt8]
    /// The encrypted query (opaque ciphertext bytes).
    public var encryptedQuery: [UInt8]
    /// This worker's shard.
    public var shardIndex: Int
    /// The number of shards (search workers).
    public var shardCount: Int
    /// The record-index version the master searched at: the worker answers from this version or a later one.
    public var minimumVersion: Int64

    /// The most search workers a master fans out to.
    public static let maxShards = 1024

    public func encode(to writer: inout ByteWriter) {
        writer.writeBytes(keyFingerprint)
        writer.writeBytes(encryptedQuery)
        writer.write(UInt32(shardIndex))
        writer.write(UInt32(shardCount))
        writer.write(UInt64(bitPattern: minimumVersion))
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        keyFingerprint = try reader.readBytes(exactly: 32, "key fingerprint")
        encryptedQuery = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
        let shardOffset = reader.offset
        shardIndex = Int(try reader.read(UInt32.self))
        shardCount = Int(try reader.read(UInt32.self))
        guard shardCount >= 1, shardCount <= Self.maxShards, shardIndex < shardCount else {
            throw .invalidValue(offset: shardOffset, reason: "shard \(shardIndex) of \(shardCount)")
        }
        minimumVersion = Int64(bitPattern: try reader.read(UInt64.self))
    }
}

/// Search worker -> master: the shard's partial result (records named by block handle and slot; never sent to a
/// client) and the record-index version it was computed at.
@MemberwiseInit(.public)
public struct ShardSearchResponse: TrustMedMessage, Equatable {
    public static let magic = FormatMagic("TMWR")
    /// The version of the master's store the worker searched.
    public var version: Int64
    /// The number of records searched.
    public var recordCount: Int
    /// The partial result (``TrustMedEvaluator/searchPartial(query:blocks:version:)``).
    public var partial: [UInt8]

    public var serializedSizeHint: Int { 32 + partial.count }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt64(bitPattern: version))
        writer.write(UInt64(recordCount))
        writer.writeBytes(partial)
    }

    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        self.version = Int64(bitPattern: try reader.read(UInt64.self))
        let start = reader.offset
        let count = try reader.read(UInt64.self)
        guard count <= 1 << 40 else { throw .invalidValue(offset: start, reason: "record count") }
        recordCount = Int(count)
        partial = try reader.readBytes(maxLength: TrustMedLimits.maxCiphertextBytes)
    }
}
