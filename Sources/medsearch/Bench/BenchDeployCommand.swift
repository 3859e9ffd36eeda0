import ArgumentParser
import Foundation
import MedSearchBenchmarks

/// `medsearch bench deploy`: query latency over mutual TLS against plain HTTP, and connection set-up cost.
struct BenchDeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("deploy", documentation: DeploymentBenchmark.self)
    @Option(help: "Write the JSON report here (default: print it).") var json: String?
    @Option(help: "TrustMedSearch images (>= 10).") var trustmedImages = 1000
    @Option(help: "SEI records (>= 100).") var seiRecords = 4000
    @Option(help: "Queries per engine and mode (>= 3).") var queries = 30
    @Option(help: "Requests per connection case (>= 3).") var connections = 100

    func run() async throws {
        let options = try DeploymentBenchmark.Options(trustmedImages: trustmedImages, seiRecords: seiRecords, queries: queries, connections: connections)
        let report = try await DeploymentBenchmark.run(options) { FileHandle.standardError.write(Data("bench deploy: \($0)\n".utf8)) }
        try BenchOutput.write(try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), to: json, printOtherwise: true)
    }
}
