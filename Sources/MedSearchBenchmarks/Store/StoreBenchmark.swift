import Foundation
import MedSearchCore
import MedSearchStore

/// `medsearch bench store`: the edge master's store on each back end with TrustMedSearch's sizes (256 records per
/// upload block, as `n4096hamming` packs 16 blocks per 4,096-record shelf, and about 1 KB of ciphertext per record
/// for 64-bit codes, docs/bfv.md).
///
/// - ingest: one block per 256 records; the first `perRecordIngest` records one transaction each, as the master
///   writes them (every commit durable: the rate is the disk's sync rate), the rest one transaction per block;
/// - search read: what the master reads for every encrypted search (every block with its (slot, record) list),
///   the part of a query that differs between back ends (the homomorphic evaluation does not): the first one
///   (every block), one after a record was added (the record index again, new blocks only) and one with nothing
///   changed (the index version only);
/// - fetch lookups: a record's placements by id (every image fetch), single-client latency;
/// - concurrent clients: `clients` tasks, each doing `operationsPerClient` operations (9 lookups to 1 insert),
///   p50/p99 per kind; a bounded run on loopback only.
public enum StoreBenchmark {
    /// What to run.
    public struct Options: Sendable {
        public var records: Int
        /// Records ingested one transaction each (the rest: one transaction per block).
        public var perRecordIngest: Int
        public var recordsPerBlock: Int
        public var blockBytes: Int
        public var searchRuns: Int
        public var lookups: Int
        public var clients: Int
        public var operationsPerClient: Int

        public init(records: Int = 100_000, perRecordIngest: Int = 5_000, recordsPerBlock: Int = 256,
                    blockBytes: Int = 262_144, searchRuns: Int = 7, lookups: Int = 2000, clients: Int = 8,
                    operationsPerClient: Int = 500) {
            self.records = records
            self.perRecordIngest = perRecordIngest
            self.recordsPerBlock = recordsPerBlock
            self.blockBytes = blockBytes
            self.searchRuns = searchRuns
            self.lookups = lookups
            self.clients = clients
            self.operationsPerClient = operationsPerClient
        }
    }

    /// Latency figures in milliseconds.
    public struct Latency: Sendable, Codable, Equatable {
        public var count: Int
        public var p50: Double
        public var p99: Double
        public var min: Double
        public var max: Double

        init(_ samples: [Double]) {
            let sorted = samples.sorted()
            count = sorted.count
            func quantile(_ q: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
            }
            p50 = quantile(0.5)
            p99 = quantile(0.99)
            min = sorted.first ?? 0
            max = sorted.last ?? 0
        }
    }

    /// One back end's figures.
    public struct BackendResult: Sendable, Codable {
        public var backend: String
        public var location: String
        /// The whole ingest.
        public var ingestSeconds: Double
        public var ingestRecordsPerSecond: Double
        /// One transaction per record (the master's way), and one per block of `recordsPerBlock` records.
        public var ingestPerRecordTransactionPerSecond: Double
        public var ingestPerBlockTransactionRecordsPerSecond: Double
        /// The first search read after the ingest (every block and the record index), milliseconds.
        public var searchReadFirst: Double
        /// Search reads right after a record was added (the record index, no new block).
        public var searchReadAfterChange: Latency
        /// Search reads with nothing changed (the index version).
        public var searchReadUnchanged: Latency
        public var searchReadBlocks: Int
        public var lookup: Latency
        public var lookupsPerSecond: Double
        public var concurrentClients: Int
        public var concurrentLookup: Latency
        public var concurrentInsert: Latency
        public var concurrentOperationsPerSecond: Double
    }

    /// One back end's store after its ingest, and the figures measured so far.
    struct Side {
        let store: TrustMedMasterDatabase
        var result: BackendResult
        var afterChange: [Double] = []
        var unchanged: [Double] = []
        var lookups: [Double] = []
        var lookupSeconds = 0.0
    }

