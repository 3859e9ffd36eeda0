import Foundation
import Hummingbird
import MedSearchSEI
import MedSearchStore
import MedSearchTransport

/// The SEI cloud server (`medsearch serve sei`): it stores the owner's encrypted index and sealed images and
/// answers users' trapdoor searches. It never holds a key, a feature or a plaintext image. Its routes and their
/// callers are ``Routes/SEI``.
public enum SEIService {
    /// The server's state: the in-memory index (rebuilt from the store at start) and its store.
    ///
    /// On PostgreSQL several processes (replicas) share the store: each change bumps the store's index version in
    /// its transaction, and a replica whose in-memory index is older than the stored version rebuilds it before it
    /// answers, so an image added or deleted through one replica is found (or gone) through every other.
    public actor Node {
        let store: SEIStore
        let shared: Bool
        var index: SEICloudIndex?
        var version: Int64 = -1

        /// Opens the state at `database` (default: `sei.sqlite` in `dataDirectory`, in memory when both are nil) and
        /// builds the index.
        public init(dataDirectory: URL?, database: StoreLocation? = nil) async throws {
            let location = StoreLocation.resolve(database, dataDirectory: dataDirectory, schema: SEIStore.schema)
            store = try await SEIStore.open(location)
            shared = location.isShared
            try await reload()
        }

        private func reload() async throws {
            let state = try await store.loadIndex()
            if let skeletonBytes = state.skeleton {
                var skeleton = try SEIIndexUpload(serialized: skeletonBytes)
                skeleton.entries = try state.entries.map {
                    try SEIIndexEntry(id: $0.id, cluster: $0.cluster, vectorBytes: $0.vector)
                }
                index = try SEICloudIndex(upload: skeleton)
            } else {
                index = nil
            }
            version = state.version
        }

        /// Rebuilds the index when a replica changed the store since it was built.
        private func refresh() async throws {
            guard shared, try await store.version() != version else { return }
            try await reload()
        }

        /// Adopts `updated` as the index at `newVersion` when nothing else changed the store since `previous` (the
        /// version is `previous`, or `previous + 1` when this change bumped it), else rebuilds from the store.
        private func adopt(_ updated: SEICloudIndex, previous: Int64, changed: Bool, newVersion: Int64) async throws {
            if newVersion == previous + (changed ? 1 : 0) {
                index = updated
                version = newVersion
            } else {
                try await reload()
            }
        }

        func configured() async throws -> SEICloudIndex {
            try await refresh()
            guard let index else { throw HTTPError(.conflict, message: "no SEI index yet: the owner must upload one first") }
            return index
        }

        func replaceIndex(_ bytes: [UInt8]) async throws -> Int {
            let upload = try SEIIndexUpload(serialized: bytes)
            let index = try SEICloudIndex(upload: upload)
            var skeleton = upload
            skeleton.entries = []
            let previous = version
            let newVersion = try await store.replaceIndex(skeleton: skeleton.serialized(), entries: upload.entries.map {
                SEIStore.Entry(id: $0.id, cluster: $0.cluster, vector: $0.vectorBytes)
            })
            try await adopt(index, previous: previous, changed: true, newVersion: newVersion)
            return index.count
        }

        /// Adds entries; entries already indexed with the same vector are skipped (a re-sent upload completes
        /// without duplicates), a different vector under an indexed id is refused.
        func add(_ bytes: [UInt8]) async throws -> Int {
            var index = try await configured()
            let previous = version
            let message = try SEIAddImages(serialized: bytes)
            let fresh = SEIAddImages(entries: message.entries.filter { !index.contains($0.id) })
            try index.apply(fresh)
            let result = try await store.insertEntries(message.entries.map {
                SEIStore.Entry(id: $0.id, cluster: $0.cluster, vector: $0.vectorBytes)
            })
            try await adopt(index, previous: previous, changed: !result.added.isEmpty, newVersion: result.version)
            return message.entries.count
        }

        func delete(_ bytes: [UInt8]) async throws -> Int {
            var index = try await configured()
            let previous = version
            let message = try SEIDeleteImages(serialized: bytes)
            try index.apply(message)
            let newVersion = try await store.deleteEntries(message.ids)
            try await adopt(index, previous: previous, changed: true, newVersion: newVersion)
            return message.ids.count
        }

        func putImages(_ bytes: [UInt8]) async throws -> Int {
            let message = try SEISealedImages(serialized: bytes)
            try await store.putImages(message.images.map { ($0.id, $0.sealed) })
            return message.images.count
        }

        func fetch(_ bytes: [UInt8]) async throws -> [UInt8] {
            let request = try SEIImageRequest(serialized: bytes)
            let images = try await store.images(request.ids)
            return SEISealedImages(images: images.map { .init(id: $0.id, sealed: $0.sealed) }).serialized()
        }

        /// The index entries among an upload's ids that the store holds (``Routes/SEI/held``): what a re-run of an
        /// interrupted upload need not send again.
        func held(_ bytes: [UInt8]) async throws -> [UInt8] {
            let request = try SEIImageRequest(serialized: bytes)
            let entries = try await store.entries(request.ids).map {
                try SEIIndexEntry(id: $0.id, cluster: $0.cluster, vectorBytes: $0.vector)
            }
            return SEIAddImages(entries: entries).serialized()
        }

        /// A snapshot of the index for a search (value semantics: searches run outside the actor).
        public func snapshot() async throws -> SEICloudIndex { try await configured() }

        func status() async throws -> SEIServerStatus {
            try await refresh()
            return SEIServerStatus(role: "sei", indexed: index?.count ?? 0, leaves: index?.leaves.count ?? 0,
                                   treeHeight: index?.tree.height ?? 0, encryptedDimension: index?.encryptedDimension ?? 0,
                                   sealedImages: try await store.imageCount(), vectorBytes: index?.vectorMemoryBytes ?? 0)
        }
    }

    /// The router of the SEI cloud (``Routes/SEI``).
    public static func router(node: Node, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .sei)
        router.on(Routes.SEI.index) { call in .text("indexed \(try await node.replaceIndex(call.body))") }
        router.on(Routes.SEI.images) { call in .text("stored \(try await node.putImages(call.body))") }
        router.on(Routes.SEI.add) { call in .text("added \(try await node.add(call.body))") }
        router.on(Routes.SEI.delete) { call in .text("deleted \(try await node.delete(call.body))") }
        router.on(Routes.SEI.search) { call in
            let search = try SEISearchRequest(serialized: call.body)
            let index = try await node.snapshot()
            return .bytes(try index.search(search).serialized())
        }
        router.on(Routes.SEI.fetch) { call in .bytes(try await node.fetch(call.body)) }
        router.on(Routes.SEI.held) { call in .bytes(try await node.held(call.body)) }
        router.on(Routes.SEI.status) { _ in try .json(try await node.status()) }
        return router
    }
}
