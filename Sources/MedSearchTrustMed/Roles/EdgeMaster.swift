import Crypto
import MedSearchCore
import Synchronization

/// The trusted master edge server of TrustMedSearch (schemes.md): keeps encrypted hashcodes in its metadata
/// database, splits each sealed image into n verifiable shares on n storage nodes, evaluates encrypted
/// Hamming distances for a query, and rebuilds requested images from any m verified shares.
///
/// It holds only the client's public and evaluation keys: it can compute on hashcodes but never decrypt
/// them or the distances. It learns which records a client fetches. Message in, message out: the server
/// layer only routes, authenticates and persists.
public final class EdgeMaster: Sendable {
    /// Settings of a master.
    public struct Configuration: Sendable {
        /// Shares needed to rebuild an image, m (2 <= m <= n).
        public var threshold: Int
        /// How long to wait for one storage node before skipping it.
        public var nodeTimeout: Duration
        /// How many images of one upload are shared and distributed at a time.
        public var uploadConcurrency: Int
        /// How old an upload's share intent must be before ``EdgeMaster/reclaimAbandonedShares()`` treats its
        /// shares as abandoned (a master killed between putting shares and inserting the record). Far longer than
        /// one upload item takes, so a replica never reclaims another's upload in progress.
        public var shareIntentLifetime: Duration

        /// Creates a configuration.
        public init(threshold: Int, nodeTimeout: Duration = .seconds(2), uploadConcurrency: Int = 8,
                    shareIntentLifetime: Duration = .seconds(600)) {
            self.threshold = threshold
            self.nodeTimeout = nodeTimeout
            self.uploadConcurrency = uploadConcurrency
            self.shareIntentLifetime = shareIntentLifetime
        }
    }

    /// A factory that builds an evaluator from registered evaluation keys.
    public typealias EvaluatorFactory = @Sendable (KeyRegistration) throws(TrustMedError) -> any TrustMedEvaluator

    /// The configuration.
    public let configuration: Configuration
    /// The metadata database.
    public let metadata: any TrustMedMetadataStore
    /// The storage nodes.
    public let nodes: any TrustMedNodeTransport
    /// The sharing scheme.
    public let sharing: any TrustMedShareScheme
    private let evaluators: EvaluatorCache
    /// Unlinkable searches awaiting their fetch: query handle -> the evaluation's private resolver and the record ids
    /// by block and slot. Each is used once, expires after ``pendingQueryLifetime``, and at most
    /// ``maxPendingQueries`` are kept (the oldest is dropped).
    private let pendingQueries = Mutex<[[UInt8]: PendingQuery]>([:])
    /// How long an unlinkable search's handle stays valid.
    public static let pendingQueryLifetime: Duration = .seconds(300)
    /// The most unlinkable searches kept at once.
    public static let maxPendingQueries = 256

    private struct PendingQuery: Sendable {
        let created: ContinuousClock.Instant
        let result: TrustMedUnlinkableResult
        /// The searchable blocks the result's handles and slots refer to (sorted by sequence number).
        let blocks: [SearchableBlock]
    }
    /// The search workers a search fans out to (nil: the master evaluates every block itself).
    public let searchWorkers: (any TrustMedSearchWorkers)?
    /// The evaluator's view of the last snapshot (mapped once per version).
    private let evaluatorViews = EvaluatorViewCache()

    /// Creates a master.
    /// - Throws: ``TrustMedError/invalidParameter(_:)`` unless 2 <= m <= n <= 255.
    public init(configuration: Configuration, metadata: any TrustMedMetadataStore, nodes: any TrustMedNodeTransport,
                sharing: any TrustMedShareScheme, evaluatorFactory: @escaping EvaluatorFactory,
                searchWorkers: (any TrustMedSearchWorkers)? = nil) throws(TrustMedError) {
        let n = nodes.nodeCount, m = configuration.threshold
        guard m >= 2, m <= n, n <= 255 else { throw .invalidParameter("need 2 <= m <= n <= 255 (m = \(m), n = \(n))") }
        guard configuration.uploadConcurrency >= 1 else { throw .invalidParameter("upload concurrency must be >= 1") }
        self.configuration = configuration
        self.metadata = metadata
        self.nodes = nodes
        self.sharing = sharing
        evaluators = EvaluatorCache(factory: evaluatorFactory)
        if let searchWorkers, !(1...ShardSearchRequest.maxShards).contains(searchWorkers.workerCount) {
            throw .invalidParameter("1...\(ShardSearchRequest.maxShards) search workers")
        }
        self.searchWorkers = searchWorkers
    }