    /// Opens `location` (which must be empty: a fresh file or schema) and ingests the records.
    static func ingest(_ location: StoreLocation, backend: String, options: Options,
                       progress: @Sendable (String) -> Void) async throws -> Side {
        if case let .postgres(postgres) = location {
            guard ["127.0.0.1", "localhost", "::1"].contains(postgres.host) else {
                throw StoreError.invalidLocation("the store benchmark only loads a server on loopback")
            }
        }
        let store = try await TrustMedMasterDatabase.open(location)
        guard try await store.totals().records == 0 else {
            await store.database.close()
            throw StoreError.conflict(kind: "benchmark store", id: location.description, reason: "not empty")
        }
        var generator = SecureRandomGenerator()
        let blockCount = (options.records + options.recordsPerBlock - 1) / options.recordsPerBlock
        let ingestStart = ContinuousClock.now
        var perRecordSeconds = 0.0, perBlockSeconds = 0.0, perRecordCount = 0
        for block in 0..<blockCount {
            let blockID = String(format: "block-%06d", block)
            let ciphertext = randomBytes(options.blockBytes, using: &generator)
            try await store.beginUpload(idempotencyKey: Array(blockID.utf8), requestDigest: [UInt8](repeating: 1, count: 32),
                                        blockID: blockID, ciphertext: ciphertext)
            let records = (0..<options.recordsPerBlock).map { block * options.recordsPerBlock + $0 }.filter { $0 < options.records }
                .map { record($0, blockID: blockID, slot: $0 % options.recordsPerBlock) }
            let start = ContinuousClock.now
            if perRecordCount < options.perRecordIngest {
                for item in records { _ = try await store.insertRecord(item) }
                perRecordCount += records.count
                perRecordSeconds += seconds(ContinuousClock.now - start)
            } else {
                _ = try await store.insertRecords(records)
                perBlockSeconds += seconds(ContinuousClock.now - start)
            }
            if block % 40 == 39 { progress("\(backend): \(min(options.records, (block + 1) * options.recordsPerBlock)) records") }
        }
        let ingestSeconds = seconds(ContinuousClock.now - ingestStart)
        // The first search read (every block and the record index).
        let start = ContinuousClock.now
        let blocksRead = try await store.searchableBlocks().count
        let empty = Latency([])
        return Side(store: store, result: BackendResult(
            backend: backend, location: store.database.displayLocation, ingestSeconds: ingestSeconds,
            ingestRecordsPerSecond: Double(options.records) / ingestSeconds,
            ingestPerRecordTransactionPerSecond: perRecordSeconds > 0 ? Double(perRecordCount) / perRecordSeconds : 0,
            ingestPerBlockTransactionRecordsPerSecond: perBlockSeconds > 0
                ? Double(options.records - perRecordCount) / perBlockSeconds : 0,
            searchReadFirst: milliseconds(ContinuousClock.now - start), searchReadAfterChange: empty,
            searchReadUnchanged: empty, searchReadBlocks: blocksRead, lookup: empty, lookupsPerSecond: 0,
            concurrentClients: options.clients, concurrentLookup: empty, concurrentInsert: empty,
            concurrentOperationsPerSecond: 0))
    }

    /// The measurements after the ingest, the back ends interleaved sample by sample (search reads, lookups) so
    /// that the machine's other load falls on each alike; then the concurrent clients, one back end after the other.
    static func measure(_ sides: inout [Side], options: Options, progress: @Sendable (String) -> Void) async throws {
        var generator = SecureRandomGenerator()
        for run in 0..<options.searchRuns {
            for index in sides.indices {
                let store = sides[index].store
                _ = try await store.insertRecord(record(options.records + 1_000_000 + run, blockID: "block-000000", slot: 0))
                var start = ContinuousClock.now
                _ = try await store.searchableBlocks()
                sides[index].afterChange.append(milliseconds(ContinuousClock.now - start))
                start = ContinuousClock.now
                _ = try await store.searchableBlocks()
                sides[index].unchanged.append(milliseconds(ContinuousClock.now - start))
            }
        }
        for index in sides.indices {
            sides[index].result.searchReadAfterChange = Latency(sides[index].afterChange)
            sides[index].result.searchReadUnchanged = Latency(sides[index].unchanged)
            let result = sides[index].result
            progress("\(result.backend): search read first \(result.searchReadFirst) ms, after a change "
                     + "\(result.searchReadAfterChange.p50) ms, unchanged \(result.searchReadUnchanged.p50) ms")
        }
        // Fetch lookups, one client.
        for _ in 0..<options.lookups {
            let id = recordID(Int.random(in: 0..<options.records, using: &generator))
            for index in sides.indices {
                let start = ContinuousClock.now
                _ = try await sides[index].store.record(id)
                let elapsed = ContinuousClock.now - start
                sides[index].lookups.append(milliseconds(elapsed))
                sides[index].lookupSeconds += seconds(elapsed)
            }
        }
        for index in sides.indices {
            sides[index].result.lookup = Latency(sides[index].lookups)
            sides[index].result.lookupsPerSecond = Double(options.lookups) / max(sides[index].lookupSeconds, 1e-9)
            try await concurrentClients(&sides[index], options: options)
        }
    }

