/// Reaches storage nodes in the same process (tests and single-process runs).
public struct LocalNodeTransport: TrustMedNodeTransport {
    /// The nodes, by index.
    public let nodes: [StorageNode]

    /// Creates a transport over `nodes`.
    public init(nodes: [StorageNode]) { self.nodes = nodes }

    public var nodeCount: Int { nodes.count }

    public func putShare(node: Int, shareID: String, share: [UInt8]) async throws {
        try await nodes[node].put(shareID: shareID, bytes: share)
    }

    public func getShare(node: Int, shareID: String) async throws -> [UInt8] {
        try await nodes[node].get(shareID: shareID)
    }

    public func deleteShare(node: Int, shareID: String) async throws {
        try await nodes[node].delete(shareID: shareID)
    }
}
