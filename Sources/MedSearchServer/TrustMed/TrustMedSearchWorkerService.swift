import Foundation
import Hummingbird
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed

/// A TrustMedSearch search worker (`medsearch serve search-worker`): evaluates the edge master's queries over one
/// shard of the encrypted hashcode database, read from the master's store. Its route and caller are
/// ``Routes/SearchWorker``.
public enum TrustMedSearchWorkerService {
    /// Opens the master's store at `location` (required: a worker has no state of its own) and builds the worker,
    /// each evaluation limited to `threads` threads (nil: one per core). Returns the store too (the readiness check).
    public static func openWorker(database location: StoreLocation?, threads: Int?) async throws
        -> (worker: SearchWorker, store: any StoreDatabase) {
        guard let location else {
            throw ServiceError.configuration("a search worker needs the edge master's store (--database)")
        }
        let database = try await TrustMedMasterDatabase.open(location)
        let worker = SearchWorker(metadata: TrustMedMasterMetadata(database: database)) { registration throws(TrustMedError) in
            try BFVHammingEvaluator(registration: registration, maxConcurrency: threads)
        }
        return (worker, database.database)
    }

    /// The router of a search worker (``Routes/SearchWorker``).
    public static func router(worker: SearchWorker, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .searchWorker)
        router.on(Routes.SearchWorker.search) { call in
            .bytes(try await TrustMedHTTP.mapped { try await worker.search(try ShardSearchRequest(serialized: call.body)).serialized() })
        }
        return router
    }
}

/// Reaches the search workers over authenticated HTTP (``Routes/SearchWorker``), each call bounded by `timeout`.
public struct TrustMedHTTPSearchWorkers: TrustMedSearchWorkers {
    private let clients: [ServiceClient]

    /// How long the master waits for one worker's partial result.
    public static let defaultTimeout: Duration = .seconds(120)

    /// Creates the transport to the workers of `list`, over mutual TLS when `tls` is given.
    public init(list: TrustMedWorkerList, timeout: Duration = Self.defaultTimeout, tls: TLSCredentials? = nil) {
        let configuration = ClientConfiguration(timeout: timeout).tls(tls)
        clients = list.workers.map { ServiceClient(baseURL: $0, token: list.token, configuration: configuration) }
    }

    public var workerCount: Int { clients.count }

    public func search(worker: Int, _ request: ShardSearchRequest) async throws -> ShardSearchResponse {
        try ShardSearchResponse(serialized: try await clients[worker].call(Routes.SearchWorker.search, body: request.serialized()))
    }
}