    /// n, the number of storage nodes.
    public var shareCount: Int { nodes.nodeCount }

    // MARK: keys

    /// Registers the client's public and evaluation keys. Re-registering the same keys is a no-op; other keys
    /// are refused once records exist (they could not be searched with the old ciphertexts).
    public func register(_ registration: KeyRegistration) async throws(TrustMedError) {
        let existing = try await store { try await metadata.keyRegistration() }
        if let existing, existing.fingerprint != registration.fingerprint {
            let ids = try await store { try await metadata.recordIDs() }
            guard ids.isEmpty else { throw .keyMismatch }
        }
        try evaluators.check(registration)  // rejects malformed keys before storing them
        try await store { try await metadata.saveKeyRegistration(registration) }
        evaluators.clear()
    }

    private func registeredKeys(fingerprint: [UInt8]) async throws(TrustMedError) -> KeyRegistration {
        guard let registration = try await store({ try await metadata.keyRegistration() }) else {
            throw .keysNotRegistered
        }
        guard constantTimeEquals(evaluators.fingerprint(of: registration), fingerprint) else { throw .keyMismatch }
        return registration
    }

    private func evaluator(for registration: KeyRegistration) throws(TrustMedError) -> any TrustMedEvaluator {
        try evaluators.evaluator(for: registration)
    }

    // MARK: upload

    /// Stores an owner's upload: every image either ends searchable with all n shares on the nodes, or not
    /// present at all. Retrying with the same idempotency key is safe.
    public func upload(_ request: UploadRequest) async throws(TrustMedError) -> UploadResponse {
        let registration = try await registeredKeys(fingerprint: request.keyFingerprint)
        guard !request.items.isEmpty else { throw .invalidParameter("an upload needs at least one image") }
        guard request.items.count <= registration.recordsPerBlock else {
            throw .invalidParameter("\(request.items.count) images for a block of \(registration.recordsPerBlock)")
        }
        var slots = Set<Int>(), ids = Set<String>()
        for item in request.items {
            guard item.slot < registration.recordsPerBlock, slots.insert(item.slot).inserted else {
                throw .invalidParameter("slot \(item.slot) out of range or used twice")
            }
            guard ids.insert(item.recordID).inserted else { throw .invalidParameter("record \(item.recordID) appears twice") }
            guard !item.sealedImage.isEmpty else { throw .invalidParameter("record \(item.recordID) has an empty image") }
        }
        let digest = Array(SHA256.hash(data: request.serialized()))
        if let seen = try await store({ try await metadata.requestDigest(forIdempotencyKey: request.idempotencyKey) }),
           !constantTimeEquals(seen, digest) {
            throw .idempotencyKeyReused
        }
        let blockID = Hex.encode(SHA256.hash(data: request.idempotencyKey).prefix(16))
        try await store {
            try await metadata.beginUpload(idempotencyKey: request.idempotencyKey, requestDigest: digest,
                                           block: StoredBlock(id: blockID, ciphertext: request.encryptedBlock))
        }
        var outcomes = [UploadResponse.Outcome?](repeating: nil, count: request.items.count)
        let concurrency = configuration.uploadConcurrency
        await withTaskGroup(of: (Int, UploadResponse.Outcome).self) { group in
            var next = 0
            func launch() {
                let index = next, item = request.items[index]
                next += 1
                group.addTask { (index, await self.storeItem(item, blockID: blockID)) }
            }
            while next < min(concurrency, request.items.count) { launch() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                if next < request.items.count { launch() }
            }
        }
        // A block none of whose records was stored here (all failed, or all stored earlier by a re-run) goes.
        if !outcomes.contains(where: { $0?.status == .stored }) {
            try? await metadata.deleteBlockIfUnused(blockID)
        }
        return UploadResponse(outcomes: outcomes.map { $0! })
    }

