import Foundation
import Hummingbird
import Logging
import MedSearchCore
import MedSearchFNN
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed
import UnixSignals

/// Runs one ``RoleInstance``: opens the role's state in its data directory, reads its token table (and peers),
/// builds its router from ``Routes`` and serves it. `medsearch serve <role>` and the deployment library's
/// in-process launcher both come here, so a role runs the same way in a child process and in a test.
public enum RoleServer {
    /// Serves `instance` until the task is cancelled or, with `handleSignals`, until SIGTERM or SIGINT.
    ///
    /// - Parameters:
    ///   - instance: The role to run (validated first).
    ///   - handleSignals: Install SIGTERM/SIGINT handlers for a graceful stop (a process of its own).
    ///   - onBound: Receives the base URL once the port is bound.
    /// - Throws: ``ServiceError/configuration(_:)`` for a wrong description, token file or node list; store
    ///   errors when the data directory cannot be opened.
    public static func run(_ instance: RoleInstance, handleSignals: Bool,
                           onBound: @escaping @Sendable (String) async -> Void) async throws {
        try instance.validate()
        // MEDSEARCH_LOG_LEVEL overrides the description's level (for a whole deployment started by one command).
        let level = ProcessInfo.processInfo.environment["MEDSEARCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? Logger.Level(rawValue: instance.logLevel) ?? .notice
        // A process of its own logs one JSON object per line on standard error.
        if handleSignals { JSONLogHandler.bootstrap(level: level) }
        let dataDirectory = URL(fileURLWithPath: instance.dataDirectory)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let tokens = try AccessTokens.load(from: URL(fileURLWithPath: instance.tokenFile))
        var logger = Logger(label: "medsearch.\(instance.role.rawValue)")
        logger.logLevel = level
        logger[metadataKey: "instance"] = "\(instance.name)"
        let database = try instance.database.map { try StoreLocation(parsing: $0) }
        let tls: TLSCredentials?
        do { tls = try instance.tls.map { try TLSCredentials(files: $0) } } catch {
            throw ServiceError.configuration("\(instance.name): TLS: \(error)")
        }
        if let tls, tls.identity.role != instance.role.serviceRole {
            throw ServiceError.configuration("\(instance.name): its certificate names role \(tls.identity.role.rawValue), "
                                             + "not \(instance.role.rawValue)")
        }
        let eventLogger = logger
        let events = TLSEvents { peer, reason in
            eventLogger.warning("TLS handshake refused", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
        }
        let configuration = ServiceConfiguration(host: instance.host, port: instance.port, dataDirectory: dataDirectory,
                                                 tokens: tokens, database: database, tls: tls, tlsEvents: events)
        let (router, background, readiness) = try await makeRouter(instance, configuration: configuration)
        router.on(Routes.readyz) { _ in
            let problems = await readiness.problems()
            guard problems.isEmpty else {
                throw HTTPError(.serviceUnavailable, message: "not ready: " + problems.joined(separator: "; "))
            }
            return .text("ready \(instance.role.rawValue) \(instance.name)")
        }
        let app = ServiceRunner.makeApplication(router: router, configuration: configuration, logger: logger,
                                                onBound: onBound)
        logger.notice("starting", metadata: [
            "role": "\(instance.role.rawValue)", "name": "\(instance.name)", "tls": "\(tls.map { "\($0.identity)" } ?? "off (insecure)")",
            "store": "\(database.map { "\($0)" } ?? "sqlite in the data directory")"])
        // SIGTERM (runService): stop accepting, finish the requests in flight, then close the store, so that
        // everything acknowledged is on disk (SQLite commits each write before answering).
        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let background { group.addTask { await background() } }
                if handleSignals, let tls {
                    group.addTask { await reloadOnHangup(tls, logger: eventLogger) }
                }
                // Started by a launcher (ServiceProcess): stop with it rather than run on as an orphan.
                if handleSignals, let parent = ParentProcessWatch.expectedParent() {
                    group.addTask { await ParentProcessWatch.stopWhenOrphaned(from: parent, logger: eventLogger) }
                }
                group.addTask {
                    if handleSignals { try await app.runService() } else { try await app.run() }
                }
                // The server ending (signal, cancellation or error) ends the background work too.
                defer { group.cancelAll() }
                _ = try await group.next()
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await readiness.store.close()
        logger.notice("stopped", metadata: ["name": "\(instance.name)"])
        try outcome.get()
    }

    /// What `/readyz` checks: the role's store answers, and at least `needed` of `peers` answer `/healthz`.
    struct Readiness: Sendable {
        let store: any StoreDatabase
        let peers: [ServiceClient]
        let needed: Int

        /// The problems found (empty: ready).
        func problems() async -> [String] {
            var problems: [String] = []
            do { _ = try await store.statement("SELECT 1", []) } catch {
                problems.append("its store does not answer")
            }
            if needed > 0 {
                var answering = 0
                await withTaskGroup(of: Bool.self) { group in
                    for peer in peers { group.addTask { await peer.isAlive(timeout: .seconds(2)) } }
                    for await alive in group where alive { answering += 1 }
                }
                if answering < needed {
                    problems.append("\(answering) of \(peers.count) peers answer, \(needed) needed")
                }
            }
            return problems
        }
    }

    /// The readiness of a role whose store is `store` and which needs `needed` of `peers` to answer.
    static func readiness(store: any StoreDatabase, peers: [ServiceClient] = [], needed: Int = 0) -> Readiness {
        Readiness(store: store, peers: peers, needed: needed)
    }

    /// The role's router, the work to run beside it, and its readiness check.
    static func makeRouter(_ instance: RoleInstance, configuration: ServiceConfiguration) async throws
        -> (Router<MedSearchRequestContext>, (@Sendable () async -> Void)?, Readiness) {
        let (dataDirectory, database, tokens) = (configuration.dataDirectory, configuration.database, configuration.tokens)
        switch instance.role {
        case .fnnC1:
            let peerFile = URL(fileURLWithPath: instance.peers.peerTokenFile ?? instance.tokenFile)
            let token = try AccessTokens.load(from: peerFile).token(for: .fnnC1)
            let order = instance.engine.scanOrder.flatMap(FNNScanOrder.init(rawValue:)) ?? .lowerBound
            let node = try await FNNC1Service.Node(dataDirectory: dataDirectory, database: database,
                                                   batchSize: instance.engine.batchSize ?? 1, order: order)
            // A Paillier search at 256x256 pixels takes minutes: C1's calls to C2 get an hour.
            let client = ServiceClient(baseURL: instance.peers.c2 ?? "", token: token,
                                       configuration: ClientConfiguration.standard.timeout(.seconds(3600)).tls(configuration.tls))
            let peer = FNNHTTPPeer(client: client)
            MedSearchMetrics.shared.recordsStored(instance: instance.name) { await node.status().records }
            return (FNNC1Service.router(node: node, peer: peer, tokens: tokens), nil,
                    readiness(store: node.store.database, peers: [client], needed: 1))
        case .fnnC2:
            let node = try await FNNC2Service.Node(dataDirectory: dataDirectory, database: database)
            MedSearchMetrics.shared.recordsStored(instance: instance.name) { await node.status().records }
            return (FNNC2Service.router(node: node, tokens: tokens), nil, readiness(store: node.store.database))
        case .sei:
            let node = try await SEIService.Node(dataDirectory: dataDirectory, database: database)
            MedSearchMetrics.shared.recordsStored(instance: instance.name) { try? await node.status().indexed }
            return (SEIService.router(node: node, tokens: tokens), nil, readiness(store: node.store.database))
        case .storageNode:
            let (node, store) = try await TrustMedStorageNodeService.openNodeAndStore(dataDirectory: dataDirectory,
                                                                                     database: database)
            MedSearchMetrics.shared.recordsStored(instance: instance.name) { try? await node.usage().shares }
            return (TrustMedStorageNodeService.router(node: node, tokens: tokens), nil, readiness(store: store))
        case .searchWorker:
            let (worker, store) = try await TrustMedSearchWorkerService.openWorker(database: database,
                                                                                   threads: instance.engine.threads)
            return (TrustMedSearchWorkerService.router(worker: worker, tokens: tokens), nil, readiness(store: store))
        case .edgeMaster:
            let deployment = try await openEdgeMaster(instance, dataDirectory: dataDirectory, database: database,
                                                      tls: configuration.tls)
            let list = deployment.currentNodeList
            let nodes = list.nodes.map {
                ServiceClient(baseURL: $0, token: "", configuration: ClientConfiguration.standard.tls(configuration.tls))
            }
            MedSearchMetrics.shared.recordsStored(instance: instance.name) { try? await deployment.database.totals().records }
            // Shares of deleted records that a node missed (it was down) are retried in the background.
            return (TrustMedEdgeMasterService.router(deployment: deployment, tokens: tokens),
                    { await deployment.purgeLoop() },
                    readiness(store: deployment.database.database, peers: nodes, needed: list.threshold))
        }
    }

    /// The edge master's deployment: its node list (given, or saved by an earlier start), its manifest signing
    /// key (created on first start, mode 0600) and its database.
    static func openEdgeMaster(_ instance: RoleInstance, dataDirectory: URL, database: StoreLocation?,
                               tls: TLSCredentials?) async throws -> TrustMedEdgeMasterService.Deployment {
        let saved = dataDirectory.appendingPathComponent("trustmed-nodes.json")
        let listURL = instance.peers.nodeList.map { URL(fileURLWithPath: $0) } ?? saved
        guard OwnerOnlyFile.exists(listURL) else {
            throw ServiceError.configuration("\(instance.name): no node list given and none saved in \(dataDirectory.path)")
        }
        let list = try TrustMedNodeList.load(from: listURL)
        guard list.threshold >= 1, list.threshold <= list.nodes.count else {
            throw ServiceError.configuration("\(listURL.path): the threshold must be 1...\(list.nodes.count)")
        }
        var signingBytes = try OwnerOnlyFile.readOrCreate(at: dataDirectory.appendingPathComponent("trustmed-manifest-signing.key")) {
            TrustMedDefaults.newManifestSigningKey().copyBytes()
        }
        let signingKey = SecretBytes(signingBytes)
        constantTimeWipe(&signingBytes)
        let workers = try instance.peers.searchWorkers.map { try TrustMedWorkerList.load(from: URL(fileURLWithPath: $0)) }
        return try await TrustMedEdgeMasterService.Deployment(
            dataDirectory: dataDirectory, database: database, nodeList: list, nodeListSource: listURL,
            nodeTimeout: .milliseconds(instance.engine.nodeTimeoutMilliseconds ?? 2000),
            sharing: try TrustMedDefaults.sharingScheme(signingKey: signingKey),
            evaluatorFactory: TrustMedDefaults.evaluatorFactory,
            searchWorkers: workers.map { TrustMedHTTPSearchWorkers(list: $0, tls: tls) }, tls: tls)
    }

    /// Reloads the role's certificate, key and deny list on every SIGHUP until cancelled. A reload that fails
    /// (a missing or wrong file) keeps the credentials in force and says why in the log.
    static func reloadOnHangup(_ tls: TLSCredentials, logger: Logger) async {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups {
            do {
                let identity = try tls.reload()
                logger.notice("TLS credentials reloaded", metadata: [
                    "certificate": "\(identity)", "revoked": "\(tls.revoked.serials.count)"])
            } catch {
                logger.error("TLS reload failed; the previous credentials stay in force", metadata: ["reason": "\(error)"])
            }
        }
    }
}
