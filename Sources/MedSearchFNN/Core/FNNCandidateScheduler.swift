/// C2's decision logic (FNN Algorithm 3, lines 9-30, batched for top-k): which candidates to compute next,
/// which to reject by their lower bound, and the running top-k — all on blinded values only.
///
/// Blinded values are `z = a * key + c + eta` with a secret scale `a > 0`, offset `c` and noise `0 <= eta < a`,
/// so they preserve the strict order of the integer keys. Distance keys are `(T + slack) * 2^R + rank` and bound
/// keys `L * 2^R`; a candidate is rejected when its bound key exceeds the k-th best distance key, which implies
/// `L - slack > T_k`, so it cannot enter the top-k (ties by id are encoded in the rank).
public struct FNNCandidateScheduler: Sendable, Equatable {
    /// Blinded lower-bound keys by slot.
    public let lowerBounds: [UInt128]
    /// How many neighbours are wanted.
    public let k: Int
    /// The most candidates requested per round.
    public let batchSize: Int
    /// The visiting order.
    public let order: FNNScanOrder
    private var visit: [Int]
    private var position = 0
    private var outstanding: Set<Int> = []
    /// The best blinded distance keys so far, ascending, at most `k`.
    public private(set) var best: [(slot: Int, key: UInt128)] = []
    /// Slots rejected by the lower bound.
    public private(set) var rejected = 0
    /// Slots whose distance was computed.
    public private(set) var computed = 0

    /// Creates a scheduler.
    ///
    /// - Throws: ``FNNError/invalidParameter(_:)`` when `k` or `batchSize` is not positive or there are no slots.
    public init(lowerBounds: [UInt128], k: Int, batchSize: Int, order: FNNScanOrder) throws(FNNError) {
        guard k > 0 else { throw .invalidParameter("k must be at least 1") }
        guard batchSize > 0 else { throw .invalidParameter("batch size must be at least 1") }
        guard !lowerBounds.isEmpty else { throw .invalidParameter("the database is empty") }
        self.lowerBounds = lowerBounds
        self.k = k
        self.batchSize = batchSize
        self.order = order
        var visit = Array(lowerBounds.indices)
        if order == .lowerBound { visit.sort { (lowerBounds[$0], $0) < (lowerBounds[$1], $1) } }
        self.visit = visit
    }

    /// Whether every slot has been either computed or rejected.
    public var isFinished: Bool { position >= visit.count && outstanding.isEmpty }

    /// The next slots whose distances C2 needs; empty when the scan is over (or waits for outstanding results).
    public mutating func nextBatch() -> [Int] {
        guard outstanding.isEmpty else { return [] }
        var batch: [Int] = []
        while position < visit.count && batch.count < batchSize {
            let slot = visit[position]
            if best.count >= k, lowerBounds[slot] > best[best.count - 1].key {
                if order == .lowerBound {
                    rejected += visit.count - position
                    position = visit.count
                    break
                }
                rejected += 1
                position += 1
                continue
            }
            batch.append(slot)
            position += 1
        }
        outstanding = Set(batch)
        return batch
    }

    /// Records the blinded distance keys of the slots of the last batch.
    ///
    /// - Throws: ``FNNError/malformed(_:)`` for a slot that was not requested.
    public mutating func record(slots: [Int], keys: [UInt128]) throws(FNNError) {
        guard slots.count == keys.count else { throw .malformed("slot and key counts differ") }
        for (slot, key) in zip(slots, keys) {
            guard outstanding.remove(slot) != nil else { throw .malformed("slot \(slot) was not requested") }
            computed += 1
            let index = best.firstIndex { key < $0.key } ?? best.count
            best.insert((slot, key), at: index)
            if best.count > k { best.removeLast() }
        }
    }

    /// The winners' slots, best first.
    public var winners: [Int] { best.map(\.slot) }

    public static func == (lhs: FNNCandidateScheduler, rhs: FNNCandidateScheduler) -> Bool {
        lhs.lowerBounds == rhs.lowerBounds && lhs.k == rhs.k && lhs.position == rhs.position
            && lhs.best.map(\.slot) == rhs.best.map(\.slot) && lhs.best.map(\.key) == rhs.best.map(\.key)
            && lhs.outstanding == rhs.outstanding
    }
}
