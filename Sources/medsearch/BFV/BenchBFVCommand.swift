import ArgumentParser
import MedSearchBenchmarks

/// `medsearch bench bfv`: BFV primitives at N = 8192 (q = 3 x 55 bits) beside Microsoft SEAL, and the encrypted
/// Hamming top-10 over 100,000 encrypted 64-bit hashcodes end to end on every core.
struct BenchBFVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("bfv", documentation: BFVBenchmark.self)

    @Option(help: "Write every figure as JSON to this file.") var json: String?
    @Option(help: "Rounds per figure (median reported; at least 5).") var rounds: Int = 7
    @Option(help: "Encrypted records in the Hamming search.") var records: Int = 100_000
    @Option(help: "Hashcode length in bits (16...256).") var codeLength: Int = 64
    @Option(help: "Rounds of the end-to-end Hamming search (median reported).") var searchRounds: Int = 5
    @Option(help: "BFV parameter set of the Hamming search (n4096expand, n4096hamming, n4096single, n4096, n8192, n16384).")
    var searchParameters: String = "n4096expand"
    @Flag(help: "Skip the SEAL reference.") var noReference = false
    @Flag(help: "Run only the encrypted Hamming search (no primitives, no reference).") var searchOnly = false

    func validate() throws {
        guard rounds >= 1, searchRounds >= 1 else { throw ValidationError("rounds must be positive") }
        guard records >= 1 else { throw ValidationError("--records must be positive") }
    }

    func run() async throws {
        var configuration = BFVBenchmark.Configuration()
        (configuration.rounds, configuration.records, configuration.codeLength) = (rounds, records, codeLength)
        (configuration.searchRounds, configuration.searchParameters) = (searchRounds, searchParameters)
        (configuration.runReference, configuration.searchOnly) = (!noReference, searchOnly)
        try BenchOutput.write(try await BFVBenchmark(configuration: configuration).run().json(), to: json, printOtherwise: true)
    }
}
