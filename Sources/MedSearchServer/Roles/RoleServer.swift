import Foundation
import Hummingbird
import Logging
import MedSearchCore
import MedSearchFNN
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed

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
        let dataDirectory = URL(fileURLWithPath: instance.dataDirectory)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let tokens = try AccessTokens.load(from: URL(fileURLWithPath: instance.tokenFile))
        var logger = Logger(label: "medsearch.\(instance.role.rawValue)")
        logger.logLevel = Logger.Level(rawValue: instance.logLevel) ?? .notice
        let database = try instance.database.map { try StoreLocation(parsing: $0) }
        let configuration = ServiceConfiguration(host: instance.host, port: instance.port, dataDirectory: dataDirectory,
                                                 tokens: tokens, database: database)
        let (router, background) = try await makeRouter(instance, configuration: configuration)
        let app = ServiceRunner.makeApplication(router: router, configuration: configuration, logger: logger,
                                                onBound: onBound)
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let background { group.addTask { await background() } }
            group.addTask {
                if handleSignals { try await app.runService() } else { try await app.run() }
            }
            // The server ending (signal, cancellation or error) ends the background work too.
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// The role's router and the work to run beside it.
    static func makeRouter(_ instance: RoleInstance, configuration: ServiceConfiguration) async throws
        -> (Router<MedSearchRequestContext>, (@Sendable () async -> Void)?) {
        let (dataDirectory, database, tokens) = (configuration.dataDirectory, configuration.database, configuration.tokens)
        switch instance.role {
        case .fnnC1:
            let peerFile = URL(fileURLWithPath: instance.peers.peerTokenFile ?? instance.tokenFile)
            let token = try AccessTokens.load(from: peerFile).token(for: .fnnC1)
            let order = instance.engine.scanOrder.flatMap(FNNScanOrder.init(rawValue:)) ?? .lowerBound
            let node = try await FNNC1Service.Node(dataDirectory: dataDirectory, database: database,
                                                   batchSize: instance.engine.batchSize ?? 1, order: order)
            // A Paillier search at 256x256 pixels takes minutes: C1's calls to C2 get an hour.
            let peer = FNNHTTPPeer(client: ServiceClient(baseURL: instance.peers.c2 ?? "", token: token,
                                                         timeout: .seconds(3600)))
            return (FNNC1Service.router(node: node, peer: peer, tokens: tokens), nil)
        case .fnnC2:
            let node = try await FNNC2Service.Node(dataDirectory: dataDirectory, database: database)
            return (FNNC2Service.router(node: node, tokens: tokens), nil)
        case .sei:
            let node = try await SEIService.Node(dataDirectory: dataDirectory, database: database)
            return (SEIService.router(node: node, tokens: tokens), nil)
        case .storageNode:
            let node = try await TrustMedStorageNodeService.openNode(dataDirectory: dataDirectory, database: database)
            return (TrustMedStorageNodeService.router(node: node, tokens: tokens), nil)
        case .searchWorker:
            let worker = try await TrustMedSearchWorkerService.openWorker(database: database, threads: instance.engine.threads)
            return (TrustMedSearchWorkerService.router(worker: worker, tokens: tokens), nil)
        case .edgeMaster:
            let deployment = try await openEdgeMaster(instance, dataDirectory: dataDirectory, database: database)
            // Shares of deleted records that a node missed (it was down) are retried in the background.
            return (TrustMedEdgeMasterService.router(deployment: deployment, tokens: tokens),
                    { await deployment.purgeLoop() })
        }
    }

    /// The edge master's deployment: its node list (given, or saved by an earlier start), its manifest signing
    /// key (created on first start, mode 0600) and its database.
    static func openEdgeMaster(_ instance: RoleInstance, dataDirectory: URL,
                               database: StoreLocation?) async throws -> TrustMedEdgeMasterService.Deployment {
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
            searchWorkers: workers.map { TrustMedHTTPSearchWorkers(list: $0) })
    }
}
