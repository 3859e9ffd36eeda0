/// Which blocks a search read returns: shard `shardIndex` of `shardCount` (blocks whose sequence number is
/// `shardIndex` modulo `shardCount`), with their ciphertexts or without (a master that fans out to search workers
/// needs only the record index; a worker only its shard's ciphertexts).
///
/// One definition for the engine that asks (TrustMedSearch's metadata store) and the database that answers
/// (MedSearchStore's edge-master database), which share only this module.
public struct SearchScope: Sendable, Hashable {
    /// The shard.
    public var shardIndex: Int
    /// The number of shards.
    public var shardCount: Int
    /// Whether ciphertexts are read.
    public var ciphertexts: Bool

    /// Creates a scope (a shard count below 1 counts as 1).
    public init(shardIndex: Int = 0, shardCount: Int = 1, ciphertexts: Bool = true) {
        self.shardIndex = shardIndex
        self.shardCount = max(1, shardCount)
        self.ciphertexts = ciphertexts
    }

    /// Every block with its ciphertext.
    public static let all = SearchScope()
    /// Every block, record index only.
    public static let recordIndex = SearchScope(ciphertexts: false)

    /// Whether the block with this sequence number is in the shard.
    public func contains<N: BinaryInteger>(_ sequence: N) -> Bool { sequence % N(shardCount) == N(shardIndex) }
}
