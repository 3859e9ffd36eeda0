import Synchronization

/// Admits one operation at a time, in arrival order, with a bounded number waiting.
///
/// A search worker told to use `--threads N` must not use more: each evaluation is limited to `N` threads, and this
/// queue keeps concurrent requests from running their evaluations side by side (two at once would use `2N`
/// threads and twice the memory, and finish no sooner); a request that finds `maxWaiting` others already waiting
/// is refused at once rather than queued without limit. The web application's engines run their multi-step
/// operations through one too (actors re-enter at every `await`), without a bound.
package final class TurnQueue: Sendable {
    private struct State {
        var running = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    /// The most requests that wait for their turn (beyond the one running).
    package let maxWaiting: Int

    package init(maxWaiting: Int) {
        precondition(maxWaiting >= 0, "maxWaiting must not be negative")
        self.maxWaiting = maxWaiting
    }

    /// Waits for this caller's turn and returns true, or returns false at once when `maxWaiting` are waiting.
    /// Every `true` must be followed by one ``leave()``.
    package func enter() async -> Bool {
        enum Admission { case now, queue, refuse }
        let admission: Admission = state.withLock { state in
            if !state.running {
                state.running = true
                return .now
            }
            return state.waiting.count < maxWaiting ? .queue : .refuse
        }
        switch admission {
        case .now:
            return true
        case .refuse:
            return false
        case .queue:
            await withCheckedContinuation { continuation in
                // The turn may have been freed between the check above and here: take it then instead of waiting.
                let runNow = state.withLock { state -> Bool in
                    if !state.running {
                        state.running = true
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if runNow { continuation.resume() }
            }
            return true
        }
    }

    /// Hands the turn to the longest waiting caller, or frees it.
    package func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.running = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }

    /// The number of callers waiting for their turn.
    package var waitingCount: Int { state.withLock { $0.waiting.count } }
}
