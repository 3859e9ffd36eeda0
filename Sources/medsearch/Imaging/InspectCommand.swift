import ArgumentParser
import MedSearchImaging

/// `medsearch inspect FILE [--json]`: what a DICOM, PNG or JPEG file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the format, header facts and first-frame pixel summary of a DICOM, PNG or JPEG file.",
        discussion: ImageInspector.discussion)

    @Argument(help: "The file to inspect.") var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let report = try ImageInspector.inspect(path: file)
        print(json ? report.json() : report.text(file: file))
    }
}
