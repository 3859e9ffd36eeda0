import MedSearchCore

/// A storage node's share store: opaque bytes by share id, nothing else (SQLite in the server).
public protocol TrustMedShareStore: Sendable {
    /// Stores (or overwrites) a share.
    func put(shareID: String, bytes: [UInt8]) async throws
    /// Reads a share, or nil.
    func get(shareID: String) async throws -> [UInt8]?
    /// Deletes a share; returns whether it existed.
    func delete(shareID: String) async throws -> Bool
    /// How many shares and bytes are stored.
    func usage() async throws -> ShareStoreUsage
}

/// A storage node's usage figures.
@MemberwiseInit(.public)
public struct ShareStoreUsage: Sendable, Equatable, Codable {
    /// Stored shares.
    public var shares: Int
    /// Stored bytes (share payloads).
    public var bytes: Int
}
