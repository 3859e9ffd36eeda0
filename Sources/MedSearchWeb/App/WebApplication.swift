import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import MedSearchCore
import MedSearchImaging
import MedSearchServer
import MedSearchStore
import MedSearchTransport

/// How `medsearch serve web` runs.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Accounts, sessions, audit log, sealed images and engine keys live here.
    public var dataDirectory: URL
    /// Set the `Secure` attribute on cookies (browsers accept it on http://localhost too).
    public var secureCookies: Bool
    /// bcrypt cost for new passwords.
    public var bcryptCost: UInt8
    /// The largest request body (all files of one upload together).
    public var maxUploadBytes: Int
    /// The largest single image file (and the largest DICOMweb instance, per part, streamed).
    public var maxFileBytes: Int
    /// Where accounts, sessions, the audit log and upload records live: nil for `web.sqlite` in the data
    /// directory, or a PostgreSQL database several web replicas share.
    public var database: StoreLocation?
    /// DICOMweb bearer tokens of machines (PACS, scripts): token to the account it acts as. Compared in
    /// constant time; the account's role decides what the token may do.
    public var dicomwebTokens: [String: String]
    /// HTTPS (TLS 1.3) with this certificate from the deployment CA; nil serves plain HTTP (loopback only,
    /// checked by `serve web`). With it every response carries `Strict-Transport-Security` as well.
    public var tls: TLSCredentials?
    /// Whether the application is served over TLS by a TLS-terminating proxy in front of it (the application's
    /// own ``tls`` implies it): then every response carries `Strict-Transport-Security` (``hstsValue``).
    public var servedOverTLS = false
    /// Connections idle (or stalled mid-request) this long are closed.
    public var idleTimeout: Duration = ConnectionLimits.idleTimeout
    /// The decoding budget of uploaded images (checked before any pixel buffer is allocated): 2^25 pixels
    /// (5792 x 5792) and 256 MiB of samples, above any radiograph, far below what a decompression bomb declares.
    public var decodeLimits = DecodeLimits(maxPixels: 1 << 25, maxFrames: 64, maxBytes: 256 << 20)

    /// The HSTS header value: one year, subdomains included.
    public static let hstsValue = "max-age=31536000; includeSubDomains"

    /// Whether responses carry HSTS: the application serves TLS itself or behind a proxy that does.
    public var sendsHSTS: Bool { servedOverTLS || tls != nil }

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: URL, secureCookies: Bool = true,
                bcryptCost: UInt8 = 12, maxUploadBytes: Int = 64 * 1024 * 1024, maxFileBytes: Int = 32 * 1024 * 1024,
                database: StoreLocation? = nil, dicomwebTokens: [String: String] = [:], tls: TLSCredentials? = nil) {
        self.database = database
        self.tls = tls
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.secureCookies = secureCookies
        self.bcryptCost = bcryptCost
        self.maxUploadBytes = maxUploadBytes
        self.maxFileBytes = maxFileBytes
        self.dicomwebTokens = dicomwebTokens
    }

    /// A configuration from the options of `medsearch serve web` or a deployment file's web entry: the largest file
    /// `maxFileMib` MiB (an upload takes twice that, at least 64 MiB), `database` a store URL, `dicomwebTokens` a
    /// token file (mode 0600).
    public init(host: String, port: Int, dataDirectory: URL, maxFileMib: Int, database: String?, dicomwebTokens: URL?,
                secureCookies: Bool = true) throws {
        let location: StoreLocation?
        do { location = try database.map { try StoreLocation(parsing: $0) } } catch {
            throw ServiceError.configuration("database: \(error)")
        }
        self.init(host: host, port: port, dataDirectory: dataDirectory, secureCookies: secureCookies,
                  maxUploadBytes: max(64, 2 * maxFileMib) << 20, maxFileBytes: maxFileMib << 20, database: location,
                  dicomwebTokens: try dicomwebTokens.map { try Self.loadDICOMwebTokens(from: $0) } ?? [:])
    }

    /// Sets how the application is reached: HTTPS with the certificate `files` (``tls``), or plain HTTP, which
    /// on a non-loopback address needs `behindTLSProxy` (a TLS-terminating proxy in front, so HSTS is sent too).
    ///
    /// - Throws: ``TLSFailure`` for unreadable or wrong files; ``ServiceError/configuration(_:)`` for plain HTTP on a
    ///   non-loopback address without `behindTLSProxy`.
    public mutating func serve(tls files: TLSFiles?, behindTLSProxy: Bool) throws {
        tls = try files.map { try TLSCredentials(files: $0) }
        servedOverTLS = behindTLSProxy
        guard tls != nil || behindTLSProxy || RoleInstance.isLoopback(host) else {
            throw ServiceError.configuration("plain HTTP on the non-loopback address \(host) is refused: give --tls-ca, --tls-cert "
                                   + "and --tls-key, or --insecure behind a TLS-terminating proxy")
        }
    }

    /// The account a DICOMweb bearer token acts as (every known token is compared, in constant time).
    public func dicomwebAccount(forToken presented: String) -> String? {
        var found: String?
        let bytes = Array(presented.utf8)
        for (token, account) in dicomwebTokens where constantTimeEquals(Array(token.utf8), bytes) { found = account }
        return found
    }

    /// Reads DICOMweb tokens from a JSON file `{"tokens": {"<token>": "<account>"}}` that only its owner may read.
    /// - Throws: ``WebError/badForm(_:)`` when the file is readable by group or others, or malformed.
    public static func loadDICOMwebTokens(from url: URL) throws -> [String: String] {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        if let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            throw WebError.badForm("\(url.path) is readable by group or others; chmod 600 it")
        }
        struct File: Decodable { var tokens: [String: String] }
        guard let file = try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)) else {
            throw WebError.badForm("\(url.path) is not JSON of the form {\"tokens\": {\"<token>\": \"<account>\"}}")
        }
        guard file.tokens.keys.allSatisfy({ $0.utf8.count >= 32 }) else {
            throw WebError.badForm("every DICOMweb token in \(url.path) has at least 32 characters")
        }
        return file.tokens
    }
}