    private func storeItem(_ item: UploadRequest.Item, blockID: String) async -> UploadResponse.Outcome {
        func failed(_ reason: String) -> UploadResponse.Outcome { .init(recordID: item.recordID, status: .failed, reason: reason) }
        do {
            if let existing = try await metadata.record(item.recordID) {
                return constantTimeEquals(existing.contentTag, item.contentTag)
                    ? .init(recordID: item.recordID, status: .alreadyStored)
                    : failed(TrustMedError.recordConflict(item.recordID).description)
            }
            let (manifest, shares) = try sharing.split(item.sealedImage, threshold: configuration.threshold,
                                                       shareCount: shareCount)
            let placements = (0..<shareCount).map { SharePlacement(nodeIndex: $0, shareID: Self.newShareID()) }
            // Written before any share goes out: if this process dies before the record row is inserted, the
            // shares are found and deleted later (reclaimAbandonedShares).
            try await metadata.recordShareIntents(placements)
            let failures = await putShares(shares, at: placements)
            guard failures.isEmpty else {
                await deleteShares(placements)
                return failed(failures.map(\.description).joined(separator: "; "))
            }
            let record = StoredRecord(recordID: item.recordID, blockID: blockID, slot: item.slot,
                                      contentTag: item.contentTag, manifest: manifest, placements: placements,
                                      sealedSize: item.sealedImage.count, shareBytes: shares.reduce(0) { $0 + $1.count })
            if try await metadata.insertRecord(record) { return .init(recordID: item.recordID, status: .stored) }
            // A concurrent retry won the race: drop our copy and report what is stored.
            await deleteShares(placements)
            if let winner = try await metadata.record(item.recordID), constantTimeEquals(winner.contentTag, item.contentTag) {
                return .init(recordID: item.recordID, status: .alreadyStored)
            }
            return failed(TrustMedError.recordConflict(item.recordID).description)
        } catch let error as TrustMedError {
            return failed(error.description)
        } catch {
            return failed(TrustMedError.storage("\(error)").description)
        }
    }

    /// A fresh random share id (128 bits from the system CSPRNG, hex).
    static func newShareID() -> String { Hex.encode(SecureRandom.bytes(16)) }

    /// Puts `shares[i]` at `placements[i]` on every node concurrently; returns the failures.
    private func putShares(_ shares: [[UInt8]], at placements: [SharePlacement]) async -> [TrustMedError] {
        await withTaskGroup(of: TrustMedError?.self) { group in
            for (share, placement) in zip(shares, placements) {
                group.addTask {
                    // One retry: a pooled connection to a node that restarted fails once.
                    var lastError: (any Error)?
                    for _ in 0..<2 {
                        do {
                            try await self.withDeadline { try await self.nodes.putShare(node: placement.nodeIndex,
                                                                                      shareID: placement.shareID, share: share) }
                            return nil
                        } catch {
                            lastError = error
                        }
                    }
                    return Self.nodeError(lastError!, node: placement.nodeIndex)
                }
            }
            var failures = [TrustMedError]()
            for await failure in group { if let failure { failures.append(failure) } }
            return failures.sorted { $0.description < $1.description }
        }
    }

    /// Deletes shares that no record refers to any more: queues them first (so a node that is down gets them
    /// deleted on a later call), then deletes them on the nodes and removes the confirmed ones from the queue.
    private func deleteShares(_ placements: [SharePlacement]) async {
        guard !placements.isEmpty else { return }
        if (try? await metadata.enqueueShareDeletions(placements)) == nil {
            // Without the queue, still try once.
            _ = await deleteOnNodes(placements)
            return
        }
        let done = await deleteOnNodes(placements)
        try? await metadata.completeShareDeletions(done)
    }

