import ArgumentParser
import Foundation
import MedSearchStore

/// `medsearch bench store`: the edge master's store on SQLite and PostgreSQL in one run.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Ingest and query the edge master's store on SQLite and PostgreSQL (writes JSON).",
        discussion: """
            100,000 TrustMedSearch records by default (256 per block, 256 KB blocks: about 1 KB of ciphertext per \
            record as the master stores them): the first --per-record one transaction each as the master writes \
            them, the rest one transaction per block; then the search read (every block, per encrypted \
            search), single-client fetch lookups, and --clients concurrent clients (9 lookups to 1 insert) with \
            p50/p99. PostgreSQL: --postgres URL or MEDSEARCH_BENCH_POSTGRES_URL, on loopback only (a fresh schema, \
            dropped afterwards). Release builds only.
            """)

    @Option(help: "Records to ingest.") var records = 100_000
    @Option(help: "Of those, records ingested one transaction each (the master's way; the rest one per block).")
    var perRecord = 5_000
    @Option(help: "Concurrent clients (1...64).") var clients = 8
    @Option(help: "Operations per concurrent client.") var operations = 500
    @Option(help: "PostgreSQL server on loopback (default: MEDSEARCH_BENCH_POSTGRES_URL; none: SQLite only).")
    var postgres: String?
    @Option(help: "Directory for the SQLite file.") var directory: String = FileManager.default.temporaryDirectory.path
    @Option(help: "Write the report as JSON to this file.") var json: String?

    func validate() throws {
        guard (64...10_000_000).contains(records) else { throw ValidationError("--records must be 64...10000000") }
        guard (1...64).contains(clients) else { throw ValidationError("--clients must be 1...64") }
        guard (10...100_000).contains(operations) else { throw ValidationError("--operations must be 10...100000") }
    }

    func run() async throws {
        var location: PostgresLocation?
        if let url = postgres ?? ProcessInfo.processInfo.environment["MEDSEARCH_BENCH_POSTGRES_URL"] {
            guard case let .postgres(parsed) = try StoreLocation(parsing: url) else {
                throw ValidationError("--postgres needs a postgres:// URL")
            }
            location = parsed
        }
        let options = StoreBenchmark.Options(records: records, perRecordIngest: perRecord, clients: clients,
                                             operationsPerClient: operations)
        let report = try await StoreBenchmark.compare(directory: URL(fileURLWithPath: directory), postgres: location,
                                                      options: options) { line in
            FileHandle.standardError.write(Data("bench store: \(line)\n".utf8))
        }
        for result in report.results {
            print(result.backend + String(format: ": ingest %.1f s (%.0f records/s; %.0f/s one transaction each, %.0f/s one per block); search read first %.1f ms, after a change %.1f ms, "
                                          + "unchanged %.3f ms (%d blocks); lookup p50 %.3f ms (%.0f/s); %d clients: lookup p50 %.2f / "
                                          + "p99 %.2f ms, insert p50 %.2f / p99 %.2f ms, %.0f ops/s",
                                          result.ingestSeconds, result.ingestRecordsPerSecond,
                                          result.ingestPerRecordTransactionPerSecond,
                                          result.ingestPerBlockTransactionRecordsPerSecond, result.searchReadFirst,
                                          result.searchReadAfterChange.p50, result.searchReadUnchanged.p50, result.searchReadBlocks,
                                          result.lookup.p50, result.lookupsPerSecond, result.concurrentClients,
                                          result.concurrentLookup.p50, result.concurrentLookup.p99, result.concurrentInsert.p50,
                                          result.concurrentInsert.p99, result.concurrentOperationsPerSecond))
        }
        if let first = report.postgresOverSQLiteSearchReadFirst {
            print(String(format: "PostgreSQL / SQLite: search read first %.2fx, after a change %.2fx, unchanged %.2fx "
                         + "(target <= 1.5x); lookup %.2fx; ingest %.2fx; load %.1f -> %.1f",
                         first, report.postgresOverSQLiteSearchReadAfterChange ?? 0,
                         report.postgresOverSQLiteSearchReadUnchanged ?? 0, report.postgresOverSQLiteLookup ?? 0,
                         report.postgresOverSQLiteIngest ?? 0, report.loadAverage[0], report.loadAverage[1]))
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }
}
