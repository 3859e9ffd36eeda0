import ArgumentParser
import Foundation
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

    @Argument(help: "The file to inspect.")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: file)
        let report: InspectReport
        do {
            report = try ImageInspector.inspect(fileAt: url)
        } catch let failure as ImageInspector.Failure {
            throw ImagingCommandError.unreadable(file: file, reason: failure.description)
        } catch {
            throw ImagingCommandError.unreadable(file: file, reason: error.localizedDescription)
        }
        if json {
            print(report.json())
        } else {
            func show(_ value: Any?) -> String { value.map { "\($0)" } ?? "-" }
            print("""
                file             \(file)
                format           \(report.format)
                transfer syntax  \(show(report.transferSyntax))
                modality         \(show(report.modality))
                size             \(show(report.columns)) x \(show(report.rows)), \(report.frames) frame(s)
                bits allocated   \(show(report.bitsAllocated))
                samples/pixel    \(show(report.samplesPerPixel))
                photometric      \(show(report.photometric))
                pixel range      \(show(report.pixelMin)) ... \(show(report.pixelMax))
                pixel SHA-256    \(show(report.pixelSHA256))
                """)
        }
    }
}

/// Errors of the imaging commands: one line naming the file and the reason (no attribute values).
enum ImagingCommandError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read or decoded.
    case unreadable(file: String, reason: String)
    /// The output could not be written.
    case cannotWrite(file: String, reason: String)
    /// A command-line value is invalid.
    case invalidArgument(String)

    var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): \(reason)"
        case .cannotWrite(let file, let reason): "cannot write \(file): \(reason)"
        case .invalidArgument(let reason): reason
        }
    }
}