    /// `clients` tasks, each doing `operationsPerClient` operations (9 lookups to 1 insert).
    static func concurrentClients(_ side: inout Side, options: Options) async throws {
        let store = side.store
        let concurrentStart = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: (lookups: [Double], inserts: [Double]).self) { group in
            for client in 0..<options.clients {
                group.addTask {
                    var generator = SecureRandomGenerator()
                    var lookups: [Double] = [], inserts: [Double] = []
                    for operation in 0..<options.operationsPerClient {
                        let start = ContinuousClock.now
                        if operation % 10 == 9 {
                            let index = options.records + client * options.operationsPerClient + operation
                            _ = try await store.insertRecord(record(index, blockID: "block-000000", slot: 0))
                            inserts.append(milliseconds(ContinuousClock.now - start))
                        } else {
                            _ = try await store.record(recordID(Int.random(in: 0..<options.records, using: &generator)))
                            lookups.append(milliseconds(ContinuousClock.now - start))
                        }
                    }
                    return (lookups, inserts)
                }
            }
            return try await group.reduce(into: (lookups: [Double](), inserts: [Double]())) {
                $0.lookups += $1.lookups
                $0.inserts += $1.inserts
            }
        }
        side.result.concurrentLookup = Latency(samples.lookups)
        side.result.concurrentInsert = Latency(samples.inserts)
        side.result.concurrentOperationsPerSecond = Double(options.clients * options.operationsPerClient)
            / seconds(ContinuousClock.now - concurrentStart)
    }

    /// Incompressible bytes (PostgreSQL would compress a pattern), eight at a time.
    static func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next().littleEndian) { bytes.append(contentsOf: $0.prefix(count - bytes.count)) }
        }
        return bytes
    }

    static func recordID(_ index: Int) -> String { String(format: "rec-%07d", index) }

    static func record(_ index: Int, blockID: String, slot: Int) -> TrustMedMasterDatabase.Record {
        var bytes = [UInt8](repeating: 0, count: 320)
        withUnsafeBytes(of: UInt64(index).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return .init(recordID: recordID(index), blockID: blockID, slot: slot, contentTag: Array(bytes.prefix(32)),
                     manifest: bytes,
                     placements: (0..<5).map { .init(nodeIndex: $0, shareID: String(format: "%032x", index * 5 + $0)) },
                     sealedSize: 50_000, shareBytes: 87_500)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }
}

extension StoreBenchmark {
    /// Both back ends measured in one run, with the ratios that matter (the machine is the report's environment).
    public struct Report: BenchmarkBody {
        public static let suite = "store"
        public var records: Int
        /// Records ingested one transaction each (the rest: one transaction per block).
        public var perRecordIngest: Int
        public var recordsPerBlock: Int
        public var blockBytes: Int
        public var results: [BackendResult]
        /// PostgreSQL / SQLite (nil without a PostgreSQL run): search reads (first; medians after a change and
        /// unchanged), single-client lookups (median) and ingest time. The target is a search-read ratio ≤ 1.5.
        public var postgresOverSQLiteSearchReadFirst: Double?
        public var postgresOverSQLiteSearchReadAfterChange: Double?
        public var postgresOverSQLiteSearchReadUnchanged: Double?
        public var postgresOverSQLiteLookup: Double?
        public var postgresOverSQLiteIngest: Double?
        /// Search workers each limited to one thread, 1 against 2 (nil when not run).
        public var workers: WorkerScalingBenchmark.Result?
        /// End-to-end query latency with the master's store on SQLite and on PostgreSQL (nil when not run).
        public var queryLatency: StoreQueryLatencyBenchmark.Result? = nil
    }

    /// The PostgreSQL server of a run: `url` (a `postgres://` URL), else `MEDSEARCH_BENCH_POSTGRES_URL`, else none.
    public static func postgresURL(_ url: String?) -> String? {
        url ?? ProcessInfo.processInfo.environment["MEDSEARCH_BENCH_POSTGRES_URL"]
    }

