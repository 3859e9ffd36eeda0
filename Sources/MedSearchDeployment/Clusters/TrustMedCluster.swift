import Foundation
import MedSearchServer
import MedSearchTransport
import Synchronization

/// A TrustMedSearch deployment on one machine: an edge master and n storage nodes, each its own role with its own
/// data directory under ``directory`` (child processes for the demo, the web application, the benchmark and the
/// end-to-end tests, which kill and replace nodes).
public final class TrustMedCluster: Sendable {
    /// The working directory (tokens, node list, data directories, logs).
    public let directory: URL
    /// The edge master.
    public let master: RunningRole
    /// The storage nodes; node `i` is index `i` of the master's node list.
    public let nodes: [RunningRole]
    /// The search workers (empty: the master searches itself); worker `i` searches shard `i`.
    public let workers: [RunningRole]
    /// Tokens for the owner, a clinician (user), an admin and the master (presented to the nodes).
    public let tokens: [ServiceRole: String]
    /// The token table file every role accepts.
    public let tokenTable: URL
    /// How its connections are protected (TLS with its PKI by default).
    public let security: TransportSecurity
    private let down: Mutex<Set<Int>>

    init(directory: URL, master: RunningRole, nodes: [RunningRole], workers: [RunningRole], tokens: IssuedTokens,
                 security: TransportSecurity) {
        self.directory = directory
        self.master = master
        self.nodes = nodes
        self.workers = workers
        self.tokens = tokens.byRole
        tokenTable = tokens.file
        self.security = security
        down = Mutex([])
    }

