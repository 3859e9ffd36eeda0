import Foundation
import MedSearchServer
import MedSearchTransport

/// One engine's roles on this machine, started from a deployment file written for them: what `medsearch demo` and
/// `medsearch serve web` (with or without `--demo`) run, through the same code as `medsearch cluster up`, so they
/// exercise exactly what a hospital deploys.
///
/// The directory receives `deploy.yaml` (loopback addresses, free ports), a CA in `pki/` (created when missing;
/// every key mode 0600 from its first byte), the token table `tokens.json` (kept across runs, mode 0600), each
/// role's data directory and its log in `logs/`.
public enum LocalDeployment {
    /// The roles of one engine.
    public enum Engine: Sendable, Equatable {
        /// C2 and C1 (data in `c2/`, `c1/`).
        case fnn
        /// The SEI cloud (data in `cloud/`).
        case sei
        /// `nodes` storage nodes and an edge master with threshold m (data in `node<i>/`, `master/`).
        case trustmed(nodes: Int, threshold: Int, nodeTimeoutMilliseconds: Int)
    }

    /// The deployment file of `engine` in `directory`, with roles on free loopback ports and the token table
    /// (issued when missing).
    public static func file(_ engine: Engine, directory: URL, name: String) throws -> DeploymentFile {
        var roles: [DeploymentFile.Role] = []
        var trustmed: DeploymentFile.TrustMed?
        switch engine {
        case .fnn:
            roles = [(ServerRole.fnnC2, "c2"), (.fnnC1, "c1")].map { .init(role: $0.0, name: $0.1, port: 0, dataDirectory: $0.1) }
        case .sei:
            roles = [.init(role: .sei, name: "sei", port: 0, dataDirectory: "cloud")]
        case let .trustmed(nodes, threshold, timeout):
            roles = (0..<nodes).map { .init(role: .storageNode, name: "node\($0)", port: 0, dataDirectory: "node\($0)") }
                + [.init(role: .edgeMaster, name: "master", port: 0, dataDirectory: "master")]
            trustmed = .init(threshold: threshold, nodeTimeoutMilliseconds: timeout)
        }
        for (index, port) in try LoopbackPorts.free(roles.count).enumerated() { roles[index].port = port }
        let tokens = directory.appendingPathComponent("tokens.json")
        if !FileManager.default.fileExists(atPath: tokens.path) {
            _ = try IssuedTokens.issue([.owner, .user, .admin, .fnnC1, .fnnC2, .edgeMaster], writingTo: tokens)
        }
        return DeploymentFile(name: name, pki: "pki", tokens: "tokens.json", trustmed: trustmed, roles: roles)
    }

    /// Writes ``file(_:directory:name:)`` to `directory/deploy.yaml`, creates the CA when missing and starts every
    /// role with ``DeploymentCluster/up(_:executable:only:logDirectory:startTimeout:)`` as child processes of
    /// `executable`.
    public static func up(_ engine: Engine, directory: URL, name: String, executable: URL) async throws -> DeploymentCluster {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let file = directory.appendingPathComponent("deploy.yaml")
        try Data(try Self.file(engine, directory: directory, name: name).yaml().utf8).write(to: file, options: .atomic)
        _ = try LocalPKI.open(in: directory.appendingPathComponent("pki"), name: name)
        return try await DeploymentCluster.up(try DeploymentFile.load(file), executable: executable)
    }
}

extension DeploymentCluster {
    /// The client credentials of this machine's hospital side (`client-owner`, issued from the deployment's CA;
    /// a hospital-side certificate admits every route a hospital-side role may call, the token says which).
    func hospitalCredentials() throws -> TLSCredentials? {
        guard let directory = deployment.pkiDirectory else { return nil }
        return try LocalPKI.open(in: directory).clientCredentials(.owner)
    }

    /// FNN's clouds of this cluster (its running roles: stopping them stops the processes).
    public func fnnClouds() throws -> FNNClouds {
        try deployment.fnnClouds(credentials: try hospitalCredentials(), running: runningByName)
    }

    /// The SEI cloud of this cluster.
    public func seiCloud() throws -> SEICloud {
        try deployment.seiCloud(credentials: try hospitalCredentials(), running: runningByName)
    }

    /// TrustMedSearch's master and nodes of this cluster (killing a node kills its process).
    public func trustMedCluster() throws -> TrustMedCluster {
        try deployment.trustMedCluster(credentials: try hospitalCredentials(), directory: deployment.base, running: runningByName)
    }

    private var runningByName: [String: RunningRole] {
        Dictionary(roles.map { ($0.instance.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

extension LocalDeployment {
    /// The executable a launcher of child processes runs (nil in process, or with a launcher-wide security
    /// setting such as plain HTTP, which a deployment file does not express per launcher).
    static func executable(of launcher: RoleLauncher) -> URL? {
        guard case let .childProcess(executable, _) = launcher.mode, launcher.security == nil else { return nil }
        return executable
    }

    /// FNN's two clouds in `directory`: from a deployment file (``up(_:directory:name:executable:)``) when
    /// `launcher` starts child processes, else ``FNNClouds/launch(_:directory:engine:security:)``.
    public static func fnnClouds(_ launcher: RoleLauncher, directory: URL) async throws -> FNNClouds {
        guard let executable = executable(of: launcher) else { return try await FNNClouds.launch(launcher, directory: directory) }
        return try await up(.fnn, directory: directory, name: "fnn", executable: executable).fnnClouds()
    }

    /// The SEI cloud in `directory`, as ``fnnClouds(_:directory:)``.
    public static func seiCloud(_ launcher: RoleLauncher, directory: URL) async throws -> SEICloud {
        guard let executable = executable(of: launcher) else { return try await SEICloud.launch(launcher, directory: directory) }
        return try await up(.sei, directory: directory, name: "sei", executable: executable).seiCloud()
    }

    /// An edge master and `nodes` storage nodes (threshold m) in `directory`, as ``fnnClouds(_:directory:)``.
    public static func trustMedCluster(_ launcher: RoleLauncher, directory: URL, nodes: Int, threshold: Int,
                                       nodeTimeout: Duration) async throws -> TrustMedCluster {
        guard let executable = executable(of: launcher) else {
            return try await TrustMedCluster.launch(launcher, directory: directory, nodeCount: nodes, threshold: threshold,
                                                    nodeTimeout: nodeTimeout)
        }
        guard nodes >= threshold, threshold >= 1 else {
            throw ServiceError.configuration("TrustMedSearch needs 1 <= m <= n (m = \(threshold), n = \(nodes))")
        }
        let milliseconds = min(max(Int(nodeTimeout.components.seconds * 1000
            + nodeTimeout.components.attoseconds / 1_000_000_000_000_000), 10), 600_000)
        return try await up(.trustmed(nodes: nodes, threshold: threshold, nodeTimeoutMilliseconds: milliseconds),
                            directory: directory, name: "trustmed", executable: executable).trustMedCluster()
    }
}