    /// Deletes shares on their nodes concurrently (each bounded by the node timeout, one retry); returns the
    /// placements whose node confirmed (deleting an absent share counts: node deletes are idempotent).
    private func deleteOnNodes(_ placements: [SharePlacement]) async -> [SharePlacement] {
        await withTaskGroup(of: SharePlacement?.self) { group in
            var running = 0
            var done = [SharePlacement]()
            for placement in placements {
                if running >= 32, let finished = await group.next() {
                    running -= 1
                    if let finished { done.append(finished) }
                }
                running += 1
                group.addTask {
                    // One retry: the first call to a node that restarted can fail on its stale pooled connection.
                    for _ in 0..<2 {
                        if (try? await self.withDeadline({ try await self.nodes.deleteShare(node: placement.nodeIndex,
                                                                                            shareID: placement.shareID) })) != nil {
                            return placement
                        }
                    }
                    return nil
                }
            }
            for await finished in group { if let finished { done.append(finished) } }
            return done
        }
    }

    // MARK: delete

    /// Deletes records: each record row (and with it its slot in the encrypted hashcode block) is removed from
    /// the metadata database in one transaction that also queues its n shares for deletion, so a deleted record
    /// is never returned by a search or a fetch again, even if the nodes are down. Then the queued share
    /// deletions (of these records and any left over from earlier calls) are sent to the nodes; a node that is
    /// unreachable keeps its stale share until a later delete or re-sharing call reaches it. A block whose
    /// records are all deleted is dropped. Retry-safe: deleting an absent record reports `notFound`.
    public func delete(_ request: DeleteRequest) async throws(TrustMedError) -> DeleteReport {
        var outcomes = [DeleteReport.Outcome]()
        for id in request.recordIDs {
            if let record = try await store({ try await metadata.deleteRecord(id) }) {
                try? await metadata.deleteBlockIfUnused(record.blockID)
                outcomes.append(.init(recordID: id, status: .deleted))
            } else {
                outcomes.append(.init(recordID: id, status: .notFound))
            }
        }
        let (deleted, pending) = try await purgePendingShareDeletions()
        return DeleteReport(outcomes: outcomes, sharesDeleted: deleted, sharesPending: pending)
    }

    /// Queues for deletion the shares of uploads whose master died between putting the shares and inserting the
    /// record (share intents older than ``Configuration/shareIntentLifetime``), then sends the queued deletions;
    /// returns how many intents were reclaimed.
    @discardableResult
    public func reclaimAbandonedShares() async throws(TrustMedError) -> Int {
        let lifetime = configuration.shareIntentLifetime
        let reclaimed = try await store { try await metadata.reclaimShareIntents(olderThan: lifetime) }
        if reclaimed > 0 { try await purgePendingShareDeletions() }
        return reclaimed
    }

    /// Sends every queued share deletion to its node; returns how many were confirmed and how many remain
    /// queued (their node is unreachable).
    @discardableResult
    public func purgePendingShareDeletions() async throws(TrustMedError) -> (deleted: Int, pending: Int) {
        var deleted = 0, failed = Set<SharePlacement>()
        while true {
            let batch = try await store { try await metadata.pendingShareDeletions(limit: 512 + failed.count) }
                .filter { !failed.contains($0) }
            if batch.isEmpty { break }
            let done = await deleteOnNodes(batch)
            try await store { try await metadata.completeShareDeletions(done) }
            deleted += done.count
            failed.formUnion(Set(batch).subtracting(done))
            if batch.count < 512 { break }
        }
        return (deleted, failed.count)
    }

    // MARK: search

    /// Reads and packs every searchable block for the unlinkable search before a query asks for it, and returns the
    /// number of records prepared: without it the first search after a start does this work (36 s at 100,000
    /// records, minutes at 1,000,000) and can outlast its client's patience. Prepares nothing with search workers
    /// (each keeps its own shard), before keys are registered, or with an empty store.
    ///
    /// - Throws: ``TrustMedError`` from the store or the evaluator (the first search would report the same).
    @discardableResult
    public func warmUp() async throws(TrustMedError) -> Int {
        guard searchWorkers == nil, let registration = try await store({ try await metadata.keyRegistration() }) else {
            return 0
        }
        let snapshot = try await store { try await metadata.searchSnapshot(.all) }
        return try await evaluator(for: registration).prepare(blocks: evaluatorView(snapshot), version: snapshot.version)
    }

