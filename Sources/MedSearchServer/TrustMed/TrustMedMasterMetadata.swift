import MedSearchCore
import MedSearchStore
import MedSearchTrustMed
import Synchronization

/// The edge master's metadata store (SQLite or PostgreSQL): the engine's ``TrustMedMetadataStore`` over
/// ``TrustMedMasterDatabase``.
public struct TrustMedMasterMetadata: TrustMedMetadataStore {
    /// The database.
    public let database: TrustMedMasterDatabase
    /// The last snapshot in the engine's types (mapped once per version).
    private let cache = SnapshotCache()

    final class SnapshotCache: Sendable {
        let mapped = Mutex<[SearchScope: SearchSnapshot]>([:])
    }

    /// Wraps a database.
    public init(database: TrustMedMasterDatabase) { self.database = database }

    public func keyRegistration() async throws -> KeyRegistration? {
        try await database.keyRegistration().map { try KeyRegistration(serialized: $0) }
    }

    public func saveKeyRegistration(_ registration: KeyRegistration) async throws {
        try await database.saveKeyRegistration(registration.serialized())
    }

    public func requestDigest(forIdempotencyKey key: [UInt8]) async throws -> [UInt8]? {
        try await database.requestDigest(forIdempotencyKey: key)
    }

    public func beginUpload(idempotencyKey: [UInt8], requestDigest: [UInt8], block: StoredBlock) async throws {
        try await database.beginUpload(idempotencyKey: idempotencyKey, requestDigest: requestDigest, blockID: block.id,
                                       ciphertext: block.ciphertext)
    }

    public func record(_ recordID: String) async throws -> StoredRecord? {
        try await database.record(recordID).map(Self.engineRecord)
    }

    public func insertRecord(_ record: StoredRecord) async throws -> Bool {
        try await database.insertRecord(.init(
            recordID: record.recordID, blockID: record.blockID, slot: record.slot, contentTag: record.contentTag,
            manifest: record.manifest, placements: record.placements.map { .init(nodeIndex: $0.nodeIndex, shareID: $0.shareID) },
            sealedSize: record.sealedSize, shareBytes: record.shareBytes))
    }

    public func updateShares(recordID: String, manifest: [UInt8], placements: [SharePlacement], shareBytes: Int) async throws {
        try await database.updateShares(recordID: recordID, manifest: manifest,
                                        placements: placements.map { .init(nodeIndex: $0.nodeIndex, shareID: $0.shareID) },
                                        shareBytes: shareBytes)
    }

    public func searchSnapshot(_ scope: SearchScope) async throws -> SearchSnapshot {
        let stored = try await database.searchSnapshot(scope)
        if let cached = cache.mapped.withLock({ $0[scope] }), cached.version == stored.version { return cached }
        let snapshot = SearchSnapshot(version: stored.version, blocks: stored.blocks.map { block in
            SearchableBlock(block: StoredBlock(id: block.blockID, ciphertext: block.ciphertext),
                            sequence: UInt64(block.seq),
                            entries: block.entries.map { SearchResponse.Entry(slot: $0.slot, recordID: $0.recordID) })
        })
        cache.mapped.withLock { $0[scope] = snapshot }
        return snapshot
    }

    public func recordIDs() async throws -> [String] { try await database.recordIDs() }

    public func deleteBlockIfUnused(_ blockID: String) async throws { try await database.deleteBlockIfUnused(blockID) }

    public func deleteRecord(_ recordID: String) async throws -> StoredRecord? {
        try await database.deleteRecord(recordID).map(Self.engineRecord)
    }

    public func enqueueShareDeletions(_ placements: [SharePlacement]) async throws {
        try await database.enqueueShareDeletions(placements.map { .init(nodeIndex: $0.nodeIndex, shareID: $0.shareID) })
    }

    public func recordShareIntents(_ placements: [SharePlacement]) async throws {
        try await database.recordShareIntents(placements.map { .init(nodeIndex: $0.nodeIndex, shareID: $0.shareID) })
    }

    public func reclaimShareIntents(olderThan age: Duration) async throws -> Int {
        try await database.reclaimShareIntents(olderThan: age)
    }

    public func pendingShareDeletions(limit: Int) async throws -> [SharePlacement] {
        try await database.pendingShareDeletions(limit: limit).map { SharePlacement(nodeIndex: $0.nodeIndex, shareID: $0.shareID) }
    }

    public func completeShareDeletions(_ placements: [SharePlacement]) async throws {
        try await database.completeShareDeletions(placements.map { .init(nodeIndex: $0.nodeIndex, shareID: $0.shareID) })
    }

    private static func engineRecord(_ record: TrustMedMasterDatabase.Record) -> StoredRecord {
        StoredRecord(recordID: record.recordID, blockID: record.blockID, slot: record.slot, contentTag: record.contentTag,
                     manifest: record.manifest,
                     placements: record.placements.map { SharePlacement(nodeIndex: $0.nodeIndex, shareID: $0.shareID) },
                     sealedSize: record.sealedSize, shareBytes: record.shareBytes)
    }
}

/// A storage node's share store (SQLite or PostgreSQL).
public struct TrustMedNodeShareStore: TrustMedShareStore {
    /// The database.
    public let database: TrustMedNodeDatabase

    /// Wraps a database.
    public init(database: TrustMedNodeDatabase) { self.database = database }

    public func put(shareID: String, bytes: [UInt8]) async throws { try await database.put(shareID: shareID, bytes: bytes) }
    public func get(shareID: String) async throws -> [UInt8]? { try await database.get(shareID: shareID) }
    public func delete(shareID: String) async throws -> Bool { try await database.delete(shareID: shareID) }
    public func usage() async throws -> ShareStoreUsage {
        let usage = try await database.usage()
        return ShareStoreUsage(shares: usage.shares, bytes: usage.bytes)
    }
}
