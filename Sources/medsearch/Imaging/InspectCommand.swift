import ArgumentParser
import MedSearchImaging

/// `medsearch inspect FILE [--json]`: what a DICOM, PNG or JPEG file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration("inspect", documentation: ImageInspector.self)

    @Argument(help: "The file to inspect.") var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let report = try ImageInspector.inspect(path: file)
        print(json ? report.json() : report.text(file: file))
    }
}
