import MedSearchCore
@testable import MedSearchTrustMed
import Synchronization
import Testing
import _MedSearchTestSupport

/// A search worker evaluates concurrent requests one at a time (its `--threads` bound holds however many queries
/// arrive) and refuses, as busy, requests beyond its waiting limit.
@Suite("Search worker: one evaluation at a time")
struct SearchWorkerQueueTests {
    /// An evaluator whose partial search holds until released, counting how many run at once.
    final class HeldEvaluator: TrustMedEvaluator {
        let state = Mutex((running: 0, most: 0, entered: 0, released: false))

        func distances(query: [UInt8], block: [UInt8]) async throws(TrustMedError) -> [UInt8] {
            throw .homomorphic("not used")
        }

        func searchUnlinkable(query: [UInt8], blocks: [TrustMedEvaluatorBlock],
                              version: Int64?) async throws(TrustMedError) -> TrustMedUnlinkableResult {
            throw .homomorphic("not used")
        }

        func searchPartial(query: [UInt8], blocks: [TrustMedEvaluatorBlock], version: Int64?) async throws(TrustMedError) -> [UInt8] {
            state.withLock { $0.running += 1; $0.most = max($0.most, $0.running); $0.entered += 1 }
            while !state.withLock({ $0.released }) { try? await Task.sleep(for: .milliseconds(2)) }
            state.withLock { $0.running -= 1 }
            return query
        }

        func mergeUnlinkable(_ parts: [[UInt8]]) throws(TrustMedError) -> TrustMedUnlinkableResult {
            throw .homomorphic("not used")
        }
    }

    @Test("concurrent searches never overlap; the one beyond the waiting limit is refused as busy (503)")
    func oneAtATime() async throws {
        let metadata = InMemoryMetadataStore()
        let registration = KeyRegistration(hashBits: 64, recordsPerBlock: 128, evaluationKeys: [7, 7, 7])
        await metadata.saveKeyRegistration(registration)
        let evaluator = HeldEvaluator()
        let worker = SearchWorker(metadata: metadata, maxWaitingSearches: 2) { _ throws(TrustMedError) in evaluator }
        func request(_ marker: UInt8) -> ShardSearchRequest {
            ShardSearchRequest(keyFingerprint: registration.fingerprint, encryptedQuery: [marker],
                               shardIndex: 0, shardCount: 1, minimumVersion: 0)
        }
        let first = Task { try await worker.search(request(1)).partial }
        #expect(await eventually { evaluator.state.withLock { $0.entered } == 1 })
        let waiting = (2...3).map { marker in Task { try await worker.search(request(UInt8(marker))).partial } }
        #expect(await eventually { worker.queue.waitingCount == 2 })
        await #expect(throws: TrustMedError.busy("2 searches are already waiting for this search worker")) {
            _ = try await worker.search(request(4))
        }
        #expect(evaluator.state.withLock { $0.entered } == 1)
        evaluator.state.withLock { $0.released = true }
        #expect(try await first.value == [1])
        #expect(try await waiting[0].value == [2])
        #expect(try await waiting[1].value == [3])
        #expect(evaluator.state.withLock { $0.most } == 1)
        #expect(evaluator.state.withLock { $0.entered } == 3)
        // A wrong key is refused before any queueing.
        await #expect(throws: TrustMedError.keyMismatch) {
            _ = try await worker.search(ShardSearchRequest(keyFingerprint: [UInt8](repeating: 0, count: 32), encryptedQuery: [9],
                                                           shardIndex: 0, shardCount: 1, minimumVersion: 0))
        }
    }
}
