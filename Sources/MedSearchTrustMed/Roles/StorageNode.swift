/// An untrusted storage node: stores opaque shares by share id and hands them back.
///
/// It never sees record ids, hashcodes, keys or manifests; a share alone reveals nothing about the image
/// (fewer than m shares reveal nothing). It validates ids and sizes and nothing else.
public struct StorageNode: Sendable {
    /// The share store.
    public let store: any TrustMedShareStore

    /// Creates a node over a store.
    public init(store: any TrustMedShareStore) { self.store = store }

    /// Whether `id` is a valid share id: 32 lowercase hex characters.
    public static func isValidShareID(_ id: String) -> Bool {
        let utf8 = Array(id.utf8)
        return utf8.count == 32 && utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// Stores a share.
    public func put(shareID: String, bytes: [UInt8]) async throws(TrustMedError) {
        guard Self.isValidShareID(shareID) else { throw .invalidShareID }
        guard !bytes.isEmpty, bytes.count <= TrustMedLimits.maxShareBytes else {
            throw .invalidParameter("share size \(bytes.count) (1...\(TrustMedLimits.maxShareBytes) bytes)")
        }
        do { try await store.put(shareID: shareID, bytes: bytes) } catch { throw .storage("\(error)") }
    }

    /// Reads a share.
    public func get(shareID: String) async throws(TrustMedError) -> [UInt8] {
        guard Self.isValidShareID(shareID) else { throw .invalidShareID }
        let bytes: [UInt8]?
        do { bytes = try await store.get(shareID: shareID) } catch { throw .storage("\(error)") }
        guard let bytes else { throw .unknownShare }
        return bytes
    }

    /// Deletes a share (deleting an absent share is not an error, so deletes are retry-safe).
    public func delete(shareID: String) async throws(TrustMedError) {
        guard Self.isValidShareID(shareID) else { throw .invalidShareID }
        do { _ = try await store.delete(shareID: shareID) } catch { throw .storage("\(error)") }
    }

    /// Usage figures.
    public func usage() async throws(TrustMedError) -> ShareStoreUsage {
        do { return try await store.usage() } catch { throw .storage("\(error)") }
    }
}