    /// Runs SQLite (a file in `directory`) and, when `postgresURL` is given, PostgreSQL (a fresh schema, dropped
    /// afterwards); then, with real processes of `roles.executable`, the search workers' scaling and (with
    /// PostgreSQL) the end-to-end query latency on both back ends, each unless its options are nil.
    ///
    /// - Throws: ``BenchmarkError/wrongResult(_:)`` for a URL that is not a PostgreSQL one, or what a run throws.
    public static func compare(directory: URL, postgresURL: String?, options: Options,
                               roles: (executable: URL, workers: WorkerScalingBenchmark.Options?,
                                       queries: StoreQueryLatencyBenchmark.Options?)? = nil,
                               progress: @escaping @Sendable (String) -> Void = { _ in }) async throws
        -> BenchmarkReport<Report> {
        var postgres: PostgresLocation?
        if let postgresURL {
            guard case let .postgres(parsed) = try StoreLocation(parsing: postgresURL) else {
                throw BenchmarkError.wrongResult("--postgres needs a postgres:// URL")
            }
            postgres = parsed
        }
        let environment = BenchEnvironment.current()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let file = directory.appendingPathComponent("bench-\(UUID().uuidString).sqlite")
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
        }
        var sides = [try await ingest(.sqlite(path: file.path), backend: "sqlite", options: options, progress: progress)]
        var schema: PostgresLocation?
        do {
            if let postgres {
                let location = postgres.with(schema: "bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 16))
                schema = location
                sides.append(try await ingest(.postgres(location), backend: "postgres", options: options, progress: progress))
            }
            try await measure(&sides, options: options, progress: progress)
        } catch {
            for side in sides { await side.store.database.close() }
            if let schema { await dropSchema(schema) }
            throw error
        }
        for side in sides { await side.store.database.close() }
        if let schema { await dropSchema(schema) }
        let results = sides.map(\.result)
        var scaling: WorkerScalingBenchmark.Result?
        var queryLatency: StoreQueryLatencyBenchmark.Result?
        if let roles, let workers = roles.workers {
            scaling = try await WorkerScalingBenchmark.run(executable: roles.executable, directory: directory,
                                                           options: workers, progress: progress)
        }
        if let roles, let queries = roles.queries, let postgresURL {
            queryLatency = try await StoreQueryLatencyBenchmark.run(executable: roles.executable, directory: directory,
                                                                    postgresURL: postgresURL, options: queries,
                                                                    progress: progress)
        }
        func ratio(_ value: (BackendResult) -> Double) -> Double? {
            guard results.count == 2, value(results[0]) > 0 else { return nil }
            return value(results[1]) / value(results[0])
        }
        let body = Report(records: options.records,
                      perRecordIngest: min(options.perRecordIngest, options.records),
                      recordsPerBlock: options.recordsPerBlock, blockBytes: options.blockBytes, results: results,
                      postgresOverSQLiteSearchReadFirst: ratio { $0.searchReadFirst },
                      postgresOverSQLiteSearchReadAfterChange: ratio { $0.searchReadAfterChange.p50 },
                      postgresOverSQLiteSearchReadUnchanged: ratio { $0.searchReadUnchanged.p50 },
                      postgresOverSQLiteLookup: ratio { $0.lookup.p50 },
                      postgresOverSQLiteIngest: ratio { $0.ingestSeconds }, workers: scaling,
                      queryLatency: queryLatency)
        return BenchmarkReport(method: "per operation on the wall clock (ContinuousClock); p50/p99 over the samples; "
                                   + "back ends ingested one after the other, then search reads and lookups interleaved "
                                   + "sample by sample; \(options.searchRuns) search reads, \(options.lookups) lookups, "
                                   + "\(options.clients) x \(options.operationsPerClient) concurrent operations",
                               environment: environment.finished(), body: body)
    }

    static func dropSchema(_ location: PostgresLocation) async {
        guard let schema = location.schema,
              let database = try? await PostgresStoreDatabase.open(location, schema: StoreSchema(name: schema, migrations: [], tables: []))
        else { return }
        _ = try? await database.write { tx in try tx.execute("DROP SCHEMA \(schema) CASCADE") }
        await database.close()
    }
}

