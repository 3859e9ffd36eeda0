import ArgumentParser
import Foundation
import MedSearchBenchmarks
import MedSearchDeployment
import MedSearchTrustMed

/// `medsearch bench store`: the edge master's store on SQLite and PostgreSQL in one run.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Ingest and query the edge master's store on SQLite and PostgreSQL (writes JSON).",
        discussion: StoreBenchmark.discussion)

    @Option(help: "Records to ingest.") var records = 100_000
    @Option(help: "Of those, records ingested one transaction each (the master's way; the rest one per block).")
    var perRecord = 5_000
    @Option(help: "Concurrent clients (1...64).") var clients = 8
    @Option(help: "Operations per concurrent client.") var operations = 500
    @Option(help: "PostgreSQL server on loopback (default: MEDSEARCH_BENCH_POSTGRES_URL; none: SQLite only).") var postgres: String?
    @Option(help: "Directory for the SQLite file.") var directory: String = FileManager.default.temporaryDirectory.path
    @Option(help: "Records for the search-worker scaling run (1 vs 2 workers of one thread; 0: skip).") var workerRecords = 100_000
    @Option(help: "Rounds (each: the same queries to 1, then 2 workers).") var workerRounds = 5
    @Option(help: "Queries in flight at once in the search-worker run (1: one query's latency; more: throughput).")
    var workerClients = 1
    @Option(help: "How the search-worker run's client sends queries: compact (expanded by each worker) or ntt.")
    var workerQueryForm: TrustMedQueryForm = .compact
    @Option(help: "Untimed rounds of each search-worker configuration before its timed rounds.")
    var workerWarmupRounds = 3
    @Option(help: "BFV parameter set of the search-worker run (default: TrustMedSearch's).") var workerParameterSet: String?
    @Option(help: "The medsearch binary the roles are started from (default: this one).") var rolesExecutable: String?
    @Option(help: "Keep the search-worker run's cluster here; a later run reuses its ingest.") var workerDirectory: String?
    @Option(help: "Records for the query latency on SQLite and PostgreSQL (with --postgres; 0: skip).") var queryRecords = 20_000
    @Option(help: "Write the report as JSON to this file.") var json: String?

    func validate() throws {
        guard (64...10_000_000).contains(records) else { throw ValidationError("--records must be 64...10000000") }
        guard (1...64).contains(clients) else { throw ValidationError("--clients must be 1...64") }
        guard (10...100_000).contains(operations) else { throw ValidationError("--operations must be 10...100000") }
        guard (0...1_000_000).contains(workerRecords), (1...100).contains(workerRounds), (0...1_000_000).contains(queryRecords),
              (1...8).contains(workerClients), (0...100).contains(workerWarmupRounds) else {
            throw ValidationError("--worker-records and --query-records must be 0...1000000, --worker-rounds 1...100, --worker-clients 1...8, --worker-warmup-rounds 0...100")
        }
    }

    func run() async throws {
        let options = StoreBenchmark.Options(records: records, perRecordIngest: perRecord, clients: clients,
                                             operationsPerClient: operations)
        let roles = workerRecords == 0 && queryRecords == 0 ? nil
            : (try rolesExecutable.map(URL.init(fileURLWithPath:)) ?? MedSearchExecutable.current(),
               workerRecords == 0 ? nil : WorkerScalingBenchmark.Options(
                   records: workerRecords, rounds: workerRounds, parameterSet: workerParameterSet,
                   keptDirectory: workerDirectory.map(URL.init(fileURLWithPath:)), clients: workerClients,
                   queryForm: workerQueryForm, warmupRounds: workerWarmupRounds),
               queryRecords == 0 ? nil : StoreQueryLatencyBenchmark.Options(records: queryRecords))
        let report = try await StoreBenchmark.compare(directory: URL(fileURLWithPath: directory),
                                                      postgresURL: StoreBenchmark.postgresURL(postgres),
                                                      options: options, roles: roles) { line in
            FileHandle.standardError.write(Data("bench store: \(line)\n".utf8))
        }
        for line in report.lines { print(line) }
        try BenchOutput.write(try report.json(), to: json)
    }
}
