/// Every route MedSearch's server roles serve: the one definition both the servers and the clients use.
///
/// Request limits are the largest body a route reads. Engine-derived limits (TrustMedSearch ciphertexts and
/// shares) are written out here as numbers; a test in MedSearchServerTests checks them against the engines'
/// `TrustMedLimits`.
///
/// | role | routes |
/// |---|---|
/// | every role | `GET /health` (open) |
/// | `fnn-c1` | ``FNNC1`` under `/fnn/v1` |
/// | `fnn-c2` | ``FNNC2`` under `/fnn/v1` |
/// | `sei` | ``SEI`` under `/sei/v1` |
/// | `edge-master` | ``EdgeMaster`` under `/trustmed/v1` |
/// | `storage-node` | ``StorageNode`` under `/trustmed/v1` |
/// | `search-worker` | ``SearchWorker`` under `/trustmed/v1` |
///
/// The web application is a client of these routes: it calls them as the engines' owner and user, exactly as
/// the command line does.
public enum Routes {
    /// 512 MiB: encrypted databases, record batches, sealed-image batches.
    public static let largeBody = 512 << 20
    /// 1 MiB: set-ups, id lists, fetch and delete requests.
    public static let smallBody = 1 << 20

    /// `GET /health`: answers `ok <role>` without a token, on every role.
    public static let health = Route("health", server: nil, .get, "/health", request: .none, response: .text,
                                     access: .open)
    /// `GET /healthz`: the process is alive (as ``health``).
    public static let healthz = Route("healthz", server: nil, .get, "/healthz", request: .none, response: .text,
                                      access: .open)
    /// `GET /readyz`: 200 when the role's store answers and the peers it needs answer (C1: C2; the edge master: at
    /// least m storage nodes), else 503 with the reasons.
    public static let readyz = Route("readyz", server: nil, .get, "/readyz", request: .none, response: .text,
                                     access: .open)

    /// FNN cloud C1 (`medsearch serve fnn-c1`): the encrypted database; drives each search with C2.
    public enum FNNC1 {
        /// The owner's `FNNC1Setup` (once; the same bytes again are accepted).
        public static let setup = Route("fnn-c1.setup", server: .fnnC1, .post, "/fnn/v1/setup", request: .binary,
                                        response: .text, access: .roles([.owner]), maxRequestBytes: smallBody)
        /// Encrypted records to add.
        public static let addRecords = Route("fnn-c1.records", server: .fnnC1, .post, "/fnn/v1/records",
                                             request: .binary, response: .text, access: .roles([.owner]),
                                             maxRequestBytes: largeBody)
        /// Record ids to delete.
        public static let deleteRecords = Route("fnn-c1.records-delete", server: .fnnC1, .post,
                                                "/fnn/v1/records/delete", request: .binary, response: .text,
                                                access: .roles([.owner]), maxRequestBytes: 64 << 20)
        /// Correlation seeds (shared back end).
        public static let pool = Route("fnn-c1.pool", server: .fnnC1, .post, "/fnn/v1/pool", request: .binary,
                                       response: .text, access: .roles([.owner]), maxRequestBytes: 64 << 20)
        /// A user's `FNNQueryForC1`; answers the `FNNC1Result`.
        public static let query = Route("fnn-c1.query", server: .fnnC1, .post, "/fnn/v1/query", request: .binary,
                                        response: .binary, access: .roles([.user]), maxRequestBytes: largeBody)
        /// `FNNRecordIDs` of an upload; answers the `FNNRecordIDs` among them that C1 holds (a re-run of an
        /// interrupted upload sends only the others).
        public static let held = Route("fnn-c1.held", server: .fnnC1, .post, "/fnn/v1/records/held", request: .binary,
                                       response: .binary, access: .roles([.owner]), maxRequestBytes: 64 << 20)
        /// JSON ``FNNServerStatus``.
        public static let status = Route("fnn-c1.status", server: .fnnC1, .get, "/fnn/v1/status", request: .none,
                                         response: .json, access: .roles([.owner, .user, .admin]))
    }

