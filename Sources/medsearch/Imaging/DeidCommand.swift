import ArgumentParser
import Foundation
import MedSearchImaging

/// `medsearch deid IN OUT`: writes a de-identified copy of a DICOM file.
struct DeidCommand: ParsableCommand {
    static let configuration = CommandConfiguration("deid", documentation: Deidentifier.self)

    @Argument(help: "The DICOM file to de-identify.") var input: String
    @Argument(help: "Where to write the de-identified file.") var output: String
    @Option(help: "The per-deployment secret (hex). Default: $MEDSEARCH_DEID_KEY_FILE or $HOME/.medsearch/deid.key.")
    var keyFile: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let secret = try DeidentificationKeyFile.loadOrCreate(path: keyFile) { path in
            FileHandle.standardError.write(Data("created de-identification key \(path) (keep it secret)\n".utf8))
        }
        let report = try Deidentifier(secret: secret).deidentify(path: input, writingTo: output)
        print(json ? report.json() : "wrote \(output)\n" + report.summary)
    }
}
