import Foundation
import MedSearchCore

/// Paths to test data: the repository's fixtures and the shared corpus beside it.
public enum TestData {
    /// The repository root.
    public static var root: URL {
        guard let root = DataLocator.repositoryRoot() else {
            fatalError("tests must run inside the MedSearch repository")
        }
        return root
    }

    /// `../shared/data`, or nil when absent.
    public static var shared: URL? { DataLocator.sharedData() }

    /// A file or folder under `../shared/data`, or nil when the shared corpus or that entry is absent.
    ///
    /// A test that needs it declares `.enabled(if: TestData.hasShared(path), "needs ../shared/data/...")`, so a
    /// missing corpus is reported as a skip, and unwraps it with `try #require(TestData.sharedFile(path))`.
    public static func sharedFile(_ relativePath: String) -> URL? {
        guard let url = shared?.appendingPathComponent(relativePath),
              FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    /// Whether `../shared/data/<relativePath>` exists (the condition of a test that needs it).
    public static func hasShared(_ relativePath: String) -> Bool {
        sharedFile(relativePath) != nil
    }

    /// The built `medsearch` executable that tests start server roles from, or nil when it has not been built:
    /// `$MEDSEARCH_EXECUTABLE`, else the `medsearch` beside the test bundle (`swift build --build-tests` builds
    /// it there), else `.build/debug/medsearch` in the repository. Tests that need it take the trait
    /// `.needsMedsearchExecutable`.
    public static let medsearchExecutable: URL? = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["MEDSEARCH_EXECUTABLE"], !path.isEmpty {
            return fileManager.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
        }
        var candidates: [URL] = []
        var bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        // The test runner sits in .build/<triple>/debug/ (or inside a bundle there).
        for _ in 0..<4 {
            bundle.deleteLastPathComponent()
            candidates.append(bundle.appendingPathComponent("medsearch"))
        }
        if let root = DataLocator.repositoryRoot() {
            candidates.append(root.appendingPathComponent(".build/debug/medsearch"))
        }
        return candidates.first { fileManager.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }
    }()

    /// The permission bits of the file or directory at `path` (e.g. 0o600), or nil when it cannot be read.
    public static func permissions(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int).map { $0 & 0o777 }
    }

    /// Whether long-running tests were asked for (`MEDSEARCH_LONG_TESTS=1`).
    public static var longTestsEnabled: Bool {
        ProcessInfo.processInfo.environment["MEDSEARCH_LONG_TESTS"] == "1"
    }
}

/// A seeded generator for a test, printing its seed so a failure can be replayed.
public func seededGenerator(_ seed: UInt64 = 0x5EED_0F_4D_ED5EA, file: String = #fileID) -> SeededRandomNumberGenerator {
    print("seed \(seed) for \(file)")
    return SeededRandomNumberGenerator(seed: seed)
}
