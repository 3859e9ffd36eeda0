import MedSearchTransport
import MedSearchTrustMed
import Synchronization

/// Reaches storage nodes over authenticated HTTP (``Routes/StorageNode``; over mutual TLS with the master's
/// certificate when `tls` is given), each call bounded by `timeout` so a slow node is skipped.
public final class TrustMedHTTPNodeTransport: TrustMedNodeTransport {
    private let clients: Mutex<[ServiceClient]>
    private let token: String
    private let configuration: ClientConfiguration

    /// Creates a transport to `urls`, presenting `token` (and, with `tls`, the master's certificate).
    public init(urls: [String], token: String, timeout: Duration, tls: TLSCredentials? = nil) {
        self.token = token
        configuration = ClientConfiguration.standard.timeout(timeout).tls(tls)
        let configuration = self.configuration
        clients = Mutex(urls.map { ServiceClient(baseURL: $0, token: token, configuration: configuration) })
    }

    public var nodeCount: Int { clients.withLock { $0.count } }

    /// The nodes' base URLs.
    public var urls: [String] { clients.withLock { $0.map(\.baseURL) } }

    /// Points node `index` at a new URL (after the node was replaced).
    public func replaceNode(_ index: Int, url: String) {
        clients.withLock { $0[index] = ServiceClient(baseURL: url, token: token, configuration: configuration) }
    }

    private func client(_ node: Int) -> ServiceClient { clients.withLock { $0[node] } }

    public func putShare(node: Int, shareID: String, share: [UInt8]) async throws {
        _ = try await counted(node) { try await $0.call(Routes.StorageNode.putShare, shareID, body: share) }
    }

    public func getShare(node: Int, shareID: String) async throws -> [UInt8] {
        try await counted(node) { try await $0.call(Routes.StorageNode.getShare, shareID) }
    }

    public func deleteShare(node: Int, shareID: String) async throws {
        _ = try await counted(node) { try await $0.call(Routes.StorageNode.deleteShare, shareID) }
    }

    /// Runs a call of node `node`, counting a failure of the node (unreachable, timeout, 5xx) in the metrics.
    private func counted<T>(_ node: Int, _ call: (ServiceClient) async throws -> T) async throws -> T {
        do { return try await call(client(node)) } catch let error as ServiceError {
            if error.isTransient || { if case .tls = error { return true }; return false }() {
                MedSearchMetrics.shared.nodeFailure(node: node)
            }
            throw error
        }
    }
}
