import Foundation
import Logging
import MedSearchCore
import MedSearchDeployment
import MedSearchServer
import MedSearchTransport

/// `medsearch serve web` as a library call: starts the named engines' untrusted servers, the web application on
/// top of them (seeded with the demo accounts and images when asked), brings engines added since the last run
/// up to date, serves until the application stops, and stops the engines' servers on the way out.
public enum WebLaunch {
    /// The demo seeding of ``run(_:engines:launcher:demo:logger:status:onBound:)``.
    @MemberwiseInit(.public)
    public struct Demo: Sendable {
        /// Directory of the demo images (images/ and labels.csv).
        public var data: URL
        /// Ingest at most this many images (nil: all).
        public var limit: Int?
        /// Password of the demo accounts.
        public var password: String
    }

    /// A step worth reporting.
    public enum Event: Sendable, CustomStringConvertible {
        /// The demo accounts exist, with this password.
        case demoSeeded(password: String)
        /// An engine was given the images stored before it was added.
        case caughtUp(engine: String, images: Int, seconds: Double)

        /// Whether this is ``demoSeeded(password:)`` (the line a person needs, printed on standard output).
        public var isDemoSeeded: Bool {
            if case .demoSeeded = self { return true }
            return false
        }

        public var description: String {
            switch self {
            case let .demoSeeded(password): "demo accounts: demo-admin, demo-owner, demo-clinician; password: \(password)"
            case let .caughtUp(engine, images, seconds):
                String(format: "web: %@ caught up on %d stored images in %.1f s", engine, images, seconds)
            }
        }
    }

    /// Runs the web application until it stops (see the type's description).
    ///
    /// - Parameters:
    ///   - status: told each ``Event``.
    ///   - onBound: told the URL the application listens on.
    public static func run(_ configuration: WebConfiguration, engines names: [String], launcher: RoleLauncher,
                           demo: Demo?, logger: Logger, status: @escaping @Sendable (Event) -> Void,
                           onBound: @escaping @Sendable (String) async -> Void) async throws {
        try await run(configuration, engines: names, servers: .local(launcher), demo: demo, logger: logger, status: status,
                      onBound: onBound)
    }

    /// `medsearch serve --config F --name N`: the role `N` of the deployment file `F`, or its web application when
    /// `N` names the file's web entry (which reaches the file's engine roles with its certificate).
    public static func serve(config: URL, name: String, onBound: @escaping @Sendable (String) async -> Void) async throws {
        let deployment = try DeploymentFile.load(config)
        guard let web = deployment.web, web.name == name else {
            return try await RoleServer.run(try ClusterCommands.instance(config: config, name: name), handleSignals: true,
                                            onBound: onBound)
        }
        try await run(deployment: deployment, web: web, demo: nil, status: { event in
            FileHandle.standardError.write(Data("\(event)\n".utf8))
        }, onBound: onBound)
    }

    /// Runs the web application of `deployment` (its entry `web`) on the deployment's engine roles.
    public static func run(deployment: LoadedDeployment, web: WebRole, demo: Demo?, status: @escaping @Sendable (Event) -> Void,
                           onBound: @escaping @Sendable (String) async -> Void) async throws {
        var configuration: WebConfiguration
        do {
            configuration = try WebConfiguration(host: web.host, port: web.port, dataDirectory: web.dataDirectory,
                                                 maxFileMib: web.maxFileMib, database: web.database,
                                                 dicomwebTokens: web.dicomwebTokens)
            try configuration.serve(tls: web.tls, behindTLSProxy: false)
        } catch {
            throw ServiceError.configuration("deployment \(deployment.file.name): web entry \(web.name): \(error)")
        }
        var logger = Logger(label: "medsearch.web")
        logger.logLevel = .notice
        try await run(configuration, engines: web.engines, servers: .deployment(deployment, credentials: configuration.tls),
                      demo: demo, logger: logger, status: status, onBound: onBound)
    }

    /// Runs the web application on `servers` (see ``run(_:engines:launcher:demo:logger:status:onBound:)``).
    public static func run(_ configuration: WebConfiguration, engines names: [String], servers: WebEngineServers,
                           demo: Demo?, logger: Logger, status: @escaping @Sendable (Event) -> Void,
                           onBound: @escaping @Sendable (String) async -> Void) async throws {
        let running = try await WebEngines.start(
            names: names, directory: configuration.dataDirectory.appendingPathComponent("engines"), servers: servers)
        do {
            let app = try await WebApplication(configuration: configuration, engines: running)
            if let demo {
                try await WebDemo.seed(app: app, dataDirectory: demo.data, limit: demo.limit, password: demo.password)
                status(.demoSeeded(password: demo.password))
            }
            // An engine added since the last run (or one whose ingest failed) gets the stored images.
            try await app.catchUpEngines { engine, count, seconds in
                status(.caughtUp(engine: engine, images: count, seconds: seconds))
            }
            try await app.run(logger: logger, onBound: onBound)
        } catch {
            for engine in running { await engine.shutdown() }
            throw error
        }
        for engine in running { await engine.shutdown() }
    }
}

extension WebLaunch {
    /// The command's one-line help.
    public static let abstract = "Run the clinicians' web application (register, approve, log in, upload, search, keys, audit)."
    /// The description shown by `medsearch serve web --help`.
    public static let discussion = """
        The web application runs on the hospital side: it holds the owners' and users' keys, de-identifies \
        and seals every upload before anything leaves it, and starts each engine's untrusted servers as \
        separate processes on loopback (their data lives under --data-dir/engines): FNN (fnn-c1 + fnn-c2, \
        exact top-k, secure while the two clouds do not collude), SEI (one cloud, matrix-encrypted index: \
        obfuscation against a ciphertext-only cloud, not semantic security) and TrustMedSearch (edge master \
        + 5 storage nodes, m = 3: BFV-encrypted hashcodes at 128-bit security, images in 3-of-5 shares). \
        With --demo it creates the accounts demo-admin, demo-owner and demo-clinician (password from \
        --demo-password, or a random one printed at start), a repository key per engine granted to \
        demo-clinician, and ingests the embedded demo images, so a new user can log in and search at once.
        """
}

extension WebLaunch: CommandDocumentation {}
