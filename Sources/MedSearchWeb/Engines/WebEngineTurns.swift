/// One-at-a-time turns for an engine actor's multi-step operations.
///
/// Actors are re-entrant at every `await`: two searches (or a search and an ingest) could otherwise interleave
/// their network round trips and, for example, consume the same FNN correlation entry or rebuild an index twice.
/// An engine calls ``acquire()`` before and ``release()`` after each operation (from its own isolation), so
/// operations run in arrival order.
struct WebEngineTurns: Sendable {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Whether an operation holds the turn.
    var isBusy: Bool { busy }

    /// Takes the turn at once if free; otherwise returns false and the caller waits with ``enqueue(_:)``.
    mutating func tryAcquire() -> Bool {
        guard !busy else { return false }
        busy = true
        return true
    }

    /// Queues a waiter that is resumed (already holding the turn) by a later ``release()``.
    mutating func enqueue(_ continuation: CheckedContinuation<Void, Never>) {
        waiting.append(continuation)
    }

    /// Hands the turn to the next waiter, or frees it.
    mutating func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
