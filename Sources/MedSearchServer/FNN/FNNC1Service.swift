import Foundation
import Hummingbird
import MedSearchFNN
import MedSearchStore

/// The routes of FNN cloud C1 (`medsearch serve fnn-c1`): it stores the encrypted database and drives each
/// search, talking to C2 over HTTP with its own bearer token.
/// - `POST /fnn/v1/setup` (owner): the owner's ``FNNC1Setup`` (once; the same bytes again are accepted),
/// - `POST /fnn/v1/records` (owner): encrypted records to add; `POST /fnn/v1/records/delete` (owner): ids,
/// - `POST /fnn/v1/pool` (owner): correlation seeds (shared back end),
/// - `POST /fnn/v1/query` (user): an ``FNNQueryForC1``; answers the ``FNNC1Result``,
/// - `GET /fnn/v1/status` (owner, user, admin): JSON ``FNNServerStatus``.
public enum FNNC1Service {
    /// C1's state: the in-memory database (restored from SQLite at start) and its store.
    public actor Node {
        let store: FNNC1Store
        var database: FNNC1Database?
        var nextEntry: UInt64 = 0
        /// Candidates per round and scan order of every search.
        public let batchSize: Int
        public let order: FNNScanOrder

        /// Opens C1's state at `database` (default: `fnn-c1.sqlite` in `dataDirectory`; in memory when both are nil).
        public init(dataDirectory: URL?, database location: StoreLocation? = nil, batchSize: Int,
                    order: FNNScanOrder) async throws {
            store = try await FNNC1Store.open(StoreLocation.resolve(location, dataDirectory: dataDirectory,
                                                                    schema: FNNC1Store.schema))
            self.batchSize = batchSize
            self.order = order
            if let bytes = try await store.loadSetup() {
                var database = FNNC1Database(setup: try FNNWire.decodeC1Setup(bytes))
                let pk = database.setup.publicKey
                for record in try await store.allRecords() {
                    for decoded in try FNNWire.decodeRecords(record.payload, publicKey: pk) { try database.restore(decoded) }
                }
                var seeds: [FNNPoolSeed] = []
                for entry in try await store.poolEntries() {
                    nextEntry = max(nextEntry, entry.entry + 1)
                    if let seed = entry.seed { seeds.append(FNNPoolSeed(index: entry.entry, seed: seed)) } else { database.markConsumed(entry.entry) }
                }
                if database.parameters.backend == .shared { try database.addPool(seeds) }
                self.database = database
            }
        }

        func setup(_ bytes: [UInt8]) async throws {
            let setup = try FNNWire.decodeC1Setup(bytes)
            try await store.saveSetup(bytes)
            if database == nil { database = FNNC1Database(setup: setup) }
        }

        func configured() throws -> FNNC1Database {
            guard let database else { throw HTTPError(.conflict, message: "C1 is not set up: the owner must upload first") }
            return database
        }

        /// Adds records; a record already stored with the same bytes is skipped (a re-sent upload completes without
        /// duplicates), other bytes under a stored id are refused.
        func addRecords(_ bytes: [UInt8]) async throws -> Int {
            var database = try configured()
            let records = try FNNWire.decodeRecords(bytes, publicKey: database.setup.publicKey)
            let publicKey = database.setup.publicKey
            let known = database.records
            try database.add(records.filter { known[$0.id] == nil })
            try await store.insertRecords(records.map {
                FNNC1Store.Record(id: $0.id, payload: FNNWire.encode([$0], publicKey: publicKey))
            })
            self.database = database
            return records.count
        }

        func deleteRecords(_ bytes: [UInt8]) async throws -> Int {
            var database = try configured()
            let ids = try FNNWire.decodeRecordIDs(bytes)
            try database.delete(ids)
            try await store.deleteRecords(ids)
            self.database = database
            return ids.count
        }

        func addPool(_ bytes: [UInt8]) async throws -> Int {
            var database = try configured()
            let seeds = try FNNWire.decodeC1Pool(bytes)
            try database.addPool(seeds)
            try await store.insertPool(seeds.map { FNNC1Store.PoolEntry(entry: $0.index, seed: $0.seed) })
            for seed in seeds { nextEntry = max(nextEntry, seed.index + 1) }
            self.database = database
            return seeds.count
        }

        /// A snapshot for a search, consuming a correlation entry (persisted before use).
        func beginSearch() async throws -> (FNNC1Database, FNNPoolSeed?) {
            var database = try configured()
            guard database.parameters.backend == .shared else { return (database, nil) }
            let entry = try database.takeEntry()
            self.database = database
            try await store.consume(entry: entry.index)
            return (database, entry)
        }

        func status() -> FNNServerStatus {
            FNNServerStatus(role: "fnn-c1", configured: database != nil, backend: database?.parameters.backend.rawValue,
                            dimension: database?.parameters.dimension, records: database?.records.count ?? 0,
                            maxRecordID: database?.records.keys.max(), unusedEntries: database?.unusedEntries ?? [],
                            nextEntry: nextEntry)
        }
    }

