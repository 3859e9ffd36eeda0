import Foundation
import MedSearchDeployment
import MedSearchTransport

/// Starts the engines the web application offers, each with its untrusted servers as real processes on
/// loopback and its keys and data under `directory/<name>/`.
public enum WebEngines {
    /// The engine names ``start(names:directory:launcher:)`` knows, in the order they are offered.
    public static let available = ["fnn", "sei", "trustmed"]

    /// Starts the named engines (concurrently; returned in the order named). If one fails, those already
    /// started are stopped and the first error is thrown.
    public static func start(names: [String], directory: URL, launcher: RoleLauncher) async throws -> [any WebEngine] {
        try await start(names: names, directory: directory, servers: .launch(launcher))
    }

    /// Starts the named engines, their servers launched or reached as `servers` says (see above).
    public static func start(names: [String], directory: URL, servers: WebEngineServers) async throws -> [any WebEngine] {
        let wanted = names.map { $0.lowercased() }
        if let unknown = wanted.first(where: { !available.contains($0) }) {
            throw WebError.engineUnavailable(
                "the web application has no adapter for \(unknown) (available: \(available.joined(separator: ", ")))")
        }
        guard Set(wanted).count == wanted.count else { throw WebError.engineUnavailable("an engine is named twice") }
        let outcomes = await withTaskGroup(of: (Int, Result<any WebEngine, any Error>).self) { group in
            for (index, name) in wanted.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await startOne(name, directory: directory.appendingPathComponent(name),
                                                                   servers: servers)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var collected: [(Int, Result<any WebEngine, any Error>)] = []
            for await outcome in group { collected.append(outcome) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var running: [any WebEngine] = []
        var firstError: (any Error)?
        for outcome in outcomes {
            switch outcome {
            case let .success(engine): running.append(engine)
            case let .failure(error): firstError = firstError ?? error
            }
        }
        if let firstError {
            for engine in running { await engine.shutdown() }
            throw firstError
        }
        return running
    }

    private static func startOne(_ name: String, directory: URL, servers: WebEngineServers) async throws -> any WebEngine {
        switch name {
        case "fnn": return try await FNNWebEngine.start(directory: directory, servers: servers)
        case "sei": return try await SEIWebEngine.start(directory: directory, servers: servers)
        default: return try await TrustMedWebEngine.start(directory: directory, servers: servers)
        }
    }
}

/// Where an engine's untrusted servers come from: started by the web application as processes on loopback (with a
/// CA of its own under the engine's directory), or the roles of a deployment file started elsewhere (`cluster up`,
/// other machines), reached with the web application's certificate.
public enum WebEngineServers: Sendable {
    /// Started with this launcher.
    case launch(RoleLauncher)
    /// Started from a deployment file written for each engine in its directory (``LocalDeployment``) when the
    /// launcher starts child processes: what `medsearch serve web` runs outside a deployment file.
    case local(RoleLauncher)
    /// The deployment's roles, reached presenting `credentials` (nil: an insecure deployment).
    case deployment(LoadedDeployment, credentials: TLSCredentials?)

    func fnnClouds(_ directory: URL) async throws -> FNNClouds {
        switch self {
        case let .launch(launcher): try await FNNClouds.launch(launcher, directory: directory)
        case let .local(launcher): try await LocalDeployment.fnnClouds(launcher, directory: directory)
        case let .deployment(deployment, credentials): try deployment.fnnClouds(credentials: credentials)
        }
    }

    func seiCloud(_ directory: URL) async throws -> SEICloud {
        switch self {
        case let .launch(launcher): try await SEICloud.launch(launcher, directory: directory)
        case let .local(launcher): try await LocalDeployment.seiCloud(launcher, directory: directory)
        case let .deployment(deployment, credentials): try deployment.seiCloud(credentials: credentials)
        }
    }

    func trustMedCluster(_ directory: URL, options: TrustMedWebEngine.Options) async throws -> TrustMedCluster {
        switch self {
        case let .launch(launcher):
            try await TrustMedCluster.launch(launcher, directory: directory, nodeCount: options.nodeCount,
                                             threshold: options.threshold, nodeTimeout: .seconds(5))
        case let .local(launcher):
            try await LocalDeployment.trustMedCluster(launcher, directory: directory, nodes: options.nodeCount,
                                                      threshold: options.threshold, nodeTimeout: .seconds(5))
        case let .deployment(deployment, credentials):
            try deployment.trustMedCluster(credentials: credentials, directory: directory)
        }
    }
}
