/// Why a DICOMweb request, query or instance was refused.
///
/// Payloads name query keys, media types, limits and counts, never attribute values that may identify a
/// patient (a refused query value is not echoed back).
public enum DICOMwebError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request's `Content-Type` is not `multipart/related` (or its `type` parameter is not accepted).
    case unsupportedMediaType(String)
    /// A `multipart/related` request without a `boundary` parameter.
    case missingBoundary
    /// The multipart body breaks RFC 2046 framing.
    case malformedMultipart(String)
    /// The body ended before the closing delimiter.
    case unterminatedMultipart
    /// One part's header block is larger than the limit.
    case partHeadersTooLarge(limit: Int)
    /// More parts than the limit.
    case tooManyParts(limit: Int)
    /// A QIDO-RS query key that is neither a known keyword, an 8-digit tag nor a query parameter.
    case unknownQueryKey(String)
    /// A QIDO-RS query value that cannot be used (bad date range, bad limit...).
    case invalidQueryValue(key: String, reason: String)
    /// A DICOM JSON document that does not follow PS3.18 F.2.
    case invalidJSON(String)

    public var description: String {
        switch self {
        case let .unsupportedMediaType(type): "unsupported media type: \(type)"
        case .missingBoundary: "the multipart/related content type has no boundary parameter"
        case let .malformedMultipart(reason): "malformed multipart body: \(reason)"
        case .unterminatedMultipart: "the multipart body ends before its closing delimiter"
        case let .partHeadersTooLarge(limit): "a part's headers exceed \(limit) bytes"
        case let .tooManyParts(limit): "more than \(limit) parts in one request"
        case let .unknownQueryKey(key): "unknown query key \(key.prefix(64))"
        case let .invalidQueryValue(key, reason): "invalid value for \(key.prefix(64)): \(reason)"
        case let .invalidJSON(reason): "invalid DICOM JSON: \(reason)"
        }
    }
}
