import ArgumentParser
import MedSearchBenchmarks

/// `medsearch bench crypto`: Paillier, raw GMP, AES-GCM sealing, m-of-n sharing and QMedShield timings, with
/// python-paillier (phe + gmpy2) measured in the same run.
struct BenchCryptoCommand: ParsableCommand {
    static let configuration = CommandConfiguration("crypto", documentation: CryptoBenchmark.self)

    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Timed rounds per figure (at least 5).") var rounds = 7
    @Option(help: "Timed key generations.") var keygenRounds = 3
    @Option(help: "The file to seal and share (default: ../shared/data/dicom/RG1_UNCI.dcm, else 7.2 MB of random bytes).")
    var file: String?
    @Flag(help: "Skip the Python reference.") var noReference = false

    func validate() throws {
        guard rounds >= 5 else { throw ValidationError("--rounds must be at least 5") }
        guard keygenRounds >= 1 else { throw ValidationError("--keygen-rounds must be at least 1") }
    }

    func run() throws {
        var configuration = CryptoBenchmark.Configuration()
        (configuration.rounds, configuration.keygenRounds, configuration.file) = (rounds, keygenRounds, file)
        configuration.runReference = !noReference
        try BenchOutput.write(try CryptoBenchmark(configuration: configuration).run().json(), to: json)
    }
}
