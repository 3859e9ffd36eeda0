import Foundation
import MedSearchTrustMed
import Synchronization

/// A TrustMedSearch deployment on loopback: one edge master and n storage nodes, each a real
/// `medsearch serve ...` process with its own data directory. Used by the demo, the benchmark and the
/// end-to-end tests (which kill and replace nodes).
public final class TrustMedCluster: Sendable {
    /// The working directory (tokens, node list, data directories).
    public let directory: URL
    /// The edge master process.
    public let master: ServiceProcess
    private let nodeProcesses: Mutex<[ServiceProcess?]>
    private let executable: URL
    /// Tokens for the owner, a clinician (user), an admin and the master (presented to the nodes).
    public let tokens: [ServiceRole: String]
    /// The token table file every process accepts.
    public let tokenTable: URL

    private init(directory: URL, master: ServiceProcess, nodes: [ServiceProcess], executable: URL,
                 tokens: [ServiceRole: String], tokenTable: URL) {
        self.directory = directory
        self.master = master
        nodeProcesses = Mutex(nodes)
        self.executable = executable
        self.tokens = tokens
        self.tokenTable = tokenTable
    }

    /// Starts `nodeCount` storage nodes and an edge master with threshold `threshold`; `masterEnvironment` is
    /// added to the master's environment (e.g. `MEDSEARCH_DATABASE_URL` to keep its state in PostgreSQL).
    public static func launch(executable: URL, directory: URL, nodeCount: Int, threshold: Int,
                              nodeTimeout: Duration = .seconds(2),
                              masterEnvironment: [String: String] = [:]) async throws -> TrustMedCluster {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let issued = AccessTokens.issue(roles: [.owner, .user, .admin, .edgeMaster])
        let tokenTable = directory.appendingPathComponent("tokens.json")
        try issued.table.write(to: tokenTable)
        var nodes = [ServiceProcess]()
        do {
            for index in 0..<nodeCount {
                nodes.append(try await launchNode(executable: executable, directory: directory, index: index,
                                                  tokenTable: tokenTable, generation: 0))
            }
            let list = TrustMedNodeList(threshold: threshold, token: issued.byRole[.edgeMaster]!, nodes: nodes.map(\.url))
            let listURL = directory.appendingPathComponent("nodes.json")
            try list.write(to: listURL)
            let milliseconds = Int(nodeTimeout.components.seconds * 1000 + nodeTimeout.components.attoseconds / 1_000_000_000_000_000)
            let master = try await ServiceProcess.launch(
                executable: executable,
                arguments: ["serve", "edge-master", "--data-dir", directory.appendingPathComponent("master").path,
                            "--tokens", tokenTable.path, "--nodes", listURL.path,
                            "--node-timeout-ms", String(max(milliseconds, 10))],
                environment: masterEnvironment, logFile: directory.appendingPathComponent("master.log"))
            return TrustMedCluster(directory: directory, master: master, nodes: nodes, executable: executable,
                                   tokens: issued.byRole, tokenTable: tokenTable)
        } catch {
            for node in nodes { await node.terminate() }
            throw error
        }
    }

    private static func launchNode(executable: URL, directory: URL, index: Int, tokenTable: URL,
                                   generation: Int, port: Int = 0) async throws -> ServiceProcess {
        let name = generation == 0 ? "node\(index)" : "node\(index)-replacement\(generation)"
        return try await ServiceProcess.launch(
            executable: executable,
            arguments: ["serve", "storage-node", "--data-dir", directory.appendingPathComponent(name).path,
                        "--tokens", tokenTable.path, "--port", String(port)],
            logFile: directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log"))
    }

    /// Restarts storage node `index` at its previous address: with its own data directory (a crash and
    /// restart, `generation` 0) or with a fresh, empty one (a replacement, `generation` >= 1). Returns its URL.
    public func restartNode(_ index: Int, generation: Int, port: Int) async throws -> String {
        let old = nodeProcesses.withLock { nodes -> ServiceProcess? in
            defer { nodes[index] = nil }
            return nodes[index]
        }
        await old?.terminate()
        let process = try await Self.launchNode(executable: executable, directory: directory, index: index,
                                                tokenTable: tokenTable, generation: generation, port: port)
        nodeProcesses.withLock { $0[index] = process }
        return process.url
    }

    /// The port of a URL such as `http://127.0.0.1:8080`.
    public static func port(of url: String) -> Int? {
        url.split(separator: ":").last.flatMap { Int($0.filter(\.isNumber)) }
    }

    /// The storage nodes' URLs (nil for a node that was killed).
    public var nodeURLs: [String?] { nodeProcesses.withLock { $0.map { $0?.url } } }

    /// A client of the master with `role`'s token.
    public func masterClient(role: ServiceRole, timeout: Duration = .seconds(600)) -> ServiceClient {
        ServiceClient(baseURL: master.url, token: tokens[role]!, timeout: timeout)
    }

    /// Kills storage node `index` at once (SIGKILL), as a crash would.
    public func killNode(_ index: Int) async {
        let process = nodeProcesses.withLock { nodes -> ServiceProcess? in
            defer { nodes[index] = nil }
            return nodes[index]
        }
        await process?.kill()
    }

    /// A storage node's usage figures (asked with the admin token).
    public func nodeUsage(_ index: Int) async throws -> ShareStoreUsage {
        guard let url = nodeURLs[index] else { throw ServiceError.unreachable(url: "node \(index)", reason: "killed") }
        let client = ServiceClient(baseURL: url, token: tokens[.admin]!, timeout: .seconds(30))
        return try JSONDecoder().decode(ShareStoreUsage.self, from: Data(try await client.get("/trustmed/v1/usage")))
    }

    /// Stops every process.
    public func stop() async {
        await master.terminate()
        let nodes = nodeProcesses.withLock { $0 }
        for node in nodes { await node?.terminate() }
    }
}
