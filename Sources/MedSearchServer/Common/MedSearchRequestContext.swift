import Foundation
import Hummingbird
import MedSearchCore
import MedSearchTransport
import NIOCore

/// The per-request context of every MedSearch server role: the authenticated caller's role.
public struct MedSearchRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's role, set by ``BearerAuthMiddleware``; nil before authentication.
    public var role: ServiceRole?
    /// The role named by the caller's TLS certificate (nil on a plain-HTTP server), set by
    /// ``PeerCertificateResponder`` after checking the certificate against the deny list and its expiry.
    public var certificateRole: ServiceRole?
    /// The connection the request came on (watched for the caller going away, ``RequestLifetime``).
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        role = nil
        certificateRole = nil
        channel = source.channel
    }

    /// The largest body Hummingbird's own decoders accept; routes read their bodies with the limit of their
    /// ``Route`` instead.
    public var maxUploadSize: Int { Routes.largeBody }
}

/// Checks the caller's TLS certificate on every request of a TLS server: its identity (read and verified at the
/// handshake) is checked again against the deny list in force and its expiry, so that a revocation or an
/// expiry reaches connections already open, and its role is put into the context for ``Router/authorize(_:context:)``.
/// It wraps the role's whole router (``ServiceRunner/makeApplication(router:configuration:logger:onBound:)``);
/// the deny list in force comes from `credentials`.
@MemberwiseInit(.public)
public struct PeerCertificateResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == MedSearchRequestContext {
    public typealias Context = MedSearchRequestContext
    let credentials: TLSCredentials
    let inner: Inner

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard let peer = PeerIdentityHeaders.identity(in: request.headers) else {
            return try refuse(TLSFailure.noCertificate.description, request: request, context: context)
        }
        let shown = "\(peer.role.rawValue) \(peer.name) (serial \(peer.serial.prefix(16)))"
        if credentials.revoked.contains(peer.serial) {
            return try refuse(TLSFailure.revoked(identity: shown).description, request: request, context: context)
        }
        if Date() > peer.notAfter {
            return try refuse(TLSFailure.expired(identity: shown, notAfter: ISO8601DateFormatter().string(from: peer.notAfter))
                .description, request: request, context: context)
        }
        var context = context
        context.certificateRole = peer.role
        return try await inner.respond(to: request, context: context)
    }

    /// Answers 403 with the reason (this responder runs outside the router, whose middlewares map errors), logs
    /// the refusal and counts it.
    private func refuse(_ reason: String, request: Request, context: Context) throws -> Response {
        context.logger.warning("client certificate refused", metadata: ["reason": "\(reason)"])
        MedSearchMetrics.shared.request(route: "certificate-refused", status: 403, duration: .zero, bytesIn: 0, bytesOut: 0)
        return try ServiceError.certificateRefused(reason).response(from: request, context: context)
    }
}

/// Authenticates every request except those of open routes (`GET /health`) by its
/// `Authorization: Bearer <token>` header; authorisation is per route (``RouteHandler``).
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = MedSearchRequestContext
    let tokens: AccessTokens
    let openPaths: Set<String>

    /// Creates the middleware for a token table.
    public init(tokens: AccessTokens) {
        self.tokens = tokens
        openPaths = Set(Routes.all.filter { $0.access == .open }.map(\.path))
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if openPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let role = tokens.role(for: String(header.dropFirst("Bearer ".count))) else {
            throw ServiceError.unauthenticated
        }
        context.role = role
        return try await next(request, context)
    }
}

/// Turns errors that are not HTTP errors into one-line plain-text responses.
///
/// Decoding errors of wire messages become 400; everything else 500 (its description never carries
/// secrets: error payloads in MedSearch hold sizes, offsets and ids only).
public struct ErrorMappingMiddleware: RouterMiddleware {
    public typealias Context = MedSearchRequestContext
    /// Errors whose type says the request was bad (400) rather than the server (500).
    let isClientError: @Sendable (any Error) -> Bool

    /// Creates the middleware; `isClientError` classifies engine errors as the caller's fault.
    public init(isClientError: @escaping @Sendable (any Error) -> Bool = { _ in true }) {
        self.isClientError = isClientError
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let line = String(describing: error).split(separator: "\n").first.map(String.init) ?? "error"
            context.logger.info("request failed: \(line)")
            return .plainText(line, status: isClientError(error) ? .badRequest : .internalServerError)
        }
    }
}

extension ServiceError: HTTPResponseError {
    /// The HTTP status a server answers with when this error ends a request.
    public var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated: .unauthorized
        case .forbidden, .certificateRefused: .forbidden
        case .invalidRequest: .badRequest
        case .unreachable, .timeout, .http, .badResponse, .tls: .badGateway
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
        Response(status: status, headers: [.contentType: Route.ContentType.text.rawValue],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
