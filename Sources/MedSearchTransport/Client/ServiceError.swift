/// Why a call between MedSearch processes failed, or a server could not start.
///
/// Descriptions are one line and never carry a token, a key or message content: URLs, statuses, sizes and the
/// peer's own one-line reason only. The server target maps each case to an HTTP status.
public enum ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer could not be reached (connection refused, reset, DNS).
    case unreachable(url: String, reason: String)
    /// The peer did not answer in time.
    case timeout(url: String)
    /// The peer answered with a non-success status; `message` is its one-line reason.
    case http(status: Int, message: String)
    /// The peer's answer could not be used.
    case badResponse(reason: String)
    /// A call was malformed before it left (a path parameter, a body on a route that takes none).
    case invalidRequest(String)
    /// A server's set-up is wrong (token file, data directory, address).
    case configuration(String)
    /// The caller's token is missing or unknown.
    case unauthenticated
    /// The caller's role may not use this endpoint.
    case forbidden(role: String, needed: [String])
    /// A child server process failed to start.
    case launchFailed(command: String, reason: String)
    /// The TLS handshake with the peer failed: its certificate was refused here, or ours there.
    case tls(url: String, reason: String)
    /// The caller's TLS certificate may not use this endpoint (or is revoked or expired).
    case certificateRefused(String)

    public var description: String {
        switch self {
        case let .unreachable(url, reason): "cannot reach \(url): \(reason)"
        case let .timeout(url): "no answer from \(url) in time"
        case let .http(status, message): "server answered \(status): \(message)"
        case let .badResponse(reason): "unusable answer: \(reason)"
        case let .invalidRequest(reason): "invalid request: \(reason)"
        case let .configuration(reason): "configuration error: \(reason)"
        case .unauthenticated: "missing or unknown bearer token"
        case let .forbidden(role, needed): "role \(role) may not do this (needs \(needed.joined(separator: " or ")))"
        case let .launchFailed(command, reason): "could not start \(command): \(reason)"
        case let .tls(url, reason): "TLS with \(url) failed: \(reason)"
        case let .certificateRefused(reason): "client certificate refused: \(reason)"
        }
    }

    /// Whether retrying the same call may succeed (the peer was unreachable, slow, or failed on its side).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timeout, .badResponse: true
        case let .http(status, _): status >= 500
        default: false
        }
    }
}
