import MedSearchTransport
import MedSearchTrustMed
import Synchronization

/// Reaches storage nodes over authenticated HTTP (``Routes/StorageNode``), each call
/// bounded by `timeout` so a slow node is skipped.
public final class TrustMedHTTPNodeTransport: TrustMedNodeTransport {
    private let clients: Mutex<[ServiceClient]>
    private let token: String
    private let timeout: Duration

    /// Creates a transport to `urls`, presenting `token`.
    public init(urls: [String], token: String, timeout: Duration) {
        self.token = token
        self.timeout = timeout
        clients = Mutex(urls.map { ServiceClient(baseURL: $0, token: token, timeout: timeout) })
    }

    public var nodeCount: Int { clients.withLock { $0.count } }

    /// The nodes' base URLs.
    public var urls: [String] { clients.withLock { $0.map(\.baseURL) } }

    /// Points node `index` at a new URL (after the node was replaced).
    public func replaceNode(_ index: Int, url: String) {
        clients.withLock { $0[index] = ServiceClient(baseURL: url, token: token, timeout: timeout) }
    }

    private func client(_ node: Int) -> ServiceClient { clients.withLock { $0[node] } }

    public func putShare(node: Int, shareID: String, share: [UInt8]) async throws {
        _ = try await client(node).call(Routes.StorageNode.putShare, shareID, body: share)
    }

    public func getShare(node: Int, shareID: String) async throws -> [UInt8] {
        try await client(node).call(Routes.StorageNode.getShare, shareID)
    }

    public func deleteShare(node: Int, shareID: String) async throws {
        _ = try await client(node).call(Routes.StorageNode.deleteShare, shareID)
    }
}
