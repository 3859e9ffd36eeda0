import ArgumentParser
import MedSearchBenchmarks

/// `medsearch bench imaging`: read + decode speed against pydicom (and Pillow for PNG), same run, same machine.
struct BenchImagingCommand: ParsableCommand {
    static let configuration = CommandConfiguration("imaging", documentation: ImagingBenchmark.self)

    @Option(help: "The DICOM directory (default: ../shared/data/dicom).") var dicomDir: String?
    @Option(help: "The 128x128 PNG (default: the first image of ../shared/data/cxr-public/images).") var png: String?
    @Option(help: "Timed rounds per case (after one warm-up round).") var rounds = 9
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Flag(help: "Skip the Python reference.") var noReference = false

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
    }

    func run() throws {
        var configuration = ImagingBenchmark.Configuration()
        (configuration.dicomDir, configuration.png, configuration.rounds) = (dicomDir, png, rounds)
        configuration.runReference = !noReference
        try BenchOutput.write(try ImagingBenchmark(configuration: configuration).run().json(), to: json)
    }
}
