import MedSearchCore
@testable import MedSearchTrustMed
import Testing

@Suite("TrustMedSearch storage node")
struct StorageNodeTests {
    @Test func storesByShareIDOnly() async throws {
        let store = InMemoryShareStore()
        let node = StorageNode(store: store)
        let id = EdgeMaster.newShareID()
        #expect(StorageNode.isValidShareID(id))
        try await node.put(shareID: id, bytes: [1, 2, 3])
        #expect(try await node.get(shareID: id) == [1, 2, 3])
        try await node.put(shareID: id, bytes: [4])  // overwrite is allowed (retries)
        #expect(try await node.get(shareID: id) == [4])
        #expect(try await node.usage() == ShareStoreUsage(shares: 1, bytes: 1))
        try await node.delete(shareID: id)
        try await node.delete(shareID: id)  // idempotent
        await #expect(throws: TrustMedError.unknownShare) { try await node.get(shareID: id) }
    }

    @Test func rejectsBadIDsAndSizes() async throws {
        let node = StorageNode(store: InMemoryShareStore())
        for bad in ["", "ABCDEF0123456789ABCDEF0123456789", "../../../../etc/passwd", String(repeating: "a", count: 33)] {
            await #expect(throws: TrustMedError.invalidShareID) { try await node.put(shareID: bad, bytes: [1]) }
            await #expect(throws: TrustMedError.invalidShareID) { try await node.get(shareID: bad) }
        }
        await #expect(throws: TrustMedError.self) { try await node.put(shareID: EdgeMaster.newShareID(), bytes: []) }
    }
}
