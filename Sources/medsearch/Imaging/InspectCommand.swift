import ArgumentParser
import MedSearchImaging

/// `medsearch inspect FILE [--json]`: what a DICOM, PNG or JPEG file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the format, header facts and first-frame pixel summary of a DICOM, PNG or JPEG file.",
        discussion: """
            With --json prints one object with the keys format, transferSyntax, modality, rows, columns, frames, \
            bitsAllocated, samplesPerPixel, photometric, pixelMin, pixelMax, pixelSHA256. Pixel fields describe \
            the first frame's stored values before any LUT, rescale or window; pixelSHA256 hashes them as \
            little-endian integers of the allocated width (1, 2 or 4 bytes). Objects without pixel data (RT plan, \
            ECG) have null pixel fields. A file that cannot be read exits non-zero with a one-line reason.
            """)

    @Argument(help: "The file to inspect.") var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let report = try ImageInspector.inspect(path: file)
        print(json ? report.json() : report.text(file: file))
    }
}
