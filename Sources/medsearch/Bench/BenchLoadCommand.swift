import ArgumentParser
import Foundation
import MedSearchBenchmarks

/// `medsearch bench load`: bounded wrk runs against every role and the web application (writes JSON).
struct BenchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("load", documentation: LoadBenchmark.self)

    @Option(help: "Seconds of each wrk run (1...20).") var seconds = 10
    @Option(help: "Open connections of each run.") var connections = 8
    @Option(help: "wrk threads.") var threads = 2
    @Option(help: "Images in the SEI index and records at the edge master.") var records = 200
    @Option(help: "Write the report as JSON to this file (default: print it).") var json: String?

    func run() async throws {
        var configuration = LoadBenchmark.Configuration()
        configuration.seconds = seconds
        configuration.connections = connections
        configuration.threads = threads
        configuration.records = records
        let report = try await LoadBenchmark(configuration: configuration).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        try BenchOutput.write(report, to: json, printOtherwise: true)
    }
}
