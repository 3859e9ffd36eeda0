import Foundation
import MedSearchCore

/// The edge master's storage-node configuration (JSON):
/// `{"threshold": 3, "token": "<token the master presents to the nodes>", "nodes": ["http://127.0.0.1:9001", ...]}`.
///
/// The file holds a bearer token, so it is written readable by its owner only.
@MemberwiseInit(.public)
public struct TrustMedNodeList: OwnerOnlyJSONFile, Sendable, Equatable {
    public static let fileKind = "node list"
    public static let expectedForm = "is not JSON of the form {\"threshold\": m, \"token\": \"...\", \"nodes\": [urls]}"

    /// m: shares needed to rebuild an image.
    public var threshold: Int
    /// The token the master presents to every storage node (role `edge-master` in the nodes' token tables).
    public var token: String
    /// The nodes' base URLs; the index is the node index.
    public var nodes: [String]

    /// Reads a node list, refusing a file that group or others can read (it holds a token).
    ///
    /// - Throws: ``ServiceError/configuration(_:)``.
    public static func load(from url: URL) throws(ServiceError) -> TrustMedNodeList {
        try decodeOwnerOnly(from: url)
    }
}
