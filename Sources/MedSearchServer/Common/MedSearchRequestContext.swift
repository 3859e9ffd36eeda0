import Hummingbird

/// The per-request context of every MedSearch server role: the authenticated caller's role.
public struct MedSearchRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's role, set by ``BearerAuthMiddleware``; nil before authentication.
    public var role: ServiceRole?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        role = nil
    }

    /// Large uploads (sealed images, encrypted databases) are allowed up to 512 MiB per request.
    public var maxUploadSize: Int { 512 * 1024 * 1024 }

    /// Throws unless the caller holds one of `roles`.
    public func require(_ roles: ServiceRole...) throws {
        guard let role else { throw ServiceError.unauthenticated }
        guard roles.contains(role) else {
            throw ServiceError.forbidden(role: role.rawValue, needed: roles.map(\.rawValue))
        }
    }
}

/// Authenticates every request except `GET /health` by its `Authorization: Bearer <token>` header.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = MedSearchRequestContext
    let tokens: AccessTokens

    /// Creates the middleware for a token table.
    public init(tokens: AccessTokens) { self.tokens = tokens }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
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

extension Request {
    /// Collects the whole body, refusing more than `limit` bytes.
    public func bodyBytes(limit: Int = 512 * 1024 * 1024) async throws -> [UInt8] {
        let buffer = try await body.collect(upTo: limit)
        return Array(buffer.readableBytesView)
    }
}
