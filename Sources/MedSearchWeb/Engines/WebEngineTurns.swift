/// One-at-a-time turns for an engine actor's multi-step operations.
///
/// Actors are re-entrant at every `await`: two searches (or a search and an ingest) could otherwise interleave
/// their network round trips and, for example, consume the same FNN correlation entry or rebuild an index twice.
/// An engine runs each operation through ``TurnTakingEngine/exclusively(_:)``, which takes the turn before and
/// releases it after (from the engine's own isolation), so operations run in arrival order.
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

/// An engine actor whose operations take turns (``WebEngineTurns``).
protocol TurnTakingEngine: Actor {
    /// The engine's turns; only ``exclusively(_:)`` touches them.
    var turns: WebEngineTurns { get set }
}

extension TurnTakingEngine {
    /// Runs `body` when no other operation of this engine is under way (actors re-enter at every `await`).
    func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if !turns.tryAcquire() { await withCheckedContinuation { turns.enqueue($0) } }
        defer { turns.release() }
        return try await body()
    }
}
