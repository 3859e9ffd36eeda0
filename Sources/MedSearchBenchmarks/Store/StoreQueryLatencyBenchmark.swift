import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed

/// End-to-end query latency with the edge master's store on SQLite and on PostgreSQL (part of `medsearch bench
/// store` when a PostgreSQL server is given): real processes on loopback over TLS, two storage nodes (m = 2), no
/// search workers. The records are uploaded through a master on SQLite, its state is copied to a fresh PostgreSQL
/// schema with `store migrate`'s code (``StoreCopy``, verified by row counts and checksums), and a second master
/// serves that copy. Queries alternate between the two masters (the machine's other load falls on both alike); each
/// latency is the unlinkable search request, and the top-10 distances of the same query must agree.
public enum StoreQueryLatencyBenchmark {
    /// What to run.
    @MemberwiseInit(.public)
    public struct Options: Sendable {
        public var records: Int = 20_000
        public var queries: Int = 40
        public var parameterSet: String = TrustMedDefaults.defaultParameterSet
        public var bits: Int = 64
    }

    /// The figures.
    public struct Result: Sendable, Codable {
        public var records: Int
        public var parameterSet: String
        public var ingestSeconds: Double
        /// Copying the master's state to PostgreSQL (``StoreCopy``), verified.
        public var copySeconds: Double
        public var sqlite: StoreBenchmark.Latency
        public var postgres: StoreBenchmark.Latency
        /// Median query latency, PostgreSQL / SQLite; the target is ≤ 1.5.
        public var postgresOverSQLiteQuery: Double
        /// The top-10 distances of every query agreed.
        public var resultsEqual: Bool
        public var loadAverageBefore: [Double]
        public var loadAverageAfter: [Double]
    }

    /// Runs it with the `medsearch` binary `executable` in a fresh directory under `directory` (removed afterwards)
    /// and a fresh schema of the PostgreSQL database at `postgresURL` (dropped afterwards).
    public static func run(executable: URL, directory: URL, postgresURL: String, options: Options,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Result {
        let loadBefore = MachineDescription.currentLoadAverage()
        let work = directory.appendingPathComponent("query-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let schema = "bench_query_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let url = try withSchema(postgresURL, schema)
        let location = try PostgresLocation(url: url)
        let launcher = RoleLauncher(mode: .childProcess(executable: executable))
        let cluster = try await TrustMedCluster.launch(launcher, directory: work, nodeCount: 2, threshold: 2,
                                                      nodeTimeout: .seconds(60))
        var second: RunningRole?
        func stopAll() async {
            await second?.stop()
            await cluster.stop()
            await StoreBenchmark.dropSchema(location)
        }
        do {
            let client = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
                hashBits: options.bits, parameterSet: options.parameterSet))
            let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
            try await owner.register(client.registration)
            var generator = SecureRandomGenerator()
            func code() -> [UInt8] { (0..<options.bits).map { _ in UInt8.random(in: 0...1, using: &generator) } }
            let ingestSeconds = try await WorkerScalingBenchmark.ingest(options.records, client: client, owner: owner,
                                                                        code: code, progress: progress)

            let copyStart = ContinuousClock.now
            let sqlitePath = cluster.directory.appendingPathComponent("master/trustmed-master.sqlite").path
            let copy = try await StoreCopy.run(role: "edge-master", from: .sqlite(path: sqlitePath),
                                               to: StoreLocation(parsing: url, schema: TrustMedMasterDatabase.schema))
            guard copy.verified else { throw BenchmarkError.wrongResult("the copy to PostgreSQL did not verify") }
            let copySeconds = StoreBenchmark.seconds(ContinuousClock.now - copyStart)
            progress(String(format: "query latency: state copied to PostgreSQL in %.1f s", copySeconds))

            var instance = cluster.master.instance
            instance.name = "master-postgres"
            instance.port = 0
            instance.dataDirectory = cluster.directory.appendingPathComponent("master-postgres").path
            instance.database = url
            second = try await launcher.start(instance)
            let masters = [
                TrustMedRemote(service: cluster.masterClient(role: .user)),
                TrustMedRemote(service: ServiceClient(baseURL: second!.url, token: cluster.tokens[.user] ?? "",
                                                      configuration: cluster.clientConfiguration(.user))),
            ]
            let queries = try (0..<options.queries).map { _ in try client.searchRequest(hashcode: code(), unlinkable: true) }
            // Warm-up: each master's first search reads and packs every block.
            for master in masters { _ = try await master.search(queries[0]) }
            var latency: [[Double]] = [[], []]
            var equal = true
            for (index, query) in queries.enumerated() {
                var distances: [[Int]] = []
                // Alternate which back end goes first.
                for which in index % 2 == 0 ? [0, 1] : [1, 0] {
                    let start = ContinuousClock.now
                    let response = try await masters[which].search(query)
                    latency[which].append(StoreBenchmark.milliseconds(ContinuousClock.now - start))
                    distances.append(try client.select(response, k: 10).distances)
                }
                equal = equal && distances[0] == distances[1]
                if index % 10 == 9 { progress("query latency: \(index + 1) of \(queries.count) queries") }
            }
            let sqlite = StoreBenchmark.Latency(latency[0]), postgres = StoreBenchmark.Latency(latency[1])
            await stopAll()
            return Result(records: options.records, parameterSet: options.parameterSet, ingestSeconds: ingestSeconds,
                          copySeconds: copySeconds, sqlite: sqlite, postgres: postgres,
                          postgresOverSQLiteQuery: postgres.p50 / sqlite.p50, resultsEqual: equal,
                          loadAverageBefore: loadBefore, loadAverageAfter: MachineDescription.currentLoadAverage())
        } catch {
            await stopAll()
            throw error
        }
    }

    /// `url` with its `schema` query parameter set to `schema`.
    static func withSchema(_ url: String, _ schema: String) throws -> String {
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            throw BenchmarkError.wrongResult("--postgres needs a postgres:// URL")
        }
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "schema" && $0.name != "search_path" }
            + [URLQueryItem(name: "schema", value: schema)]
        guard let text = components.string else { throw BenchmarkError.wrongResult("--postgres URL") }
        return text
    }
}