extension StoreBenchmark {
    /// The description shown by `medsearch bench store --help`.
    public static let discussion = """
        100,000 TrustMedSearch records by default (256 per block, 256 KB blocks: about 1 KB of ciphertext per \
        record as the master stores them): the first --per-record one transaction each as the master writes \
        them, the rest one transaction per block; then the search read (every block, per encrypted \
        search), single-client fetch lookups, and --clients concurrent clients (9 lookups to 1 insert) with \
        p50/p99. PostgreSQL: --postgres URL or MEDSEARCH_BENCH_POSTGRES_URL, on loopback only (a fresh schema, \
        dropped afterwards). Release builds only.
        """
}

extension BenchmarkReport where Body == StoreBenchmark.Report {
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// One line per back end and one with the ratios, for a person.
    public var lines: [String] {
        var lines = body.results.map { result in
            result.backend + String(format: ": ingest %.1f s (%.0f records/s; %.0f/s one transaction each, %.0f/s one per block); search read first %.1f ms, after a change %.1f ms, "
                                          + "unchanged %.3f ms (%d blocks); lookup p50 %.3f ms (%.0f/s); %d clients: lookup p50 %.2f / "
                                          + "p99 %.2f ms, insert p50 %.2f / p99 %.2f ms, %.0f ops/s",
                                          result.ingestSeconds, result.ingestRecordsPerSecond,
                                          result.ingestPerRecordTransactionPerSecond,
                                          result.ingestPerBlockTransactionRecordsPerSecond, result.searchReadFirst,
                                          result.searchReadAfterChange.p50, result.searchReadUnchanged.p50, result.searchReadBlocks,
                                          result.lookup.p50, result.lookupsPerSecond, result.concurrentClients,
                                          result.concurrentLookup.p50, result.concurrentLookup.p99, result.concurrentInsert.p50,
                                          result.concurrentInsert.p99, result.concurrentOperationsPerSecond)
        }
        if let first = body.postgresOverSQLiteSearchReadFirst {
            lines.append(String(format: "PostgreSQL / SQLite: search read first %.2fx, after a change %.2fx, unchanged %.2fx "
                         + "(target <= 1.5x); lookup %.2fx; ingest %.2fx; load %.1f -> %.1f",
                         first, body.postgresOverSQLiteSearchReadAfterChange ?? 0,
                         body.postgresOverSQLiteSearchReadUnchanged ?? 0, body.postgresOverSQLiteLookup ?? 0,
                         body.postgresOverSQLiteIngest ?? 0, environment.machine.loadAverage.first ?? 0,
                         environment.loadAverageAtEnd?.first ?? 0))
        }
        if let workers = body.workers {
            lines.append(String(format: "search workers (1 thread each), %d records, " + workers.queryForm + " queries, %d in flight, %d warm-up rounds: ingest %.0f records/s; 1 worker %.2f, "
                         + "2 workers %.2f queries/s (medians), 2/1 = %.2fx (target >= 1.7x); p50 %.0f vs %.0f ms; "
                         + "load %.1f -> %.1f", workers.records, workers.clientsInFlight, workers.warmupRounds,
                         workers.ingestRecordsPerSecond,
                         median(workers.oneWorkerQueriesPerSecond), median(workers.twoWorkersQueriesPerSecond),
                         workers.twoOverOneWorkerQueriesPerSecond, workers.oneWorkerLatency.p50,
                         workers.twoWorkersLatency.p50, workers.loadAverageBefore.first ?? 0,
                         workers.loadAverageAfter.first ?? 0) + (workers.resultsEqual ? "; results equal" : "; RESULTS DIFFER")
                         + (workers.sequentialPhases ? "; 1 worker's rounds, then 2 workers' (large run)" : ""))
        }
        if let query = body.queryLatency {
            lines.append(String(format: "query latency (edge master, %d records, %d queries): SQLite p50 %.1f / p99 %.1f ms, "
                         + "PostgreSQL p50 %.1f / p99 %.1f ms, PostgreSQL / SQLite = %.2fx (target <= 1.5x); load %.1f -> %.1f",
                         query.records, query.sqlite.count, query.sqlite.p50, query.sqlite.p99, query.postgres.p50,
                         query.postgres.p99, query.postgresOverSQLiteQuery, query.loadAverageBefore.first ?? 0,
                         query.loadAverageAfter.first ?? 0) + (query.resultsEqual ? "; results equal" : "; RESULTS DIFFER"))
        }
        return lines
    }
}
