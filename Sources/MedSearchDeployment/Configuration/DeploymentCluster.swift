import Foundation
import MedSearchServer
import MedSearchTransport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Every role of a deployment file started on this machine, each its own `medsearch serve --config ... --name`
/// process (what `medsearch cluster up` runs and watches).
///
/// Roles start in dependency order (storage nodes, C2 and the SEI cloud before the edge master and C1, the web
/// application last: `medsearch serve --config ... --name web`, which reaches the engines' roles). A role
/// whose certificate is missing is issued one first when the PKI directory holds the CA key (a deployment on one
/// machine); on several machines each role's files are issued with `medsearch pki issue` and copied to it.
public final class DeploymentCluster: Sendable {
    /// The deployment.
    public let deployment: LoadedDeployment
    /// The running roles, in start order.
    public let roles: [RunningRole]
    /// Credentials of an administrator client (nil when insecure).
    public let adminTLS: TLSCredentials?
    /// The web application's process (nil when the file has none, or `only` left it out).
    public var web: ServiceProcess? { webProcess.withLock { $0 } }
    private let webProcess: Mutex<ServiceProcess?>
    private let webLauncher: (@Sendable () async throws -> ServiceProcess)?

    private init(deployment: LoadedDeployment, roles: [RunningRole], adminTLS: TLSCredentials?,
                 web: ServiceProcess?, webLauncher: (@Sendable () async throws -> ServiceProcess)?) {
        self.deployment = deployment
        self.roles = roles
        self.adminTLS = adminTLS
        webProcess = Mutex(web)
        self.webLauncher = webLauncher
    }

    /// The order roles start in: those nobody depends on first.
    static func startOrder(_ role: ServerRole) -> Int {
        switch role {
        case .storageNode, .fnnC2, .sei, .searchWorker: 0
        case .edgeMaster, .fnnC1: 1
        }
    }

    /// Starts every role of `deployment` (or those named in `only`) as child processes of `executable`, their
    /// logs in `logDirectory` (default: `logs` beside the deployment file).
    public static func up(_ deployment: LoadedDeployment, executable: URL, only: Set<String>? = nil,
                          logDirectory: URL? = nil, startTimeout: Duration = .seconds(120)) async throws -> DeploymentCluster {
        let chosen = deployment.instances.filter { only?.contains($0.name) ?? true }
        let web = deployment.web.flatMap { only?.contains($0.name) ?? true ? $0 : nil }
        var pki: LocalPKI?
        if let directory = deployment.pkiDirectory,
           FileManager.default.fileExists(atPath: directory.appendingPathComponent(DeploymentCA.FileName.key).path) {
            pki = try LocalPKI.open(in: directory)
        }
        if let pki {
            for instance in chosen {
                let entry = deployment.file.roles.first { $0.name == instance.name }
                let addresses = [entry?.address, entry?.host].compactMap { $0 }
                    .filter { !["0.0.0.0", "::", "[::]"].contains($0) }
                _ = try pki.files(role: instance.role.serviceRole, name: instance.name,
                                  subjectAlternativeNames: Array(Set(addresses)).sorted())
            }
            if let web { _ = try pki.files(role: .web, name: web.name, subjectAlternativeNames: web.subjectAlternativeNames) }
        }
        let logs = logDirectory ?? deployment.base.appendingPathComponent("logs")
        let launcher = RoleLauncher(mode: .childProcess(executable: executable, logDirectory: logs),
                                    startTimeout: startTimeout)
        var webLauncher: (@Sendable () async throws -> ServiceProcess)?
        if let web {
            guard let source = deployment.source else {
                throw ServiceError.configuration("deployment \(deployment.file.name): the web application starts from a deployment file")
            }
            webLauncher = {
                try await ServiceProcess.launch(executable: executable, arguments: web.commandLine(config: source),
                                                logFile: logs.appendingPathComponent("\(web.name).log"), startTimeout: startTimeout)
            }
        }
        var started: [RunningRole] = []
        var webProcess: ServiceProcess?
        do {
            for instance in chosen.sorted(by: { startOrder($0.role) < startOrder($1.role) }) {
                try deployment.prepare(instance)
                started.append(try await launcher.start(instance))
            }
            if let webLauncher {
                try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                webProcess = try await webLauncher()
            }
        } catch {
            for role in started.reversed() { await role.stop() }
            throw error
        }
        let admin = try pki?.clientCredentials(.admin)
            ?? deployment.pkiDirectory.flatMap { directory -> TLSCredentials? in
                let files = TLSFiles.issued("client-admin", in: directory)
                return FileManager.default.fileExists(atPath: files.certificate) ? try? TLSCredentials(files: files) : nil
            }
        return DeploymentCluster(deployment: deployment, roles: started, adminTLS: admin, web: webProcess,
                                 webLauncher: webLauncher)
    }

    /// The role named `name`.
    public func role(_ name: String) -> RunningRole? { roles.first { $0.instance.name == name } }

    /// A client of role `name` with `token` and the TLS credentials of `role`'s client certificate (issued from
    /// the deployment's CA when it is on this machine).
    public func client(_ name: String, token: String, as role: ServiceRole,
                       configuration: ClientConfiguration = .standard) throws -> ServiceClient {
        guard let url = deployment.urls[name] else { throw ServiceError.configuration("no role named \(name)") }
        var configuration = configuration
        if deployment.file.insecure != true, let directory = deployment.pkiDirectory {
            configuration.tls = try LocalPKI.open(in: directory).clientCredentials(role)
        }
        return ServiceClient(baseURL: url, token: token, configuration: configuration)
    }

