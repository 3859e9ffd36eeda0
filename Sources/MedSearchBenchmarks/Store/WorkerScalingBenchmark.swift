import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchClient
import MedSearchTransport
import MedSearchTrustMed

/// The sharded encrypted search's scaling (part of `medsearch bench store`): real processes on loopback over TLS, two
/// storage nodes (m = 2), the edge master's store on SQLite holding `records` TrustMedSearch records (uploaded through
/// the master; TrustMedSearch's default parameter set unless `parameterSet` says otherwise; 64-bit codes), and three
/// search workers each limited to one thread. Two edge masters read that one store: one fans each query out to one worker, the other to two. Rounds alternate between them (the machine's
/// other load falls on both alike) and each round sends the same prepared queries one after another; queries per
/// second compare the two, and the top-10 distances of the first query of every round must agree.
public enum WorkerScalingBenchmark {
    /// What to run.
    public struct Options: Sendable {
        public var records: Int
        public var queriesPerRound: Int
        public var rounds: Int
        public var parameterSet: String
        public var bits: Int
        /// Queries in flight at once (each of this many clients sends its share of a round's queries one after
        /// another): 1 measures one query's latency end to end, more measure throughput, where one query's
        /// transport and merge overlap another's evaluation.
        public var clients: Int
        /// How the client sends its queries: `.compact` (one ciphertext each worker expands) or `.ntt` (one per bit,
        /// in NTT form, which no worker expands or transforms).
        public var queryForm: TrustMedQueryForm = .compact
        /// Untimed rounds of each configuration before its timed ones. Right after a phase's workers packed their
        /// shards the first 2-3 rounds of 8 queries ran up to 40 % slower (1,000,000 records, 2026-12-06), which
        /// decided the median of a 5-round run.
        public var warmupRounds = 3
        /// Where the cluster's state is kept between runs (nil: a fresh directory, removed afterwards). A run
        /// that finds a finished ingest of the same records and parameter set there reuses it (a 1,000,000-record
        /// ingest takes about 20 minutes): ingest once, measure on an idle machine later.
        public var keptDirectory: URL?
        /// Up to this many records the rounds alternate between 1 and 2 workers (the machine's other load falls on
        /// both alike); above it every round of 1 worker runs first and that worker is stopped before the rounds of 2,
        /// as the three workers' shards would not fit in memory at once (about 10 KB per record held).
        public var alternatingLimit = 250_000

        public init(records: Int = 100_000, queriesPerRound: Int = 8, rounds: Int = 5,
                    parameterSet: String? = nil, bits: Int = 64, keptDirectory: URL? = nil, clients: Int = 1,
                    queryForm: TrustMedQueryForm = .compact, warmupRounds: Int = 3) {
            self.queryForm = queryForm
            self.warmupRounds = warmupRounds
            self.keptDirectory = keptDirectory
            self.clients = clients
            self.records = records
            self.queriesPerRound = queriesPerRound
            self.rounds = rounds
            self.parameterSet = parameterSet ?? TrustMedDefaults.defaultParameterSet
            self.bits = bits
        }
    }

    /// The figures (queries per second are per round, in round order).
    public struct Result: Sendable, Codable {
        public var records: Int
        public var parameterSet: String
        public var hashBits: Int
        public var threadsPerWorker: Int
        /// Uploading the records through the edge master (sealing, two shares each, the encrypted blocks).
        public var ingestSeconds: Double
        /// Whether the records came from an earlier run's kept directory (then `ingestSeconds` is that run's).
        public var ingestReused: Bool
        public var ingestRecordsPerSecond: Double
        public var queriesPerRound: Int
        /// Queries in flight at once (``Options/clients``).
        public var clientsInFlight: Int = 1
        /// The queries' form (``Options/queryForm``).
        public var queryForm: String = TrustMedQueryForm.compact.rawValue
        /// Untimed rounds of each configuration before the timed ones (``Options/warmupRounds``).
        public var warmupRounds: Int = 0
        public var oneWorkerQueriesPerSecond: [Double]
        public var twoWorkersQueriesPerSecond: [Double]
        public var oneWorkerLatency: StoreBenchmark.Latency
        public var twoWorkersLatency: StoreBenchmark.Latency
        /// Median of the per-round ratios (2 workers / 1 worker); the target is ≥ 1.7.
        public var twoOverOneWorkerQueriesPerSecond: Double
        /// The top-10 distances agreed in every round.
        public var resultsEqual: Bool
        /// Whether the two configurations ran one after the other (a large run: see ``Options/alternatingLimit``)
        /// rather than round by round; the ratio is then of the medians.
        public var sequentialPhases: Bool = false
        public var loadAverageBefore: [Double]
        public var loadAverageAfter: [Double]
    }

