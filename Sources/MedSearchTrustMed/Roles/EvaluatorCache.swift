import MedSearchCore
import Synchronization

/// The evaluator built from the registered keys, kept until other keys are registered (the edge master and the
/// search workers build it once per key fingerprint).
final class EvaluatorCache: Sendable {
    private let factory: EdgeMaster.EvaluatorFactory
    private let cached = Mutex<(keys: [UInt8], fingerprint: [UInt8], evaluator: any TrustMedEvaluator)?>(nil)

    init(factory: @escaping EdgeMaster.EvaluatorFactory) { self.factory = factory }

    /// The registration's fingerprint: the cached one when its keys are the cached evaluator's (a comparison of
    /// the bytes instead of hashing 700 KB of keys for every query).
    func fingerprint(of registration: KeyRegistration) -> [UInt8] {
        if let cached = cached.withLock({ $0 }), cached.keys == registration.evaluationKeys { return cached.fingerprint }
        return registration.fingerprint
    }

    /// The evaluator for `registration`, built on first use of its keys.
    func evaluator(for registration: KeyRegistration) throws(TrustMedError) -> any TrustMedEvaluator {
        if let cached = cached.withLock({ $0 }), cached.keys == registration.evaluationKeys { return cached.evaluator }
        let evaluator = try factory(registration)
        cached.withLock { $0 = (registration.evaluationKeys, registration.fingerprint, evaluator) }
        return evaluator
    }

    /// Checks that `registration` builds an evaluator (malformed keys are refused before they are stored).
    func check(_ registration: KeyRegistration) throws(TrustMedError) { _ = try factory(registration) }

    /// Drops the cached evaluator (after other keys were registered).
    func clear() { cached.withLock { $0 = nil } }
}

/// The evaluator's view of the last snapshot searched (block handle = sequence number, live slots), mapped once per
/// scope and version: at 1,000,000 records a view holds a million slots, not to be rebuilt for every query.
final class EvaluatorViewCache: Sendable {
    private let last = Mutex<(scope: SearchScope, version: Int64, blocks: [TrustMedEvaluatorBlock])?>(nil)

    init() {}

    /// The view of `snapshot`, read under `scope`.
    func view(of snapshot: SearchSnapshot, scope: SearchScope) -> [TrustMedEvaluatorBlock] {
        if let cached = last.withLock({ $0 }), cached.scope == scope, cached.version == snapshot.version {
            return cached.blocks
        }
        let blocks = snapshot.blocks.map {
            TrustMedEvaluatorBlock(id: $0.block.id, handle: $0.sequence, ciphertext: $0.block.ciphertext,
                                   liveSlots: $0.entries.map(\.slot))
        }
        last.withLock { $0 = (scope, snapshot.version, blocks) }
        return blocks
    }
}

/// Runs a store call, mapping any error that is not a ``TrustMedError`` to ``TrustMedError/storage(_:)``.
func storeCall<T>(_ body: () async throws -> T) async throws(TrustMedError) -> T {
    do { return try await body() } catch let error as TrustMedError { throw error } catch {
        throw .storage(String(describing: error).prefix(300).description)
    }
}
