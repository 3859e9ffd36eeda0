import Foundation
import Hummingbird
import MedSearchFNN
import MedSearchStore
import MedSearchTransport

/// FNN cloud C2 (`medsearch serve fnn-c2`): it holds the decryption capability, answers C1's protocol messages
/// and keeps each finished search's masked hand-over for the user. Its routes and their callers are
/// ``Routes/FNNC2``.
public enum FNNC2Service {
    /// C2's state: the engine state restored from SQLite and the searches in progress.
    public actor Node: FNNCloudNode {
        let store: FNNC2Store
        var database: FNNC2Database?
        var searches: [FNNQueryID: FNNC2Search] = [:]
        var busy: Set<FNNQueryID> = []
        var nextEntry: UInt64 = 0

        /// Opens C2's state at `database` (default: `fnn-c2.sqlite` in `dataDirectory`; in memory when both are nil).
        public init(dataDirectory: URL?, database location: StoreLocation? = nil) async throws {
            store = try await FNNC2Store.open(StoreLocation.resolve(location, dataDirectory: dataDirectory,
                                                                    schema: FNNC2Store.schema))
            if let bytes = try await store.loadSetup() {
                var database = try FNNC2Database(setup: try FNNC2Setup(serialized: bytes))
                if database.parameters.backend == .shared {
                    let (entries, rows) = try await store.pool()
                    var seeds: [FNNPoolSeed] = []
                    var consumed: [UInt64] = []
                    for entry in entries {
                        nextEntry = max(nextEntry, entry.entry + 1)
                        if let seed = entry.seed { seeds.append(FNNPoolSeed(index: entry.entry, seed: seed)) } else { consumed.append(entry.entry) }
                    }
                    let poolRows = try rows.map { row -> FNNPoolRow in
                        guard row.payload.count == 64 else {
                            throw StoreError.corrupt(kind: "fnn pool row", id: "\(row.entry)/\(row.recordID)", reason: "size")
                        }
                        return FNNPoolRow(entry: row.entry, id: row.recordID, values: Self.words(row.payload))
                    }
                    try database.addPool(FNNSharedPoolC2(entries: seeds, rows: poolRows.filter { !consumed.contains($0.entry) }))
                    for entry in consumed { database.markConsumed(entry) }
                }
                self.database = database
            }
        }

        static func words(_ bytes: [UInt8]) -> [UInt128] {
            (0..<4).map { index in
                var value: UInt128 = 0
                for byte in bytes[(index * 16)..<(index * 16 + 16)].reversed() { value = value << 8 | UInt128(byte) }
                return value
            }
        }

        static func bytes(_ words: [UInt128]) -> [UInt8] {
            var out: [UInt8] = []
            for word in words {
                var value = word
                for _ in 0..<16 {
                    out.append(UInt8(truncatingIfNeeded: value))
                    value >>= 8
                }
            }
            return out
        }

        func setup(_ bytes: [UInt8]) async throws {
            let setup = try FNNC2Setup(serialized: bytes)
            let database = try FNNC2Database(setup: setup)
            if let bytes = FNNHTTP.setupToStore(setup, stored: try await store.loadSetup()) { try await store.saveSetup(bytes) }
            if self.database == nil { self.database = database }
        }

        func configured() throws -> FNNC2Database {
            guard let database else { throw HTTPError(.conflict, message: "C2 is not set up: the owner must upload first") }
            return database
        }

        func addPool(_ bytes: [UInt8]) async throws -> Int {
            var database = try configured()
            let pool = try FNNSharedPoolC2(serialized: bytes)
            try database.addPool(pool)
            try await store.insertPool(seeds: pool.entries.map { FNNC1Store.PoolEntry(entry: $0.index, seed: $0.seed) },
                                       rows: pool.rows.map { FNNC2Store.PoolRow(entry: $0.entry, recordID: $0.id, payload: Self.bytes($0.values)) })
            for seed in pool.entries { nextEntry = max(nextEntry, seed.index + 1) }
            self.database = database
            return pool.entries.count
        }

        func deleteRecords(_ bytes: [UInt8]) async throws -> Int {
            var database = try configured()
            let ids = try FNNRecordIDs(serialized: bytes).ids
            database.deleteRecords(ids)
            try await store.deleteRows(recordIDs: ids)
            self.database = database
            return ids.count
        }

        func putShare(_ bytes: [UInt8]) async throws {
            let share = try FNNQueryForC2(serialized: bytes)
            try await store.putQueryShare(queryID: share.queryID.description, payload: bytes)
        }

        /// Starts a search (consuming its correlation entry, persisted) or takes a running one for a step.
        func take(_ message: FNNC1Message) throws -> (FNNC2Search?, FNNC2Database) {
            let database = try configured()
            let id = message.queryID
            switch message {
            case .sharedStart, .paillierStart:
                guard searches[id] == nil, !busy.contains(id) else { throw FNNError.unexpectedMessage("query already started") }
                busy.insert(id)
                return (nil, database)
            default:
                guard let search = searches.removeValue(forKey: id) else { throw FNNError.unknownQuery(id.description) }
                busy.insert(id)
                return (search, database)
            }
        }

        func userShare(for id: FNNQueryID) async throws -> FNNQueryForC2? {
            guard let bytes = try await store.takeQueryShare(queryID: id.description) else { return nil }
            return try FNNQueryForC2(serialized: bytes)
        }

        func started(_ search: FNNC2Search, database: FNNC2Database, consumed entry: UInt64?) async throws {
            if let entry {
                self.database?.markConsumed(entry)
                try await store.consume(entry: entry)
            }
            put(search)
        }

        func put(_ search: FNNC2Search) {
            busy.remove(search.queryID)
            searches[search.queryID] = search
        }

        func release(_ id: FNNQueryID) { busy.remove(id) }

        func finish(_ search: FNNC2Search) async throws {
            busy.remove(search.queryID)
            if let handover = search.handover {
                try await store.putHandover(queryID: search.queryID.description, payload: handover.serialized())
            }
        }

        func handover(_ id: String) async throws -> [UInt8] {
            guard let bytes = try await store.takeHandover(queryID: id) else {
                throw FNNError.unknownQuery(id)
            }
            return bytes
        }

        func status() -> FNNServerStatus {
            FNNServerStatus(role: "fnn-c2", configured: database != nil, backend: database?.parameters.backend.rawValue,
                            dimension: database?.parameters.dimension, records: 0, maxRecordID: nil,
                            unusedEntries: database?.unusedEntries ?? [], nextEntry: nextEntry)
        }
    }

