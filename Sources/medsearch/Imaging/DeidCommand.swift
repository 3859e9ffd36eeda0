import ArgumentParser
import Foundation
import MedSearchCore
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

    @Argument(help: "The DICOM file to de-identify.")
    var input: String

    @Argument(help: "Where to write the de-identified file.")
    var output: String

    @Option(help: "The per-deployment secret (hex). Default: $MEDSEARCH_DEID_KEY_FILE or ~/.medsearch/deid.key.")
    var keyFile: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let secret = try DeidKeyFile.load(path: keyFile)
        let deidentifier = try Deidentifier(secret: secret)
        let source: DICOMFile
        do {
            source = try DICOMFile(contentsOf: URL(fileURLWithPath: input))
        } catch let error as DICOMError {
            throw ImagingCommandError.unreadable(file: input, reason: error.description)
        } catch {
            throw ImagingCommandError.unreadable(file: input, reason: error.localizedDescription)
        }
        let (clean, report) = try deidentifier.deidentify(source)
        let bytes = try DICOMWriter.write(clean)
        // Never write something our own reader cannot read back.
        _ = try DICOMFile(bytes: bytes)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ImagingCommandError.cannotWrite(file: output, reason: error.localizedDescription)
        }
        if json {
            print(report.json())
        } else {
            print("wrote \(output)")
            print("removed \(report.removed) attributes (\(report.removedPrivate) private), replaced \(report.replaced), "
                  + "remapped \(report.remappedUIDs) UIDs, shifted \(report.shiftedDates) dates by \(report.dateShiftDays) days")
            print("burned-in annotation: \(report.burnedInAnnotation.rawValue)"
                  + (report.pixelsNeedReview ? " -- the pixels may show identifying text: review before sharing" : ""))
        }
    }
}

/// The per-deployment de-identification secret on disk (64 hex digits).
enum DeidKeyFile {
    /// Loads the secret at `path` (or the default location), creating it with 32 random bytes if absent.
    static func load(path: String?) throws -> SecretBytes {
        let environment = ProcessInfo.processInfo.environment
        let resolved = path ?? environment["MEDSEARCH_DEID_KEY_FILE"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".medsearch/deid.key")
        let url = URL(fileURLWithPath: resolved)
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var random = SecureRandom.bytes(32)
            defer { constantTimeWipe(&random) }
            let created = FileManager.default.createFile(atPath: url.path, contents: Data((Hex.encode(random) + "\n").utf8),
                                                         attributes: [.posixPermissions: 0o600])
            guard created else { throw ImagingCommandError.cannotWrite(file: url.path, reason: "cannot create key file") }
            FileHandle.standardError.write(Data("created de-identification key \(url.path) (keep it secret)\n".utf8))
        }
        let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard var bytes = Hex.decode(text) else {
            throw DeidentificationError.malformedSecretFile(reason: "not hexadecimal")
        }
        defer { constantTimeWipe(&bytes) }
        guard bytes.count >= 32 else {
            throw DeidentificationError.secretTooShort(minimum: 32, actual: bytes.count)
        }
        return SecretBytes(bytes)
    }
}
