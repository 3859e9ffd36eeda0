import MedSearchCore

/// Where a share of a record lives: a storage node index and the opaque share id the node knows it by.
@MemberwiseInit(.public)
public struct SharePlacement: Sendable, Equatable, Hashable {
    /// The storage node (0-based index into the master's node list).
    public var nodeIndex: Int
    /// The share id (32 random hex characters, unlinkable to the record id).
    public var shareID: String
}

/// An encrypted hashcode block kept in the master's metadata database.
@MemberwiseInit(.public)
public struct StoredBlock: Sendable, Equatable {
    /// The block id (derived from the upload's idempotency key).
    public var id: String
    /// The encrypted hashcodes (opaque ciphertext bytes).
    public var ciphertext: [UInt8]
}

/// A searchable record: all n shares stored. A record exists in the metadata database only once its upload
/// completed, which is what makes uploads atomic from the owner's view.
@MemberwiseInit(.public)
public struct StoredRecord: Sendable, Equatable {
    /// The owner's record id.
    public var recordID: String
    /// The block holding the record's encrypted hashcode.
    public var blockID: String
    /// The slot within the block.
    public var slot: Int
    /// The owner's keyed tag of the plaintext image.
    public var contentTag: [UInt8]
    /// The signed share manifest.
    public var manifest: [UInt8]
    /// One placement per share.
    public var placements: [SharePlacement]
    /// The sealed image's size in bytes.
    public var sealedSize: Int
    /// The total size of the shares in bytes.
    public var shareBytes: Int
}

/// A block that holds at least one searchable record, as a search sees it.
@MemberwiseInit(.public)
public struct SearchableBlock: Sendable {
    /// The block.
    public var block: StoredBlock
    /// The store's sequence number for the block (assigned when it was stored, never reused): the key of the
    /// block in the evaluator's layout and in a search's private mapping.
    public var sequence: UInt64
    /// Its searchable records by slot, sorted by slot.
    public var entries: [SearchResponse.Entry]
}

/// The searchable state at one version of the record index (every record change increases the version).
@MemberwiseInit(.public)
public struct SearchSnapshot: Sendable {
    /// The version.
    public var version: Int64
    /// Every block with at least one record, by sequence number.
    public var blocks: [SearchableBlock]
}

/// The edge master's metadata database (SQLite in the server; an actor in tests).
///
/// Implementations must make ``insertRecord(_:)`` atomic: of two concurrent inserts of one id, one wins.
public protocol TrustMedMetadataStore: Sendable {
    /// The registered evaluation keys, if any.
    func keyRegistration() async throws -> KeyRegistration?
    /// Stores (replaces) the evaluation keys.
    func saveKeyRegistration(_ registration: KeyRegistration) async throws
    /// The request digest recorded for an idempotency key, if the key was seen.
    func requestDigest(forIdempotencyKey key: [UInt8]) async throws -> [UInt8]?
    /// Records an idempotency key with its request digest and stores its block (no-op if already there).
    func beginUpload(idempotencyKey: [UInt8], requestDigest: [UInt8], block: StoredBlock) async throws
    /// The record with this id, if stored.
    func record(_ recordID: String) async throws -> StoredRecord?
    /// Inserts a record; returns false (and changes nothing) if the id exists.
    func insertRecord(_ record: StoredRecord) async throws -> Bool
    /// Replaces a record's manifest and placements (after re-sharing).
    func updateShares(recordID: String, manifest: [UInt8], placements: [SharePlacement], shareBytes: Int) async throws
    /// Every block with at least one stored record, with its records' slots, at the current version (stores read
    /// incrementally: an unchanged version costs one small read).
    func searchSnapshot(_ scope: SearchScope) async throws -> SearchSnapshot
    /// Every stored record id, sorted.
    func recordIDs() async throws -> [String]
    /// Deletes a block that no stored record refers to (an abandoned upload); no-op otherwise.
    func deleteBlockIfUnused(_ blockID: String) async throws
    /// Removes a record and, atomically with it, queues its share placements for deletion on the nodes.
    /// Returns the removed record, or nil (and changes nothing) if there is none.
    func deleteRecord(_ recordID: String) async throws -> StoredRecord?
    /// Queues share deletions (orphaned or replaced shares) until a node confirms them.
    func enqueueShareDeletions(_ placements: [SharePlacement]) async throws
    /// Records that shares are about to be put at `placements` (written before they go out). Inserting the record
    /// that refers to them, or queueing them for deletion, clears them; a master killed in between leaves them for
    /// ``reclaimShareIntents(olderThan:)``.
    func recordShareIntents(_ placements: [SharePlacement]) async throws
    /// Queues for deletion the share intents recorded at least `age` ago and never cleared (shares of records that
    /// were never inserted); returns how many.
    func reclaimShareIntents(olderThan age: Duration) async throws -> Int
    /// Queued share deletions, at most `limit`, in a stable order.
    func pendingShareDeletions(limit: Int) async throws -> [SharePlacement]
    /// Removes share deletions a node confirmed from the queue.
    func completeShareDeletions(_ placements: [SharePlacement]) async throws
}