/// The clinicians' web application: accounts, uploads, search by image, results, repository keys, audit.
public final class WebApplication: Sendable {
    public let configuration: WebConfiguration
    public let store: WebStore
    public let vault: ImageVault
    public let engines: [any WebEngine]
    let deidentification: WebDeidentification
    /// Instances stored through DICOMweb (original identities sealed, on the trusted side).
    let dicomwebCatalog: DICOMwebCatalog
    let renderer: PageRenderer
    let assets: StaticAssets
    /// Failed logins per source address (``LoginThrottle``).
    public let loginThrottle = LoginThrottle()
    /// Uploaded query images of recent searches, shown beside their results (memory only).
    let queryImages = QueryImages()

    /// Opens the data directory and loads templates; `engines` are the search engines offered.
    public init(configuration: WebConfiguration, engines: [any WebEngine]) async throws {
        self.configuration = configuration
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        store = try await WebStore.open(StoreLocation.resolve(configuration.database,
                                                              dataDirectory: configuration.dataDirectory,
                                                              schema: WebSchema.schema),
                                        bcryptCost: configuration.bcryptCost)
        vault = try ImageVault(directory: configuration.dataDirectory.appendingPathComponent("vault"))
        deidentification = try WebDeidentification(directory: configuration.dataDirectory)
        dicomwebCatalog = try DICOMwebCatalog(directory: configuration.dataDirectory.appendingPathComponent("dicomweb"))
        self.engines = engines
        renderer = try await PageRenderer.load()
        assets = try StaticAssets.load()
    }

