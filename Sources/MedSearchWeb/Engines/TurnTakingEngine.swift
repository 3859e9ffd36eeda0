import MedSearchCore

/// An engine actor whose multi-step operations take turns.
///
/// Actors are re-entrant at every `await`: two searches (or a search and an ingest) could otherwise interleave
/// their network round trips and, for example, consume the same FNN correlation entry or rebuild an index twice.
/// An engine runs each operation through ``exclusively(_:)``, which waits for the turn before and hands it on
/// after, so operations run in arrival order (a ``TurnQueue`` without a bound on waiting).
protocol TurnTakingEngine: Actor {
    /// The engine's turns; only ``exclusively(_:)`` touches them.
    var turns: TurnQueue { get }
}

extension TurnTakingEngine {
    /// Runs `body` when no other operation of this engine is under way.
    func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        _ = await turns.enter()
        defer { turns.leave() }
        return try await body()
    }
}
