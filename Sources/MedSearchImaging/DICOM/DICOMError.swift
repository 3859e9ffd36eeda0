/// Why a DICOM file could not be read, decoded or written.
///
/// Payloads name tags, offsets, lengths and transfer syntaxes, never attribute values (which may identify a
/// patient) or pixels.
public enum DICOMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a DICOM file (no preamble/`DICM`, no recognisable first element).
    case notDICOM(reason: String)
    /// A read needed `needed` bytes at `offset` but the data ends sooner.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A length field is impossible (odd where it must be even, beyond the data, undefined where not allowed).
    case invalidLength(tag: DICOMTag, length: UInt32, offset: Int)
    /// An explicit-VR element carries bytes that are not a VR.
    case invalidVR(tag: DICOMTag, offset: Int)
    /// A sequence or item is malformed.
    case malformedSequence(tag: DICOMTag, offset: Int, reason: String)
    /// The file declares a decoded size (pixels, frames, bytes, sequence nesting) beyond the caller's
    /// ``DecodeLimits``; checked before allocating.
    case limitExceeded(DecodeLimitExceeded)
    /// An attribute's value cannot be interpreted (e.g. a non-numeric IS).
    case invalidValue(tag: DICOMTag, reason: String)
    /// An attribute needed to decode pixels is absent.
    case missingAttribute(tag: DICOMTag)
    /// The data set holds no pixel data.
    case noPixelData
    /// The pixels are compressed with a transfer syntax this reader does not decode.
    case unsupportedTransferSyntax(uid: String, name: String)
    /// The pixel attributes describe a layout this reader does not support.
    case unsupportedPixelFormat(reason: String)
    /// The pixel data holds fewer bytes than rows x columns x samples x frames need.
    case pixelDataTooShort(expected: Int, actual: Int)
    /// The RLE stream is malformed.
    case rleError(reason: String)
    /// The embedded JPEG stream could not be decoded.
    case jpegError(reason: String)
    /// The deflated data set could not be inflated (or inflates beyond the allowed size).
    case deflateError(reason: String)
    /// A frame index outside `0..<frames`.
    case frameOutOfRange(index: Int, frames: Int)
    /// The data set cannot be written (e.g. a value too long for its length field).
    case cannotWrite(reason: String)

    public var description: String {
        switch self {
        case .notDICOM(let reason): "not a DICOM file: \(reason)"
        case .truncated(let offset, let needed, let available):
            "truncated: needed \(needed) bytes at offset \(offset), \(available) available"
        case .invalidLength(let tag, let length, let offset):
            "invalid length \(length) for \(tag) at offset \(offset)"
        case .invalidVR(let tag, let offset): "invalid VR for \(tag) at offset \(offset)"
        case .malformedSequence(let tag, let offset, let reason): "malformed sequence \(tag) at offset \(offset): \(reason)"
        case .limitExceeded(let exceeded): exceeded.description
        case .invalidValue(let tag, let reason): "invalid value of \(tag): \(reason)"
        case .missingAttribute(let tag): "missing attribute \(tag) \(DICOMDictionary.keyword(for: tag) ?? "")"
        case .noPixelData: "the data set has no pixel data"
        case .unsupportedTransferSyntax(let uid, let name): "unsupported transfer syntax \(uid) (\(name))"
        case .unsupportedPixelFormat(let reason): "unsupported pixel format: \(reason)"
        case .pixelDataTooShort(let expected, let actual):
            "pixel data too short: \(actual) bytes, expected \(expected)"
        case .rleError(let reason): "RLE data malformed: \(reason)"
        case .jpegError(let reason): "JPEG data could not be decoded: \(reason)"
        case .deflateError(let reason): "deflated data set could not be inflated: \(reason)"
        case .frameOutOfRange(let index, let frames): "frame \(index) out of range 0..<\(frames)"
        case .cannotWrite(let reason): "cannot write the data set: \(reason)"
        }
    }
}
