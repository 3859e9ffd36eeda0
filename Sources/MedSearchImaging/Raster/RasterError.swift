/// Why a raster image (PNG, JPEG via ``ImageLoader``) or a NumPy archive (.npz/.npy) could not be read.
///
/// Payloads name the format, the offset or the structure that was wrong; they never carry pixel values.
public enum RasterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes match none of the formats the reader knows (PNG, JPEG, DICOM, ZIP/NPZ, NPY).
    case unrecognisedFormat
    /// The data ended early: `needed` bytes were required at `offset` in a `format` structure.
    case truncated(format: String, offset: Int, needed: Int)
    /// A structure is invalid (bad header field, inconsistent sizes, out-of-range value).
    case malformed(format: String, reason: String)
    /// A checksum (PNG chunk CRC, ZIP CRC-32, zlib Adler-32) does not match.
    case checksumMismatch(format: String, what: String)
    /// The data is valid but uses a feature this reader does not implement.
    case unsupported(format: String, feature: String)
    /// A size field is beyond what the format or this reader can represent (e.g. a 64-bit ZIP size).
    case tooLarge(format: String, reason: String)
    /// The file declares a decoded size beyond the caller's ``DecodeLimits`` (checked before allocating).
    case limitExceeded(DecodeLimitExceeded)
    /// zlib reported an error while inflating compressed data.
    case decompressionFailed(format: String, reason: String)
    /// An array asked for by name is not in the archive.
    case missingArray(name: String)
    /// A file could not be read from disk.
    case fileUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unrecognisedFormat:
            "unrecognised image format (expected PNG, JPEG, DICOM or NPZ)"
        case let .truncated(format, offset, needed):
            "\(format): truncated data at offset \(offset) (\(needed) more bytes needed)"
        case let .malformed(format, reason):
            "\(format): malformed data: \(reason)"
        case let .checksumMismatch(format, what):
            "\(format): checksum mismatch in \(what)"
        case let .unsupported(format, feature):
            "\(format): unsupported \(feature)"
        case let .tooLarge(format, reason):
            "\(format): too large: \(reason)"
        case let .limitExceeded(exceeded):
            exceeded.description
        case let .decompressionFailed(format, reason):
            "\(format): decompression failed: \(reason)"
        case let .missingArray(name):
            "array \(name.debugDescription) not found in the archive"
        case let .fileUnreadable(path, reason):
            "cannot read \(path): \(reason)"
        }
    }
}
