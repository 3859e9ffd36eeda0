import ArgumentParser
import Foundation
import MedSearchBenchmarks

/// `medsearch cipher-stats IMAGE`: randomness statistics of an image cipher on one 8-bit image.
struct CipherStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration("cipher-stats", documentation: CipherStatsAnalysis.self)

    @Argument(help: "The image (PNG, JPEG, DICOM or binary PGM).") var image: String
    @Option(help: "The cipher: aes-gcm or qmedshield.") var cipher: CipherStatsAnalysis.Cipher = .qmedshield
    @Option(help: "Resize to N x N before encrypting (for example 512 or 256).") var resize: Int?
    @Option(help: "One-pixel-change positions for NPCR/UACI (centre first, then seeded random ones).") var trials = 10
    @Option(help: "Timed encryption rounds (median reported).") var rounds = 5
    @Option(help: "Seed for the random positions.") var seed: UInt64 = 2024
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        guard trials >= 1, rounds >= 1 else { throw ValidationError("--trials and --rounds must be at least 1") }
        if let resize, !(2...8192).contains(resize) { throw ValidationError("--resize must be in 2...8192") }
    }

    func run() throws {
        var configuration = CipherStatsAnalysis.Configuration()
        (configuration.cipher, configuration.trials, configuration.rounds) = (cipher, trials, rounds)
        configuration.seed = seed
        let gray = try CipherStatsAnalysis.loadImage(path: image, resize: resize)
        let report = try CipherStatsAnalysis(configuration: configuration).analyse(gray, source: image)
        if json {
            print(String(decoding: try report.json(), as: UTF8.self))
        } else {
            print(report.body.table + "\n(\(report.environment.build) build)")
        }
    }
}

extension CipherStatsAnalysis.Cipher: ExpressibleByArgument {}
