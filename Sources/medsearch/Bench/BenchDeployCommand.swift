import ArgumentParser
import Foundation
import MedSearchBenchmarks
import MedSearchDeployment

/// `medsearch bench deploy`: query latency over mutual TLS against plain HTTP, and connection set-up cost.
struct BenchDeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "What TLS costs: TrustMedSearch and SEI query latency with and without TLS, connection set-up.",
        discussion: """
            Starts each deployment twice on loopback, over mutual TLS and over plain HTTP (every role its own \
            process), sends the same queries to both, interleaved, over kept connections, and reports median and \
            p90 latency and their ratio (target: TLS adds under 10 %); then /healthz over a new connection per \
            request against a kept one. Run a release build.
            """)

    @Option(help: "Write the JSON report here.") var json: String?
    @Option(name: .customLong("trustmed-images"), help: "TrustMedSearch images.") var trustmedImages: Int = 1000
    @Option(name: .customLong("sei-records"), help: "SEI records.") var seiRecords: Int = 4000
    @Option(help: "Queries per engine and mode.") var queries: Int = 30
    @Option(help: "Requests per connection case.") var connections: Int = 100

    func validate() throws {
        guard trustmedImages >= 10, seiRecords >= 100, queries >= 3, connections >= 3 else {
            throw ValidationError("--trustmed-images >= 10, --sei-records >= 100, --queries >= 3, --connections >= 3")
        }
    }

    func run() async throws {
        let options = DeploymentBenchmark.Options(executable: try MedSearchExecutable.current(), trustmedImages: trustmedImages,
                                                  seiRecords: seiRecords, queries: queries, connections: connections)
        let report = try await DeploymentBenchmark.run(options) { line in
            FileHandle.standardError.write(Data("bench deploy: \(line)\n".utf8))
        }
        let encoded = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try BenchOutput.write(encoded, to: json, printOtherwise: true)
    }
}