    /// FNN cloud C2 (`medsearch serve fnn-c2`): the key holder; answers C1, keeps each search's hand-over.
    public enum FNNC2 {
        /// The owner's `FNNC2Setup` (secret; once).
        public static let setup = Route("fnn-c2.setup", server: .fnnC2, .post, "/fnn/v1/setup", request: .binary,
                                        response: .text, access: .roles([.owner]), maxRequestBytes: smallBody)
        /// C2's half of the correlation pool.
        public static let pool = Route("fnn-c2.pool", server: .fnnC2, .post, "/fnn/v1/pool", request: .binary,
                                       response: .text, access: .roles([.owner]), maxRequestBytes: largeBody)
        /// Record ids to delete.
        public static let deleteRecords = Route("fnn-c2.records-delete", server: .fnnC2, .post,
                                                "/fnn/v1/records/delete", request: .binary, response: .text,
                                                access: .roles([.owner]), maxRequestBytes: 64 << 20)
        /// The user's `FNNQueryForC2` (shared back end).
        public static let share = Route("fnn-c2.share", server: .fnnC2, .post, "/fnn/v1/share", request: .binary,
                                        response: .text, access: .roles([.user]), maxRequestBytes: 64 << 10)
        /// One `FNNC1Message` from C1, answered by one `FNNC2Message`.
        public static let exchange = Route("fnn-c2.exchange", server: .fnnC2, .post, "/fnn/v1/exchange",
                                           request: .binary, response: .binary, access: .roles([.fnnC1]),
                                           maxRequestBytes: largeBody)
        /// The `FNNC2Handover` of a finished search (delivered once); parameter: the query id.
        public static let handover = Route("fnn-c2.handover", server: .fnnC2, .get, "/fnn/v1/handover/:query",
                                           request: .none, response: .binary, access: .roles([.user]))
        /// JSON ``FNNServerStatus``.
        public static let status = Route("fnn-c2.status", server: .fnnC2, .get, "/fnn/v1/status", request: .none,
                                         response: .json, access: .roles([.owner, .admin]))
    }

    /// The SEI cloud (`medsearch serve sei`): the encrypted index and sealed images.
    public enum SEI {
        /// An `SEIIndexUpload` (replaces the index; sealed images are kept).
        public static let index = Route("sei.index", server: .sei, .post, "/sei/v1/index", request: .binary,
                                        response: .text, access: .roles([.owner]), maxRequestBytes: largeBody)
        /// `SEISealedImages` to store.
        public static let images = Route("sei.images", server: .sei, .post, "/sei/v1/images", request: .binary,
                                         response: .text, access: .roles([.owner]), maxRequestBytes: largeBody)
        /// `SEIAddImages`: entries joining the built index.
        public static let add = Route("sei.add", server: .sei, .post, "/sei/v1/add", request: .binary,
                                      response: .text, access: .roles([.owner]), maxRequestBytes: largeBody)
        /// `SEIDeleteImages`.
        public static let delete = Route("sei.delete", server: .sei, .post, "/sei/v1/delete", request: .binary,
                                         response: .text, access: .roles([.owner]), maxRequestBytes: largeBody)
        /// An `SEISearchRequest`; answers an `SEISearchResponse`.
        public static let search = Route("sei.search", server: .sei, .post, "/sei/v1/search", request: .binary,
                                         response: .binary, access: .roles([.user, .owner]),
                                         maxRequestBytes: 16 << 20)
        /// An `SEIImageRequest`; answers `SEISealedImages`.
        public static let fetch = Route("sei.fetch", server: .sei, .post, "/sei/v1/fetch", request: .binary,
                                        response: .binary, access: .roles([.user, .owner]), maxRequestBytes: 16 << 20)
        /// An `SEIImageRequest` naming an upload's ids; answers `SEIAddImages` with the index entries among them the
        /// cloud holds (id, leaf, encrypted vector), so a re-run of an interrupted upload sends only the others.
        public static let held = Route("sei.held", server: .sei, .post, "/sei/v1/held", request: .binary,
                                       response: .binary, access: .roles([.owner]), maxRequestBytes: 16 << 20)
        /// JSON ``SEIServerStatus``.
        public static let status = Route("sei.status", server: .sei, .get, "/sei/v1/status", request: .none,
                                         response: .json, access: .roles([.owner, .user, .admin]))
    }

