import Foundation
import MedSearchServer
import MedSearchTransport
import Synchronization

/// A started role: its URL, and stop, kill and restart.
///
/// A restart brings the role back at the port it had (so its peers' address lists stay valid) with the same
/// data directory, unless told otherwise (``restart(with:)``: a replacement node with an empty directory).
public final class RunningRole: Sendable {
    /// What runs: a child process, or a task of this process.
    enum Runtime: Sendable {
        case process(ServiceProcess)
        case task(Task<Void, any Error>, url: String)

        var url: String {
            switch self {
            case let .process(process): process.url
            case let .task(_, url): url
            }
        }
    }

    private struct State {
        var instance: RoleInstance
        var runtime: Runtime?
        var url: String
    }

    private let state: Mutex<State>
    private let launcher: RoleLauncher

    init(instance: RoleInstance, launcher: RoleLauncher) {
        state = Mutex(State(instance: instance, runtime: nil, url: instance.url ?? ""))
        self.launcher = launcher
    }

    /// A role of a deployment started elsewhere (another machine, or `cluster up`), reached at `url`: stopping,
    /// killing or restarting it is not this process's business and does nothing.
    init(attachedTo url: String, instance: RoleInstance, security: TransportSecurity) {
        state = Mutex(State(instance: instance, runtime: nil, url: url))
        launcher = RoleLauncher(mode: .inProcess, security: security)
    }

    func launch(_ instance: RoleInstance) async throws {
        var attempt = 0
        while true {
            // Port 0: a free port below the kernel's ephemeral range (``LocalPorts``), so a restart at the same
            // port cannot collide with some process's outgoing connection; another picker may take it first.
            var chosen = instance
            if instance.port == 0, let port = LocalPorts.pick(host: instance.host) { chosen.port = port }
            do {
                try await launch(exactly: chosen)
                return
            } catch let ServiceError.launchFailed(_, reason)
                        where chosen.port != instance.port && reason.contains("Address already in use") && attempt < 8 {
                attempt += 1
            }
        }
    }

    private func launch(exactly instance: RoleInstance) async throws {
        let runtime = try await launcher.launchOnce(instance)
        var bound = instance
        if bound.port == 0, let port = Self.port(of: runtime.url) { bound.port = port }
        state.withLock {
            $0.instance = bound
            $0.runtime = runtime
            $0.url = runtime.url
        }
    }

    /// The description it runs with (its port is the bound one after the first start).
    public var instance: RoleInstance { state.withLock { $0.instance } }

    /// The base URL it announced (kept after it stops).
    public var url: String { state.withLock { $0.url } }

    /// The port it bound.
    public var port: Int? { Self.port(of: url) }

    /// The child's process id (nil in process).
    public var pid: Int32? {
        guard case let .process(process)? = state.withLock({ $0.runtime }) else { return nil }
        return process.pid
    }

    /// The child's log file (nil in process).
    public var logFile: URL? {
        guard case let .process(process)? = state.withLock({ $0.runtime }) else { return nil }
        return process.logFile
    }

    /// Whether it is running.
    public var isRunning: Bool {
        switch state.withLock({ $0.runtime }) {
        case let .process(process)?: process.isRunning
        case .task?: true
        case nil: false
        }
    }

    /// A client of this role presenting `token` and, when the role serves TLS and `configuration` has no
    /// credentials, the launcher's client certificate for `role` (default: an administrator's).
    public func client(token: String, role: ServiceRole = .admin,
                       configuration: ClientConfiguration = .standard) -> ServiceClient {
        var configuration = configuration
        if configuration.tls == nil, instance.tls != nil, let security = launcher.security {
            configuration = (try? security.clientConfiguration(role, configuration)) ?? configuration
        }
        return ServiceClient(baseURL: url, token: token, configuration: configuration)
    }

    /// Stops it gracefully (SIGTERM, then SIGKILL after `grace`; in process: cancels its task and waits).
    public func stop(grace: Duration = .seconds(5)) async {
        switch take() {
        case let .process(process)?: await process.terminate(grace: grace)
        case let .task(task, _)?:
            task.cancel()
            _ = await task.result
        case nil: break
        }
    }

    /// Kills it at once, as a crash would (SIGKILL; in process: cancels its task).
    public func kill() async {
        switch take() {
        case let .process(process)?: await process.kill()
        case let .task(task, _)?:
            task.cancel()
            _ = await task.result
        case nil: break
        }
    }

    /// Stops it if running and starts it again at the same port with the same description.
    public func restart() async throws {
        try await restart(with: instance)
    }

    /// Stops it if running and starts `replacement` (for example a fresh data directory) at the port it had
    /// (unless `replacement` names another port).
    public func restart(with replacement: RoleInstance) async throws {
        await stop()
        var next = replacement
        if next.port == 0, let port { next.port = port }
        if next.tls == nil, !next.insecure, let security = launcher.security { next = try security.secure(next) }
        try next.validate()
        // The old listener's socket can outlive `stop()`/`kill()` by a moment (an in-process server closes it
        // asynchronously): wait for the port, boundedly, instead of failing the restart.
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                try await launch(next)
                return
            } catch let ServiceError.launchFailed(_, reason)
                        where reason.contains("Address already in use") && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private func take() -> Runtime? {
        state.withLock { state in
            defer { state.runtime = nil }
            return state.runtime
        }
    }

    /// The port of a URL such as `http://127.0.0.1:8080`.
    public static func port(of url: String) -> Int? {
        guard let colon = url.lastIndex(of: ":") else { return nil }
        return Int(url[url.index(after: colon)...].prefix { $0.isNumber })
    }
}
