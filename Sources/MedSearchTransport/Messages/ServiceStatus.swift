import MedSearchCore

/// The JSON status a FNN server reports (``Routes/FNNC1/status``, ``Routes/FNNC2/status``).
@MemberwiseInit(.public)
public struct FNNServerStatus: Codable, Sendable, Equatable {
    /// `"fnn-c1"` or `"fnn-c2"`.
    public var role: String
    /// Whether the owner's set-up has arrived.
    public var configured: Bool
    /// The back end, once configured.
    public var backend: String?
    /// The vector dimension, once configured.
    public var dimension: Int?
    /// Records stored (C1).
    public var records: Int
    /// The largest record id stored (C1), or nil.
    public var maxRecordID: UInt64?
    /// Unconsumed correlation entries (shared back end).
    public var unusedEntries: [UInt64]
    /// The next entry number the owner should use when replenishing.
    public var nextEntry: UInt64
}

/// The SEI cloud's status (``Routes/SEI/status``).
@MemberwiseInit(.public)
public struct SEIServerStatus: Codable, Sendable, Equatable {
    /// Always `"sei"`.
    public var role: String = "sei"
    /// Indexed images.
    public var indexed: Int
    /// Leaf clusters.
    public var leaves: Int
    /// The tree height.
    public var treeHeight: Int
    /// `2d + 2`, or 0 before an index was uploaded.
    public var encryptedDimension: Int
    /// Stored sealed images.
    public var sealedImages: Int
    /// Bytes of encrypted vectors held in memory.
    public var vectorBytes: Int
}

/// The edge master's status (``Routes/EdgeMaster/status``).
@MemberwiseInit(.public)
public struct EdgeMasterStatus: Codable, Sendable, Equatable {
    /// Whether evaluation keys are registered.
    public var keysRegistered: Bool
    /// Searchable records.
    public var records: Int
    /// Total size of their sealed images.
    public var sealedBytes: Int
    /// Total size of their shares on the nodes.
    public var shareBytes: Int
    /// m: shares needed to rebuild an image.
    public var threshold: Int
    /// The storage nodes' URLs.
    public var nodes: [String]
}

/// A storage node's usage figures (``Routes/StorageNode/usage``).
@MemberwiseInit(.public)
public struct StorageNodeUsage: Codable, Sendable, Equatable {
    /// Stored shares.
    public var shares: Int
    /// Stored bytes (share payloads).
    public var bytes: Int
}
