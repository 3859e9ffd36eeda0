import MedSearchCore

/// What `medsearch inspect FILE --json` prints: format, header facts, and a summary of the first frame's
/// stored pixel values.
///
/// Pixel fields describe the FIRST frame's stored values before any LUT, rescale or window; ``pixelSHA256`` is
/// the lowercase hex SHA-256 of those values in row-major order, samples interleaved per pixel, each as a
/// little-endian integer of 1 byte (bitsAllocated <= 8, 1-bit data unpacked to one byte per pixel), 2 bytes (16)
/// or 4 bytes (32), two's complement when signed.
public struct InspectReport: Sendable, Equatable {
    /// "dicom", "png" or "jpeg".
    public var format: String
    /// The DICOM transfer syntax UID (nil for raster files and bare DICOM data sets).
    public var transferSyntax: String?
    /// The DICOM Modality, if any.
    public var modality: String?
    /// Rows, if the object has an image.
    public var rows: Int?
    /// Columns, if the object has an image.
    public var columns: Int?
    /// Number of frames (0 when there is no pixel data).
    public var frames: Int = 0
    /// Bits allocated per sample.
    public var bitsAllocated: Int?
    /// Samples per pixel.
    public var samplesPerPixel: Int?
    /// Photometric interpretation.
    public var photometric: String?
    /// Smallest stored value of the first frame.
    public var pixelMin: Int?
    /// Largest stored value of the first frame.
    public var pixelMax: Int?
    /// Lowercase hex SHA-256 of the first frame's stored values (see the type's discussion).
    public var pixelSHA256: String?

    /// The report as one JSON object with exactly the twelve keys, in a fixed order, `null` for absent values.
    public func json() -> String {
        func string(_ value: String?) -> String { value.map(JSONText.quoted) ?? "null" }
        func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
        let fields: [(String, String)] = [
            ("format", string(format)),
            ("transferSyntax", string(transferSyntax)),
            ("modality", string(modality)),
            ("rows", number(rows)),
            ("columns", number(columns)),
            ("frames", String(frames)),
            ("bitsAllocated", number(bitsAllocated)),
            ("samplesPerPixel", number(samplesPerPixel)),
            ("photometric", string(photometric)),
            ("pixelMin", number(pixelMin)),
            ("pixelMax", number(pixelMax)),
            ("pixelSHA256", string(pixelSHA256)),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}
