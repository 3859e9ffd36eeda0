import Foundation
import MedSearchCore

/// The edge master's search-worker list (JSON):
/// `{"token": "<token the master presents to the workers>", "workers": ["http://127.0.0.1:9101", ...]}`.
/// Worker `i` searches shard `i` of `workers.count`. The file holds a bearer token, so it is written readable by its
/// owner only.
@MemberwiseInit(.public)
public struct TrustMedWorkerList: OwnerOnlyJSONFile, Sendable, Equatable {
    public static let fileKind = "search-worker list"
    public static let expectedForm = "is not JSON of the form {\"token\": \"...\", \"workers\": [urls]}"

    /// The token the master presents to every worker (role `edge-master` in the workers' token tables).
    public var token: String
    /// The workers' base URLs; the index is the shard.
    public var workers: [String]

    /// Reads a worker list, refusing a file that group or others can read (it holds a token).
    ///
    /// - Throws: ``ServiceError/configuration(_:)``.
    public static func load(from url: URL) throws(ServiceError) -> TrustMedWorkerList {
        let list = try decodeOwnerOnly(from: url)
        guard (1...1024).contains(list.workers.count),
              list.workers.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw .configuration("search-worker list \(url.path): 1...1024 worker URLs (http:// or https://)")
        }
        return list
    }
}
