import Foundation

/// Starts the engines the web application offers, each with its untrusted servers as real processes on
/// loopback and its keys and data under `directory/<name>/`.
public enum WebEngines {
    /// The engine names ``start(names:directory:executable:)`` knows.
    public static let available = ["sei"]

    /// Starts the named engines in order; if one fails, those already started are stopped and the error thrown.
    public static func start(names: [String], directory: URL, executable: URL) async throws -> [any WebEngine] {
        var running: [any WebEngine] = []
        do {
            for name in names {
                switch name.lowercased() {
                case "sei":
                    running.append(try await SEIWebEngine.start(directory: directory.appendingPathComponent("sei"),
                                                                executable: executable))
                default:
                    throw WebError.engineUnavailable(
                        "the web application has no adapter for \(name) yet (available: \(available.joined(separator: ", ")))")
                }
            }
        } catch {
            for engine in running { await engine.shutdown() }
            throw error
        }
        return running
    }
}