    /// Runs it with the `medsearch` binary `executable`, in a fresh directory under `directory` (removed afterwards).
    public static func run(executable: URL, directory: URL, options: Options,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Result {
        let loadBefore = MachineDescription.currentLoadAverage()
        let work = options.keptDirectory ?? directory.appendingPathComponent("worker-bench-\(UUID().uuidString)")
        defer { if options.keptDirectory == nil { try? FileManager.default.removeItem(at: work) } }
        let keysFile = work.appendingPathComponent("client-keys.tmck")
        let ingestFile = work.appendingPathComponent("ingest.json")
        let previous = try? JSONDecoder().decode(KeptIngest.self, from: Data(contentsOf: ingestFile))
        let reuse = previous.map { $0.records == options.records && $0.parameterSet == options.parameterSet
            && $0.hashBits == options.bits } ?? false
        guard reuse || !FileManager.default.fileExists(atPath: work.appendingPathComponent("master").path) else {
            throw BenchmarkError.wrongResult("\(work.path) holds another or an unfinished ingest: remove it first")
        }
        let launcher = RoleLauncher(mode: .childProcess(executable: executable))
        let cluster = try await TrustMedCluster.launch(launcher, directory: work, nodeCount: 2, threshold: 2,
                                                      nodeTimeout: .seconds(60), searchWorkers: 3, workerThreads: 1)
        var single: RunningRole?
        do {
            let keys = reuse ? try TrustMedKeyFiles.readKeys(keysFile.path)
                : try TrustMedDefaults.generateClientKeys(hashBits: options.bits, parameterSet: options.parameterSet)
            let client = try TrustMedDefaults.client(keys: keys, queryForm: options.queryForm)
            let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
            var generator = SecureRandomGenerator()
            func code() -> [UInt8] { (0..<options.bits).map { _ in UInt8.random(in: 0...1, using: &generator) } }

            var ingestSeconds = previous?.seconds ?? 0
            if !reuse {
                try await owner.register(client.registration)
                if options.keptDirectory != nil { try TrustMedKeyFiles.writeKeys(keys, to: keysFile) }
                ingestSeconds = try await ingest(options.records, client: client, owner: owner, code: code, progress: progress)
                try JSONEncoder().encode(KeptIngest(records: options.records, parameterSet: options.parameterSet,
                                                    hashBits: options.bits, seconds: ingestSeconds)).write(to: ingestFile)
            } else {
                progress("workers: reusing the \(options.records) records ingested in \(work.path)")
            }

            // A second master on the same store with worker 2 only; the cluster's master uses workers 0 and 1.
            let two = cluster.directory.appendingPathComponent("workers-two.json")
            let one = cluster.directory.appendingPathComponent("workers-one.json")
            let token = cluster.tokens[.edgeMaster] ?? ""
            try TrustMedWorkerList(token: token, workers: [cluster.workers[0].url, cluster.workers[1].url]).write(to: two)
            try TrustMedWorkerList(token: token, workers: [cluster.workers[2].url]).write(to: one)
            var twoInstance = cluster.master.instance
            twoInstance.peers.nodeList = nil
            twoInstance.peers.searchWorkers = two.path
            try await cluster.master.restart(with: twoInstance)
            var oneInstance = twoInstance
            oneInstance.name = "master-one-worker"
            oneInstance.port = 0
            oneInstance.dataDirectory = cluster.directory.appendingPathComponent("master-one-worker").path
            oneInstance.database = "sqlite:" + cluster.directory.appendingPathComponent("master/trustmed-master.sqlite").path
            oneInstance.peers.nodeList = cluster.directory.appendingPathComponent("nodes.json").path
            oneInstance.peers.searchWorkers = one.path
            single = try await launcher.start(oneInstance)
            let masters = [
                TrustMedRemote(service: ServiceClient(baseURL: single!.url, token: cluster.tokens[.user] ?? "",
                                                      configuration: cluster.clientConfiguration(.user))),
                TrustMedRemote(service: cluster.masterClient(role: .user)),
            ]
            let queries = try (0..<options.queriesPerRound).map { _ in
                try client.searchRequest(hashcode: code(), unlinkable: true)
            }
            // Each phase: the workers' first search (reading and packing their shard; minutes at 1,000,000 records,
            // longer than a master waits for a worker) asked of them directly, one search through the master, then
            // the timed rounds. Alternating: both configurations every round. Sequential (large runs): every round
            // of one worker, that worker stopped (its memory freed), then every round of two.
            let sequential = options.records > options.alternatingLimit
            let phases: [[Int]] = sequential ? [[0], [1]] : [[0, 1]]
            let workerSets = [[2], [0, 1]]
            var perSecond: [[Double]] = [[], []], latency: [[Double]] = [[], []]
            var firstDistances: [[[Int]]] = [[], []]
            for phase in phases {
                for which in phase {
                    progress("workers: \(which + 1) worker(s): reading and packing their shards")
                    try await warm(cluster.workers, workerSets[which], query: queries[0], cluster: cluster)
                    guard try await masters[which].search(queries[0]).unsearched.isEmpty else {
                        throw BenchmarkError.wrongResult("the workers did not answer a whole search")
                    }
                }
                for round in 0..<options.warmupRounds {
                    for which in phase {
                        _ = try await send(queries, clients: options.clients, to: masters[which], client: client)
                        progress("workers: warm-up round \(round + 1) of \(options.warmupRounds): \(which + 1) worker(s)")
                    }
                }
                for round in 0..<options.rounds {
                    for which in phase {
                        let roundStart = ContinuousClock.now
                        let sent = try await send(queries, clients: options.clients, to: masters[which], client: client)
                        latency[which] += sent.latencies
                        firstDistances[which].append(sent.firstDistances)
                        perSecond[which].append(Double(queries.count) / StoreBenchmark.seconds(ContinuousClock.now - roundStart))
                        progress(String(format: "workers: round %d: %d worker(s) %.2f queries/s", round + 1, which + 1,
                                        perSecond[which].last ?? 0))
                    }
                }
                if sequential, phase == [0] { await cluster.workers[2].stop() }
            }
            let equal = firstDistances[0] == firstDistances[1]
            let ratios = sequential ? [median(perSecond[1]) / median(perSecond[0])]
                : zip(perSecond[1], perSecond[0]).map { $0 / $1 }.sorted()
            let result = Result(
                records: options.records, parameterSet: options.parameterSet, hashBits: options.bits, threadsPerWorker: 1,
                ingestSeconds: ingestSeconds, ingestReused: reuse, ingestRecordsPerSecond: Double(options.records) / ingestSeconds,
                queriesPerRound: options.queriesPerRound, clientsInFlight: options.clients,
                queryForm: options.queryForm.rawValue, warmupRounds: options.warmupRounds, oneWorkerQueriesPerSecond: perSecond[0],
                twoWorkersQueriesPerSecond: perSecond[1], oneWorkerLatency: .init(latency[0]),
                twoWorkersLatency: .init(latency[1]), twoOverOneWorkerQueriesPerSecond: ratios[ratios.count / 2],
                resultsEqual: equal, sequentialPhases: sequential, loadAverageBefore: loadBefore,
                loadAverageAfter: MachineDescription.currentLoadAverage())
            await single?.stop()
            await cluster.stop()
            return result
        } catch {
            await single?.stop()
            await cluster.stop()
            throw error
        }
    }

    /// Sends one round's queries through `master` from `clients` concurrent clients (client `c` sends queries `c`,
    /// `c + clients`, ... one after another): every query's latency in milliseconds and the top-10 distances of the
    /// first query.
    static func send(_ queries: [SearchRequest], clients: Int, to master: TrustMedRemote,
                     client: TrustMedClient) async throws -> (latencies: [Double], firstDistances: [Int]) {
        let clients = max(1, min(clients, queries.count))
        return try await withThrowingTaskGroup(of: (latencies: [Double], first: [Int]?).self) { group in
            for c in 0..<clients {
                group.addTask {
                    var latencies: [Double] = [], first: [Int]?
                    for index in stride(from: c, to: queries.count, by: clients) {
                        let start = ContinuousClock.now
                        let response = try await master.search(queries[index])
                        latencies.append(StoreBenchmark.milliseconds(ContinuousClock.now - start))
                        guard response.unsearched.isEmpty else {
                            throw BenchmarkError.wrongResult("\(response.unsearched.count) records not searched")
                        }
                        if index == 0 { first = try client.select(response, k: 10).distances }
                    }
                    return (latencies, first)
                }
            }
            var latencies: [Double] = [], first: [Int] = []
            for try await part in group {
                latencies += part.latencies
                if let distances = part.first { first = distances }
            }
            return (latencies, first)
        }
    }

    /// Asks `workers` (by index in the cluster) directly, as the edge master would, to search their shards of
    /// `indices.count` once, and waits as long as it takes.
    static func warm(_ workers: [RunningRole], _ indices: [Int], query: SearchRequest,
                     cluster: TrustMedCluster) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (shard, index) in indices.enumerated() {
                let client = ServiceClient(baseURL: workers[index].url, token: cluster.tokens[.edgeMaster] ?? "",
                                           configuration: cluster.clientConfiguration(.edgeMaster, timeout: .seconds(3600)))
                let request = ShardSearchRequest(keyFingerprint: query.keyFingerprint, encryptedQuery: query.encryptedQuery,
                                                 shardIndex: shard, shardCount: indices.count, minimumVersion: 0)
                group.addTask {
                    _ = try ShardSearchResponse(serialized: try await client.call(Routes.SearchWorker.search, body: request.serialized()))
                }
            }
            try await group.waitForAll()
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// What a kept directory says of its ingest.
    struct KeptIngest: Codable {
        var records: Int
        var parameterSet: String
        var hashBits: Int
        var seconds: Double
    }

    /// Uploads `count` records through the master, one block of records per request; returns the seconds taken.
    static func ingest(_ count: Int, client: TrustMedClient, owner: TrustMedRemote, code: () -> [UInt8],
                               progress: @Sendable (String) -> Void) async throws -> Double {
        let perBlock = client.keyHolder.recordsPerBlock
        let start = ContinuousClock.now
        for first in stride(from: 0, to: count, by: perBlock) {
            let images = (first..<min(first + perBlock, count)).map { index in
                TrustMedClient.Image(recordID: String(format: "w-%07d", index),
                                     bytes: Array(String(format: "image %07d", index).utf8), hashcode: code())
            }
            for request in try client.uploadRequests(for: images) {
                let response = try await owner.upload(request)
                guard response.allStored else {
                    throw BenchmarkError.wrongResult("upload failed: "
                        + (response.outcomes.first { $0.status == .failed }?.reason ?? "unknown"))
                }
            }
            if (first / perBlock) % 40 == 39 { progress("workers: \(first + images.count) records uploaded") }
        }
        let seconds = StoreBenchmark.seconds(ContinuousClock.now - start)
        progress(String(format: "workers: %d records in %.1f s", count, seconds))
        return seconds
    }
}