    /// Evaluates the encrypted Hamming distance between the query and every searchable record.
    ///
    /// In unlinkable mode (``SearchRequest/unlinkable``) the response holds one result without record ids and a
    /// query handle; the client fetches its chosen slots with ``fetch(_:)`` and that handle.
    public func search(_ request: SearchRequest) async throws(TrustMedError) -> SearchResponse {
        let registration = try await registeredKeys(fingerprint: request.keyFingerprint)
        let evaluator = try evaluator(for: registration)
        let query = request.encryptedQuery
        if request.unlinkable {
            let result: TrustMedUnlinkableResult
            let snapshot: SearchSnapshot
            var unsearched: [String] = []
            if let searchWorkers {
                (result, snapshot, unsearched) = try await searchOnWorkers(searchWorkers, request: request, evaluator: evaluator)
                guard !snapshot.blocks.isEmpty else { return SearchResponse(blocks: []) }
            } else {
                snapshot = try await store { try await metadata.searchSnapshot(.all) }
                guard !snapshot.blocks.isEmpty else { return SearchResponse(blocks: []) }
                result = try await evaluator.searchUnlinkable(query: query, blocks: evaluatorView(snapshot),
                                                              version: snapshot.version)
            }
            let handle = SecureRandom.bytes(16)
            let now = ContinuousClock.now
            pendingQueries.withLock { pending in
                pending = pending.filter { now - $0.value.created < Self.pendingQueryLifetime }
                while pending.count >= Self.maxPendingQueries,
                      let oldest = pending.min(by: { $0.value.created < $1.value.created })?.key {
                    pending.removeValue(forKey: oldest)
                }
                pending[handle] = PendingQuery(created: now, result: result, blocks: snapshot.blocks)
            }
            return SearchResponse(blocks: [SearchResponse.Block(encryptedDistances: result.response, entries: [])],
                                  queryHandle: handle, unsearched: unsearched)
        }
        let blocks = try await store { try await metadata.searchSnapshot(.all) }.blocks
        // Child tasks call non-throwing helpers that return a Result (a `do throws(E)` block returning from inside a
        // task-group closure lost its results in a release build).
        let results: [Result<[UInt8], TrustMedError>] = await withTaskGroup(of: (Int, Result<[UInt8], TrustMedError>).self) { group in
            for (index, entry) in blocks.enumerated() {
                let ciphertext = entry.block.ciphertext, blockID = entry.block.id, live = entry.entries.map(\.slot)
                group.addTask {
                    (index, await Self.evaluate(evaluator, query: query, block: ciphertext, blockID: blockID, liveSlots: live))
                }
            }
            var byIndex = [Int: Result<[UInt8], TrustMedError>]()
            while let (index, result) = await group.next() { byIndex[index] = result }
            return (0..<blocks.count).map { byIndex[$0] ?? .failure(.homomorphic("block \($0) of \(blocks.count) was not evaluated")) }
        }
        var out = [SearchResponse.Block]()
        for (result, entry) in zip(results, blocks) {
            out.append(SearchResponse.Block(encryptedDistances: try result.get(), entries: entry.entries))
        }
        return SearchResponse(blocks: out)
    }

    /// The evaluator's view of a snapshot of every block.
    private func evaluatorView(_ snapshot: SearchSnapshot) -> [TrustMedEvaluatorBlock] {
        evaluatorViews.view(of: snapshot, scope: .all)
    }

