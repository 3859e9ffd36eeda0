import Foundation
import Hummingbird
import MedSearchFNN
import MedSearchStore
import MedSearchTransport

/// FNN cloud C1 (`medsearch serve fnn-c1`): it stores the encrypted database and drives each search, talking to
/// C2 over HTTP with its own bearer token. Its routes and their callers are ``Routes/FNNC1``.
public enum FNNC1Service {
    /// C1's state: the in-memory database (restored from the store at start) and its store.
    ///
    /// On PostgreSQL several C1 processes (replicas) share the store: every change of the set-up, records or pool
    /// bumps the store's version in its transaction, and a replica whose state is older rebuilds it before it
    /// answers. A correlation entry is consumed in the store before its search starts; an entry a replica already
    /// consumed is refused there, marked consumed here and the next one taken.
    public actor Node: FNNCloudNode {
        let store: FNNC1Store
        let shared: Bool
        var database: FNNC1Database?
        var nextEntry: UInt64 = 0
        var version: Int64 = -1
        /// Candidates per round and scan order of every search.
        public let batchSize: Int
        public let order: FNNScanOrder

        /// Opens C1's state at `database` (default: `fnn-c1.sqlite` in `dataDirectory`; in memory when both are nil).
        public init(dataDirectory: URL?, database location: StoreLocation? = nil, batchSize: Int,
                    order: FNNScanOrder) async throws {
            let resolved = StoreLocation.resolve(location, dataDirectory: dataDirectory, schema: FNNC1Store.schema)
            store = try await FNNC1Store.open(resolved)
            shared = resolved.isShared
            self.batchSize = batchSize
            self.order = order
            try await reload()
        }

        private func reload() async throws {
            let state = try await store.loadState()
            version = state.version
            guard let bytes = state.setup else {
                database = nil
                return
            }
            var database = FNNC1Database(setup: try FNNC1Setup(serialized: bytes))
            let pk = database.setup.publicKey
            for record in state.records {
                for decoded in try FNNRecordBatch(serialized: record.payload, context: pk).records { try database.restore(decoded) }
            }
            var seeds: [FNNPoolSeed] = []
            var consumed: [UInt64] = []
            for entry in state.pool {
                nextEntry = max(nextEntry, entry.entry + 1)
                if let seed = entry.seed { seeds.append(FNNPoolSeed(index: entry.entry, seed: seed)) } else { consumed.append(entry.entry) }
            }
            if database.parameters.backend == .shared { try database.addPool(seeds) }
            for entry in consumed { database.markConsumed(entry) }
            self.database = database
        }

        /// Rebuilds the state when a replica changed the store since it was built.
        private func refresh() async throws {
            guard shared, try await store.version() != version else { return }
            try await reload()
        }

        /// Adopts `updated` at `newVersion` when nothing else changed the store since `previous`, else rebuilds.
        private func adopt(_ updated: FNNC1Database?, previous: Int64, changed: Bool, newVersion: Int64) async throws {
            if newVersion == previous + (changed ? 1 : 0) {
                database = updated
                version = newVersion
            } else {
                try await reload()
            }
        }

        func setup(_ bytes: [UInt8]) async throws {
            let setup = try FNNC1Setup(serialized: bytes)
            try await refresh()
            let previous = version
            // Compared by value: a set-up stored by an earlier format version matches the same set-up re-sent now.
            let newVersion: Int64
            if let canonical = FNNHTTP.setupToStore(setup, stored: try await store.loadSetup()) {
                newVersion = try await store.saveSetup(canonical)
            } else {
                newVersion = try await store.version()
            }
            try await adopt(database ?? FNNC1Database(setup: setup), previous: previous, changed: newVersion != previous,
                            newVersion: newVersion)
        }

        func configured() async throws -> FNNC1Database {
            try await refresh()
            guard let database else { throw HTTPError(.conflict, message: "C1 is not set up: the owner must upload first") }
            return database
        }

        /// Adds records; a record already stored with the same bytes is skipped (a re-sent upload completes without
        /// duplicates), other bytes under a stored id are refused.
        func addRecords(_ bytes: [UInt8]) async throws -> Int {
            var database = try await configured()
            let previous = version
            let records = try FNNRecordBatch(serialized: bytes, context: database.setup.publicKey).records
            let publicKey = database.setup.publicKey
            let known = database.records
            try database.add(records.filter { known[$0.id] == nil })
            // Records already held with the same value are not re-stored (their stored bytes may be of an earlier
            // format version); the store refuses other contents under a stored id.
            let result = try await store.insertRecords(records.filter { known[$0.id] != $0 }.map {
                FNNC1Store.Record(id: $0.id, payload: FNNRecordBatch([$0]).serialized(context: publicKey))
            })
            try await adopt(database, previous: previous, changed: !result.added.isEmpty, newVersion: result.version)
            return records.count
        }

        /// The ids among `bytes` (`FNNRecordIDs`) that C1 holds (``Routes/FNNC1/held``): what a re-run of an
        /// interrupted upload need not send again.
        func held(_ bytes: [UInt8]) async throws -> [UInt8] {
            let ids = try FNNRecordIDs(serialized: bytes).ids
            try await refresh()
            // Before the set-up C1 holds nothing (the first run of an upload asks too).
            let records = database?.records ?? [:]
            return FNNRecordIDs(ids.filter { records[$0] != nil }).serialized()
        }

        func deleteRecords(_ bytes: [UInt8]) async throws -> Int {
            var database = try await configured()
            let previous = version
            let ids = try FNNRecordIDs(serialized: bytes).ids
            try database.delete(ids)
            let newVersion = try await store.deleteRecords(ids)
            try await adopt(database, previous: previous, changed: true, newVersion: newVersion)
            return ids.count
        }

        func addPool(_ bytes: [UInt8]) async throws -> Int {
            var database = try await configured()
            let previous = version
            let seeds = try FNNPoolSeeds(serialized: bytes).seeds
            try database.addPool(seeds)
            let newVersion = try await store.insertPool(seeds.map { FNNC1Store.PoolEntry(entry: $0.index, seed: $0.seed) })
            for seed in seeds { nextEntry = max(nextEntry, seed.index + 1) }
            try await adopt(database, previous: previous, changed: true, newVersion: newVersion)
            return seeds.count
        }

        /// A snapshot for a search, consuming a correlation entry (persisted before use; an entry a replica consumed
        /// first is skipped).
        func beginSearch() async throws -> (FNNC1Database, FNNPoolSeed?) {
            while true {
                var database = try await configured()
                guard database.parameters.backend == .shared else { return (database, nil) }
                let entry = try database.takeEntry()
                self.database?.markConsumed(entry.index)
                do {
                    try await store.consume(entry: entry.index)
                    return (database, entry)
                } catch let error as StoreError {
                    guard case .conflict = error else { throw error }
                    // Consumed by a replica: taken here too; try the next one (the pool ends with a clear error).
                }
            }
        }

        func status() async -> FNNServerStatus {
            try? await refresh()
            return FNNServerStatus(role: "fnn-c1", configured: database != nil, backend: database?.parameters.backend.rawValue,
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

    /// The router of C1 (``Routes/FNNC1``).
    public static func router(node: Node, peer: any PeerTransport, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .fnnC1)
        FNNHTTP.addCloudRoutes(to: router, node: node, setup: Routes.FNNC1.setup, pool: Routes.FNNC1.pool,
                               deleteRecords: Routes.FNNC1.deleteRecords)
        router.on(Routes.FNNC1.addRecords) { call in
            .text("added \(try await FNNHTTP.mapped { try await node.addRecords(call.body) })")
        }
        router.on(Routes.FNNC1.held) { call in .bytes(try await FNNHTTP.mapped { try await node.held(call.body) }) }
        router.on(Routes.FNNC1.status) { _ in try .json(await node.status()) }
        router.on(Routes.FNNC1.query) { call in
            let result = try await FNNHTTP.mapped { try await runSearch(body: call.body, node: node, peer: peer) }
            return .bytes(result.serialized())
        }
        return router
    }

    static func runSearch(body: [UInt8], node: Node, peer: any PeerTransport) async throws -> FNNC1Result {
        let (database, entry) = try await node.beginSearch()
        let pk = database.setup.publicKey
        let batchSize = node.batchSize, order = node.order
        let query = try await FNNHTTP.offload { try FNNQueryForC1(serialized: body, context: pk) }
        var search = try await FNNHTTP.offload {
            try FNNC1Search(database: database, query: query, entry: entry, batchSize: batchSize, order: order)
        }
        var message = try search.start()
        while true {
            let outgoing = message
            let requestBytes = try await FNNHTTP.offload { outgoing.serialized(context: pk) }
            let replyBytes = try await peer.exchange(requestBytes)
            let reply = try await FNNHTTP.offload { try FNNC2Message(serialized: replyBytes, context: pk) }
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

/// C1's transport to C2 over HTTP (``Routes/FNNC2/exchange`` with C1's bearer token).
public struct FNNHTTPPeer: FNNC1Service.PeerTransport {
    /// The client for C2.
    public let client: ServiceClient

    /// Creates the transport.
    public init(client: ServiceClient) { self.client = client }

    public func exchange(_ body: [UInt8]) async throws -> [UInt8] {
        try await client.call(Routes.FNNC2.exchange, body: body)
    }
}
