/// Why a JPEG stream could not be decoded.
public enum JPEGError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libjpeg rejected the stream (its message, which never contains pixel data).
    case decodeFailed(reason: String)
    /// The stream uses a JPEG process this decoder does not implement (e.g. 12-bit, arithmetic coding).
    case unsupportedProcess(reason: String)
    /// The image is larger than the input could possibly encode (a hostile header).
    case imageTooLarge(width: Int, height: Int)
    /// The header declares an image beyond the caller's ``DecodeLimits`` (checked before allocating).
    case limitExceeded(DecodeLimitExceeded)
    /// The lossless (process 14) stream is malformed.
    case malformedStream(reason: String)

    public var description: String {
        switch self {
        case .decodeFailed(let reason): "JPEG decoding failed: \(reason)"
        case .unsupportedProcess(let reason): "unsupported JPEG process: \(reason)"
        case .imageTooLarge(let width, let height): "JPEG image \(width)x\(height) is too large for its input"
        case .limitExceeded(let exceeded): exceeded.description
        case .malformedStream(let reason): "malformed JPEG stream: \(reason)"
        }
    }
}
