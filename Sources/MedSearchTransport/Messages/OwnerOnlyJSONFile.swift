import Foundation
import MedSearchCore

/// A JSON configuration file that holds a bearer token (token tables, node and worker lists): read only when its
/// owner alone can read it, written readable by its owner only (``OwnerOnlyFile``), as sorted, indented JSON.
public protocol OwnerOnlyJSONFile: Codable {
    /// What the file is, in errors: `"node list"`.
    static var fileKind: String { get }
    /// What a file that does not decode is told, after its path: `"is not JSON of the form {...}"`.
    static var expectedForm: String { get }
}

extension OwnerOnlyJSONFile {
    /// Reads and decodes the file (at most 16 MiB), refusing one that group or others can read.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` naming the file and the reason (never its contents).
    public static func decodeOwnerOnly(from url: URL) throws(ServiceError) -> Self {
        let bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.read(from: url, maxBytes: 16 << 20) } catch {
            throw .configuration("cannot use \(fileKind) \(url.path): \(error)")
        }
        do { return try JSONDecoder().decode(Self.self, from: Data(bytes)) } catch {
            throw .configuration("\(fileKind) \(url.path) \(expectedForm)")
        }
    }

    /// Writes the file, readable by its owner only.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OwnerOnlyFile.write(try encoder.encode(self), to: url)
    }
}
