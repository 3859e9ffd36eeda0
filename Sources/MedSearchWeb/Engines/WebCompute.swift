import Dispatch

/// Runs CPU-bound engine work (feature extraction, hash training, BFV encryption) on a Dispatch worker thread
/// instead of Swift's cooperative thread pool, which has only as many threads as cores: a long extraction there
/// would stall every other request (another engine's ingest, a clinician's search) until it finished.
enum WebCompute {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
