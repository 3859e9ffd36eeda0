import Foundation

/// Runs a whole search in one process by passing the parties' messages to each other: used by the tests,
/// by `medsearch fnn bench` and as the reference of what the network deployment does over HTTP.
public enum FNNInProcess {
    /// What one in-process search measured.
    public struct Report: Sendable {
        /// The user's ranked hits.
        public var hits: [FNNSearchHit]
        /// C1's answer (reject ratio and record count).
        public var result: FNNC1Result
        /// Messages C1 sent to C2.
        public var rounds: Int
        /// Seconds in the lower-bound pass (start to the first candidate request).
        public var lowerBoundSeconds: Double
        /// Seconds for the whole search (excluding query preparation), including the hand-over.
        public var searchSeconds: Double
        /// Seconds of the final hand-over step (C1 masking, C2 decrypting; the winners' vectors when asked for).
        public var handoverSeconds: Double = 0
    }

    /// Runs `prepared` against C1's and C2's state.
    ///
    /// - Throws: any ``FNNError`` a party raises.
    public static func search(_ prepared: FNNUser.PreparedQuery, user: FNNUser, c1: inout FNNC1Database,
                              c2: inout FNNC2Database, batchSize: Int = 1,
                              order: FNNScanOrder = .lowerBound) throws(FNNError) -> Report {
        let begin = Date()
        let entry: FNNPoolSeed? = c1.parameters.backend == .shared ? try c1.takeEntry() : nil
        var search = try FNNC1Search(database: c1, query: prepared.forC1, entry: entry, batchSize: batchSize, order: order)
        var message = try search.start()
        var (c2Search, reply) = try FNNC2Search.start(database: &c2, message: message, userShare: prepared.forC2)
        var rounds = 1
        var lowerBoundSeconds: Double?
        var handoverStart: Date?
        while true {
            if lowerBoundSeconds == nil, case .compute = reply { lowerBoundSeconds = Date().timeIntervalSince(begin) }
            switch try search.handle(reply) {
            case let .send(next):
                message = next
                rounds += 1
                if case .finish = next { handoverStart = Date() }
                reply = try c2Search.handle(message)
            case let .finished(result):
                let searchSeconds = Date().timeIntervalSince(begin)
                guard let handover = c2Search.handover else { throw .unexpectedMessage("C2 has no hand-over") }
                let hits = try user.open(result: result, handover: handover)
                return Report(hits: hits, result: result, rounds: rounds, lowerBoundSeconds: lowerBoundSeconds ?? 0,
                              searchSeconds: searchSeconds,
                              handoverSeconds: handoverStart.map { Date().timeIntervalSince($0) } ?? 0)
            }
        }
    }
}