    /// Stops every role, dependents first (SIGTERM, then SIGKILL after `grace`).
    public func down(grace: Duration = .seconds(10)) async {
        if let web = webProcess.withLock({ process in defer { process = nil }; return process }) {
            await web.terminate(grace: grace)
        }
        for role in roles.reversed() { await role.stop(grace: grace) }
    }

    /// Restarts every role that exited (a crash or a kill) until the task is cancelled, reporting each restart.
    public func watch(interval: Duration = .seconds(2), report: @escaping @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            for role in roles where !role.isRunning && !Task.isCancelled {
                report("\(role.instance.name) (\(role.instance.role.rawValue)) exited; restarting it")
                do { try await role.restart() } catch {
                    report("\(role.instance.name) could not restart: \(error)")
                }
            }
            if let web = deployment.web, let webLauncher, webProcess.withLock({ $0?.isRunning == false }), !Task.isCancelled {
                report("\(web.name) (web) exited; restarting it")
                do {
                    let process = try await webLauncher()
                    webProcess.withLock { $0 = process }
                } catch {
                    report("\(web.name) could not restart: \(error)")
                }
            }
        }
    }

    // MARK: State shared by `cluster up`, `status` and `down`

    /// What `cluster up` records for `cluster status` and `cluster down`.
    public struct State: Codable, Sendable {
        /// The supervising `cluster up` process.
        public var supervisor: Int32
        /// Each role: name, process id, URL, log file.
        public var roles: [Entry]

        /// One role.
        public struct Entry: Codable, Sendable {
            public var name: String
            public var pid: Int32
            public var url: String
            public var log: String
        }
    }

    /// Where `cluster up` writes its state for `deployment`.
    public static func stateFile(_ deployment: LoadedDeployment) -> URL {
        deployment.base.appendingPathComponent(".medsearch-cluster-\(deployment.file.name).json")
    }

    /// This cluster's state.
    public var state: State {
        State(supervisor: getpid(), roles: roles.map {
            State.Entry(name: $0.instance.name, pid: $0.pid ?? 0, url: $0.url, log: $0.logFile?.path ?? "")
        } + [web.flatMap { process in deployment.web.map {
            State.Entry(name: $0.name, pid: process.pid, url: process.url, log: process.logFile.path)
        } }].compactMap { $0 })
    }

    /// Writes ``state`` to ``stateFile(_:)``.
    public func recordState() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: Self.stateFile(deployment), options: .atomic)
    }

    /// Whether a `cluster up` of `deployment` is running.
    public static func isUp(_ deployment: LoadedDeployment) -> Bool {
        guard let data = try? Data(contentsOf: stateFile(deployment)),
              let state = try? JSONDecoder().decode(State.self, from: data) else { return false }
        return state.supervisor > 1 && kill(state.supervisor, 0) == 0
    }

    /// Asks the `cluster up` of `deployment` to stop (SIGTERM) and waits until it and its roles are gone.
    ///
    /// - Returns: Whether a running cluster was found.
    public static func stopRunning(_ deployment: LoadedDeployment, timeout: Duration = .seconds(60)) async throws -> Bool {
        let file = stateFile(deployment)
        guard let data = try? Data(contentsOf: file), let state = try? JSONDecoder().decode(State.self, from: data) else {
            return false
        }
        defer { try? FileManager.default.removeItem(at: file) }
        guard state.supervisor > 1, kill(state.supervisor, 0) == 0 else { return false }
        kill(state.supervisor, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        func alive() -> Bool {
            kill(state.supervisor, 0) == 0 || state.roles.contains { $0.pid > 1 && kill($0.pid, 0) == 0 }
        }
        while alive(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        guard !alive() else {
            throw ServiceError.configuration("the cluster (supervisor \(state.supervisor)) did not stop within \(timeout)")
        }
        return true
    }

    /// How one role of a deployment answers.
    public struct RoleStatus: Sendable {
        public let name: String
        /// The role (`web` for the web application).
        public let role: String
        public let url: String
        /// `/healthz` answered.
        public let alive: Bool
        /// `/readyz`'s answer (`ready ...`, or why not).
        public let readiness: String
        /// Whether `/readyz` said ready.
        public let ready: Bool
    }

    /// Asks every role of `deployment` for `/healthz` and `/readyz`, as an administrator client (TLS credentials
    /// `client-admin` from the PKI directory; issued there when the CA key is present).
    public static func status(_ deployment: LoadedDeployment) async -> [RoleStatus] {
        var tls: TLSCredentials?
        if deployment.file.insecure != true, let directory = deployment.pkiDirectory {
            let files = TLSFiles.issued("client-admin", in: directory)
            if FileManager.default.fileExists(atPath: files.certificate) {
                tls = try? TLSCredentials(files: files)
            } else if FileManager.default.fileExists(atPath: directory.appendingPathComponent(DeploymentCA.FileName.key).path) {
                tls = try? LocalPKI.open(in: directory).clientCredentials(.admin)
            }
        }
        var result: [RoleStatus] = []
        let entries = deployment.instances.map { ($0.name, $0.role.rawValue, deployment.urls[$0.name] ?? "") }
            + (deployment.web.map { [($0.name, "web", $0.url)] } ?? [])
        for (name, role, url) in entries {
            let client = ServiceClient(baseURL: url, token: "", configuration: ClientConfiguration(timeout: .seconds(5)).tls(tls))
            let alive = await client.isAlive(timeout: .seconds(3))
            var readiness = "not answering"
            var ready = false
            if alive {
                do {
                    readiness = String(decoding: try await client.call(Routes.readyz), as: UTF8.self)
                    ready = true
                } catch let ServiceError.http(_, message) {
                    readiness = message
                } catch {
                    readiness = "\(error)"
                }
            }
            result.append(RoleStatus(name: name, role: role, url: url, alive: alive,
                                     readiness: readiness, ready: ready))
        }
        return result
    }
}
