import Hummingbird

/// Why a call between MedSearch processes failed, or a server could not start.
public enum ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer could not be reached (connection refused, reset, DNS).
    case unreachable(url: String, reason: String)
    /// The peer did not answer in time.
    case timeout(url: String)
    /// The peer answered with a non-success status; `message` is its one-line reason.
    case http(status: Int, message: String)
    /// The peer's answer could not be used.
    case badResponse(reason: String)
    /// A server's set-up is wrong (token file, data directory, address).
    case configuration(String)
    /// The caller's token is missing or unknown.
    case unauthenticated
    /// The caller's role may not use this endpoint.
    case forbidden(role: String, needed: [String])
    /// A child server process failed to start.
    case launchFailed(command: String, reason: String)

    public var description: String {
        switch self {
        case let .unreachable(url, reason): "cannot reach \(url): \(reason)"
        case let .timeout(url): "no answer from \(url) in time"
        case let .http(status, message): "server answered \(status): \(message)"
        case let .badResponse(reason): "unusable answer: \(reason)"
        case let .configuration(reason): "configuration error: \(reason)"
        case .unauthenticated: "missing or unknown bearer token"
        case let .forbidden(role, needed): "role \(role) may not do this (needs \(needed.joined(separator: " or ")))"
        case let .launchFailed(command, reason): "could not start \(command): \(reason)"
        }
    }
}

extension ServiceError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .unreachable, .timeout, .http, .badResponse: .badGateway
        case .configuration, .launchFailed: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        .plainText(description, status: status)
    }
}

extension Response {
    /// A plain-text response of one line (the error convention between MedSearch processes).
    public static func plainText(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A binary response carrying one of MedSearch's versioned wire messages.
    public static func binary(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/octet-stream"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