    /// The TrustMedSearch edge master (`medsearch serve edge-master`).
    public enum EdgeMaster {
        /// The largest BFV message (`TrustMedLimits.maxCiphertextBytes`, 256 MiB) plus its header.
        public static let ciphertextBody = (256 << 20) + 64
        /// `KeyRegistration`: the client's public and evaluation keys.
        public static let keys = Route("edge-master.keys", server: .edgeMaster, .post, "/trustmed/v1/keys",
                                       request: .binary, response: .text, access: .roles([.owner]),
                                       maxRequestBytes: ciphertextBody)
        /// `UploadRequest` -> `UploadResponse`.
        public static let upload = Route("edge-master.upload", server: .edgeMaster, .post, "/trustmed/v1/upload",
                                         request: .binary, response: .binary, access: .roles([.owner]),
                                         maxRequestBytes: largeBody)
        /// 16 MiB: an encrypted query (the query ciphertexts of the largest parameter set, N = 16384 with 8
        /// moduli, are 2 MiB each), so a user's token cannot make the master buffer a key-sized body.
        public static let queryBody = 16 << 20
        /// `SearchRequest` -> `SearchResponse`.
        public static let search = Route("edge-master.search", server: .edgeMaster, .post, "/trustmed/v1/search",
                                         request: .binary, response: .binary, access: .roles([.owner, .user, .web]),
                                         maxRequestBytes: queryBody)
        /// `FetchRequest` -> `FetchResponse`.
        public static let fetch = Route("edge-master.fetch", server: .edgeMaster, .post, "/trustmed/v1/fetch",
                                        request: .binary, response: .binary, access: .roles([.owner, .user, .web]),
                                        maxRequestBytes: smallBody)
        /// `DeleteRequest` -> `DeleteReport`.
        public static let delete = Route("edge-master.delete", server: .edgeMaster, .post, "/trustmed/v1/delete",
                                         request: .binary, response: .binary, access: .roles([.owner, .admin]),
                                         maxRequestBytes: smallBody)
        /// `ReshareRequest` -> `ReshareReport`.
        public static let reshare = Route("edge-master.reshare", server: .edgeMaster, .post, "/trustmed/v1/reshare",
                                          request: .binary, response: .binary, access: .roles([.admin, .owner]),
                                          maxRequestBytes: 64 << 10)
        /// JSON ``EdgeMasterStatus``.
        public static let status = Route("edge-master.status", server: .edgeMaster, .get, "/trustmed/v1/status",
                                         request: .none, response: .json, access: .roles([.owner, .user, .admin, .web]))
    }

    /// A TrustMedSearch storage node (`medsearch serve storage-node`): only the edge master stores and reads.
    public enum StorageNode {
        /// The largest share (`TrustMedLimits.maxShareBytes`, 64 MiB) plus one byte, so an oversized share is
        /// refused by the engine with its own error rather than cut.
        public static let shareBody = (64 << 20) + 1
        /// Stores a share (body: share bytes); parameter: the share id.
        public static let putShare = Route("storage-node.put", server: .storageNode, .put, "/trustmed/v1/shares/:id",
                                           request: .binary, response: .text, access: .roles([.edgeMaster]),
                                           maxRequestBytes: shareBody)
        /// Returns a share; parameter: the share id.
        public static let getShare = Route("storage-node.get", server: .storageNode, .get, "/trustmed/v1/shares/:id",
                                           request: .none, response: .binary, access: .roles([.edgeMaster]))
        /// Deletes a share; parameter: the share id.
        public static let deleteShare = Route("storage-node.delete", server: .storageNode, .delete,
                                              "/trustmed/v1/shares/:id", request: .none, response: .text,
                                              access: .roles([.edgeMaster]))
        /// JSON ``StorageNodeUsage``.
        public static let usage = Route("storage-node.usage", server: .storageNode, .get, "/trustmed/v1/usage",
                                        request: .none, response: .json, access: .roles([.edgeMaster, .admin]))
    }

    /// `GET /metrics`: the role's metrics in Prometheus text format (no token; on a TLS role, any certificate of
    /// the deployment).
    public static let metrics = Route("metrics", server: nil, .get, "/metrics", request: .none, response: .text,
                                      access: .open)

    /// A TrustMedSearch search worker (`medsearch serve search-worker`): only the edge master asks it.
    public enum SearchWorker {
        /// `ShardSearchRequest` -> `ShardSearchResponse`: the query evaluated over the worker's shard.
        public static let search = Route("search-worker.search", server: .searchWorker, .post, "/trustmed/v1/shard-search",
                                         request: .binary, response: .binary, access: .roles([.edgeMaster]),
                                         maxRequestBytes: EdgeMaster.ciphertextBody)
    }

    /// Every route of every role (``health``, ``healthz``, ``readyz`` and ``metrics`` once).
    public static let all: [Route] = [
        health, healthz, readyz, metrics,
        FNNC1.setup, FNNC1.addRecords, FNNC1.deleteRecords, FNNC1.pool, FNNC1.query, FNNC1.held, FNNC1.status,
        FNNC2.setup, FNNC2.pool, FNNC2.deleteRecords, FNNC2.share, FNNC2.exchange, FNNC2.handover, FNNC2.status,
        SEI.index, SEI.images, SEI.add, SEI.delete, SEI.search, SEI.fetch, SEI.held, SEI.status,
        EdgeMaster.keys, EdgeMaster.upload, EdgeMaster.search, EdgeMaster.fetch, EdgeMaster.delete,
        EdgeMaster.reshare, EdgeMaster.status,
        StorageNode.putShare, StorageNode.getShare, StorageNode.deleteShare, StorageNode.usage,
        SearchWorker.search,
    ]

    /// The routes `role` serves: its own and ``health``.
    public static func served(by role: ServerRole) -> [Route] {
        all.filter { $0.server == nil || $0.server == role }
    }
}
