import Foundation
import MedSearchCore
import Testing
@testable import MedSearchBenchmarks

/// `bench store` writes the same report envelope as every suite and prints one line per back end.
@Suite struct StoreReportTests {
    static func result(_ backend: String, searchReadFirst: Double) -> StoreBenchmark.BackendResult {
        let latency = StoreBenchmark.Latency([4, 1, 3, 2, 5])
        return StoreBenchmark.BackendResult(
            backend: backend, location: backend, ingestSeconds: 2, ingestRecordsPerSecond: 500,
            ingestPerRecordTransactionPerSecond: 100, ingestPerBlockTransactionRecordsPerSecond: 900,
            searchReadFirst: searchReadFirst, searchReadAfterChange: latency, searchReadUnchanged: latency,
            searchReadBlocks: 4, lookup: latency, lookupsPerSecond: 1000, concurrentClients: 8,
            concurrentLookup: latency, concurrentInsert: latency, concurrentOperationsPerSecond: 2000)
    }

    @Test func latencyQuantilesAreOrderStatistics() {
        let latency = StoreBenchmark.Latency((1...100).map(Double.init).reversed())
        #expect(latency.count == 100 && latency.min == 1 && latency.max == 100)
        #expect(latency.p50 == 51 && latency.p99 == 99)
        #expect(StoreBenchmark.Latency([]).p99 == 0)
    }

