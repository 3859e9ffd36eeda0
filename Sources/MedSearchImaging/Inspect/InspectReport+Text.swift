import Foundation

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
        do { return try inspect(fileAt: URL(fileURLWithPath: path)) } catch let failure as Failure {
            throw .unreadable(file: path, reason: failure.description)
        } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
    }
}
