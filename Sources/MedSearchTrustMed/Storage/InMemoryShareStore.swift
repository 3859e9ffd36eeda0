/// A share store in memory (tests, in-process runs); the server uses SQLite.
public actor InMemoryShareStore: TrustMedShareStore {
    private var shares: [String: [UInt8]] = [:]

    /// Creates an empty store.
    public init() {}

    public func put(shareID: String, bytes: [UInt8]) { shares[shareID] = bytes }
    public func get(shareID: String) -> [UInt8]? { shares[shareID] }
    public func delete(shareID: String) -> Bool { shares.removeValue(forKey: shareID) != nil }
    public func usage() -> ShareStoreUsage {
        ShareStoreUsage(shares: shares.count, bytes: shares.values.reduce(0) { $0 + $1.count })
    }

    /// Replaces a stored share's bytes (tests use it to corrupt a share at rest).
    public func tamper(shareID: String, with bytes: [UInt8]) { if shares[shareID] != nil { shares[shareID] = bytes } }

    /// Every stored share id.
    public func shareIDs() -> [String] { shares.keys.sorted() }
}
