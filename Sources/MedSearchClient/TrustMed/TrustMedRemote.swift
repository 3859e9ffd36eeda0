import Foundation
import MedSearchTransport
import MedSearchTrustMed

/// The client side's calls to an edge master over HTTP.
public struct TrustMedRemote: Sendable {
    /// The connection to the edge master.
    public let service: ServiceClient

    /// Creates the calls over a connection to the master.
    public init(service: ServiceClient) { self.service = service }

    /// Registers the client's public and evaluation keys (owner token).
    public func register(_ registration: KeyRegistration) async throws {
        _ = try await service.call(Routes.EdgeMaster.keys, body: registration.serialized())
    }

    /// Sends an upload, retrying the same request (same idempotency key) on transport failures; every attempt
    /// shares one deadline (the connection's timeout, or an enclosing ``RequestDeadline``), so retries never run
    /// past it.
    public func upload(_ request: UploadRequest, attempts: Int = 3) async throws -> UploadResponse {
        let own = ContinuousClock.now + service.configuration.timeout
        let deadline = RequestDeadline.current.map { min($0, own) } ?? own
        return try await RequestDeadline.$current.withValue(deadline) {
            try await upload(serialized: request.serialized(), attempts: attempts)
        }
    }

    private func upload(serialized body: [UInt8], attempts: Int) async throws -> UploadResponse {
        var lastError: any Error = ServiceError.badResponse(reason: "no attempt made")
        for attempt in 1...max(attempts, 1) {
            do {
                return try UploadResponse(serialized: try await service.call(Routes.EdgeMaster.upload, body: body))
            } catch let error as ServiceError {
                lastError = error
                guard error.isTransient, (RequestDeadline.remaining ?? .zero) > .milliseconds(200 * attempt) else { throw error }
                if attempt < attempts { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
        throw lastError
    }

    /// Sends an encrypted query; the answer holds encrypted distances only the client can decrypt.
    public func search(_ request: SearchRequest) async throws -> SearchResponse {
        try SearchResponse(serialized: try await service.call(Routes.EdgeMaster.search, body: request.serialized()))
    }

    /// Asks for the sealed images of records (rebuilt by the master from m shares each).
    public func fetch(_ request: FetchRequest) async throws -> FetchResponse {
        try FetchResponse(serialized: try await service.call(Routes.EdgeMaster.fetch, body: request.serialized()))
    }

    /// Deletes records (owner or admin token). Retry-safe: already deleted records come back as `notFound`.
    public func delete(_ request: DeleteRequest) async throws -> DeleteReport {
        try DeleteReport(serialized: try await service.call(Routes.EdgeMaster.delete, body: request.serialized()))
    }

    /// Deletes records by id, in requests of at most ``TrustMedLimits/maxRecordsPerFetch`` ids; an empty list
    /// only retries share deletions a node missed earlier. Returns the outcomes in order and the last
    /// request's count of share deletions still pending.
    public func delete(recordIDs: [String]) async throws -> DeleteReport {
        var outcomes = [DeleteReport.Outcome](), deleted = 0, pending = 0
        var start = 0
        repeat {
            let chunk = Array(recordIDs[start..<min(start + TrustMedLimits.maxRecordsPerFetch, recordIDs.count)])
            let report = try await delete(DeleteRequest(recordIDs: chunk))
            outcomes += report.outcomes
            deleted += report.sharesDeleted
            pending = report.sharesPending
            start += TrustMedLimits.maxRecordsPerFetch
        } while start < recordIDs.count
        return DeleteReport(outcomes: outcomes, sharesDeleted: deleted, sharesPending: pending)
    }

    /// Asks the master to repair storage node `nodeIndex`'s shares after it was replaced (admin or owner).
    public func reshare(_ request: ReshareRequest) async throws -> ReshareReport {
        try ReshareReport(serialized: try await service.call(Routes.EdgeMaster.reshare, body: request.serialized()))
    }

    /// The master's record count, storage and node list.
    public func status() async throws -> EdgeMasterStatus {
        try await service.call(Routes.EdgeMaster.status, as: EdgeMasterStatus.self)
    }

    /// The outcome of a query: the ranked records, their images, and the records that were not searched.
    public struct QueryResult: Sendable {
        /// The top-k, nearest first.
        public var ranked: [TrustMedClient.Ranked]
        /// Their opened images (or why one could not be returned), in the same order.
        public var images: [TrustMedClient.Retrieved]
        /// Records the master could not search (their search worker did not answer), sorted; empty normally.
        public var unsearched: [String]
    }

    /// Search, rank, fetch and open: the whole query of a clinician.
    public func query(client: TrustMedClient, hashcode: [UInt8], k: Int) async throws
        -> (ranked: [TrustMedClient.Ranked], images: [TrustMedClient.Retrieved]) {
        let result = try await queryReport(client: client, hashcode: hashcode, k: k)
        return (result.ranked, result.images)
    }

    /// ``query(client:hashcode:k:)`` with the records the master did not search (a search worker was down).
    public func queryReport(client: TrustMedClient, hashcode: [UInt8], k: Int) async throws -> QueryResult {
        // Unlinkable mode: the client learns record ids only for the records it fetches.
        let response = try await search(try client.searchRequest(hashcode: hashcode, unlinkable: true))
        let selection = try client.select(response, k: k)
        guard let request = selection.fetch else { return QueryResult(ranked: [], images: [], unsearched: response.unsearched) }
        let fetched = try await fetch(request)
        return QueryResult(ranked: try client.ranked(selection, fetched: fetched), images: client.open(fetched),
                           unsearched: response.unsearched)
    }
}
