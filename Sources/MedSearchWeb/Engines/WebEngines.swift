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
                                                                   launcher: launcher)))
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

    private static func startOne(_ name: String, directory: URL, launcher: RoleLauncher) async throws -> any WebEngine {
        switch name {
        case "fnn": return try await FNNWebEngine.start(directory: directory, launcher: launcher)
        case "sei": return try await SEIWebEngine.start(directory: directory, launcher: launcher)
        default: return try await TrustMedWebEngine.start(directory: directory, launcher: launcher)
        }
    }
}
