import Foundation
import MedSearchCore

extension InspectReport {
    /// The report as aligned lines for a person, headed by `file` (`-` for absent values).
    public func text(file: String) -> String {
        func show(_ value: Any?) -> String { value.map { "\($0)" } ?? "-" }
        return """
            file             \(file)
            format           \(format)
            transfer syntax  \(show(transferSyntax))
            modality         \(show(modality))
            size             \(show(columns)) x \(show(rows)), \(frames) frame(s)
            bits allocated   \(show(bitsAllocated))
            samples/pixel    \(show(samplesPerPixel))
            photometric      \(show(photometric))
            pixel range      \(show(pixelMin)) ... \(show(pixelMax))
            pixel SHA-256    \(show(pixelSHA256))
            """
    }
}

extension ImageInspector {
    /// Inspects the file at `path`; any failure is an ``ImageFileError`` naming it.
    public static func inspect(path: String) throws(ImageFileError) -> InspectReport {
        try ImageFileError.requireFile(path)
        do { return try inspect(fileAt: URL(fileURLWithPath: path)) } catch let failure as Failure {
            throw .unreadable(file: path, reason: failure.description)
        } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
    }
}

extension ImageInspector {
    /// The command's one-line help.
    public static let abstract = "Show the format, header facts and first-frame pixel summary of a DICOM, PNG or JPEG file."
    /// The description shown by `medsearch inspect --help`.
    public static let discussion = """
        With --json prints one object with the keys format, transferSyntax, modality, rows, columns, frames, \
        bitsAllocated, samplesPerPixel, photometric, pixelMin, pixelMax, pixelSHA256. Pixel fields describe \
        the first frame's stored values before any LUT, rescale or window; pixelSHA256 hashes them as \
        little-endian integers of the allocated width (1, 2 or 4 bytes). Objects without pixel data (RT plan, \
        ECG) have null pixel fields. A file that cannot be read exits non-zero with a one-line reason.
        """
}

extension ImageInspector: CommandDocumentation {}
