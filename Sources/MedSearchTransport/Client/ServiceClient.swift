import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Calls a MedSearch server role over HTTP with a bearer token, by ``Route``.
///
/// Request bodies are MedSearch's versioned binary messages; answers are checked against the route's declared
/// content type and size. A non-2xx answer becomes ``ServiceError/http(status:message:)`` carrying the server's
/// one-line reason; a refused connection ``ServiceError/unreachable(url:reason:)``; a missed deadline
/// ``ServiceError/timeout(url:)``. Redirects are never followed and answers are never decompressed.
///
/// Every call is bounded by its timeout and by what is left of ``RequestDeadline/current`` (the deadline of the
/// request being served, inside a server role), and sends the smaller as its budget in the
/// ``RequestDeadline/header``, so the server stops at the same time. A refused connection fails at once (the HTTP
/// library's connection retries are off): a dead peer costs one failed connect, not the whole timeout.
///
/// ```swift
/// let client = ServiceClient(baseURL: "http://127.0.0.1:9001", token: token)
/// let status = try await client.call(Routes.SEI.status, as: SEIServerStatus.self)
/// ```
public struct ServiceClient: Sendable {
    /// The peer's base URL, e.g. `http://127.0.0.1:8081`.
    public let baseURL: String
    /// The token presented in `Authorization: Bearer`.
    public let token: String
    /// Timeouts and limits (and, with issue 15, TLS).
    public let configuration: ClientConfiguration

    /// Creates a client of the role at `baseURL`.
    public init(baseURL: String, token: String, configuration: ClientConfiguration = .standard) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.configuration = configuration
    }

    /// Creates a client with the standard configuration and another per-call timeout.
    public init(baseURL: String, token: String, timeout: Duration) {
        self.init(baseURL: baseURL, token: token, configuration: ClientConfiguration.standard.timeout(timeout))
    }

    /// The same peer with another token (another role of the same caller).
    public func with(token: String) -> ServiceClient {
        ServiceClient(baseURL: baseURL, token: token, configuration: configuration)
    }

    /// Calls `route` and returns the answer's bytes.
    ///
    /// - Parameters:
    ///   - route: The route, from ``Routes``.
    ///   - parameters: Values of the route's path parameters, in order.
    ///   - body: The request body (must be empty for a route that takes none).
    ///   - timeout: This call's deadline, instead of the configuration's.
    /// - Throws: ``ServiceError``.
    public func call(_ route: Route, _ parameters: String..., body: [UInt8] = [],
                     timeout: Duration? = nil) async throws(ServiceError) -> [UInt8] {
        try await send(route, parameters: parameters, body: body, timeout: timeout)
    }

    /// Calls `route` with its path parameters as an array (see ``call(_:_:body:timeout:)``).
    public func call(_ route: Route, parameters: [String], body: [UInt8] = [],
                     timeout: Duration? = nil) async throws(ServiceError) -> [UInt8] {
        try await send(route, parameters: parameters, body: body, timeout: timeout)
    }

    /// Calls a JSON route and decodes its answer.
    ///
    /// - Throws: ``ServiceError``; an answer that does not decode is ``ServiceError/badResponse(reason:)``.
    public func call<Answer: Decodable>(_ route: Route, _ parameters: String..., as type: Answer.Type,
                                        timeout: Duration? = nil) async throws(ServiceError) -> Answer {
        let bytes = try await send(route, parameters: parameters, body: [], timeout: timeout)
        do { return try JSONDecoder().decode(Answer.self, from: Data(bytes)) } catch {
            throw .badResponse(reason: "\(route.name) answered JSON that is not a \(Answer.self)")
        }
    }

    /// Whether `GET /healthz` answers within `timeout`.
    public func isAlive(timeout: Duration = .seconds(2)) async -> Bool {
        (try? await send(Routes.healthz, parameters: [], body: [], timeout: timeout)) != nil
    }

    /// Whether `GET /health` answers within `timeout`.
    public func isHealthy(timeout: Duration = .seconds(2)) async -> Bool {
        (try? await send(Routes.health, parameters: [], body: [], timeout: timeout)) != nil
    }

    private func send(_ route: Route, parameters: [String], body: [UInt8],
                      timeout: Duration?) async throws(ServiceError) -> [UInt8] {
        let url = baseURL + (try route.path(parameters))
        let secure = baseURL.lowercased().hasPrefix("https://")
        // Never the system trust store: https only with the deployment's credentials, and credentials never
        // silently dropped on a plain-HTTP URL.
        guard secure == (configuration.tls != nil) else {
            throw .configuration(secure ? "\(baseURL) is https but no TLS credentials (CA, certificate, key) were given"
                                        : "\(baseURL) is plain http but TLS credentials were given: use https://")
        }
        guard route.request != .none || body.isEmpty else {
            throw .invalidRequest("\(route.name) takes no body")
        }
        guard body.count <= max(route.maxRequestBytes, 0) || route.request == .none else {
            throw .invalidRequest("\(route.name) takes at most \(route.maxRequestBytes) bytes, got \(body.count)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: route.method.rawValue)
        if route.access != .open { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: RequestID.header, value: RequestID.current ?? RequestID.make())
        if route.request != .none {
            request.headers.add(name: "Content-Type", value: route.request.rawValue)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        // The call's own limit, cut to what the request being served (or the caller's operation) has left.
        var limit = timeout ?? configuration.timeout
        if let remaining = RequestDeadline.remaining {
            guard remaining > .zero else { throw .timeout(url: url) }
            limit = min(limit, remaining)
        }
        request.headers.add(name: RequestDeadline.header, value: RequestDeadline.headerValue(limit))
        let deadline = NIODeadline.now() + .nanoseconds(limit.saturatingNanoseconds)
        let client = HTTPClientPool.client(for: configuration)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw Self.mapped(error, url: url, reading: false)
        }
        let bytes: [UInt8]
        do {
            bytes = try await HTTPBodyBytes.read(response.body, declaredLength: response.headers.first(name: "Content-Length").flatMap { Int($0) },
                                                 limit: configuration.maxResponseBytes)
        } catch {
            throw Self.mapped(error, url: url, reading: true)
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let message = String(decoding: bytes.prefix(1000), as: UTF8.self)
                .split(separator: "\n").first.map(String.init) ?? ""
            throw .http(status: status, message: message)
        }
        let declared = response.headers.first(name: "Content-Type").map { $0.prefix { $0 != ";" } } ?? ""
        guard route.response == .none || declared.lowercased() == route.response.mediaType else {
            throw .badResponse(reason: "\(route.name) answered \(declared.isEmpty ? "no content type" : String(declared)), "
                               + "expected \(route.response.mediaType)")
        }
        return bytes
    }

    /// Maps a failure of the HTTP library to a ``ServiceError``.
    static func mapped(_ error: any Error, url: String, reading: Bool) -> ServiceError {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return .timeout(url: url)
            }
        }
        if let reason = TLSErrorReason.explain(error) { return .tls(url: url, reason: reason) }
        if error is NIOTooManyBytesError {
            return .badResponse(reason: "the answer from \(url) exceeds the client's limit")
        }
        let reason = String(describing: error).split(separator: "\n").first.map(String.init) ?? "error"
        return reading ? .badResponse(reason: "reading answer from \(url): \(reason)") : .unreachable(url: url, reason: reason)
    }
}

