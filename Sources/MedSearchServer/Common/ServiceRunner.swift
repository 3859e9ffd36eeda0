import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import MedSearchStore
import MedSearchTransport
import NIOCore

/// Where and how a server role listens, and which tokens it accepts.
public struct ServiceConfiguration: Sendable {
    /// Address to bind (default loopback).
    public var host: String
    /// Port to bind; 0 picks a free one (printed on start).
    public var port: Int
    /// The role's data directory (its SQLite database and files live here).
    public var dataDirectory: URL
    /// The bearer tokens accepted.
    public var tokens: AccessTokens
    /// Where the role keeps its state: nil for its SQLite file in ``dataDirectory`` (the default), or a shared
    /// PostgreSQL database (replicas). Its description never shows a password.
    public var database: StoreLocation?
    /// The role's TLS credentials: with them it serves TLS 1.3 only and requires a client certificate of the
    /// deployment (mutual TLS); nil serves plain HTTP (only with `--insecure`, on loopback).
    public var tls: TLSCredentials?
    /// Records refused TLS handshakes.
    public var tlsEvents: TLSEvents

    /// Connections idle (or stalled mid-request) this long are closed (``ConnectionLimits/idleTimeout``).
    public var idleTimeout: Duration = ConnectionLimits.idleTimeout

    public init(host: String = "127.0.0.1", port: Int = 0, dataDirectory: URL, tokens: AccessTokens,
                database: StoreLocation? = nil, tls: TLSCredentials? = nil, tlsEvents: TLSEvents = TLSEvents()) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.tokens = tokens
        self.database = database
        self.tls = tls
        self.tlsEvents = tlsEvents
    }

    /// `https` with TLS, `http` without.
    public var scheme: String { tls == nil ? "http" : "https" }
}

/// The Hummingbird application of a server role (``RoleServer`` runs a ``RoleInstance`` with it).
public enum ServiceRunner {
    /// The line printed on standard output once the server is bound (followed by its base URL).
    public static let listeningMarker = "MEDSEARCH_LISTENING"

    /// A router with MedSearch's standard middleware (error mapping, bearer authentication) and
    /// ``Routes/health``, ready for a role's routes.
    public static func makeRouter(tokens: AccessTokens, role: ServerRole,
                                  isClientError: @escaping @Sendable (any Error) -> Bool = { _ in true })
        -> Router<MedSearchRequestContext> {
        let router = Router(context: MedSearchRequestContext.self)
        router.add(middleware: RequestObservingMiddleware())
        router.add(middleware: ErrorMappingMiddleware(isClientError: isClientError))
        router.add(middleware: BearerAuthMiddleware(tokens: tokens))
        router.on(Routes.health) { _ in .text("ok \(role.rawValue)") }
        router.on(Routes.healthz) { _ in .text("ok \(role.rawValue)") }
        router.on(Routes.metrics) { _ in .text(await MedSearchMetrics.shared.exposition()) }
        return router
    }

    /// The Hummingbird application for a role; `onBound` receives the base URL once the port is bound
    /// (`https://...` with TLS). In-process tests run it with `app.run()` inside a task they cancel.
    ///
    /// With ``ServiceConfiguration/tls`` every connection runs TLS 1.3 with a client certificate of the deployment
    /// (``MutualTLSChannel``), and every request passes ``PeerCertificateResponder`` before the router.
    public static func makeApplication(router: Router<MedSearchRequestContext>, configuration: ServiceConfiguration,
                                       logger: Logger,
                                       onBound: @escaping @Sendable (String) async -> Void)
        -> some ApplicationProtocol {
        let host = configuration.host
        let scheme = configuration.scheme
        let applicationConfiguration = ApplicationConfiguration(address: .hostname(host, port: configuration.port),
                                                                serverName: "medsearch")
        let running: @Sendable (any Channel) async -> Void = { channel in
            let port = channel.localAddress?.port ?? configuration.port
            let shownHost = host.contains(":") ? "[\(host)]" : host
            await onBound("\(scheme)://\(shownHost):\(port)")
        }
        let idleTimeout = ConnectionLimits.timeAmount(configuration.idleTimeout)
        let responder = router.buildResponder()
        guard let tls = configuration.tls else {
            return Application(responder: AnyMedSearchResponder(responder),
                               server: .http1(configuration: .init(idleTimeout: idleTimeout)),
                               configuration: applicationConfiguration, onServerRunning: running, logger: logger)
        }
        // The idle timeout sits behind TLS: a peer that stalls in its handshake or its request is closed as well.
        let events = configuration.tlsEvents
        let server = HTTPServerBuilder { responder in
            MutualTLSChannel(base: HTTP1Channel(responder: responder,
                                                configuration: .init(additionalChannelHandlers: [PeerIdentityHandler()],
                                                                     idleTimeout: idleTimeout)),
                             credentials: tls, events: events)
        }
        return Application(responder: AnyMedSearchResponder(PeerCertificateResponder(credentials: tls, inner: responder)),
                           server: server, configuration: applicationConfiguration, onServerRunning: running,
                           logger: logger)
    }

    /// Prints the listening line on standard output and flushes it at once (a parent process waits for it).
    public static func announce(_ url: String) {
        FileHandle.standardOutput.write(Data("\(listeningMarker) \(url)\n".utf8))
    }
}

/// One responder type for both the TLS and the plain-HTTP application.
struct AnyMedSearchResponder: HTTPResponder {
    typealias Context = MedSearchRequestContext
    let respond: @Sendable (Request, MedSearchRequestContext) async throws -> Response

    init<Inner: HTTPResponder>(_ inner: Inner) where Inner.Context == MedSearchRequestContext {
        respond = { try await inner.respond(to: $0, context: $1) }
    }

    func respond(to request: Request, context: MedSearchRequestContext) async throws -> Response {
        try await respond(request, context)
    }
}
