import Foundation
import Hummingbird
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed

/// A TrustMedSearch storage node (`medsearch serve storage-node`): opaque shares by share id for the edge master
/// and nothing else. Its routes and their callers are ``Routes/StorageNode`` (only the edge master stores and
/// reads; an admin may read usage figures).
public enum TrustMedStorageNodeService {
    /// Opens the node's share index at `database` (default: `trustmed-node.sqlite` in `dataDirectory`).
    public static func openNode(dataDirectory: URL?, database: StoreLocation? = nil) async throws -> StorageNode {
        try await openNodeAndStore(dataDirectory: dataDirectory, database: database).node
    }

    /// Opens the node and returns its store too (for the readiness check).
    static func openNodeAndStore(dataDirectory: URL?, database: StoreLocation?) async throws
        -> (node: StorageNode, store: any StoreDatabase) {
        let location = StoreLocation.resolve(database, dataDirectory: dataDirectory, schema: TrustMedNodeDatabase.schema)
        let opened = try await TrustMedNodeDatabase.open(location)
        return (StorageNode(store: TrustMedNodeShareStore(database: opened)), opened.database)
    }

    /// The router of a storage node (``Routes/StorageNode``).
    public static func router(node: StorageNode, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .storageNode)
        router.on(Routes.StorageNode.putShare) { call in
            let id = try call.parameter("id")
            try await TrustMedHTTP.mapped { try await node.put(shareID: id, bytes: call.body) }
            return .text("stored")
        }
        router.on(Routes.StorageNode.getShare) { call in
            let id = try call.parameter("id")
            return .bytes(try await TrustMedHTTP.mapped { try await node.get(shareID: id) })
        }
        router.on(Routes.StorageNode.deleteShare) { call in
            let id = try call.parameter("id")
            try await TrustMedHTTP.mapped { try await node.delete(shareID: id) }
            return .text("deleted")
        }
        router.on(Routes.StorageNode.usage) { _ in
            let usage = try await TrustMedHTTP.mapped { try await node.usage() }
            return try .json(StorageNodeUsage(shares: usage.shares, bytes: usage.bytes))
        }
        return router
    }
}