    /// Starts `nodeCount` storage nodes and an edge master with threshold `threshold` (m); `masterDatabase` puts
    /// the master's state in another store (a PostgreSQL URL shared by master replicas). With `searchWorkers` > 0,
    /// that many search workers are started first (each reading the master's store, each evaluation limited to
    /// `workerThreads` threads) and the master fans every unlinkable search out to them.
    ///
    /// - Parameter security: TLS or plain HTTP; nil: the launcher's, else TLS with a PKI in `directory/pki`.
    public static func launch(_ launcher: RoleLauncher, directory: URL, nodeCount: Int, threshold: Int,
                              nodeTimeout: Duration = .seconds(2), masterDatabase: String? = nil,
                              searchWorkers: Int = 0, workerThreads: Int? = nil,
                              security: TransportSecurity? = nil) async throws -> TrustMedCluster {
        guard nodeCount >= threshold, threshold >= 1 else {
            throw ServiceError.configuration("TrustMedSearch needs 1 <= m <= n (m = \(threshold), n = \(nodeCount))")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let security = try security ?? launcher.security ?? .localTLS(in: directory)
        let launcher = launcher.with(security: security)
        let tokens = try IssuedTokens.issue([.owner, .user, .admin, .edgeMaster],
                                            writingTo: directory.appendingPathComponent("tokens.json"))
        var nodes = [RunningRole]()
        var workers = [RunningRole]()
        let masterDirectory = directory.appendingPathComponent("master")
        // Workers read the master's store: its SQLite file, or the same PostgreSQL database.
        let store = masterDatabase ?? "sqlite:" + masterDirectory.appendingPathComponent("trustmed-master.sqlite").path
        do {
            for index in 0..<nodeCount {
                nodes.append(try await launcher.start(nodeInstance(index, directory: directory, tokens: tokens.file)))
            }
            for index in 0..<searchWorkers {
                workers.append(try await launcher.start(workerInstance(index, directory: directory, tokens: tokens.file,
                                                                       store: store, threads: workerThreads)))
            }
            var workerListPath: String?
            if !workers.isEmpty {
                let workerList = directory.appendingPathComponent("workers.json")
                try TrustMedWorkerList(token: try tokens.token(.edgeMaster), workers: workers.map(\.url)).write(to: workerList)
                workerListPath = workerList.path
            }
            let list = TrustMedNodeList(threshold: threshold, token: try tokens.token(.edgeMaster), nodes: nodes.map(\.url))
            let listURL = directory.appendingPathComponent("nodes.json")
            try list.write(to: listURL)
            let milliseconds = Int(nodeTimeout.components.seconds * 1000
                + nodeTimeout.components.attoseconds / 1_000_000_000_000_000)
            let master = try await launcher.start(RoleInstance(
                role: .edgeMaster, name: "master", dataDirectory: masterDirectory.path,
                tokenFile: tokens.file.path, database: masterDatabase,
                engine: .init(nodeTimeoutMilliseconds: min(max(milliseconds, 10), 600_000)),
                peers: .init(nodeList: listURL.path, searchWorkers: workerListPath)))
            return TrustMedCluster(directory: directory, master: master, nodes: nodes, workers: workers, tokens: tokens,
                                   security: security)
        } catch {
            for role in nodes + workers { await role.stop() }
            throw error
        }
    }

    private static func workerInstance(_ index: Int, port: Int = 0, directory: URL, tokens: URL, store: String,
                                       threads: Int?) -> RoleInstance {
        RoleInstance(role: .searchWorker, name: "worker\(index)", port: port,
                     dataDirectory: directory.appendingPathComponent("worker\(index)").path, tokenFile: tokens.path,
                     database: store, engine: .init(threads: threads))
    }

    /// Kills search worker `index` at once, as a crash would.
    public func killWorker(_ index: Int) async { await workers[index].kill() }

    /// Restarts search worker `index` at the port it had (after ``killWorker(_:)``).
    public func restartWorker(_ index: Int) async throws { try await workers[index].restart() }

    /// Starts the cluster as child processes of `executable`.
    public static func launch(executable: URL, directory: URL, nodeCount: Int, threshold: Int,
                              nodeTimeout: Duration = .seconds(2), masterDatabase: String? = nil,
                              searchWorkers: Int = 0, workerThreads: Int? = nil,
                              security: TransportSecurity? = nil) async throws -> TrustMedCluster {
        try await launch(RoleLauncher(mode: .childProcess(executable: executable)), directory: directory,
                         nodeCount: nodeCount, threshold: threshold, nodeTimeout: nodeTimeout, masterDatabase: masterDatabase,
                         searchWorkers: searchWorkers, workerThreads: workerThreads, security: security)
    }

    private static func nodeInstance(_ index: Int, generation: Int = 0, port: Int = 0, directory: URL,
                                     tokens: URL) -> RoleInstance {
        let name = generation == 0 ? "node\(index)" : "node\(index)-replacement\(generation)"
        return RoleInstance(role: .storageNode, name: name, port: port,
                            dataDirectory: directory.appendingPathComponent(name).path, tokenFile: tokens.path)
    }

    /// Restarts storage node `index` at `port`: with its own data directory (a crash and restart, `generation`
    /// 0) or with a fresh, empty one (a replacement, `generation` >= 1). Returns its URL.
    public func restartNode(_ index: Int, generation: Int, port: Int) async throws -> String {
        try await nodes[index].restart(with: Self.nodeInstance(index, generation: generation, port: port,
                                                                directory: directory, tokens: tokenTable))
        _ = down.withLock { $0.remove(index) }
        return nodes[index].url
    }

    /// The port of a URL such as `http://127.0.0.1:8080`.
    public static func port(of url: String) -> Int? { RunningRole.port(of: url) }

    /// The storage nodes' URLs (nil for a node that was killed and not restarted).
    public var nodeURLs: [String?] {
        let killed = down.withLock { $0 }
        return nodes.enumerated().map { killed.contains($0.offset) ? nil : $0.element.url }
    }

    /// A client of the master with `role`'s token (and, with TLS, a client certificate of `role`).
    public func masterClient(role: ServiceRole, timeout: Duration = .seconds(600)) -> ServiceClient {
        ServiceClient(baseURL: master.url, token: tokens[role] ?? "", configuration: clientConfiguration(role, timeout: timeout))
    }

    /// The connection settings of a client acting as `role` (its TLS credentials unless insecure).
    public func clientConfiguration(_ role: ServiceRole, timeout: Duration = .seconds(600)) -> ClientConfiguration {
        let configuration = ClientConfiguration.standard.timeout(timeout)
        return (try? security.clientConfiguration(role, configuration)) ?? configuration
    }

    /// Kills storage node `index` at once, as a crash would.
    public func killNode(_ index: Int) async {
        _ = down.withLock { $0.insert(index) }
        await nodes[index].kill()
    }

    /// A storage node's usage figures (asked with the admin token).
    public func nodeUsage(_ index: Int) async throws -> StorageNodeUsage {
        guard let url = nodeURLs[index] else { throw ServiceError.unreachable(url: "node \(index)", reason: "killed") }
        let client = ServiceClient(baseURL: url, token: tokens[.admin] ?? "",
                                   configuration: clientConfiguration(.admin, timeout: .seconds(30)))
        return try await client.call(Routes.StorageNode.usage, as: StorageNodeUsage.self)
    }

    /// Stops every role.
    public func stop() async {
        await master.stop()
        for role in workers + nodes { await role.stop() }
    }
}