    @Test func reportCarriesTheEnvironmentAndPrintsItsLines() throws {
        let body = StoreBenchmark.Report(
            records: 1000, perRecordIngest: 100, recordsPerBlock: 256, blockBytes: 262_144,
            results: [Self.result("sqlite", searchReadFirst: 10), Self.result("postgres", searchReadFirst: 15)],
            postgresOverSQLiteSearchReadFirst: 1.5, postgresOverSQLiteSearchReadAfterChange: 1,
            postgresOverSQLiteSearchReadUnchanged: 1, postgresOverSQLiteLookup: 1, postgresOverSQLiteIngest: 1)
        let environment = BenchEnvironment(
            machine: MachineDescription(cpu: "AMD EPYC", cores: 2, loadAverage: [1.5, 2, 2.5], operatingSystem: "Linux"),
            gitCommit: String(repeating: "b", count: 40), build: "release", medsearchVersion: "0.1.0",
            date: "2026-12-05T06:00:00Z", loadAverageAtEnd: [3, 2, 1])
        let report = BenchmarkReport(method: "p50/p99", environment: environment, body: body)
        let object = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        #expect(object["suite"] as? String == "store")
        #expect(object["git_commit"] as? String == String(repeating: "b", count: 40))
        #expect(object["records"] as? Int == 1000)
        #expect((object["results"] as? [Any])?.count == 2)
        let lines = report.lines
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("sqlite: ingest 2.0 s") && lines[1].hasPrefix("postgres: "))
        #expect(lines[2].contains("search read first 1.50x") && lines[2].hasSuffix("load 1.5 -> 3.0"))
    }

    @Test func workerScalingIsReportedWithItsRatioAndLoad() throws {
        let latency = StoreBenchmark.Latency([400, 500, 600])
        let workers = WorkerScalingBenchmark.Result(
            records: 5000, parameterSet: "n4096hamming", hashBits: 64, threadsPerWorker: 1, ingestSeconds: 10, ingestReused: false,
            ingestRecordsPerSecond: 500, queriesPerRound: 8, queryForm: "ntt", warmupRounds: 3, oneWorkerQueriesPerSecond: [2, 1, 3],
            twoWorkersQueriesPerSecond: [3.6, 1.9, 5], oneWorkerLatency: latency, twoWorkersLatency: latency,
            twoOverOneWorkerQueriesPerSecond: 1.8, resultsEqual: true, loadAverageBefore: [4, 3, 2],
            loadAverageAfter: [5, 4, 3])
        let body = StoreBenchmark.Report(
            records: 1000, perRecordIngest: 100, recordsPerBlock: 256, blockBytes: 262_144,
            results: [Self.result("sqlite", searchReadFirst: 10)], postgresOverSQLiteSearchReadFirst: nil,
            postgresOverSQLiteSearchReadAfterChange: nil, postgresOverSQLiteSearchReadUnchanged: nil,
            postgresOverSQLiteLookup: nil, postgresOverSQLiteIngest: nil, workers: workers)
        let environment = BenchEnvironment(
            machine: MachineDescription(cpu: "AMD EPYC", cores: 2, loadAverage: [1.5, 2, 2.5], operatingSystem: "Linux"),
            gitCommit: nil, build: "release", medsearchVersion: "0.1.0", date: "2026-12-05T06:00:00Z",
            loadAverageAtEnd: [3, 2, 1])
        let report = BenchmarkReport(method: "p50/p99", environment: environment, body: body)
        let object = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let scaling = try #require(object["workers"] as? [String: Any])
        #expect(scaling.keys.contains { $0.lowercased().contains("two") && $0.lowercased().contains("over") })
        let lines = report.lines
        #expect(lines.count == 2)
        // Medians of the rounds: 2 and 3.6 queries/s.
        #expect(lines[1].contains("1 worker 2.00, 2 workers 3.60 queries/s (medians), 2/1 = 1.80x"), "\(lines[1])")
        #expect(lines[1].contains("5000 records, ntt queries, 1 in flight, 3 warm-up rounds"), "\(lines[1])")
        #expect(scaling["queryForm"] as? String == "ntt" && scaling["warmupRounds"] as? Int == 3)
        #expect(lines[1].contains("load 4.0 -> 5.0") && lines[1].hasSuffix("results equal"))
    }

    @Test func queryLatencyIsReportedWithItsRatio() throws {
        let query = StoreQueryLatencyBenchmark.Result(
            records: 20_000, parameterSet: "n4096expand", ingestSeconds: 30, copySeconds: 4,
            sqlite: StoreBenchmark.Latency([40, 50, 60]), postgres: StoreBenchmark.Latency([42, 51, 70]),
            postgresOverSQLiteQuery: 51.0 / 50.0, resultsEqual: true, loadAverageBefore: [1, 1, 1], loadAverageAfter: [2, 2, 2])
        let body = StoreBenchmark.Report(
            records: 1000, perRecordIngest: 100, recordsPerBlock: 256, blockBytes: 262_144,
            results: [Self.result("sqlite", searchReadFirst: 10)], postgresOverSQLiteSearchReadFirst: nil,
            postgresOverSQLiteSearchReadAfterChange: nil, postgresOverSQLiteSearchReadUnchanged: nil,
            postgresOverSQLiteLookup: nil, postgresOverSQLiteIngest: nil, workers: nil, queryLatency: query)
        let environment = BenchEnvironment(
            machine: MachineDescription(cpu: "AMD EPYC", cores: 2, loadAverage: [1, 1, 1], operatingSystem: "Linux"),
            gitCommit: nil, build: "release", medsearchVersion: "0.1.0", date: "2026-12-05T06:00:00Z",
            loadAverageAtEnd: [2, 2, 2])
        let lines = BenchmarkReport(method: "p50/p99", environment: environment, body: body).lines
        #expect(lines.last?.contains("SQLite p50 50.0 / p99 60.0 ms, PostgreSQL p50 51.0 / p99 70.0 ms") == true, "\(lines)")
        #expect(lines.last?.contains("PostgreSQL / SQLite = 1.02x (target <= 1.5x)") == true)
        #expect(lines.last?.hasSuffix("results equal") == true)
    }

    @Test func thePostgresURLGetsTheRunsOwnSchema() throws {
        #expect(try StoreQueryLatencyBenchmark.withSchema("postgres://u@127.0.0.1:5433/db", "bench_q")
            == "postgres://u@127.0.0.1:5433/db?schema=bench_q")
        #expect(try StoreQueryLatencyBenchmark.withSchema("postgres://u@h/db?sslmode=disable&schema=old", "s2")
            == "postgres://u@h/db?sslmode=disable&schema=s2")
        #expect(throws: BenchmarkError.self) { try StoreQueryLatencyBenchmark.withSchema("sqlite:/tmp/x", "s") }
    }

    @Test func randomBytesAreTheGeneratorsWordsInOrder() {
        var a = SeededRandomNumberGenerator(seed: 3), b = SeededRandomNumberGenerator(seed: 3)
        let bytes = StoreBenchmark.randomBytes(13, using: &a)
        let words = [b.next().littleEndian, b.next().littleEndian]
        let expected = words.flatMap { withUnsafeBytes(of: $0, Array.init) }.prefix(13)
        #expect(bytes == Array(expected))
        #expect(StoreBenchmark.randomBytes(0, using: &a).isEmpty)
    }
}
