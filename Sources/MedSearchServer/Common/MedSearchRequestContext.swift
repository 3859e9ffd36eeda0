import Hummingbird
import MedSearchTransport
import NIOCore

/// The per-request context of every MedSearch server role: the authenticated caller's role.
public struct MedSearchRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's role, set by ``BearerAuthMiddleware``; nil before authentication.
    public var role: ServiceRole?
    /// The connection the request came on (watched for the caller going away, ``RequestLifetime``).
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        role = nil
        channel = source.channel
    }

    /// The largest body Hummingbird's own decoders accept; routes read their bodies with the limit of their
    /// ``Route`` instead.
    public var maxUploadSize: Int { Routes.largeBody }
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
        if openPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let role = tokens.role(for: String(header.dropFirst("Bearer ".count))) else {
            throw ServiceError.unauthenticated
        }
        var context = context
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
        case .forbidden: .forbidden
        case .invalidRequest: .badRequest
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
        Response(status: status, headers: [.contentType: Route.ContentType.text.rawValue],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
