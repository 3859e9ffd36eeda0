import Foundation
import MedSearchServer
import MedSearchTransport

/// How roles are started: each as its own `medsearch serve ...` process (what the demo, the web application and
/// the end-to-end tests use: every role is a real process on the network), or inside the current process (unit
/// tests of the launch machinery and the servers).
public enum LaunchMode: Sendable, Equatable {
    /// A child process of `executable`; its standard error and output go to `<logDirectory>/<name>.log`
    /// (default: beside the role's data directory).
    case childProcess(executable: URL, logDirectory: URL? = nil)
    /// A task of the current process running ``RoleServer``.
    case inProcess
}

/// Starts ``RoleInstance`` values and returns handles to them.
///
/// ```swift
/// let launcher = RoleLauncher(mode: .childProcess(executable: try MedSearchExecutable.current()))
/// let node = try await launcher.start(RoleInstance(role: .storageNode, name: "node0", dataDirectory: "n0",
///                                                  tokenFile: "tokens.json"))
/// try await node.restart()   // same port, same data
/// await node.stop()
/// ```
public struct RoleLauncher: Sendable {
    /// How roles are started.
    public let mode: LaunchMode
    /// How long a child may take to announce its URL.
    public let startTimeout: Duration
    /// TLS for instances that name neither TLS files nor `insecure` (nil: such an instance is refused).
    public let security: TransportSecurity?

    /// The environment variable `medsearch serve` reads the database location from.
    public static let databaseVariable = "MEDSEARCH_DATABASE_URL"

    /// Creates a launcher.
    public init(mode: LaunchMode, startTimeout: Duration = .seconds(60), security: TransportSecurity? = nil) {
        self.mode = mode
        self.startTimeout = startTimeout
        self.security = security
    }

    /// The same launcher with another default security.
    public func with(security: TransportSecurity?) -> RoleLauncher {
        RoleLauncher(mode: mode, startTimeout: startTimeout, security: security)
    }

    /// Starts `instance` and waits until it accepts connections.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` for an invalid description;
    ///   ``ServiceError/launchFailed(command:reason:)`` (with the tail of the role's log) when it exits or stays
    ///   silent.
    public func start(_ instance: RoleInstance) async throws -> RunningRole {
        var instance = instance
        if instance.tls == nil, !instance.insecure, let security { instance = try security.secure(instance) }
        try instance.validate()
        let running = RunningRole(instance: instance, launcher: self)
        try await running.launch(instance)
        return running
    }

    /// Starts one role and returns its process or task with the URL it bound.
    func launchOnce(_ instance: RoleInstance) async throws -> RunningRole.Runtime {
        switch mode {
        case let .childProcess(executable, logDirectory):
            let directory = logDirectory ?? URL(fileURLWithPath: instance.dataDirectory).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            // The database URL may hold a password: it travels in the environment, never in `ps`; without one the
            // child must not inherit this process's.
            let process = try await ServiceProcess.launch(
                executable: executable, arguments: instance.commandLine,
                environment: instance.database.map { [Self.databaseVariable: $0] } ?? [:],
                unsetting: [Self.databaseVariable],
                logFile: directory.appendingPathComponent("\(instance.name).log"), startTimeout: startTimeout)
            return .process(process)
        case .inProcess:
            let (urls, continuation) = AsyncStream<String>.makeStream()
            let task = Task {
                defer { continuation.finish() }
                try await RoleServer.run(instance, handleSignals: false) { continuation.yield($0) }
            }
            var iterator = urls.makeAsyncIterator()
            guard let url = await iterator.next() else {
                let reason: String
                switch await task.result {
                case .success: reason = "stopped before listening"
                case let .failure(error): reason = String(describing: error)
                }
                throw ServiceError.launchFailed(command: "\(instance.role.rawValue) \(instance.name)", reason: reason)
            }
            return .task(task, url: url)
        }
    }
}