    /// The router of C2 (``Routes/FNNC2``).
    public static func router(node: Node, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .fnnC2)
        FNNHTTP.addCloudRoutes(to: router, node: node, setup: Routes.FNNC2.setup, pool: Routes.FNNC2.pool,
                               deleteRecords: Routes.FNNC2.deleteRecords)
        router.on(Routes.FNNC2.share) { call in
            try await FNNHTTP.mapped { try await node.putShare(call.body) }
            return .text("stored")
        }
        router.on(Routes.FNNC2.exchange) { call in
            .bytes(try await FNNHTTP.mapped { try await exchange(body: call.body, node: node) })
        }
        router.on(Routes.FNNC2.handover) { call in
            let id = try call.parameter("query")
            return .bytes(try await FNNHTTP.mapped { try await node.handover(id) })
        }
        router.on(Routes.FNNC2.status) { _ in try .json(await node.status()) }
        return router
    }

    static func exchange(body: [UInt8], node: Node) async throws -> [UInt8] {
        let setupDatabase = try await node.configured()
        let pk = setupDatabase.setup.secretKey?.publicKey
        let message = try await FNNHTTP.offload { try FNNC1Message(serialized: body, context: pk) }
        let (running, database) = try await node.take(message)
        do {
            if let running {
                let (search, reply) = try await FNNHTTP.offload { () throws -> (FNNC2Search, FNNC2Message) in
                    var copy = running
                    let reply = try copy.handle(message)
                    return (copy, reply)
                }
                if case .finished = reply { try await node.finish(search) } else { await node.put(search) }
                return reply.serialized(context: pk)
            }
            var entry: UInt64?
            if case let .sharedStart(_, index, _, _, _, _, _) = message { entry = index }
            let share = try await node.userShare(for: message.queryID)
            let (search, reply, _) = try await FNNHTTP.offload { () throws -> (FNNC2Search, FNNC2Message, FNNC2Database) in
                var copy = database
                let (search, reply) = try FNNC2Search.start(database: &copy, message: message, userShare: share)
                return (search, reply, copy)
            }
            try await node.started(search, database: database, consumed: entry)
            return reply.serialized(context: pk)
        } catch {
            await node.release(message.queryID)
            throw error
        }
    }
}
