import Dispatch

/// Runs independent work items on all cores (feature extraction, queries of an evaluation).
package enum Parallel {
    /// `body(i)` for every i in 0..<count, in parallel; results in index order.
    package static func map<T: Sendable>(count: Int, _ body: @Sendable (Int) throws -> T) rethrows -> [T] {
        guard count > 0 else { return [] }
        let results = ResultSlots<T>(count: count)
        let chunk = max(1, count / 64)
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for i in c * chunk..<min(count, (c + 1) * chunk) {
                results.set(i, Result { try body(i) })
            }
        }
        return try results.values().map { try $0.get() }
    }
}

/// Slots written once each from different threads (distinct indices), read after all writers finished.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    // @unchecked: each index is written by exactly one iteration of concurrentPerform, and read only after
    // concurrentPerform returned (which orders all writes before the reads).
    private var storage: [Result<T, any Error>?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<T, any Error>) {
        storage.withUnsafeMutableBufferPointer { $0[index] = value }
    }

    func values() -> [Result<T, any Error>] { storage.map { $0! } }
}
