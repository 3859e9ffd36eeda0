import Foundation
import MedSearchCore

/// The edge master's search-worker list (JSON):
/// `{"token": "<token the master presents to the workers>", "workers": ["http://127.0.0.1:9101", ...]}`.
/// Worker `i` searches shard `i` of `workers.count`. The file holds a bearer token, so it is written readable by its
/// owner only.
public struct TrustMedWorkerList: Codable, Sendable, Equatable {
    /// The token the master presents to every worker (role `edge-master` in the workers' token tables).
    public var token: String
    /// The workers' base URLs; the index is the shard.
    public var workers: [String]

    /// Creates a worker list.
    public init(token: String, workers: [String]) {
        self.token = token
        self.workers = workers
    }

    /// Reads a worker list, refusing a file that group or others can read (it holds a token).
    ///
    /// - Throws: ``ServiceError/configuration(_:)``.
    public static func load(from url: URL) throws(ServiceError) -> TrustMedWorkerList {
        let bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.read(from: url, maxBytes: 16 << 20) } catch {
            throw .configuration("cannot use search-worker list \(url.path): \(error)")
        }
        let list: TrustMedWorkerList
        do { list = try JSONDecoder().decode(TrustMedWorkerList.self, from: Data(bytes)) } catch {
            throw .configuration("search-worker list \(url.path) is not JSON of the form {\"token\": \"...\", \"workers\": [urls]}")
        }
        guard (1...1024).contains(list.workers.count),
              list.workers.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw .configuration("search-worker list \(url.path): 1...1024 worker URLs (http:// or https://)")
        }
        return list
    }

    /// Writes the list, readable by its owner only.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OwnerOnlyFile.write(try encoder.encode(self), to: url)
    }
}
