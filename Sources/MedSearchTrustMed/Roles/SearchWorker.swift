import MedSearchCore

/// How an edge master reaches its search workers (HTTP in the server, direct calls in tests).
public protocol TrustMedSearchWorkers: Sendable {
    /// The number of workers; worker `i` searches shard `i` of this many.
    var workerCount: Int { get }
    /// Asks worker `worker` to evaluate a query over its shard.
    func search(worker: Int, _ request: ShardSearchRequest) async throws -> ShardSearchResponse
}

/// A search worker (`medsearch serve search-worker`): evaluates encrypted Hamming searches over one shard of the
/// edge master's encrypted hashcode database, so one query uses the cores of several machines.
///
/// It reads the master's store (the same SQLite file on one machine, or the same PostgreSQL database): the keys,
/// the record index and only its shard's block ciphertexts, incrementally (an unchanged store costs one small read
/// per query; after a change it reads only the rows added and the deletions logged since, and the new blocks). Shard
/// `i` of `n` is every block whose sequence number is `i` modulo `n`; the master names both in each request, so
/// adding a worker needs no change on the others. Like the master it holds only public material: the evaluation
/// key and ciphertexts.
public final class SearchWorker: Sendable {
    /// The master's store (read only).
    public let metadata: any TrustMedMetadataStore
    private let evaluators: EvaluatorCache
    /// Evaluations run one at a time (each with the threads the evaluator is allowed), so concurrent queries never
    /// use more threads or memory than one; at most ``maxWaitingSearches`` wait their turn.
    let queue: TurnQueue
    private let views = EvaluatorViewCache()

    /// How many searches may wait for the one being evaluated before further ones are refused as busy.
    public static let maxWaitingSearches = 32

    /// Creates a worker over the master's store; `evaluatorFactory` builds the evaluator from the registered keys
    /// (the server limits its threads there).
    public init(metadata: any TrustMedMetadataStore, maxWaitingSearches: Int = SearchWorker.maxWaitingSearches,
                evaluatorFactory: @escaping EdgeMaster.EvaluatorFactory) {
        self.metadata = metadata
        evaluators = EvaluatorCache(factory: evaluatorFactory)
        queue = TurnQueue(maxWaiting: maxWaitingSearches)
    }

    /// Evaluates the query over this request's shard.
    ///
    /// - Throws: ``TrustMedError/keysNotRegistered`` or ``TrustMedError/keyMismatch`` for keys the store does not
    ///   hold; ``TrustMedError/storage(_:)`` when the store is behind the master's version (a lagging replica);
    ///   ``TrustMedError/busy(_:)`` when ``maxWaitingSearches`` searches already wait for their turn.
    public func search(_ request: ShardSearchRequest) async throws(TrustMedError) -> ShardSearchResponse {
        guard let registration = try await store({ try await metadata.keyRegistration() }) else { throw .keysNotRegistered }
        guard constantTimeEquals(evaluators.fingerprint(of: registration), request.keyFingerprint) else { throw .keyMismatch }
        let evaluator = try evaluators.evaluator(for: registration)
        guard await queue.enter() else {
            throw .busy("\(queue.maxWaiting) searches are already waiting for this search worker")
        }
        defer { queue.leave() }
        // A caller that gave up while waiting (the master's deadline) no longer needs the answer.
        guard !Task.isCancelled else { throw .busy("the search was cancelled while it waited for its turn") }
        let scope = SearchScope(shardIndex: request.shardIndex, shardCount: request.shardCount)
        var snapshot = try await store { try await metadata.searchSnapshot(scope) }
        if snapshot.version < request.minimumVersion {
            snapshot = try await store { try await metadata.searchSnapshot(scope) }
            guard snapshot.version >= request.minimumVersion else {
                throw .storage("the worker's store is at version \(snapshot.version), the master searched \(request.minimumVersion)")
            }
        }
        let partial = try await evaluator.searchPartial(query: request.encryptedQuery,
                                                        blocks: views.view(of: snapshot, scope: scope),
                                                        version: snapshot.version)
        return ShardSearchResponse(version: snapshot.version,
                                   recordCount: snapshot.blocks.reduce(0) { $0 + $1.entries.count }, partial: partial)
    }

    private func store<T>(_ body: () async throws -> T) async throws(TrustMedError) -> T { try await storeCall(body) }
}