    /// The record at `(handle, slot)` of a search's blocks (sorted by sequence number, entries by slot).
    static func recordID(handle: UInt64, slot: Int, in blocks: [SearchableBlock]) -> String? {
        var low = 0, high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if blocks[mid].sequence < handle { low = mid + 1 } else { high = mid }
        }
        guard low < blocks.count, blocks[low].sequence == handle else { return nil }
        let entries = blocks[low].entries
        var a = 0, b = entries.count
        while a < b {
            let mid = (a + b) / 2
            if entries[mid].slot < slot { a = mid + 1 } else { b = mid }
        }
        return a < entries.count && entries[a].slot == slot ? entries[a].recordID : nil
    }

    /// Sends the query to every search worker at once (each evaluates its shard), merges the partial results that
    /// came back into one unlinkable result, and names the records of the shards that did not answer.
    private func searchOnWorkers(_ workers: any TrustMedSearchWorkers, request: SearchRequest,
                                 evaluator: any TrustMedEvaluator) async throws(TrustMedError)
        -> (TrustMedUnlinkableResult, SearchSnapshot, [String]) {
        var snapshot = try await store { try await metadata.searchSnapshot(.recordIndex) }
        let count = workers.workerCount
        let version = snapshot.version
        let answers: [Result<ShardSearchResponse, TrustMedError>] = await withTaskGroup(
            of: (Int, Result<ShardSearchResponse, TrustMedError>).self) { group in
            for index in 0..<count {
                let shard = ShardSearchRequest(keyFingerprint: request.keyFingerprint, encryptedQuery: request.encryptedQuery,
                                               shardIndex: index, shardCount: count, minimumVersion: version)
                group.addTask { (index, await Self.ask(workers, worker: index, shard)) }
            }
            var byIndex = [Int: Result<ShardSearchResponse, TrustMedError>]()
            while let (index, answer) = await group.next() { byIndex[index] = answer }
            return (0..<count).map { byIndex[$0] ?? .failure(.storage("search worker \($0) did not answer")) }
        }
        var parts: [[UInt8]] = []
        var down = Set<Int>()
        var newest = version
        var firstError: TrustMedError?
        for (index, answer) in answers.enumerated() {
            switch answer {
            case let .success(response):
                parts.append(response.partial)
                newest = max(newest, response.version)
            case let .failure(error):
                down.insert(index)
                if firstError == nil { firstError = error }
            }
        }
        guard !parts.isEmpty else {
            throw .storage("no search worker answered (\(count) configured): \(firstError?.description ?? "")")
        }
        // A worker that read a newer state may name records the master's snapshot does not hold yet.
        if newest > snapshot.version { snapshot = try await store { try await metadata.searchSnapshot(.recordIndex) } }
        let result = try evaluator.mergeUnlinkable(parts)
        let unsearched = snapshot.blocks.filter { down.contains(Int($0.sequence % UInt64(count))) }
            .flatMap { $0.entries.map(\.recordID) }.sorted()
        return (result, snapshot, unsearched)
    }

    private static func ask(_ workers: any TrustMedSearchWorkers, worker: Int,
                            _ request: ShardSearchRequest) async -> Result<ShardSearchResponse, TrustMedError> {
        do {
            return .success(try await workers.search(worker: worker, request))
        } catch let error as TrustMedError {
            return .failure(error)
        } catch {
            return .failure(.storage("search worker \(worker): \(String(describing: error).prefix(200))"))
        }
    }

    // MARK: fetch

    /// Rebuilds the requested records' sealed images from m verified shares each. In unlinkable mode the records are
    /// the `k` nearest of the slots the client requested with its query handle (ordered by rank, ties by the
    /// evaluator's identifiers); the handle is then spent.
    public func fetch(_ request: FetchRequest) async throws(TrustMedError) -> FetchResponse {
        var ids = request.recordIDs
        if !request.queryHandle.isEmpty {
            let now = ContinuousClock.now
            let pending = pendingQueries.withLock { $0.removeValue(forKey: request.queryHandle) }
            guard let pending, now - pending.created < Self.pendingQueryLifetime else {
                throw .invalidParameter("unknown or expired query handle")
            }
            var chosen: [(rank: Int, id: String)] = []
            for (handle, slot, rank) in try pending.result.resolve(request.slotRequest) {
                guard let id = Self.recordID(handle: handle, slot: slot, in: pending.blocks) else {
                    throw .invalidParameter("a requested slot holds no record")
                }
                chosen.append((rank, id))
            }
            // The plaintext ranking rule: distance (rank), then record id.
            ids = chosen.sorted { ($0.rank, $0.id) < ($1.rank, $1.id) }.prefix(request.k).map(\.id)
        }
        let items = await withTaskGroup(of: (Int, FetchResponse.Item).self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask { (index, await self.fetchItem(id)) }
            }
            var byIndex = [Int: FetchResponse.Item]()
            while let (index, item) = await group.next() { byIndex[index] = item }
            return ids.indices.map { byIndex[$0] ?? FetchResponse.Item(recordID: ids[$0], result: .failure("not rebuilt")) }
        }
        return FetchResponse(items: items)
    }

    private func fetchItem(_ id: String) async -> FetchResponse.Item {
        do {
            return FetchResponse.Item(recordID: id, result: .sealedImage(try await rebuild(recordID: id)))
        } catch {
            return FetchResponse.Item(recordID: id, result: .failure(error.description))
        }
    }

    private static func evaluate(_ evaluator: any TrustMedEvaluator, query: [UInt8], block: [UInt8], blockID: String,
                                 liveSlots: [Int]) async -> Result<[UInt8], TrustMedError> {
        do {
            return .success(try await evaluator.distances(query: query, block: block, blockID: blockID, liveSlots: liveSlots))
        } catch {
            return .failure(error)
        }
    }

    /// Rebuilds one record's sealed image from the first m shares that arrive and verify.
    ///
    /// Every node is asked at once; a node that is down, slower than the deadline, or returns a share that
    /// fails verification is skipped. Fewer than m valid shares is an error, never a wrong image.
    public func rebuild(recordID: String, excluding excluded: Set<Int> = []) async throws(TrustMedError) -> [UInt8] {
        guard let record = try await store({ try await metadata.record(recordID) }) else { throw .unknownRecord(recordID) }
        return try await rebuild(record, excluding: excluded)
    }

    private func rebuild(_ record: StoredRecord, excluding excluded: Set<Int>) async throws(TrustMedError) -> [UInt8] {
        let m = configuration.threshold
        let valid = await validShares(of: record, excluding: excluded)
        guard valid.count >= m else {
            throw .notEnoughShares(recordID: record.recordID, valid: valid.count, threshold: m)
        }
        let chosen = valid.keys.sorted().prefix(m).map { valid[$0]! }
        return try sharing.combine(chosen, manifest: record.manifest)
    }

    /// Asks every node not in `excluded` at once for the record's share and returns the first m that verify,
    /// by 0-based share index (fewer if not enough nodes answer with a valid share in time).
    private func validShares(of record: StoredRecord, excluding excluded: Set<Int>) async -> [Int: [UInt8]] {
        let m = configuration.threshold
        let manifest = record.manifest
        let candidates = record.placements.filter { !excluded.contains($0.nodeIndex) }
        return await withTaskGroup(of: (Int, [UInt8])?.self) { group in
            for placement in candidates {
                group.addTask {
                    // One retry: a pooled connection to a node that restarted fails once.
                    var fetched: [UInt8]?
                    for _ in 0..<2 where fetched == nil && !Task.isCancelled {
                        fetched = try? await self.withDeadline {
                            try await self.nodes.getShare(node: placement.nodeIndex, shareID: placement.shareID)
                        }
                    }
                    guard let share = fetched else { return nil }
                    guard let index = self.sharing.verifiedIndex(of: share, manifest: manifest) else {
                        return nil
                    }
                    return (index, share)
                }
            }
            var valid = [Int: [UInt8]]()
            for await result in group {
                if let (index, share) = result { valid[index] = share }
                if valid.count >= m { group.cancelAll(); break }
            }
            return valid
        }
    }

    // MARK: re-sharing

    /// Re-shares every record after storage node `nodeIndex` was replaced by an empty one (or lost data).
    ///
    /// For each record: if the node still holds a valid share, nothing is done; otherwise the node's share is
    /// regenerated from m verified shares of the other nodes (``TrustMedShareScheme/regenerate(index:from:manifest:)``:
    /// byte-identical, so the signed manifest and the other n - 1 shares stay as they are, and only one share
    /// travels to the node) and stored under the record's share id on that node. If a share cannot be
    /// regenerated, the record falls back to a full re-split: rebuilt from m shares, split afresh into n new
    /// shares with a new manifest, switched over, old shares deleted. A record that cannot be repaired keeps its
    /// shares and is reported. Queued share deletions are retried first (the node may be back).
    public func reshare(nodeIndex: Int, progress: ProgressReporter? = nil,
                        concurrency: Int = 8) async throws(TrustMedError) -> ReshareReport {
        guard nodeIndex >= 0, nodeIndex < shareCount else { throw .invalidParameter("node index \(nodeIndex) of \(shareCount)") }
        _ = try? await purgePendingShareDeletions()
        let ids = try await store { try await metadata.recordIDs() }
        var outcomes = [RepairOutcome]()
        await withTaskGroup(of: RepairOutcome.self) { group in
            var next = 0
            func launch() {
                let id = ids[next]
                next += 1
                group.addTask { await self.repair(recordID: id, nodeIndex: nodeIndex) }
            }
            while next < min(max(concurrency, 1), ids.count) { launch() }
            while let outcome = await group.next() {
                outcomes.append(outcome)
                progress?.advance()
                if next < ids.count { launch() }
            }
        }
        var present = 0, regenerated = 0, resplit = 0, failed = [String]()
        for outcome in outcomes {
            switch outcome {
            case .present: present += 1
            case .regenerated: regenerated += 1
            case .resplit: resplit += 1
            case let .failed(id): failed.append(id)
            case .gone: break
            }
        }
        return ReshareReport(nodeIndex: nodeIndex, rebuilt: present + regenerated + resplit, failed: failed.sorted(),
                             regenerated: regenerated, resplit: resplit)
    }

    /// What re-sharing did for one record.
    private enum RepairOutcome: Sendable { case present, regenerated, resplit, failed(String), gone }

    /// Makes node `nodeIndex` hold a valid share of one record again.
    private func repair(recordID id: String, nodeIndex: Int) async -> RepairOutcome {
        let record: StoredRecord
        do {
            guard let stored = try await metadata.record(id) else { return .gone }
            record = stored
        } catch {
            return .failed(id)
        }
        guard let placement = record.placements.first(where: { $0.nodeIndex == nodeIndex }) else { return .failed(id) }
        // Still there and valid (the node restarted with its data): nothing to do.
        if let share = try? await withDeadline({ try await self.nodes.getShare(node: nodeIndex, shareID: placement.shareID) }),
           sharing.verifiedIndex(of: share, manifest: record.manifest) == nodeIndex {
            return .present
        }
        let valid = await validShares(of: record, excluding: [nodeIndex])
        guard valid.count >= configuration.threshold else { return .failed(id) }
        if let share = try? sharing.regenerate(index: nodeIndex, from: Array(valid.values), manifest: record.manifest),
           await putShares([share], at: [placement]).isEmpty {
            // A record deleted meanwhile must not leave the regenerated share behind.
            if (try? await metadata.record(id)) == nil { await deleteShares([placement]) }
            return .regenerated
        }
        // Fallback: re-split the whole image.
        do throws(TrustMedError) {
            let chosen = valid.keys.sorted().prefix(configuration.threshold).map { valid[$0]! }
            let sealed = try sharing.combine(chosen, manifest: record.manifest)
            let (manifest, shares) = try sharing.split(sealed, threshold: configuration.threshold, shareCount: shareCount)
            let placements = (0..<shareCount).map { SharePlacement(nodeIndex: $0, shareID: Self.newShareID()) }
            guard await putShares(shares, at: placements).isEmpty else {
                await deleteShares(placements)
                return .failed(id)
            }
            try await store {
                try await metadata.updateShares(recordID: id, manifest: manifest, placements: placements,
                                                shareBytes: shares.reduce(0) { $0 + $1.count })
            }
            await deleteShares(record.placements)
            return .resplit
        } catch {
            return .failed(id)
        }
    }

    // MARK: helpers

    /// Runs `operation`, giving up after the configured node timeout (without waiting for a straggler).
    private func withDeadline<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Deadline.run(timeout: configuration.nodeTimeout, operation)
    }

    private static func nodeError(_ error: any Error, node: Int) -> TrustMedError {
        if let error = error as? TrustMedError, case .nodeFailure = error { return error }
        return .nodeFailure(node: node, reason: String(describing: error).prefix(200).description)
    }

    private func store<T>(_ body: () async throws -> T) async throws(TrustMedError) -> T { try await storeCall(body) }
}
