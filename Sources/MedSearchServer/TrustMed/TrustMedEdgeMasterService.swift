import Foundation
import Hummingbird
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed
import Synchronization

/// The TrustMedSearch edge master (`medsearch serve edge-master`): encrypted Hamming search over BFV-encrypted
/// hashcodes and m-of-n image shares on the storage nodes. Its routes and their callers are
/// ``Routes/EdgeMaster``.
public enum TrustMedEdgeMasterService {
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
        /// The node list the deployment names (`--node-list`), re-read when a node is re-shared.
        let nodeListSource: URL?

        /// Opens the master's database at `location` (default: `trustmed-master.sqlite` in `dataDirectory`; in
        /// memory when both are nil) and builds the engine over HTTP transports to `nodeList`.
        ///
        /// Replicas (several masters on one PostgreSQL) share every record, block and pending deletion: the engine
        /// reads them from the store for each request.
        /// `nodeListSource` is the file the deployment names (`--node-list`): re-sharing a node re-reads its address
        /// there (the request names an index only).
        public init(dataDirectory: URL?, database location: StoreLocation? = nil, nodeList: TrustMedNodeList,
                    nodeListSource: URL? = nil, nodeTimeout: Duration, sharing: any TrustMedShareScheme,
                    evaluatorFactory: @escaping EdgeMaster.EvaluatorFactory,
                    searchWorkers: (any TrustMedSearchWorkers)? = nil, tls: TLSCredentials? = nil) async throws {
            database = try await TrustMedMasterDatabase.open(
                StoreLocation.resolve(location, dataDirectory: dataDirectory, schema: TrustMedMasterDatabase.schema))
            transport = TrustMedHTTPNodeTransport(urls: nodeList.nodes, token: nodeList.token, timeout: nodeTimeout,
                                                  tls: tls)
            master = try EdgeMaster(configuration: .init(threshold: nodeList.threshold, nodeTimeout: nodeTimeout),
                                    metadata: TrustMedMasterMetadata(database: database), nodes: transport,
                                    sharing: sharing, evaluatorFactory: evaluatorFactory, searchWorkers: searchWorkers)
            self.nodeList = Mutex(nodeList)
            nodeListURL = dataDirectory?.appendingPathComponent("trustmed-nodes.json")
            self.nodeListSource = nodeListSource
            if let nodeListURL { try nodeList.write(to: nodeListURL) }
        }

        /// Retries queued share deletions (shares of deleted records on nodes that were down) every `interval`
        /// until the task is cancelled; run it beside the server.
        public func purgeLoop(interval: Duration = .seconds(60)) async {
            // At start (after a crash) and then every interval: shares of uploads that a killed master never
            // finished (their intents are old enough), then the queue.
            _ = try? await master.reclaimAbandonedShares()
            // Then the unlinkable search's packed blocks, prepared before the first query asks (errors are the first
            // search's to report).
            _ = try? await master.warmUp()
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                _ = try? await master.reclaimAbandonedShares()
                _ = try? await master.purgePendingShareDeletions()
            }
        }

        /// The node list in force.
        public var currentNodeList: TrustMedNodeList { nodeList.withLock { $0 } }

        /// Re-reads the deployment's node list (the `--node-list` file, else the saved copy) and adopts node
        /// `index`'s address from it when it changed: outbound calls go only where the deployment says, never to an
        /// address from a request. Returns whether the address changed.
        func adoptNodeAddress(_ index: Int) throws(TrustMedError) -> Bool {
            guard let source = nodeListSource ?? nodeListURL else { return false }
            let fresh: TrustMedNodeList
            do { fresh = try TrustMedNodeList.load(from: source) } catch {
                throw .storage("reading the node list \(source.path): \(error)")
            }
            let current = currentNodeList
            guard fresh.nodes.count == current.nodes.count, fresh.threshold == current.threshold,
                  fresh.token == current.token else {
                throw .invalidParameter("the node list \(source.path) changed its node count, threshold or token: "
                                        + "restart the edge master to adopt it")
            }
            guard fresh.nodes[index] != current.nodes[index] else { return false }
            guard fresh.nodes[index].hasPrefix("http://") || fresh.nodes[index].hasPrefix("https://") else {
                throw .invalidParameter("node \(index) of \(source.path) is not an http:// or https:// URL")
            }
            do { try replaceNode(index, url: fresh.nodes[index]) } catch {
                throw .storage("saving the node list: \(error)")
            }
            return true
        }

        func replaceNode(_ index: Int, url: String) throws {
            transport.replaceNode(index, url: url)
            let updated = nodeList.withLock { list in
                list.nodes[index] = url
                return list
            }
            if let nodeListURL { try updated.write(to: nodeListURL) }
        }
    }

    /// The router of an edge master (``Routes/EdgeMaster``).
    public static func router(deployment: Deployment, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .edgeMaster)
        let master = deployment.master
        router.on(Routes.EdgeMaster.keys) { call in
            try await TrustMedHTTP.mapped { try await master.register(try KeyRegistration(serialized: call.body)) }
            return .text("registered")
        }
        router.on(Routes.EdgeMaster.upload) { call in
            .bytes(try await TrustMedHTTP.mapped { try await master.upload(try UploadRequest(serialized: call.body)).serialized() })
        }
        router.on(Routes.EdgeMaster.search) { call in
            .bytes(try await TrustMedHTTP.mapped { try await master.search(try SearchRequest(serialized: call.body)).serialized() })
        }
        router.on(Routes.EdgeMaster.fetch) { call in
            .bytes(try await TrustMedHTTP.mapped { try await master.fetch(try FetchRequest(serialized: call.body)).serialized() })
        }
        router.on(Routes.EdgeMaster.delete) { call in
            .bytes(try await TrustMedHTTP.mapped { try await master.delete(try DeleteRequest(serialized: call.body)).serialized() })
        }
        router.on(Routes.EdgeMaster.reshare) { call in
            .bytes(try await TrustMedHTTP.mapped {
                let reshare = try ReshareRequest(serialized: call.body)
                guard reshare.nodeIndex < master.shareCount else {
                    throw TrustMedError.invalidParameter("node index \(reshare.nodeIndex) of \(master.shareCount)")
                }
                // The master calls only the nodes of its own node list: a replacement's address is changed there
                // (by whoever runs the deployment), never taken from a request.
                guard reshare.newURL.isEmpty else {
                    throw TrustMedError.invalidParameter("a re-share request names a node index only; change the "
                                                         + "node's address in the edge master's node list")
                }
                _ = try deployment.adoptNodeAddress(reshare.nodeIndex)
                return try await master.reshare(nodeIndex: reshare.nodeIndex).serialized()
            })
        }
        router.on(Routes.EdgeMaster.status) { _ in
            let totals = try await deployment.database.totals()
            let keys = try await deployment.database.keyRegistration() != nil
            let list = deployment.currentNodeList
            return try .json(EdgeMasterStatus(keysRegistered: keys, records: totals.records, sealedBytes: totals.sealedBytes,
                                              shareBytes: totals.shareBytes, threshold: list.threshold, nodes: list.nodes))
        }
        return router
    }
}
