import Foundation
import MedSearchTransport

/// The `medsearch` binary that child roles are started from. It is always given explicitly: the command line
/// passes the running binary itself (``current()``), tests pass the built product.
public enum MedSearchExecutable {
    /// The executable of the running process (`/proc/self/exe` on Linux), when it is a file named `medsearch`.
    ///
    /// - Throws: ``ServiceError/launchFailed(command:reason:)`` when this process is not `medsearch` (a test
    ///   runner, say): pass the binary's path instead.
    public static func current() throws -> URL {
        let candidates = [URL(fileURLWithPath: "/proc/self/exe"), Bundle.main.executableURL,
                          URL(fileURLWithPath: CommandLine.arguments.first ?? "")]
        for candidate in candidates.compactMap({ $0 }) {
            let resolved = candidate.resolvingSymlinksInPath()
            if resolved.lastPathComponent == "medsearch",
               FileManager.default.isExecutableFile(atPath: resolved.path) {
                return resolved
            }
        }
        throw ServiceError.launchFailed(command: "medsearch",
                                        reason: "this process is not the medsearch executable; pass its path explicitly")
    }
}
