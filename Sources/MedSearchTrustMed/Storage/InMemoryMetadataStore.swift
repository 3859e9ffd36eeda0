import MedSearchCore

/// A metadata store in memory (tests, in-process runs); the server uses SQLite.
public actor InMemoryMetadataStore: TrustMedMetadataStore {
    private var registration: KeyRegistration?
    private var digests: [[UInt8]: [UInt8]] = [:]
    private var blocks: [String: StoredBlock] = [:]
    private var records: [String: StoredRecord] = [:]
    private var pendingDeletions = Set<SharePlacement>()
    private var sequences: [String: UInt64] = [:]
    private var nextSequence: UInt64 = 1
    private var version: Int64 = 0
    private var intents: [SharePlacement: ContinuousClock.Instant] = [:]

    /// Creates an empty store.
    public init() {}

    public func keyRegistration() -> KeyRegistration? { registration }
    public func saveKeyRegistration(_ registration: KeyRegistration) { self.registration = registration }
    public func requestDigest(forIdempotencyKey key: [UInt8]) -> [UInt8]? { digests[key] }

    public func beginUpload(idempotencyKey: [UInt8], requestDigest: [UInt8], block: StoredBlock) {
        if digests[idempotencyKey] == nil { digests[idempotencyKey] = requestDigest }
        if blocks[block.id] == nil {
            blocks[block.id] = block
            sequences[block.id] = nextSequence
            nextSequence += 1
        }
    }

    public func record(_ recordID: String) -> StoredRecord? { records[recordID] }

    public func insertRecord(_ record: StoredRecord) -> Bool {
        guard records[record.recordID] == nil else { return false }
        records[record.recordID] = record
        for placement in record.placements { intents[placement] = nil }
        version += 1
        return true
    }

    public func updateShares(recordID: String, manifest: [UInt8], placements: [SharePlacement], shareBytes: Int) {
        records[recordID]?.manifest = manifest
        records[recordID]?.placements = placements
        records[recordID]?.shareBytes = shareBytes
    }

    public func searchSnapshot(_ scope: SearchScope) -> SearchSnapshot {
        var byBlock: [String: [SearchResponse.Entry]] = [:]
        for record in records.values {
            byBlock[record.blockID, default: []].append(.init(slot: record.slot, recordID: record.recordID))
        }
        let searchable = byBlock.compactMap { id, entries -> SearchableBlock? in
            guard var block = blocks[id], let sequence = sequences[id], scope.contains(sequence) else { return nil }
            if !scope.ciphertexts { block.ciphertext = [] }
            return SearchableBlock(block: block, sequence: sequence, entries: entries.sorted { $0.slot < $1.slot })
        }
        return SearchSnapshot(version: version, blocks: searchable.sorted { $0.sequence < $1.sequence })
    }

    public func recordIDs() -> [String] { records.keys.sorted() }

    public func deleteBlockIfUnused(_ blockID: String) {
        guard !records.values.contains(where: { $0.blockID == blockID }) else { return }
        blocks[blockID] = nil
        sequences[blockID] = nil
    }

    public func deleteRecord(_ recordID: String) -> StoredRecord? {
        guard let record = records.removeValue(forKey: recordID) else { return nil }
        version += 1
        pendingDeletions.formUnion(record.placements)
        return record
    }

    public func enqueueShareDeletions(_ placements: [SharePlacement]) {
        pendingDeletions.formUnion(placements)
        for placement in placements { intents[placement] = nil }
    }

    public func recordShareIntents(_ placements: [SharePlacement]) {
        let now = ContinuousClock.now
        for placement in placements { intents[placement] = now }
    }

    public func reclaimShareIntents(olderThan age: Duration) -> Int {
        let cutoff = ContinuousClock.now - age
        let stale = intents.filter { $0.value <= cutoff }.map(\.key)
        enqueueShareDeletions(stale)
        return stale.count
    }

    /// Share intents not cleared yet (tests).
    public func shareIntentCount() -> Int { intents.count }

    public func pendingShareDeletions(limit: Int) -> [SharePlacement] {
        Array(pendingDeletions.sorted { ($0.nodeIndex, $0.shareID) < ($1.nodeIndex, $1.shareID) }.prefix(limit))
    }

    public func completeShareDeletions(_ placements: [SharePlacement]) { pendingDeletions.subtract(placements) }

    /// Whether a block with this id is stored (tests).
    public func hasBlock(_ blockID: String) -> Bool { blocks[blockID] != nil }
}
