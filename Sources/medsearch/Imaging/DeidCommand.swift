import ArgumentParser
import Foundation
import MedSearchImaging

/// `medsearch deid IN OUT`: writes a de-identified copy of a DICOM file.
struct DeidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deid",
        abstract: "Write a de-identified copy of a DICOM file (PS3.15 Annex E Basic Profile).",
        discussion: """
            Removes or replaces patient-identifying attributes following the DICOM PS3.15 Annex E Basic \
            Application Level Confidentiality Profile with the Modified Dates option: names and IDs become keyed \
            pseudonyms, dates are shifted by a per-patient offset, UIDs are remapped consistently \
            (2.25.<HMAC-SHA256>), private attributes are removed. Pseudonyms are HMAC-SHA256 under a \
            per-deployment secret kept in the key file (created with 32 random bytes, mode 0600, on first use); \
            keep it to get the same pseudonyms for the same patient next time, and keep it secret.
            Pixels are NOT changed: the report says whether Burned In Annotation is YES (or not stated for \
            modalities that often carry text), in which case identifying text may remain in the image.
            The output is Explicit VR Little Endian (compressed pixel data keeps its transfer syntax).
            """)

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
