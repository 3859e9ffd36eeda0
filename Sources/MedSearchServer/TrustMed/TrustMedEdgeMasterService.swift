import Foundation
import Hummingbird
import MedSearchStore
import MedSearchTrustMed
import Synchronization

/// The routes of the TrustMedSearch edge master (`medsearch serve edge-master`):
/// - `POST /trustmed/v1/keys` (owner): ``KeyRegistration``, the client's public and evaluation keys;
/// - `POST /trustmed/v1/upload` (owner): ``UploadRequest`` -> ``UploadResponse``;
/// - `POST /trustmed/v1/search` (owner, user, web): ``SearchRequest`` -> ``SearchResponse``;
/// - `POST /trustmed/v1/fetch` (owner, user, web): ``FetchRequest`` -> ``FetchResponse``;
/// - `POST /trustmed/v1/delete` (owner, admin): ``DeleteRequest`` -> ``DeleteReport``;
/// - `POST /trustmed/v1/reshare` (admin, owner): ``ReshareRequest`` -> ``ReshareReport``;
/// - `GET /trustmed/v1/status` (owner, user, admin, web): JSON ``TrustMedEdgeMasterService/Status``.
public enum TrustMedEdgeMasterService {
    /// What `GET /trustmed/v1/status` returns.
    public struct Status: Codable, Sendable, Equatable {
        /// Whether evaluation keys are registered.
        public var keysRegistered: Bool
        /// Searchable records.
        public var records: Int
        /// Total size of their sealed images.
        public var sealedBytes: Int
        /// Total size of their shares on the nodes.
        public var shareBytes: Int
        /// m.
        public var threshold: Int
        /// The storage nodes' URLs.
        public var nodes: [String]
    }

    /// Everything a running edge master needs.
    public final class Deployment: Sendable {
        /// The engine.
        public let master: EdgeMaster
        /// The metadata database.
        public let database: TrustMedMasterDatabase
        /// The HTTP transport to the nodes.
        public let transport: TrustMedHTTPNodeTransport
        /// The node list in force and where it is persisted.
        let nodeList: Mutex<TrustMedNodeList>
        let nodeListURL: URL?

        /// Opens the master's database at `location` (default: `trustmed-master.sqlite` in `dataDirectory`; in
        /// memory when both are nil) and builds the engine over HTTP transports to `nodeList`.
        ///
        /// Replicas (several masters on one PostgreSQL) share every record, block and pending deletion: the engine
        /// reads them from the store for each request.
        public init(dataDirectory: URL?, database location: StoreLocation? = nil, nodeList: TrustMedNodeList,
                    nodeTimeout: Duration, sharing: any TrustMedShareScheme,
                    evaluatorFactory: @escaping EdgeMaster.EvaluatorFactory) async throws {
            database = try await TrustMedMasterDatabase.open(
                StoreLocation.resolve(location, dataDirectory: dataDirectory, schema: TrustMedMasterDatabase.schema))
            transport = TrustMedHTTPNodeTransport(urls: nodeList.nodes, token: nodeList.token, timeout: nodeTimeout)
            master = try EdgeMaster(configuration: .init(threshold: nodeList.threshold, nodeTimeout: nodeTimeout),
                                    metadata: TrustMedMasterMetadata(database: database), nodes: transport,
                                    sharing: sharing, evaluatorFactory: evaluatorFactory)
            self.nodeList = Mutex(nodeList)
            nodeListURL = dataDirectory?.appendingPathComponent("trustmed-nodes.json")
            if let nodeListURL { try nodeList.write(to: nodeListURL) }
        }

        /// Retries queued share deletions (shares of deleted records on nodes that were down) every `interval`
        /// until the task is cancelled; run it beside the server.
        public func purgeLoop(interval: Duration = .seconds(60)) async {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                _ = try? await master.purgePendingShareDeletions()
            }
        }

        /// The node list in force.
        public var currentNodeList: TrustMedNodeList { nodeList.withLock { $0 } }

        func replaceNode(_ index: Int, url: String) throws {
            transport.replaceNode(index, url: url)
            let updated = nodeList.withLock { list in
                list.nodes[index] = url
                return list
            }
            if let nodeListURL { try updated.write(to: nodeListURL) }
        }
    }

    /// The router of an edge master.
    public static func router(deployment: Deployment, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: "edge-master")
        let master = deployment.master
        let api = router.group("/trustmed/v1")
        api.post("keys") { request, context -> Response in
            try context.require(.owner)
            let body = try await request.bodyBytes(limit: TrustMedLimits.maxCiphertextBytes + 64)
            try await TrustMedHTTP.mapped { try await master.register(try KeyRegistration(serialized: body)) }
            return .plainText("registered", status: .ok)
        }
        api.post("upload") { request, context -> Response in
            try context.require(.owner)
            let body = try await request.bodyBytes()
            return .binary(try await TrustMedHTTP.mapped {
                try await master.upload(try UploadRequest(serialized: body)).serialized()
            })
        }
        api.post("search") { request, context -> Response in
            try context.require(.owner, .user, .web)
            let body = try await request.bodyBytes(limit: TrustMedLimits.maxCiphertextBytes + 64)
            return .binary(try await TrustMedHTTP.mapped {
                try await master.search(try SearchRequest(serialized: body)).serialized()
            })
        }
        api.post("fetch") { request, context -> Response in
            try context.require(.owner, .user, .web)
            let body = try await request.bodyBytes(limit: 1 << 20)
            return .binary(try await TrustMedHTTP.mapped {
                try await master.fetch(try FetchRequest(serialized: body)).serialized()
            })
        }
        api.post("delete") { request, context -> Response in
            try context.require(.owner, .admin)
            let body = try await request.bodyBytes(limit: 1 << 20)
            return .binary(try await TrustMedHTTP.mapped {
                try await master.delete(try DeleteRequest(serialized: body)).serialized()
            })
        }
        api.post("reshare") { request, context -> Response in
            try context.require(.admin, .owner)
            let body = try await request.bodyBytes(limit: 1 << 16)
            return .binary(try await TrustMedHTTP.mapped {
                let reshare = try ReshareRequest(serialized: body)
                guard reshare.nodeIndex < master.shareCount else {
                    throw TrustMedError.invalidParameter("node index \(reshare.nodeIndex) of \(master.shareCount)")
                }
                if !reshare.newURL.isEmpty {
                    guard reshare.newURL.hasPrefix("http://") || reshare.newURL.hasPrefix("https://") else {
                        throw TrustMedError.invalidParameter("the new node URL must start with http:// or https://")
                    }
                    do { try deployment.replaceNode(reshare.nodeIndex, url: reshare.newURL) } catch {
                        throw TrustMedError.storage("saving the node list: \(error)")
                    }
                }
                return try await master.reshare(nodeIndex: reshare.nodeIndex).serialized()
            })
        }
        api.get("status") { _, context -> Response in
            try context.require(.owner, .user, .admin, .web)
            let totals = try await deployment.database.totals()
            let keys = try await deployment.database.keyRegistration() != nil
            let list = deployment.currentNodeList
            let status = Status(keysRegistered: keys, records: totals.records, sealedBytes: totals.sealedBytes,
                                shareBytes: totals.shareBytes, threshold: list.threshold, nodes: list.nodes)
            return .binary(Array(try JSONEncoder().encode(status)))
        }
        return router
    }
}
