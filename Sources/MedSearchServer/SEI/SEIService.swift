import Foundation
import Hummingbird
import MedSearchSEI
import MedSearchStore

/// The routes of the SEI cloud server (`medsearch serve sei`): it stores the owner's encrypted index and
/// sealed images and answers users' trapdoor searches. It never holds a key, a feature or a plaintext image.
///
/// - `POST /sei/v1/index` (owner): an ``SEIIndexUpload`` (replaces the index; sealed images are kept),
/// - `POST /sei/v1/images` (owner): ``SEISealedImages`` to store,
/// - `POST /sei/v1/add` (owner): ``SEIAddImages``; `POST /sei/v1/delete` (owner): ``SEIDeleteImages``,
/// - `POST /sei/v1/search` (user): an ``SEISearchRequest``; answers an ``SEISearchResponse``,
/// - `POST /sei/v1/fetch` (user): an ``SEIImageRequest``; answers ``SEISealedImages``,
/// - `GET /sei/v1/status` (owner, user, admin): JSON ``SEIServerStatus``.
public enum SEIService {
    /// The server's state: the in-memory index (rebuilt from SQLite at start) and its store.
    public actor Node {
        let store: SEIStore
        var index: SEICloudIndex?

        /// Opens the state in `dataDirectory` (`sei.sqlite`), or in memory when nil, and rebuilds the index.
        public init(dataDirectory: URL?) throws {
            store = try SEIStore.open(path: dataDirectory.map { AppDatabase.path(in: $0, name: "sei") })
            if let skeletonBytes = try store.loadSkeleton() {
                var skeleton = try SEIIndexUpload(serialized: skeletonBytes)
                skeleton.entries = try store.allEntries().map {
                    try SEIIndexEntry(id: $0.id, cluster: $0.cluster, vectorBytes: $0.vector)
                }
                index = try SEICloudIndex(upload: skeleton)
            }
        }

        func configured() throws -> SEICloudIndex {
            guard let index else { throw HTTPError(.conflict, message: "no SEI index yet: the owner must upload one first") }
            return index
        }

        func replaceIndex(_ bytes: [UInt8]) throws -> Int {
            let upload = try SEIIndexUpload(serialized: bytes)
            let index = try SEICloudIndex(upload: upload)
            var skeleton = upload
            skeleton.entries = []
            try store.replaceIndex(skeleton: skeleton.serialized(), entries: upload.entries.map {
                SEIStore.Entry(id: $0.id, cluster: $0.cluster, vector: $0.vectorBytes)
            })
            self.index = index
            return index.count
        }

        func add(_ bytes: [UInt8]) throws -> Int {
            var index = try configured()
            let message = try SEIAddImages(serialized: bytes)
            try index.apply(message)
            try store.insertEntries(message.entries.map { SEIStore.Entry(id: $0.id, cluster: $0.cluster, vector: $0.vectorBytes) })
            self.index = index
            return message.entries.count
        }

        func delete(_ bytes: [UInt8]) throws -> Int {
            var index = try configured()
            let message = try SEIDeleteImages(serialized: bytes)
            try index.apply(message)
            try store.deleteEntries(message.ids)
            self.index = index
            return message.ids.count
        }

        func putImages(_ bytes: [UInt8]) throws -> Int {
            let message = try SEISealedImages(serialized: bytes)
            try store.putImages(message.images.map { ($0.id, $0.sealed) })
            return message.images.count
        }

        func fetch(_ bytes: [UInt8]) throws -> [UInt8] {
            let request = try SEIImageRequest(serialized: bytes)
            let images = try store.images(request.ids)
            return SEISealedImages(images: images.map { .init(id: $0.id, sealed: $0.sealed) }).serialized()
        }

        /// A snapshot of the index for a search (value semantics: searches run outside the actor).
        public func snapshot() throws -> SEICloudIndex { try configured() }

        func status() throws -> SEIServerStatus {
            SEIServerStatus(role: "sei", indexed: index?.count ?? 0, leaves: index?.leaves.count ?? 0,
                            treeHeight: index?.tree.height ?? 0, encryptedDimension: index?.encryptedDimension ?? 0,
                            sealedImages: try store.imageCount(), vectorBytes: index?.vectorMemoryBytes ?? 0)
        }
    }

    /// The router of the SEI cloud.
    public static func router(node: Node, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: "sei")
        let api = router.group("/sei/v1")
        api.post("index") { request, context -> Response in
            try context.require(.owner)
            let count = try await node.replaceIndex(try await request.bodyBytes())
            return .plainText("indexed \(count)", status: .ok)
        }
        api.post("images") { request, context -> Response in
            try context.require(.owner)
            let count = try await node.putImages(try await request.bodyBytes())
            return .plainText("stored \(count)", status: .ok)
        }
        api.post("add") { request, context -> Response in
            try context.require(.owner)
            let count = try await node.add(try await request.bodyBytes())
            return .plainText("added \(count)", status: .ok)
        }
        api.post("delete") { request, context -> Response in
            try context.require(.owner)
            let count = try await node.delete(try await request.bodyBytes())
            return .plainText("deleted \(count)", status: .ok)
        }
        api.post("search") { request, context -> Response in
            try context.require(.user, .owner)
            let body = try await request.bodyBytes(limit: 16 << 20)
            let search = try SEISearchRequest(serialized: body)
            let index = try await node.snapshot()
            return .binary(try index.search(search).serialized())
        }
        api.post("fetch") { request, context -> Response in
            try context.require(.user, .owner)
            return .binary(try await node.fetch(try await request.bodyBytes(limit: 16 << 20)))
        }
        api.get("status") { _, context -> Response in
            try context.require(.owner, .user, .admin)
            let data = try JSONEncoder().encode(try await node.status())
            var response = Response.binary(Array(data))
            response.headers[.contentType] = "application/json"
            return response
        }
        return router
    }
}

/// The SEI cloud's status (JSON).
public struct SEIServerStatus: Codable, Sendable, Equatable {
    /// Always `"sei"`.
    public var role: String
    /// Indexed images.
    public var indexed: Int
    /// Leaf clusters.
    public var leaves: Int
    /// The tree height.
    public var treeHeight: Int
    /// `2d + 2`, or 0 before an index was uploaded.
    public var encryptedDimension: Int
    /// Stored sealed images.
    public var sealedImages: Int
    /// Bytes of encrypted vectors held in memory.
    public var vectorBytes: Int
}
