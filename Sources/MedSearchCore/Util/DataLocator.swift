import Foundation

/// Finds the data MedSearch reads: the embedded demo set shipped in the repository (`DemoData/`) and
/// the larger shared corpus beside the project (`../shared/data`).
public enum DataLocator {
    /// The repository root: `MEDSEARCH_ROOT` if set, else the first ancestor of the working directory or of
    /// the running executable that holds `Package.swift` and `DemoData/`.
    public static func repositoryRoot() -> URL? {
        let fileManager = FileManager.default
        if let root = ProcessInfo.processInfo.environment["MEDSEARCH_ROOT"] {
            return URL(fileURLWithPath: root)
        }
        var candidates = [URL(fileURLWithPath: fileManager.currentDirectoryPath)]
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        candidates.append(executable.deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: #filePath))
        for start in candidates {
            var directory = start.standardizedFileURL
            for _ in 0..<8 {
                if fileManager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path),
                   fileManager.fileExists(atPath: directory.appendingPathComponent("DemoData").path) {
                    return directory
                }
                directory.deleteLastPathComponent()
            }
        }
        return nil
    }

    /// The embedded demo data directory (`DemoData/` in the repository).
    public static func demoData() -> URL? {
        repositoryRoot()?.appendingPathComponent("DemoData")
    }

    /// The shared corpus (`MEDSEARCH_SHARED_DATA`, else `../shared/data` beside the repository), if present.
    public static func sharedData() -> URL? {
        if let path = ProcessInfo.processInfo.environment["MEDSEARCH_SHARED_DATA"] {
            return URL(fileURLWithPath: path)
        }
        guard let root = repositoryRoot() else { return nil }
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }
}
