import Foundation
import MedSearchSEI
import MedSearchTransport

/// The client side's calls to the SEI cloud over HTTP (``Routes/SEI``).
public struct SEIRemote: Sendable {
    /// The connection to the cloud (owner token for index, images, add and delete; user token for search and
    /// fetch).
    public let service: ServiceClient

    /// Creates the calls over a connection to the cloud.
    public init(service: ServiceClient) { self.service = service }

    /// Replaces the cloud's index (GenIndex's output); sealed images already stored are kept.
    public func replaceIndex(_ upload: SEIIndexUpload) async throws {
        _ = try await service.call(Routes.SEI.index, body: upload.serialized())
    }

    /// Stores sealed images.
    public func store(_ images: SEISealedImages) async throws {
        _ = try await service.call(Routes.SEI.images, body: images.serialized())
    }

    /// Adds entries to the built index.
    public func add(_ message: SEIAddImages) async throws {
        _ = try await service.call(Routes.SEI.add, body: message.serialized())
    }

    /// Deletes entries (and their sealed images) from the cloud.
    public func delete(_ message: SEIDeleteImages) async throws {
        _ = try await service.call(Routes.SEI.delete, body: message.serialized())
    }

    /// Sends trapdoors; the answer holds ids and per-query scaled scores.
    public func search(_ request: SEISearchRequest) async throws -> SEISearchResponse {
        try SEISearchResponse(serialized: try await service.call(Routes.SEI.search, body: request.serialized()))
    }

    /// The sealed images of `ids` that the cloud holds (missing ids are left out).
    public func fetch(ids: [String]) async throws -> SEISealedImages {
        try SEISealedImages(serialized: try await service.call(Routes.SEI.fetch, body: SEIImageRequest(ids: ids).serialized()))
    }

    /// The index entries among `ids` that the cloud holds (asked in requests of 1,000 ids).
    public func held(ids: [String]) async throws -> [SEIIndexEntry] {
        var entries = [SEIIndexEntry]()
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let request = SEIImageRequest(ids: Array(ids[start..<min(start + 1000, ids.count)]))
            entries += try SEIAddImages(serialized: try await service.call(Routes.SEI.held, body: request.serialized())).entries
        }
        return entries
    }

    /// The cloud's index and storage figures.
    public func status() async throws -> SEIServerStatus {
        try await service.call(Routes.SEI.status, as: SEIServerStatus.self)
    }
}
