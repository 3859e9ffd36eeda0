import Foundation
import MedSearchCore
import MedSearchServer
import MedSearchTransport
import UnixSignals

/// What `medsearch cluster up|status|down` and `medsearch serve --config` do with a deployment file.
public enum ClusterCommands {
    /// The command's one-line help.
    public static let abstract = "Start, query or stop every role of a deployment file on this machine."
    /// The help text of `medsearch cluster`.
    public static let discussion = """
        A deployment file (YAML) names every role: its role, name, host and port, data directory, database, \
        and TLS files (by default <pki>/<name>.pem and .key, <pki>/ca.pem and <pki>/revoked.txt), the token \
        table, trustmed.threshold (m; n is the number of storage nodes) and FNN's parameters. `cluster up` \
        starts them all as separate processes (issuing missing role certificates when <pki>/ca.key is \
        present), restarts any that exits, and stops them all on SIGTERM or Ctrl-C; `cluster down` asks a \
        running `cluster up` to stop; `cluster status` asks every role for /healthz and /readyz (exit status 3 \
        when one is not ready). On several machines run `medsearch serve --config deploy.yaml --name <name>` on \
        each instead.
        """

    /// The help text of `medsearch serve`.
    public static let serveDiscussion = """
        `medsearch serve --config deploy.yaml --name node3` starts the role named node3 of a deployment file \
        (see `medsearch cluster --help`). Otherwise every role listens on --host/--port (port 0 picks a free \
        port; the bound URL is printed as `MEDSEARCH_LISTENING <url>`), keeps its state in SQLite under \
        --data-dir, accepts the bearer tokens listed in --tokens (JSON: {"tokens": {"<token>": "<role>"}}), \
        and serves TLS 1.3 with its certificate from the deployment CA (--tls-ca, --tls-cert, --tls-key; \
        `medsearch pki`), requiring a client certificate from the same CA, or plain HTTP with --insecure \
        (loopback addresses only). SIGTERM stops it gracefully; SIGHUP rereads its certificate, key and the \
        deny list.
        """

    /// `cluster <action>` (`up`, `status` or `down`): runs it, printing through `print` and reporting restarts
    /// through `report`; returns false when `status` found a role not ready.
    public static func run(_ action: String, config: URL, only: String?, executable: @autoclosure () throws -> URL,
                           print: @escaping @Sendable (String) -> Void,
                           report: @escaping @Sendable (String) -> Void) async throws -> Bool {
        switch action {
        case "up": try await up(config: config, only: only, executable: try executable(), print: print, report: report)
        case "status":
            let status = try await status(config: config)
            status.lines.forEach(print)
            return status.allReady
        case "down": print(try await down(config: config))
        default: throw ServiceError.configuration("cluster takes up, status or down, not \(action)")
        }
        return true
    }

    /// `cluster up`: starts every role of the deployment file `config` (or those named in the comma-separated
    /// `only`) as processes of `executable`, prints a line per role, restarts any that exits, and stops them all
    /// on SIGTERM or SIGINT.
    public static func up(config: URL, only: String?, executable: URL, print: @escaping @Sendable (String) -> Void,
                          report: @escaping @Sendable (String) -> Void) async throws {
        let deployment = try DeploymentFile.load(config)
        let names = only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        if DeploymentCluster.isUp(deployment) {
            throw ServiceError.configuration("deployment \(deployment.file.name) is already up: run `cluster down` first")
        }
        let cluster = try await DeploymentCluster.up(deployment, executable: executable, only: names)
        for role in cluster.roles {
            print("\(role.instance.name)\t\(role.instance.role.rawValue)\t\(role.url)\tpid \(role.pid ?? 0)\tlog \(role.logFile?.path ?? "")")
        }
        if let web = cluster.web, let name = deployment.web?.name {
            print("\(name)\tweb\t\(web.url)\tpid \(web.pid)\tlog \(web.logFile.path)")
        }
        try cluster.recordState()
        print("deployment \(deployment.file.name): \(cluster.roles.count + (cluster.web == nil ? 0 : 1)) roles up")
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await cluster.watch(report: report) }
            group.addTask { for await _ in signals { return } }
            _ = await group.next()
            group.cancelAll()
        }
        await cluster.down()
        try? FileManager.default.removeItem(at: DeploymentCluster.stateFile(deployment))
        print("deployment \(deployment.file.name): stopped")
    }

    /// `cluster status`: a line per role of `config` (alive, readiness) and a summary; `allReady` says whether
    /// every role is ready.
    public static func status(config: URL) async throws -> (lines: [String], allReady: Bool) {
        let statuses = await DeploymentCluster.status(try DeploymentFile.load(config))
        let ready = statuses.filter(\.ready).count
        return (statuses.map { "\($0.name)\t\($0.role)\t\($0.url)\t\($0.alive ? "alive" : "down")\t\($0.readiness)" }
                + ["\(ready) of \(statuses.count) roles ready"], ready == statuses.count)
    }

    /// `cluster down`: asks the running `cluster up` of `config` to stop and waits for it.
    public static func down(config: URL) async throws -> String {
        let deployment = try DeploymentFile.load(config)
        let stopped = try await DeploymentCluster.stopRunning(deployment)
        return "deployment \(deployment.file.name): " + (stopped ? "stopped" : "no running cluster found")
    }

    /// `ingest --config F`: the DICOMweb root of the deployment's web application and the deployment's CA (nil
    /// when insecure).
    public static func webDICOMweb(config: URL) throws -> (url: String, ca: URL?) {
        let deployment = try DeploymentFile.load(config)
        guard let web = deployment.web else {
            throw ServiceError.configuration("deployment \(deployment.file.name) has no web entry")
        }
        return (web.url + "/dicom-web", web.tls.map { URL(fileURLWithPath: $0.ca) })
    }

    /// `serve --config F --name N`: the role `name` of the deployment file `config`, with what it needs written
    /// (``LoadedDeployment/prepare(_:)``) and its database URL from ``RoleLauncher/databaseVariable`` when the file
    /// names none.
    public static func instance(config: URL, name: String) throws -> RoleInstance {
        let deployment = try DeploymentFile.load(config)
        var instance = try deployment.instance(named: name)
        if instance.database == nil, let url = ProcessInfo.processInfo.environment[RoleLauncher.databaseVariable], !url.isEmpty {
            instance.database = url
        }
        try deployment.prepare(instance)
        return instance
    }
}

extension ClusterCommands: CommandDocumentation {}
