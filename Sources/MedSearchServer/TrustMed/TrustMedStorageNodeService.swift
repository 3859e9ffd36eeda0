import Foundation
import Hummingbird
import MedSearchStore
import MedSearchTrustMed

/// The routes of a TrustMedSearch storage node (`medsearch serve storage-node`). Only the edge master (and an
/// admin, for usage figures) may call it:
/// - `PUT /trustmed/v1/shares/:id` stores a share (body: share bytes),
/// - `GET /trustmed/v1/shares/:id` returns it, `DELETE` removes it,
/// - `GET /trustmed/v1/usage` returns `{"shares": N, "bytes": B}`.
public enum TrustMedStorageNodeService {
    /// Opens the node's share index at `database` (default: `trustmed-node.sqlite` in `dataDirectory`).
    public static func openNode(dataDirectory: URL?, database: StoreLocation? = nil) async throws -> StorageNode {
        let location = StoreLocation.resolve(database, dataDirectory: dataDirectory, schema: TrustMedNodeDatabase.schema)
        return StorageNode(store: TrustMedNodeShareStore(database: try await TrustMedNodeDatabase.open(location)))
    }

    /// The router of a storage node.
    public static func router(node: StorageNode, tokens: AccessTokens) -> Router<MedSearchRequestContext> {
        let router = ServiceRunner.makeRouter(tokens: tokens, role: "storage-node")
        let shares = router.group("/trustmed/v1/shares")
        shares.put(":id") { request, context -> Response in
            try context.require(.edgeMaster)
            let id = try context.parameters.require("id")
            let body = try await request.bodyBytes(limit: TrustMedLimits.maxShareBytes + 1)
            try await TrustMedHTTP.mapped { try await node.put(shareID: id, bytes: body) }
            return .plainText("stored", status: .ok)
        }
        shares.get(":id") { _, context -> Response in
            try context.require(.edgeMaster)
            let id = try context.parameters.require("id")
            return .binary(try await TrustMedHTTP.mapped { try await node.get(shareID: id) })
        }
        shares.delete(":id") { _, context -> Response in
            try context.require(.edgeMaster)
            let id = try context.parameters.require("id")
            try await TrustMedHTTP.mapped { try await node.delete(shareID: id) }
            return .plainText("deleted", status: .ok)
        }
        router.get("/trustmed/v1/usage") { _, context -> Response in
            try context.require(.edgeMaster, .admin)
            let usage = try await TrustMedHTTP.mapped { try await node.usage() }
            return .binary(Array(try JSONEncoder().encode(usage)))
        }
        return router
    }
}
