/// How the edge master reaches its storage nodes (authenticated HTTP in the server, in-process in tests).
///
/// Implementations apply their own timeouts; the master adds a deadline of its own on top, so a slow node is
/// skipped either way.
public protocol TrustMedNodeTransport: Sendable {
    /// The number of storage nodes, n.
    var nodeCount: Int { get }
    /// Stores a share on a node (overwrites a share with the same id).
    func putShare(node: Int, shareID: String, share: [UInt8]) async throws
    /// Reads a share from a node.
    func getShare(node: Int, shareID: String) async throws -> [UInt8]
    /// Deletes a share from a node.
    func deleteShare(node: Int, shareID: String) async throws
}
