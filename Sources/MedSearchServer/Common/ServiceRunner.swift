import Foundation
import Hummingbird
import Logging
import MedSearchStore
import MedSearchTransport

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

    /// Connections idle (or stalled mid-request) this long are closed (``ConnectionLimits/idleTimeout``).
    public var idleTimeout: Duration = ConnectionLimits.idleTimeout

    public init(host: String = "127.0.0.1", port: Int = 0, dataDirectory: URL, tokens: AccessTokens,
                database: StoreLocation? = nil) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.tokens = tokens
        self.database = database
    }
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
        router.add(middleware: ErrorMappingMiddleware(isClientError: isClientError))
        router.add(middleware: BearerAuthMiddleware(tokens: tokens))
        router.on(Routes.health) { _ in .text("ok \(role.rawValue)") }
        return router
    }

    /// The Hummingbird application for a role; `onBound` receives the base URL once the port is bound.
    /// In-process tests run it with `app.run()` inside a task they cancel.
    public static func makeApplication(router: Router<MedSearchRequestContext>, configuration: ServiceConfiguration,
                                       logger: Logger,
                                       onBound: @escaping @Sendable (String) async -> Void)
        -> some ApplicationProtocol {
        let host = configuration.host
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: ConnectionLimits.timeAmount(configuration.idleTimeout))),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "medsearch"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                let shownHost = host.contains(":") ? "[\(host)]" : host
                await onBound("http://\(shownHost):\(port)")
            },
            logger: logger
        )
    }

    /// Prints the listening line on standard output and flushes it at once (a parent process waits for it).
    public static func announce(_ url: String) {
        FileHandle.standardOutput.write(Data("\(listeningMarker) \(url)\n".utf8))
    }
}
