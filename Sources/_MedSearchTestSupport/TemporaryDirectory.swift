import Foundation

extension TestData {
    /// Creates a new, empty directory `<system temporary directory>/<prefix>-<UUID>` and returns it; the caller
    /// removes it (``withTemporaryDirectory(_:_:)-(_,(URL)->T)`` does both).
    public static func scratchDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// Runs `body` in a new, empty directory `<system temporary directory>/<prefix>-<UUID>`, then removes that
/// directory with everything in it, whether `body` returned or threw.
public func withTemporaryDirectory<T>(_ prefix: String, _ body: (URL) throws -> T) throws -> T {
    let directory = try TestData.scratchDirectory(prefix)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Runs the asynchronous `body` in a new, empty directory `<system temporary directory>/<prefix>-<UUID>`, then
/// removes that directory with everything in it, whether `body` returned or threw.
public func withTemporaryDirectory<T>(_ prefix: String, _ body: (URL) async throws -> T) async throws -> T {
    let directory = try TestData.scratchDirectory(prefix)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}
