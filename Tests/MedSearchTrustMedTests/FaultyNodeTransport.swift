import MedSearchTrustMed
import Synchronization

/// A transport over in-process storage nodes that can make a node fail the way real ones do: down
/// (connection refused), slow (answers after a delay), or returning a corrupted share.
final class FaultyNodeTransport: TrustMedNodeTransport {
    enum Mode: Sendable, Equatable {
        case healthy
        case down
        case slow(Duration)
        case corrupt
    }

    struct NodeDown: Error {}

    private let nodes: Mutex<[StorageNode]>
    private let modes: Mutex<[Mode]>

    init(nodes: [StorageNode]) {
        self.nodes = Mutex(nodes)
        modes = Mutex(Array(repeating: .healthy, count: nodes.count))
    }

    var nodeCount: Int { nodes.withLock { $0.count } }

    func set(_ mode: Mode, for node: Int) { modes.withLock { $0[node] = mode } }
    func healAll() { modes.withLock { $0 = Array(repeating: .healthy, count: $0.count) } }
    /// Replaces node `index` by a fresh, empty one.
    func replace(_ index: Int, with node: StorageNode) { nodes.withLock { $0[index] = node } }
    func node(_ index: Int) -> StorageNode { nodes.withLock { $0[index] } }

    private func before(_ node: Int) async throws -> Mode {
        let mode = modes.withLock { $0[node] }
        switch mode {
        case .down: throw NodeDown()
        case let .slow(delay): try await Task.sleep(for: delay)
        case .healthy, .corrupt: break
        }
        return mode
    }

    func putShare(node: Int, shareID: String, share: [UInt8]) async throws {
        _ = try await before(node)
        try await self.node(node).put(shareID: shareID, bytes: share)
    }

    func getShare(node: Int, shareID: String) async throws -> [UInt8] {
        let mode = try await before(node)
        var share = try await self.node(node).get(shareID: shareID)
        if mode == .corrupt { share[share.count / 2] ^= 0x01 }
        return share
    }

    func deleteShare(node: Int, shareID: String) async throws {
        _ = try await before(node)
        try await self.node(node).delete(shareID: shareID)
    }
}
