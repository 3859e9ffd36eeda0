import Foundation
import HTTPTypes
import Hummingbird
import MedSearchTransport
import NIOCore

/// One request to a ``Route``, as its handler sees it: the body (already bounded by the route's limit), the
/// path parameters and the caller's role (already checked against the route).
public struct RouteCall: Sendable {
    /// The route called.
    public let route: Route
    /// The request body (empty for routes without one).
    public let body: [UInt8]
    /// The caller's role.
    public let role: ServiceRole?
    /// The Hummingbird request context (logger, parameters).
    public let context: MedSearchRequestContext

    /// The value of path parameter `name` (e.g. `id` of `/trustmed/v1/shares/:id`).
    public func parameter(_ name: String) throws -> String { try context.parameters.require(name) }
}

/// What a route handler answers; the Content-Type comes from the route.
public struct RouteReply: Sendable {
    /// The body.
    public let bytes: [UInt8]

    /// A binary wire message.
    public static func bytes(_ bytes: [UInt8]) -> RouteReply { RouteReply(bytes: bytes) }

    /// The largest piece of a reply written at once (``responseBody``).
    static let pieceBytes = 256 << 10

    /// The bytes in pieces of at most ``pieceBytes``: a multi-megabyte reply (a search response) is copied into
    /// buffers the allocator recycles instead of into one fresh buffer of its size, whose pages the kernel would
    /// map and zero again for every reply.
    var responseBody: ResponseBody {
        let bytes = self.bytes
        guard bytes.count > Self.pieceBytes else { return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)) }
        return ResponseBody(contentLength: bytes.count) { writer in
            for start in stride(from: 0, to: bytes.count, by: Self.pieceBytes) {
                try await writer.write(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + Self.pieceBytes)]))
            }
            try await writer.finish(nil)
        }
    }

    /// A one-line plain-text acknowledgement.
    public static func text(_ text: String) -> RouteReply { RouteReply(bytes: Array(text.utf8)) }

    /// A JSON control message.
    public static func json(_ value: some Encodable) throws -> RouteReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return RouteReply(bytes: Array(try encoder.encode(value)))
    }
}

extension Router where Context == MedSearchRequestContext {
    /// Registers `handler` for `route`: the route table decides who may call it (``authorize(_:context:)``,
    /// checked before the body is read), how much body is read (a declared Content-Length above the route's
    /// limit is answered 413 before any of the body is read), and the answer's Content-Type. The handler runs
    /// within the caller's deadline and is cancelled when the caller goes away (``RequestLifetime``).
    @discardableResult
    public func on(_ route: Route, handler: @escaping @Sendable (RouteCall) async throws -> RouteReply) -> Self {
        on(RouterPath(route.path), method: HTTPRequest.Method(rawValue: route.method.rawValue) ?? .get) {
            request, context -> Response in
            try await Self.serve(route, request: request, context: context, handler: handler)
        }
        return self
    }

    /// Authorises, reads the body within the route's limit, and runs the handler.
    static func serve(_ route: Route, request: Request, context: MedSearchRequestContext,
                      handler: @escaping @Sendable (RouteCall) async throws -> RouteReply) async throws -> Response {
        try Self.authorize(route, context: context)
        var body: [UInt8] = []
        if route.request != .none {
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > route.maxRequestBytes {
                throw HTTPError(.contentTooLarge, message: "\(route.name) takes at most \(route.maxRequestBytes) bytes")
            }
            do {
                body = try await HTTPBodyBytes.read(request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) },
                                                    limit: route.maxRequestBytes)
            } catch is NIOTooManyBytesError {
                throw HTTPError(.contentTooLarge, message: "\(route.name) takes at most \(route.maxRequestBytes) bytes")
            }
        }
        // The handler stops at the caller's deadline and when the caller goes away (``RequestLifetime``).
        let call = RouteCall(route: route, body: body, role: context.role, context: context)
        let reply = try await RequestLifetime.run(request, channel: context.channel) { try await handler(call) }
        return Response(status: .ok, headers: [.contentType: route.response.rawValue], body: reply.responseBody)
    }

    /// The one authorisation decision of every MedSearch server: on a TLS server the role named in the caller's
    /// certificate must be admitted by the route (``Route/admits(certificateRole:)``), and the role granted by
    /// the caller's token must be among the route's callers (``Route/permits(_:)``).
    ///
    /// - Throws: ``ServiceError/certificateRefused(_:)`` (403) when the certificate's role may not call the
    ///   route, ``ServiceError/unauthenticated`` (401) without a valid token on a restricted route,
    ///   ``ServiceError/forbidden(role:needed:)`` (403) when the token's role is not allowed.
    public static func authorize(_ route: Route, context: MedSearchRequestContext) throws(ServiceError) {
        if let certificateRole = context.certificateRole, !route.admits(certificateRole: certificateRole) {
            throw .certificateRefused("a certificate of role \(certificateRole.rawValue) may not call \(route.name) "
                                      + "(callers: \(route.callers.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        guard !route.permits(context.role) else { return }
        guard let role = context.role else { throw .unauthenticated }
        throw .forbidden(role: role.rawValue, needed: route.callers.map(\.rawValue).sorted())
    }
}
