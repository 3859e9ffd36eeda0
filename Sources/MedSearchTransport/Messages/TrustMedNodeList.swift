import Foundation
import MedSearchCore

/// The edge master's storage-node configuration (JSON):
/// `{"threshold": 3, "token": "<token the master presents to the nodes>", "nodes": ["http://127.0.0.1:9001", ...]}`.
///
/// The file holds a bearer token, so it is written readable by its owner only.
public struct TrustMedNodeList: Codable, Sendable, Equatable {
    /// m: shares needed to rebuild an image.
    public var threshold: Int
    /// The token the master presents to every storage node (role `edge-master` in the nodes' token tables).
    public var token: String
    /// The nodes' base URLs; the index is the node index.
    public var nodes: [String]

    /// Creates a node list.
    public init(threshold: Int, token: String, nodes: [String]) {
        self.threshold = threshold
        self.token = token
        self.nodes = nodes
    }

    /// Reads a node list, refusing a file that group or others can read (it holds a token).
    ///
    /// - Throws: ``ServiceError/configuration(_:)``.
    public static func load(from url: URL) throws(ServiceError) -> TrustMedNodeList {
        let bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.read(from: url, maxBytes: 16 << 20) } catch {
            throw .configuration("cannot use node list \(url.path): \(error)")
        }
        do { return try JSONDecoder().decode(TrustMedNodeList.self, from: Data(bytes)) } catch {
            throw .configuration("node list \(url.path) is not JSON of the form {\"threshold\": m, \"token\": \"...\", \"nodes\": [urls]}")
        }
    }

    /// Writes the list, readable by its owner only.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OwnerOnlyFile.write(try encoder.encode(self), to: url)
    }
}