    /// How C1 reaches C2.
    public protocol PeerTransport: Sendable {
        /// Sends one wire message to C2's exchange endpoint and returns its reply bytes.
        func exchange(_ body: [UInt8]) async throws -> [UInt8]
    }

    /// The router of C1.
    public static func router(node: Node, peer: any PeerTransport, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: "fnn-c1")
        let api = router.group("/fnn/v1")
        api.post("setup") { request, context -> Response in
            try context.require(.owner)
            let body = try await request.bodyBytes(limit: 1 << 20)
            try await FNNHTTP.mapped { try await node.setup(body) }
            return .plainText("configured", status: .ok)
        }
        api.post("records") { request, context -> Response in
            try context.require(.owner)
            let body = try await request.bodyBytes()
            let count = try await FNNHTTP.mapped { try await node.addRecords(body) }
            return .plainText("added \(count)", status: .ok)
        }
        api.post("records/delete") { request, context -> Response in
            try context.require(.owner)
            let body = try await request.bodyBytes(limit: 1 << 26)
            let count = try await FNNHTTP.mapped { try await node.deleteRecords(body) }
            return .plainText("deleted \(count)", status: .ok)
        }
        api.post("pool") { request, context -> Response in
            try context.require(.owner)
            let body = try await request.bodyBytes(limit: 1 << 26)
            let count = try await FNNHTTP.mapped { try await node.addPool(body) }
            return .plainText("added \(count) correlation entries", status: .ok)
        }
        api.get("status") { _, context -> Response in
            try context.require(.owner, .user, .admin)
            return .binary(Array(try JSONEncoder().encode(await node.status())))
        }
        api.post("query") { request, context -> Response in
            try context.require(.user)
            let body = try await request.bodyBytes()
            let result = try await FNNHTTP.mapped {
                try await runSearch(body: body, node: node, peer: peer)
            }
            return .binary(FNNWire.encode(result))
        }
        return router
    }

    static func runSearch(body: [UInt8], node: Node, peer: any PeerTransport) async throws -> FNNC1Result {
        let (database, entry) = try await node.beginSearch()
        let pk = database.setup.publicKey
        let batchSize = node.batchSize, order = node.order
        let query = try await FNNHTTP.offload { try FNNWire.decodeQueryForC1(body, publicKey: pk) }
        var search = try await FNNHTTP.offload {
            try FNNC1Search(database: database, query: query, entry: entry, batchSize: batchSize, order: order)
        }
        var message = try search.start()
        while true {
            let outgoing = message
            let requestBytes = try await FNNHTTP.offload { FNNWire.encode(outgoing, publicKey: pk) }
            let replyBytes = try await peer.exchange(requestBytes)
            let reply = try await FNNHTTP.offload { try FNNWire.decodeC2Message(replyBytes, publicKey: pk) }
            let current = search
            let (next, step) = try await FNNHTTP.offload { () throws -> (FNNC1Search, FNNC1Step) in
                var copy = current
                let step = try copy.handle(reply)
                return (copy, step)
            }
            search = next
            switch step {
            case let .send(nextMessage): message = nextMessage
            case let .finished(result): return result
            }
        }
    }
}

/// C1's transport to C2 over HTTP (`POST /fnn/v1/exchange` with C1's bearer token).
public struct FNNHTTPPeer: FNNC1Service.PeerTransport {
    /// The client for C2.
    public let client: ServiceClient

    /// Creates the transport.
    public init(client: ServiceClient) { self.client = client }

    public func exchange(_ body: [UInt8]) async throws -> [UInt8] {
        try await client.post("/fnn/v1/exchange", body: body)
    }
}
