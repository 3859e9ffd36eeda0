import Dispatch

/// The package's one parallel map: independent work items on all cores, results in index order.
///
/// Each result slot is written exactly once, by the iteration that owns its index, through a pointer obtained
/// before the work starts; the slots are read only after `DispatchQueue.concurrentPerform` returned, which orders
/// every write before the reads. No array is mutated from several threads (no copy-on-write check, no
/// exclusivity check races), so the thread sanitizer has nothing to report (scripts/sanitize.sh).
package enum Parallel {
    /// `body(i)` for every `i` in `0..<count`, in parallel; results in index order.
    ///
    /// Iterations are grouped into at most 64 contiguous chunks, so a cheap `body` is not swamped by scheduling.
    /// Every iteration runs even when one throws; the error of the lowest failing index is rethrown.
    package static func map<T: Sendable, E: Error>(count: Int, _ body: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
        guard count > 1 else { return try (0..<count).map { index throws(E) in try body(index) } }
        let slots = ResultSlots<T, E>(count: count)
        let chunk = max(1, count / 64)
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for index in c * chunk..<min(count, (c + 1) * chunk) {
                slots.write(index, Result { () throws(E) in try body(index) })
            }
        }
        return try slots.collect()
    }
}

/// `count` result slots, each initialised once by the iteration that owns its index.
private final class ResultSlots<T: Sendable, E: Error>: @unchecked Sendable {
    // @unchecked Sendable: `base` is fixed at init; concurrent writers touch disjoint slots (one index each) and
    // `collect` runs after concurrentPerform returned, so no slot is ever accessed by two threads at once.
    private let base: UnsafeMutablePointer<Result<T, E>>
    private let count: Int
    private var initialised = false

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
    }

    /// Initialises slot `index` (once per index, from any thread).
    func write(_ index: Int, _ value: Result<T, E>) {
        (base + index).initialize(to: value)
    }

    /// The results in index order, or the first error; call once, after every slot was written.
    func collect() throws(E) -> [T] {
        initialised = true
        var values: [T] = []
        values.reserveCapacity(count)
        for index in 0..<count { values.append(try base[index].get()) }
        return values
    }

    deinit {
        if initialised { base.deinitialize(count: count) }
        base.deallocate()
    }
}