    /// The router with every page.
    public func makeRouter() -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        // The session middleware runs first so refusal pages know the logged-in user (navigation, logout button)
        // and carry the session cookie and the security headers like every other page.
        router.add(middleware: SessionMiddleware(store: store, secureCookies: configuration.secureCookies,
                                                 strictTransportSecurity: configuration.sendsHSTS
                                                     ? WebConfiguration.hstsValue : nil))
        router.add(middleware: WebErrorMiddleware(renderer: renderer))
        router.get("/static/:name") { [assets] _, context -> Response in
            guard let name = context.parameters.get("name"), let file = assets.files[name] else {
                throw WebError.notFound("That file")
            }
            return Response(status: .ok, headers: [.contentType: file.contentType, .cacheControl: "max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
        router.get("/health") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok web"))) }
        // What `cluster status` asks every role; the engines are up before the application listens.
        let text = { @Sendable (body: String) in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/healthz") { _, _ in text("ok web") }
        router.get("/readyz") { [engines] _, _ in text("ready web: \(engines.map(\.name).joined(separator: ", "))") }
        AccountPages(app: self).register(on: router)
        ImagePages(app: self).register(on: router)
        KeyPages(app: self).register(on: router)
        DICOMwebRoutes(app: self).register(on: router)
        StudyPages(app: self).register(on: router)
        return router
    }

    /// Serves until SIGINT/SIGTERM; `onBound` receives the base URL once listening.
    public func run(logger: Logger, onBound: @escaping @Sendable (String) async -> Void) async throws {
        try await makeApplication(logger: logger, onBound: onBound).runService()
    }

    /// The Hummingbird application: the router on HTTP/1 with the idle timeout (``WebConfiguration/idleTimeout``),
    /// inside TLS 1.3 when ``WebConfiguration/tls`` is set.
    public func makeApplication(logger: Logger, onBound: @escaping @Sendable (String) async -> Void = { _ in }) throws
        -> some ApplicationProtocol {
        let host = configuration.host
        let scheme = configuration.tls == nil ? "http" : "https"
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: ConnectionLimits.timeAmount(configuration.idleTimeout)))
        var server = http1
        if let tls = configuration.tls {
            server = try HTTPServerBuilder.tls(http1, tlsConfiguration: tls.browserServerConfiguration)
        }
        return Application(
            router: makeRouter(),
            server: server,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "medsearch-web"),
            onServerRunning: { channel in
                await onBound("\(scheme)://\(host):\(channel.localAddress?.port ?? 0)")
            },
            logger: logger
        )
    }

    /// Hands every engine the stored images it does not hold yet (read from the vault, in the same analysis
    /// form as at upload), for example after an engine was added to `--engines` on a restart or an ingest failed.
    /// Returns how many images each engine received; throws the first engine error.
    @discardableResult
    public func catchUpEngines(timing: (@Sendable (_ engine: String, _ images: Int, _ seconds: Double) -> Void)? = nil)
        async throws -> [String: Int] {
        let stored = try await store.images(limit: Int.max).filter { $0.status == "stored" }
        var added: [String: Int] = [:]
        for engine in engines {
            let held = await engine.heldIDs()
            let missing = stored.filter { !held.contains($0.id) }
            added[engine.name] = missing.count
            guard !missing.isEmpty else { continue }
            let pipeline = UploadPipeline(app: self)
            let items = try missing.reversed().map { record in  // oldest first
                let bytes = try vault.load(id: record.id)
                return WebIngestItem(id: record.id, image: try pipeline.analysisImage(of: record.id),
                                     labels: record.labels.split(separator: "|").map(String.init), bytes: bytes)
            }
            let started = ContinuousClock.now
            try await engine.ingest(items)
            let elapsed = ContinuousClock.now - started
            timing?(engine.name, items.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return added
    }

    /// The engine with `name`.
    func engine(named name: String) throws -> any WebEngine {
        guard let engine = engines.first(where: { $0.name == name }) else {
            throw WebError.engineUnavailable("no engine named \(name) is running")
        }
        return engine
    }
}

/// Renders refusals as pages (or redirects to the login page when not logged in).
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as WebError {
            if error == .notLoggedIn, request.method == .get {
                return .redirect(to: "/login", type: .found)
            }
            return renderer.page("error", title: "Refused", context: context,
                                 values: ["message": error.description], status: error.status)
        } catch let error as HTTPError {
            return renderer.page("error", title: "Error", context: context,
                                 values: ["message": error.body ?? "\(error.status)"], status: error.status)
        } catch {
            context.logger.error("request failed: \(error)")
            return renderer.page("error", title: "Error", context: context,
                                 values: ["message": "The request failed: \(String(describing: error).prefix(300))"],
                                 status: .internalServerError)
        }
    }
}

/// A `302 Found` redirect after a successful POST (browsers follow it with a GET).
func seeOther(_ location: String) -> Response { .redirect(to: location, type: .found) }