/// One HTTP client (and connection pool) per distinct connection setting, for the life of the process.
///
/// Unlike `HTTPClient.shared`, these never follow redirects, never decompress, have no read timeout of their
/// own (the call's deadline bounds it) and do not retry a failed connection (a refused connection is reported
/// at once instead of being retried until the connect timeout).
enum HTTPClientPool {
    /// What distinguishes one connection pool from another: the connect timeout and the TLS credentials in the
    /// version they had (a reload on SIGHUP starts a new pool; calls in flight finish on the old one).
    struct Key: Hashable {
        var connectTimeout: Duration
        var tls: TLSCredentials?
        var generation: Int
    }

    private static let clients = Mutex<[Key: HTTPClient]>([:])

    static func client(for configuration: ClientConfiguration) -> HTTPClient {
        let connect = min(configuration.connectTimeout, configuration.timeout)
        let key = Key(connectTimeout: connect, tls: configuration.tls, generation: configuration.tls?.generation ?? 0)
        return clients.withLock { clients in
            if let existing = clients[key] { return existing }
            var settings = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .nanoseconds(connect.saturatingNanoseconds), read: nil),
                // Shorter than the servers' idle timeout (30 s), so the pool drops a connection before the server does.
                connectionPool: .init(idleTimeout: .seconds(20)),
                decompression: .disabled)
            settings.connectionPool.retryConnectionEstablishment = false
            settings.httpVersion = .http1Only
            if let tls = configuration.tls { settings.tlsConfiguration = tls.clientConfiguration }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
            clients[key] = client
            return client
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max` (negative durations are zero).
    var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (total, overflowAdding) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAdding ? .max : total
    }
}

/// HTTPS clients of the web application (which serves browsers and asks for no client certificate) for client
/// commands such as `medsearch ingest`: the deployment's CA is the only trust root, never the system store.
public enum DeploymentHTTPS {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// A client (one per CA file, for the life of the process) trusting only the CA certificate in `caFile`.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when the file holds no readable PEM certificate.
    public static func client(trusting caFile: URL) throws(ServiceError) -> HTTPClient {
        if let existing = clients.withLock({ $0[caFile.path] }) { return existing }
        let roots: [NIOSSLCertificate]
        do { roots = try NIOSSLCertificate.fromPEMFile(caFile.path) } catch {
            throw .configuration("\(caFile.path) is not a readable PEM CA certificate")
        }
        guard !roots.isEmpty else { throw .configuration("\(caFile.path) holds no certificate") }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.trustRoots = .certificates(roots)
        tls.certificateVerification = .fullVerification
        var settings = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                decompression: .disabled)
        settings.httpVersion = .http1Only
        return clients.withLock { clients in
            if let existing = clients[caFile.path] { return existing }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
            clients[caFile.path] = client
            return client
        }
    }

    /// One sentence for a TLS failure (a server certificate not from the deployment's CA, expired, or for another
    /// address), or nil when `error` is not a TLS failure.
    public static func explain(_ error: any Error) -> String? { TLSErrorReason.explain(error) }
}
